// The EventLog port's contract: one vitest suite that every adapter (Kafka, embedded) must pass.
// It checks the promises the port makes to its users — durability across restart, per-key order,
// consumer groups that share partitions and commit only after a batch was handled, redelivery of
// failed and crashed batches, and typed errors — against the real engine behind the adapter.
// Each test works on its own topics and groups, so one engine instance serves the whole file.
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventLogError,
  partitionForKey,
  runProjection,
  type DeadLetter,
  type EventBatch,
  type EventLog,
  type LogEvent,
  type OutgoingEvent,
  type RetryInfo,
  type SubscribeOptions,
  type Subscription,
} from '@sp/ports';

export interface EventLogHarness {
  /** Opens a log on this test file's engine/data (the same data on every call). */
  create(): Promise<EventLog>;
  /**
   * Closes `log`, restarts the engine on the same data where there is one (Kafka: the broker
   * process), and returns a log opened anew on that data.
   */
  restart(log: EventLog): Promise<EventLog>;
  /**
   * How a child process builds the same adapter: `import(moduleUrl)[factory](options)`; the module
   * is the adapter's built dist, `options` must survive JSON.
   */
  child: { moduleUrl: string; factory: string; options: unknown };
  /** true when only one process may have the data open at a time (embedded: directory lock) */
  exclusive: boolean;
  /** per-test timeout; engines with slow group rebalances need more */
  timeoutMs?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const bytes = (s: string) => enc.encode(s);
const text = (v: Uint8Array) => dec.decode(v);

let counter = 0;
const unique = (what: string) => `contract-${what}-${process.pid}-${Date.now().toString(36)}-${counter++}`;

async function waitUntil(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

interface Consumed {
  sub: Subscription;
  /** events of batches whose handler resolved, in handling order */
  events: LogEvent[];
  /** every batch handed to the handler, including failed ones */
  batches: EventBatch[];
  errors: { error: unknown; batch: EventBatch; retry: RetryInfo }[];
}

/** Subscribes and records what arrives; `handle` may throw to fail a batch. */
async function consume(log: EventLog, options: Omit<SubscribeOptions, 'handleBatch'> & { handle?: (batch: EventBatch) => Promise<void> | void }): Promise<Consumed> {
  const consumed: Omit<Consumed, 'sub'> = { events: [], batches: [], errors: [] };
  const { handle, ...rest } = options;
  const sub = await log.subscribe({
    ...rest,
    handleBatch: async (batch) => {
      consumed.batches.push(batch);
      await handle?.(batch);
      consumed.events.push(...batch.events);
    },
    onHandlerError: (error, batch, retry) => {
      consumed.errors.push({ error, batch, retry });
    },
  });
  return Object.assign(consumed, { sub });
}

function keyed(key: string, value: string, extra: Partial<OutgoingEvent> = {}): OutgoingEvent {
  return { key, value: bytes(value), ...extra };
}

async function expectCode(promise: Promise<unknown>, code: string): Promise<EventLogError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected an EventLogError ${code}`).toBeInstanceOf(EventLogError);
  expect((error as EventLogError).code).toBe(code);
  return error as EventLogError;
}

/** A consumer in its own process that handles `commitBatches` batches and then hangs in the next. */
const crashingChildScript = `
const cfg = JSON.parse(process.env.SP_EVENTLOG_CHILD);
const mod = await import(cfg.moduleUrl);
const log = await mod[cfg.factory](cfg.options);
setInterval(() => {}, 1 << 30);
let handled = 0;
await log.subscribe({
  groupId: cfg.groupId,
  topics: [cfg.topic],
  maxBatchSize: cfg.maxBatchSize,
  handleBatch: async (batch) => {
    const first = batch.events[0].offset;
    const last = batch.events[batch.events.length - 1].offset;
    if (handled < cfg.commitBatches) {
      handled++;
      process.stdout.write('HANDLED ' + batch.partition + ' ' + first + ' ' + last + '\\n');
      return;
    }
    process.stdout.write('HANGING ' + batch.partition + ' ' + first + ' ' + last + '\\n');
    await new Promise(() => {});
  },
});
process.stdout.write('SUBSCRIBED\\n');
`;

export function eventLogContract(name: string, harness: EventLogHarness): void {
  const timeout = harness.timeoutMs ?? 60_000;

  describe(`EventLog contract: ${name}`, () => {
    let log: EventLog;

    beforeAll(async () => {
      log = await harness.create();
    });
    afterAll(async () => {
      await log?.close();
    });

    it(
      'creates topics idempotently with the requested partitions',
      async () => {
        const topic = unique('topics');
        await Promise.all([log.ensureTopics([{ name: topic, partitions: 3 }]), log.ensureTopics([{ name: topic, partitions: 3 }])]);
        await log.ensureTopics([{ name: topic, partitions: 3 }]);
        expect(await log.endOffsets(topic)).toEqual(
          new Map([
            [0, 0n],
            [1, 0n],
            [2, 0n],
          ]),
        );
      },
      timeout,
    );

    it(
      'delivers a bulk subscription (a rebuild) every event of a partition holding more than a default fetch, in offset order, once',
      async () => {
        const topic = unique('bulk');
        await log.ensureTopics([{ name: topic, partitions: 1 }]);
        // 3 MiB: three of kafkajs' default 1 MiB fetches of a partition, less than one bulk fetch
        const pad = 'x'.repeat(10 * 1024);
        for (let chunk = 0; chunk < 3; chunk++) {
          await log.append(
            topic,
            Array.from({ length: 100 }, (_, i) => keyed('one', `${chunk * 100 + i}#${pad}`)),
          );
        }
        const c = await consume(log, { groupId: unique('bulk-group'), topics: [topic], startFrom: 'earliest', maxBatchSize: 10_000, bulk: true });
        await c.sub.caughtUp(timeout);
        await c.sub.stop();
        expect(c.events.map((e) => Number(text(e.value).split('#')[0]))).toEqual(Array.from({ length: 300 }, (_, i) => i));
        expect(c.events.map((e) => e.offset)).toEqual(Array.from({ length: 300 }, (_, i) => BigInt(i)));
      },
      timeout,
    );

    it(
      'appends with consecutive offsets per partition, placing keys like Kafka’s partitioner',
      async () => {
        const topic = unique('append');
        await log.ensureTopics([{ name: topic, partitions: 4 }]);
        const events = Array.from({ length: 30 }, (_, i) => keyed(`k${i % 10}`, `v${i}`));
        const first = await log.append(topic, events);
        const second = await log.append(topic, events.slice(0, 10));
        const next = new Map<number, bigint>();
        for (const [i, appended] of [...first, ...second].entries()) {
          const event = i < 30 ? events[i]! : events[i - 30]!;
          expect(appended.topic).toBe(topic);
          expect(appended.partition).toBe(partitionForKey(event.key, 4));
          const expected = next.get(appended.partition) ?? 0n;
          expect(appended.offset).toBe(expected);
          next.set(appended.partition, expected + 1n);
        }
        const ends = await log.endOffsets(topic);
        for (let p = 0; p < 4; p++) expect(ends.get(p)).toBe(next.get(p) ?? 0n);
      },
      timeout,
    );

    it(
      'keeps per-key order across many keys and concurrent appends',
      async () => {
        const topic = unique('order');
        await log.ensureTopics([{ name: topic, partitions: 4 }]);
        const keys = Array.from({ length: 40 }, (_, i) => `stadtteil-${i}`);
        const rounds = 8;
        // issued without awaiting: call order defines per-key order
        const appends: Promise<unknown>[] = [];
        for (let r = 0; r < rounds; r++) {
          for (const key of keys) appends.push(log.append(topic, [keyed(key, `${key}#${r}`)]));
          // and some multi-key calls in between
          appends.push(
            log.append(
              topic,
              keys.slice(0, 5).map((key) => keyed(key, `${key}#${r}b`)),
            ),
          );
        }
        await Promise.all(appends);

        const c = await consume(log, { groupId: unique('g'), topics: [topic] });
        await c.sub.caughtUp(timeout);
        await c.sub.stop();

        const perKey = new Map<string, string[]>();
        for (const e of c.events) {
          expect(e.partition).toBe(partitionForKey(e.key, 4));
          perKey.set(e.key, [...(perKey.get(e.key) ?? []), text(e.value).split('#')[1]!]);
        }
        for (const [i, key] of keys.entries()) {
          const expected = Array.from({ length: rounds }, (_, r) => (i < 5 ? [`${r}`, `${r}b`] : [`${r}`])).flat();
          expect(perKey.get(key)).toEqual(expected);
        }
      },
      timeout,
    );

    it(
      'takes concurrent appends of several MiB into one partition, and one append of MiB, each with its own consecutive offsets',
      async () => {
        // a Kafka adapter that coalesces appends into one produce request must keep each record
        // batch under the broker's message.max.bytes (1 MiB by default)
        const topic = unique('large');
        await log.ensureTopics([{ name: topic, partitions: 1 }]);
        const pad = 'x'.repeat(500);
        const appends = Array.from({ length: 8 }, (_, a) =>
          log.append(
            topic,
            Array.from({ length: 1000 }, (_, i) => keyed(`k${i}`, `${a}#${i}#${pad}`)),
          ),
        );
        const results = await Promise.all(appends);
        for (const appended of results) {
          expect(appended).toHaveLength(1000);
          appended.forEach((x, i) => {
            expect(x.offset).toBe(appended[0]!.offset + BigInt(i));
          });
        }
        expect((await log.endOffsets(topic)).get(0)).toBe(8000n);
        // and one append of 2.5 MiB on its own (a large delivery), in order after them
        const big = await log.append(
          topic,
          Array.from({ length: 5000 }, (_, i) => keyed(`k${i}`, `big#${i}#${pad}`)),
        );
        expect(big.map((x) => x.offset)).toEqual(Array.from({ length: 5000 }, (_, i) => 8000n + BigInt(i)));
        expect((await log.endOffsets(topic)).get(0)).toBe(13000n);
      },
      timeout,
    );

    it(
      'hands the handler batches of one partition in offset order, at most maxBatchSize long',
      async () => {
        const topic = unique('batches');
        await log.ensureTopics([{ name: topic, partitions: 3 }]);
        await log.append(
          topic,
          Array.from({ length: 60 }, (_, i) => keyed(`k${i % 4}`, `v${i}`)),
        );
        const c = await consume(log, { groupId: unique('g'), topics: [topic], maxBatchSize: 7 });
        await c.sub.caughtUp(timeout);
        await c.sub.stop();

        expect(c.events).toHaveLength(60);
        expect(c.batches.some((b) => b.events.length === 7)).toBe(true);
        const next = new Map<number, bigint>();
        for (const batch of c.batches) {
          expect(batch.events.length).toBeGreaterThan(0);
          expect(batch.events.length).toBeLessThanOrEqual(7);
          for (const e of batch.events) {
            expect(e.topic).toBe(batch.topic);
            expect(e.partition).toBe(batch.partition);
            // contiguous within and across batches of a partition: no gap, no repeat
            expect(e.offset).toBe(next.get(batch.partition) ?? 0n);
            next.set(batch.partition, e.offset + 1n);
          }
        }
      },
      timeout,
    );

    it(
      'commits handled batches; a new subscription of the group resumes after the committed offset',
      async () => {
        const topic = unique('resume');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 2 }]);
        await log.append(
          topic,
          Array.from({ length: 20 }, (_, i) => keyed(`k${i % 5}`, `old${i}`)),
        );
        const first = await consume(log, { groupId, topics: [topic], maxBatchSize: 3 });
        await first.sub.caughtUp(timeout);
        await first.sub.stop();
        expect(first.events).toHaveLength(20);
        expect(await log.committedOffsets(groupId, topic)).toEqual(await log.endOffsets(topic));

        await log.append(
          topic,
          Array.from({ length: 10 }, (_, i) => keyed(`k${i % 5}`, `new${i}`)),
        );
        const second = await consume(log, { groupId, topics: [topic] });
        await second.sub.caughtUp(timeout);
        await second.sub.stop();
        expect(second.events.map((e) => text(e.value)).sort()).toEqual(Array.from({ length: 10 }, (_, i) => `new${i}`).sort());
        expect(await log.committedOffsets(groupId, topic)).toEqual(await log.endOffsets(topic));
      },
      timeout,
    );

    it(
      'redelivers a batch whose handler threw, and commits nothing for it',
      async () => {
        const topic = unique('retry');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 2 }]);
        const appended = await log.append(
          topic,
          Array.from({ length: 10 }, (_, i) => keyed('one-key', `v${i}`)),
        );
        const partition = appended[0]!.partition;
        let failed = false;
        let committedAtFailure: Map<number, bigint> | undefined;
        const c = await consume(log, {
          groupId,
          topics: [topic],
          maxBatchSize: 4,
          handle: async (batch) => {
            if (!failed && batch.events[0]!.offset === 4n) {
              failed = true;
              committedAtFailure = await log.committedOffsets(groupId, topic);
              throw new Error('boom: projection failed');
            }
          },
        });
        await c.sub.caughtUp(timeout);
        await c.sub.stop();

        expect(c.errors).toHaveLength(1);
        expect((c.errors[0]!.error as Error).message).toBe('boom: projection failed');
        expect(c.errors[0]!.batch.events.map((e) => e.offset)).toEqual([4n, 5n, 6n, 7n]);
        // the first batch was committed before the failure, the failed one was not
        expect(committedAtFailure?.get(partition)).toBe(4n);
        const delivered = c.batches.map((b) => b.events.map((e) => Number(e.offset)));
        expect(delivered).toEqual([
          [0, 1, 2, 3],
          [4, 5, 6, 7],
          [4, 5, 6, 7],
          [8, 9],
        ]);
        expect(c.events.map((e) => text(e.value))).toEqual(Array.from({ length: 10 }, (_, i) => `v${i}`));
        expect((await log.committedOffsets(groupId, topic)).get(partition)).toBe(10n);
      },
      timeout,
    );

    it(
      'backs off longer with each consecutive failure of a partition, and starts over after a success',
      async () => {
        const topic = unique('backoff');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 1 }]);
        await log.append(
          topic,
          Array.from({ length: 4 }, (_, i) => keyed('k', `v${i}`)),
        );
        const failures = new Map<bigint, number>([
          [0n, 3],
          [2n, 1],
        ]);
        const c = await consume(log, {
          groupId,
          topics: [topic],
          maxBatchSize: 2,
          handle: (batch) => {
            const first = batch.events[0]!.offset;
            const left = failures.get(first) ?? 0;
            if (left > 0) {
              failures.set(first, left - 1);
              throw new Error(`down at ${first}`);
            }
          },
        });
        await c.sub.caughtUp(timeout);
        await c.sub.stop();
        const retries = c.errors.map((e) => e.retry);
        expect(retries.map((r) => r.attempt)).toEqual([1, 2, 3, 1]);
        const [d1, d2, d3, again] = retries.map((r) => r.delayMs) as [number, number, number, number];
        expect(d1).toBeGreaterThan(0);
        expect([d2, d3, again]).toEqual([2 * d1, 4 * d1, d1]);
        expect(c.events.map((e) => text(e.value))).toEqual(['v0', 'v1', 'v2', 'v3']);
      },
      timeout,
    );

    it(
      'runs a projection past a poison event: split down to it, dead-lettered once, the rest applied in order; transient errors retried',
      async () => {
        const topic = unique('poison');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 2 }]);
        const appended = await log.append(
          topic,
          Array.from({ length: 10 }, (_, i) => keyed('one-key', `v${i}`)),
        );
        const letters = new Map<string, DeadLetter>();
        const lines: string[] = [];
        const applied: string[] = [];
        let unavailable = 2;
        const running = await runProjection(
          log,
          {
            groupId,
            topics: [topic],
            maxBatchSize: 10,
            apply: async (events) => {
              const values = events.map((e) => text(e.value));
              if (values.includes('v4')) throw new TypeError('cannot apply v4');
              if (values.includes('v7') && unavailable-- > 0) throw new EventLogError('UNAVAILABLE', 'store down');
              applied.push(...values);
            },
          },
          {
            deadLetters: {
              record: async (letter) => {
                letters.set(`${letter.topic}/${letter.partition}/${letter.offset}`, letter);
              },
            },
            log: (line) => lines.push(line),
          },
        );
        await running.caughtUp(timeout);
        await running.stop();

        const expected = Array.from({ length: 10 }, (_, i) => `v${i}`).filter((v) => v !== 'v4');
        // applied in offset order each time (the batch is delivered again after the transient errors)
        expect([...new Set(applied)]).toEqual(expected);
        expect([...letters.values()].map((l) => ({ groupId: l.groupId, topic: l.topic, partition: l.partition, offset: l.offset, key: l.key, error: l.error, value: text(l.value) }))).toEqual([
          { groupId, topic, partition: appended[4]!.partition, offset: appended[4]!.offset, key: 'one-key', error: 'TypeError: cannot apply v4', value: 'v4' },
        ]);
        expect(running.stats).toMatchObject({ groupId, deadLettered: 1, retries: 2, failing: null });
        expect(lines.filter((l) => l.includes('UNAVAILABLE') || l.includes('store down'))).toHaveLength(2);
        expect(lines.filter((l) => l.includes('dead-lettered'))).toHaveLength(1);
        expect((await log.committedOffsets(groupId, topic)).get(appended[0]!.partition)).toBe(10n);
      },
      timeout,
    );

    it(
      'lets stop() finish the in-flight batch and commit it; nothing is handled afterwards',
      async () => {
        const topic = unique('stop');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 1 }]);
        await log.append(
          topic,
          Array.from({ length: 20 }, (_, i) => keyed('k', `v${i}`)),
        );
        let started = 0;
        let finished = 0;
        const c = await consume(log, {
          groupId,
          topics: [topic],
          maxBatchSize: 5,
          handle: async () => {
            started++;
            await new Promise((r) => setTimeout(r, 400));
            finished++;
          },
        });
        await waitUntil(() => started === 1, timeout, 'the first batch');
        await c.sub.stop();
        expect(finished).toBe(started);
        const handled = c.events.length;
        expect(handled).toBeGreaterThanOrEqual(5);
        expect((await log.committedOffsets(groupId, topic)).get(0)).toBe(BigInt(handled));
        await new Promise((r) => setTimeout(r, 300));
        expect(c.events.length).toBe(handled);
      },
      timeout,
    );

    it(
      'starts a new group at the end with startFrom latest',
      async () => {
        const topic = unique('latest');
        await log.ensureTopics([{ name: topic, partitions: 2 }]);
        await log.append(
          topic,
          Array.from({ length: 6 }, (_, i) => keyed(`k${i}`, `before${i}`)),
        );
        const c = await consume(log, { groupId: unique('g'), topics: [topic], startFrom: 'latest' });
        await log.append(
          topic,
          Array.from({ length: 3 }, (_, i) => keyed(`k${i}`, `after${i}`)),
        );
        await waitUntil(() => c.events.length >= 3, timeout, 'the events appended after subscribe');
        await c.sub.caughtUp(timeout);
        await c.sub.stop();
        expect(c.events.map((e) => text(e.value)).sort()).toEqual(['after0', 'after1', 'after2']);
      },
      timeout,
    );

    it(
      'shares partitions between two members of a group, which together see every event exactly once',
      async () => {
        const topic = unique('share');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 4 }]);
        const a = await consume(log, { groupId, topics: [topic], maxBatchSize: 10 });
        const b = await consume(log, { groupId, topics: [topic], maxBatchSize: 10 });
        const events = Array.from({ length: 200 }, (_, i) => keyed(`key-${i % 50}`, `e${i}`));
        await log.append(topic, events);
        await waitUntil(() => a.events.length + b.events.length >= 200, timeout, 'all events');
        await Promise.all([a.sub.caughtUp(timeout), b.sub.caughtUp(timeout)]);

        const all = [...a.events, ...b.events].map((e) => text(e.value));
        expect(all.sort()).toEqual(events.map((e) => text(e.value)).sort());
        expect(a.events.length).toBeGreaterThan(0);
        expect(b.events.length).toBeGreaterThan(0);
        const partitionsOf = (c: Consumed) => new Set(c.events.map((e) => e.partition));
        const shared = [...partitionsOf(a)].filter((p) => partitionsOf(b).has(p));
        expect(shared).toEqual([]);

        // when one member leaves, the other takes over its partitions
        await a.sub.stop();
        const more = Array.from({ length: 40 }, (_, i) => keyed(`key-${i}`, `later${i}`));
        await log.append(topic, more);
        await waitUntil(() => b.events.filter((e) => text(e.value).startsWith('later')).length >= 40, timeout, 'takeover');
        await b.sub.caughtUp(timeout);
        await b.sub.stop();
        expect(b.events.filter((e) => text(e.value).startsWith('later'))).toHaveLength(40);
        expect(await log.committedOffsets(groupId, topic)).toEqual(await log.endOffsets(topic));
      },
      timeout,
    );

    it(
      'tells each member the partitions assigned to it: all for one member, disjoint shares of all for two, taken over when one leaves, none after stop()',
      async () => {
        const topic = unique('assigned');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 4 }]);
        const all = [0, 1, 2, 3];
        const of = (c: Consumed) => c.sub.assigned().map((p) => `${p.topic}/${p.partition}`);
        const partitions = (c: Consumed) => c.sub.assigned().map((p) => p.partition);
        const a = await consume(log, { groupId, topics: [topic], maxBatchSize: 10 });
        expect(of(a)).toEqual(all.map((p) => `${topic}/${p}`));

        const b = await consume(log, { groupId, topics: [topic], maxBatchSize: 10 });
        // Kafka: subscribe() resolves on b's join; a learns its share from the same rebalance a moment later
        await waitUntil(() => partitions(a).length > 0 && partitions(b).length > 0 && partitions(a).length + partitions(b).length === 4, timeout, 'both members assigned');
        expect([...partitions(a), ...partitions(b)].sort()).toEqual(all);
        // each member is handed events of its own partitions only
        await log.append(
          topic,
          Array.from({ length: 80 }, (_, i) => keyed(`key-${i}`, `e${i}`)),
        );
        await waitUntil(() => a.events.length + b.events.length >= 80, timeout, 'all events');
        expect(a.events.every((e) => partitions(a).includes(e.partition))).toBe(true);
        expect(b.events.every((e) => partitions(b).includes(e.partition))).toBe(true);

        await a.sub.stop();
        expect(a.sub.assigned()).toEqual([]);
        await waitUntil(() => partitions(b).length === 4, timeout, 'the takeover');
        expect(of(b)).toEqual(all.map((p) => `${topic}/${p}`));
        await b.sub.stop();
        expect(b.sub.assigned()).toEqual([]);
      },
      timeout,
    );

    it(
      'redelivers the batch of a consumer process killed mid-batch to the next consumer of the group',
      async () => {
        const topic = unique('crash');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 2 }]);
        const appended = await log.append(
          topic,
          Array.from({ length: 30 }, (_, i) => keyed('crash-key', `v${i}`)),
        );
        const partition = appended[0]!.partition;
        if (harness.exclusive) await log.close();

        const child = spawn(process.execPath, ['--input-type=module', '-e', crashingChildScript], {
          env: {
            ...process.env,
            SP_EVENTLOG_CHILD: JSON.stringify({ ...harness.child, groupId, topic, maxBatchSize: 10, commitBatches: 1 }),
          },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.stderr.on('data', (d: Buffer) => (out += d.toString()));
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        try {
          await Promise.race([
            waitUntil(() => /^HANGING /m.test(out), timeout, 'the child to be inside its second batch'),
            exited.then(() => {
              throw new Error(`child exited early:\n${out}`);
            }),
          ]);
        } finally {
          child.kill('SIGKILL');
          await exited;
        }
        expect(child.signalCode).toBe('SIGKILL');
        const [, p, first, last] = /^HANGING (\d+) (\d+) (\d+)$/m.exec(out)!;
        expect(Number(p)).toBe(partition);
        expect([first, last]).toEqual(['10', '19']);
        expect(out).toMatch(/^HANDLED \d+ 0 9$/m);

        if (harness.exclusive) log = await harness.create();
        // the handled batch was committed, the one in flight at the kill was not
        expect((await log.committedOffsets(groupId, topic)).get(partition)).toBe(10n);
        const next = await consume(log, { groupId, topics: [topic] });
        await next.sub.caughtUp(timeout);
        await next.sub.stop();
        expect(next.events.map((e) => Number(e.offset))).toEqual(Array.from({ length: 20 }, (_, i) => 10 + i));
        expect((await log.committedOffsets(groupId, topic)).get(partition)).toBe(30n);
      },
      timeout * 2,
    );

    it(
      'keeps events, their content and committed offsets across a restart',
      async () => {
        const topic = unique('restart');
        const groupId = unique('g');
        await log.ensureTopics([{ name: topic, partitions: 3 }]);
        const binary = new Uint8Array([0, 255, 1, 254, 0, 0, 10, 13]);
        const events: OutgoingEvent[] = Array.from({ length: 30 }, (_, i) => ({
          key: `Stadtteil-${i % 7}-ü`,
          value: i === 0 ? binary : bytes(`v${i}`),
          headers: { 'schema-id': String(i), amt: 'Jugendamt Köln' },
          timestamp: 1_700_000_000_000 + i,
        }));
        const appended = await log.append(topic, events);
        const c = await consume(log, { groupId, topics: [topic] });
        await c.sub.caughtUp(timeout);
        await c.sub.stop();
        await log.append(topic, [keyed('late', 'uncommitted-1'), keyed('late', 'uncommitted-2')]);
        const ends = await log.endOffsets(topic);
        const committed = await log.committedOffsets(groupId, topic);

        log = await harness.restart(log);

        expect(await log.endOffsets(topic)).toEqual(ends);
        expect(await log.committedOffsets(groupId, topic)).toEqual(committed);
        const resumed = await consume(log, { groupId, topics: [topic] });
        await resumed.sub.caughtUp(timeout);
        await resumed.sub.stop();
        expect(resumed.events.map((e) => text(e.value))).toEqual(['uncommitted-1', 'uncommitted-2']);

        const all = await consume(log, { groupId: unique('g'), topics: [topic] });
        await all.sub.caughtUp(timeout);
        await all.sub.stop();
        const byPosition = new Map(all.events.map((e) => [`${e.partition}/${e.offset}`, e]));
        for (const [i, a] of appended.entries()) {
          const e = byPosition.get(`${a.partition}/${a.offset}`);
          expect(e, `event ${i}`).toBeDefined();
          expect(e!.key).toBe(events[i]!.key);
          expect(Array.from(e!.value)).toEqual(Array.from(events[i]!.value));
          expect(e!.headers).toEqual(events[i]!.headers);
          expect(e!.timestamp).toBe(events[i]!.timestamp);
        }
      },
      timeout * 2,
    );

    it(
      'fails with typed errors for unknown topics and a closed log',
      async () => {
        const missing = unique('missing');
        await expectCode(log.append(missing, [keyed('k', 'v')]), 'UNKNOWN_TOPIC');
        await expectCode(log.subscribe({ groupId: unique('g'), topics: [missing], handleBatch: async () => {} }), 'UNKNOWN_TOPIC');
        await expectCode(log.endOffsets(missing), 'UNKNOWN_TOPIC');
        await expectCode(log.committedOffsets(unique('g'), missing), 'UNKNOWN_TOPIC');

        const topic = unique('closed');
        await log.ensureTopics([{ name: topic, partitions: 1 }]);
        const other = harness.exclusive ? log : await harness.create();
        await other.close();
        await other.close(); // idempotent
        const closed = await expectCode(other.append(topic, [keyed('k', 'v')]), 'CLOSED');
        expect(closed.transient).toBe(false);
        await expectCode(other.subscribe({ groupId: unique('g'), topics: [topic], handleBatch: async () => {} }), 'CLOSED');
        await expectCode(other.ensureTopics([{ name: topic, partitions: 1 }]), 'CLOSED');
        await expectCode(other.endOffsets(topic), 'CLOSED');
        if (harness.exclusive) log = await harness.create();
        expect((await log.endOffsets(topic)).get(0)).toBe(0n);
      },
      timeout,
    );
  });
}
