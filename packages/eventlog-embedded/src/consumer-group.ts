// Consumer groups of the embedded log, inside one process: members of a group share the partitions
// of their topics (eager rebalance on every join and leave, like Kafka's classic protocol), each
// assigned partition is consumed by one worker loop, and a batch's offset is committed — durably,
// in the group's offsets file — only after its handler resolved. A failed handler is retried from
// the same offset after a backoff; a revoked or stopped worker finishes its in-flight batch first.
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { EventLogError, retryDelayMs, type EventBatch, type SubscribeOptions } from '@sp/ports';
import { writeFileAtomic } from './atomic-file.js';
import type { PartitionSegment } from './partition.segment.js';

export interface GroupSettings {
  /** pause after a failed handler before the batch is delivered again; doubles per consecutive failure */
  retryBackoffMs: number;
  /** upper bound of that pause */
  maxRetryBackoffMs: number;
  /** how long a rebalance waits for an in-flight batch before fencing its worker off */
  rebalanceTimeoutMs: number;
  /** upper bound on bytes read for one batch */
  maxBatchBytes: number;
}

export interface LogAccess {
  segment(topic: string, partition: number): PartitionSegment;
  partitions(topic: string): number;
  changed(): void;
}

/** Committed offsets of one group, persisted atomically; concurrent commits share one write. */
export class GroupOffsets {
  private readonly offsets = new Map<string, Map<number, bigint>>();
  private pending: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void } | null = null;
  private writing = false;

  private constructor(
    readonly groupId: string,
    private readonly path: string,
  ) {}

  static async load(dir: string, groupId: string): Promise<GroupOffsets> {
    const path = join(dir, `${encodeURIComponent(groupId)}.offsets.json`);
    const store = new GroupOffsets(groupId, path);
    let text: string | undefined;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (text !== undefined) {
      const parsed = JSON.parse(text) as { groupId: string; offsets: Record<string, Record<string, string>> };
      for (const [topic, partitions] of Object.entries(parsed.offsets)) {
        const map = new Map<number, bigint>();
        for (const [p, o] of Object.entries(partitions)) map.set(Number(p), BigInt(o));
        store.offsets.set(topic, map);
      }
    }
    return store;
  }

  get(topic: string, partition: number): bigint | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  forTopic(topic: string): Map<number, bigint> {
    return new Map(this.offsets.get(topic) ?? []);
  }

  /** Records the offset and resolves once a write that includes it reached the disk. */
  commit(entries: readonly { topic: string; partition: number; offset: bigint }[]): Promise<void> {
    for (const { topic, partition, offset } of entries) {
      let map = this.offsets.get(topic);
      if (!map) this.offsets.set(topic, (map = new Map()));
      map.set(partition, offset);
    }
    const pending = this.pending ?? this.newPending();
    void this.writeLoop();
    return pending.promise;
  }

  private newPending(): NonNullable<GroupOffsets['pending']> {
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    this.pending = { promise, resolve, reject };
    return this.pending;
  }

  private async writeLoop(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending) {
        const batch = this.pending;
        this.pending = null;
        const snapshot: Record<string, Record<string, string>> = {};
        for (const [topic, map] of this.offsets) {
          snapshot[topic] = Object.fromEntries([...map].map(([p, o]) => [String(p), o.toString()]));
        }
        try {
          await writeFileAtomic(this.path, JSON.stringify({ groupId: this.groupId, offsets: snapshot }));
          batch.resolve();
        } catch (error) {
          batch.reject(error);
        }
      }
    } finally {
      this.writing = false;
    }
  }

  async flush(): Promise<void> {
    while (this.pending || this.writing) {
      if (this.pending) await this.pending.promise.catch(() => undefined);
      else await new Promise((r) => setTimeout(r, 1));
    }
  }
}

export interface Member {
  readonly id: number;
  readonly options: SubscribeOptions & { maxBatchSize: number };
  assignment: { topic: string; partition: number }[];
  workers: PartitionWorker[];
}

function interruptibleSleep(ms: number): { promise: Promise<void>; interrupt: () => void } {
  let interrupt!: () => void;
  const promise = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    interrupt = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  return { promise, interrupt };
}

/** Consumes one partition for one member until revoked. */
export class PartitionWorker {
  private active = true;
  /** set when a rebalance gave up waiting: this worker must not commit any more */
  fenced = false;
  private interruptWait: (() => void) | null = null;
  readonly done: Promise<void>;

  constructor(
    readonly member: Member,
    readonly topic: string,
    readonly partition: number,
    private readonly group: ConsumerGroup,
  ) {
    this.done = this.run();
  }

