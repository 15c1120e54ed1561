// The Kafka adapter across a broker restart: appends fail fast (UNAVAILABLE) while the broker is
// down, a running subscription carries on afterwards, and committed offsets survive, so every
// event is consumed exactly once by a group that commits — before, across and after the restart.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { EventLog, LogEvent, Subscription } from '@sp/ports';
import { startKafka, type KafkaInstance } from '@sp/testing';
import { createKafkaEventLog, type KafkaEventLog, type KafkaEventLogOptions } from './kafka-event-log.js';

let kafka: KafkaInstance;
let options: KafkaEventLogOptions;

beforeAll(async () => {
  kafka = await startKafka({ partitions: 1 });
  options = {
    brokers: kafka.brokers,
    clientId: 'eventlog-broker-restart',
    appendTimeoutMs: 3000,
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250, retryBackoffMs: 100 },
  };
}, 180_000);
afterAll(async () => {
  await kafka?.wipe();
});

const value = (s: string) => new TextEncoder().encode(s);
const text = (e: LogEvent) => new TextDecoder().decode(e.value);

async function consume(log: EventLog, groupId: string, topic: string): Promise<{ sub: Subscription; seen: string[] }> {
  const seen: string[] = [];
  const sub = await log.subscribe({ groupId, topics: [topic], handleBatch: async (b) => void seen.push(...b.events.map(text)) });
  return { sub, seen };
}

async function eventually<T>(fn: () => Promise<T>, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    try {
      return await fn();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 300));
    }
  }
}

describe('kafka event log across a broker restart', () => {
  let log: KafkaEventLog;
  afterAll(async () => {
    await log?.close();
  });

  it('fails fast while the broker is down and consumes every event exactly once around the restart', async () => {
    const topic = 'restart-topic';
    log = createKafkaEventLog(options);
    await log.ensureTopics([{ name: topic, partitions: 1 }]);
    await log.append(topic, [{ key: 'k', value: value('e1') }]);

    // group "committer": consumes and commits e1, then stops
    const committer = await consume(log, 'committer', topic);
    await committer.sub.caughtUp(20_000);
    await committer.sub.stop();
    expect(committer.seen).toEqual(['e1']);

    // group "live": keeps running through the restart
    const live = await consume(log, 'live', topic);
    await log.append(topic, [{ key: 'k', value: value('e2') }]); // produced before, consumed by "committer" only after the restart
    await live.sub.caughtUp(20_000);
    expect(live.seen).toEqual(['e1', 'e2']);

    await kafka.stop();
    const started = Date.now();
    const down = await log.append(topic, [{ key: 'k', value: value('lost') }]).catch((e: unknown) => e);
    expect(down).toMatchObject({ name: 'EventLogError', code: 'UNAVAILABLE', transient: true });
    expect(Date.now() - started).toBeLessThan(4500);
    await kafka.start();

    const appended = await eventually(() => log.append(topic, [{ key: 'k', value: value('e3') }]), 60_000);
    expect(appended[0]!.offset).toBe(2n); // 'lost' was never written
    await eventually(async () => {
      expect(live.seen).toEqual(['e1', 'e2', 'e3']);
    }, 60_000);
    await live.sub.caughtUp(30_000);
    await live.sub.stop();
    expect(live.seen).toEqual(['e1', 'e2', 'e3']);

    // "committer" resumes after its committed offset: e1 not again, e2 and e3 once
    expect((await log.committedOffsets('committer', topic)).get(0)).toBe(1n);
    const resumed = await consume(log, 'committer', topic);
    await resumed.sub.caughtUp(30_000);
    await resumed.sub.stop();
    expect(resumed.seen).toEqual(['e2', 'e3']);

    // and a further consumer of the group, on a new client, sees nothing again
    await log.close();
    log = createKafkaEventLog(options);
    const again = await consume(log, 'committer', topic);
    await again.sub.caughtUp(30_000);
    await new Promise((r) => setTimeout(r, 1000));
    await again.sub.stop();
    expect(again.seen).toEqual([]);
    expect(await log.committedOffsets('committer', topic)).toEqual(await log.endOffsets(topic));
  }, 180_000);

  it('keeps a committed event from being delivered again after the broker restarted', async () => {
    const topic = 'restart-committed';
    await log.ensureTopics([{ name: topic, partitions: 1 }]);
    await log.append(topic, [{ key: 'k', value: value('once') }]);
    const first = await consume(log, 'g', topic);
    await first.sub.caughtUp(20_000);
    await first.sub.stop();
    expect(first.seen).toEqual(['once']);

    await log.close();
    await kafka.restart();
    log = createKafkaEventLog(options);

    const after = await eventually(() => consume(log, 'g', topic), 60_000);
    await after.sub.caughtUp(30_000);
    await new Promise((r) => setTimeout(r, 1000));
    await after.sub.stop();
    expect(after.seen).toEqual([]);
    expect((await log.committedOffsets('g', topic)).get(0)).toBe(1n);
  }, 180_000);
});