  private async run(): Promise<void> {
    const { options } = this.member;
    const segment = this.group.log.segment(this.topic, this.partition);
    let position = this.group.offsets.get(this.topic, this.partition) ?? 0n;
    let failures = 0;
    while (this.active) {
      // a closed log answers every wait at once: without this the worker would spin in microtasks
      // forever and starve the whole process (a subscription that joined while the log was closing)
      if (segment.isClosed) break;
      if (position >= segment.endOffset) {
        const wait = segment.waitFor(position);
        this.interruptWait = wait.cancel;
        await wait.promise;
        this.interruptWait = null;
        continue;
      }
      let events: Awaited<ReturnType<typeof segment.read>>;
      try {
        events = await segment.read(position, options.maxBatchSize, this.group.settings.maxBatchBytes);
      } catch (error) {
        if (!this.active) break;
        throw error;
      }
      const batch: EventBatch = { topic: this.topic, partition: this.partition, events };
      try {
        await options.handleBatch(batch);
      } catch (error) {
        if (!this.active) break; // revoked meanwhile: the next owner gets the batch again
        await this.backOff(error, batch, ++failures);
        continue; // same position: the batch is delivered again
      }
      if (this.fenced) break;
      const next = events[events.length - 1]!.offset + 1n;
      try {
        await this.group.offsets.commit([{ topic: this.topic, partition: this.partition, offset: next }]);
      } catch (error) {
        // not committed: treat like a failed handler, so the batch is delivered again
        await this.backOff(error, batch, ++failures);
        continue;
      }
      failures = 0;
      position = next;
      this.group.log.changed();
    }
  }

  /** Reports the failed attempt and waits its backoff (doubling per consecutive failure); a stop cuts the wait short. */
  private async backOff(error: unknown, batch: EventBatch, attempt: number): Promise<void> {
    const { retryBackoffMs, maxRetryBackoffMs } = this.group.settings;
    const delayMs = retryDelayMs(attempt, retryBackoffMs, maxRetryBackoffMs);
    try {
      await this.member.options.onHandlerError?.(error, batch, { attempt, delayMs });
    } catch {
      /* an error reporter that fails must not stop consumption */
    }
    const sleep = interruptibleSleep(delayMs);
    this.interruptWait = sleep.interrupt;
    await sleep.promise;
    this.interruptWait = null;
  }

  /** Stops after the in-flight batch (handled and committed); gives up waiting after timeoutMs. */
  async stop(timeoutMs: number): Promise<void> {
    this.active = false;
    this.interruptWait?.();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      this.done.then(
        () => false,
        () => false,
      ),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) this.fenced = true;
  }
}

export class ConsumerGroup {
  private members: Member[] = [];
  private chain: Promise<void> = Promise.resolve();
  private rebalancing = 0;

  constructor(
    readonly groupId: string,
    readonly offsets: GroupOffsets,
    readonly log: LogAccess,
    readonly settings: GroupSettings,
  ) {}

  get size(): number {
    return this.members.length;
  }

  /** Runs membership changes one after the other; each is a full eager rebalance. */
  private serialize(change: () => Promise<void>): Promise<void> {
    const run = this.chain.then(async () => {
      this.rebalancing++;
      try {
        await change();
      } finally {
        this.rebalancing--;
        this.log.changed();
      }
    });
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Resolves when no membership change is running or queued. */
  async settled(): Promise<void> {
    while (this.rebalancing > 0) await this.chain;
  }

  join(member: Member): Promise<void> {
    return this.serialize(async () => {
      if (member.options.startFrom === 'latest') {
        // a group without a position starts at the end as of now, and remembers that durably
        const entries: { topic: string; partition: number; offset: bigint }[] = [];
        for (const topic of member.options.topics) {
          for (let p = 0; p < this.log.partitions(topic); p++) {
            if (this.offsets.get(topic, p) === undefined) entries.push({ topic, partition: p, offset: this.log.segment(topic, p).endOffset });
          }
        }
        if (entries.length > 0) await this.offsets.commit(entries);
      }
      await this.rebalance([...this.members, member]);
    });
  }

  leave(member: Member): Promise<void> {
    return this.serialize(() => this.rebalance(this.members.filter((m) => m !== member)));
  }

  private async rebalance(members: Member[]): Promise<void> {
    // revoke everything first, so no partition is ever consumed by two workers at once
    await Promise.all(this.members.flatMap((m) => m.workers.map((w) => w.stop(this.settings.rebalanceTimeoutMs))));
    for (const m of this.members) {
      m.workers = [];
      m.assignment = [];
    }
    this.members = members;
    const topics = [...new Set(members.flatMap((m) => m.options.topics))].sort();
    let turn = 0;
    for (const topic of topics) {
      const subscribers = members.filter((m) => m.options.topics.includes(topic));
      for (let p = 0; p < this.log.partitions(topic); p++) {
        const owner = subscribers[turn++ % subscribers.length]!;
        owner.assignment.push({ topic, partition: p });
      }
    }
    for (const m of members) m.workers = m.assignment.map(({ topic, partition }) => new PartitionWorker(m, topic, partition, this));
    for (const w of members.flatMap((m) => m.workers)) {
      // a worker that dies of an engine error (damaged segment) must not vanish silently
      w.done.catch((error: unknown) => {
        try {
          w.member.options.onHandlerError?.(error, { topic: w.topic, partition: w.partition, events: [] }, { attempt: 1, delayMs: 0 });
        } catch {
          /* ignore */
        }
      });
    }
  }

  /** True when every partition assigned to `member` has its committed offset at the end. */
  isCaughtUp(member: Member): boolean {
    if (this.rebalancing > 0) return false;
    return member.assignment.every(({ topic, partition }) => (this.offsets.get(topic, partition) ?? 0n) >= this.log.segment(topic, partition).endOffset);
  }

  assertMember(member: Member): void {
    if (!this.members.includes(member)) throw new EventLogError('CLOSED', `subscription of group ${this.groupId} is stopped`);
  }
}
