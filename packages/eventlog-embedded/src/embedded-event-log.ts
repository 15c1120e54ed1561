// The EventLog port on the local filesystem, for the one-process deployment: durable (fsync before
// append resolves), crash-recovering, partitioned exactly like Kafka (same key → same partition),
// with in-process consumer groups that give the same at-least-once semantics as the Kafka adapter.
// One append() is all-or-nothing across a crash, over all the partitions it touches: its frames
// count only once the commit journal names them (commit.journal.ts).
//
// Layout of `dir`:
//   LOCK                                 pid of the owning process
//   topics.json                          topic names and partition counts
//   commits.log                          committed end offset of every partition (commit.journal.ts)
//   topics/<topic>/<partition>.log       one append-only segment per partition (see record-frame.ts)
//   groups/<groupId>.offsets.json        committed offsets of a consumer group
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { EventLogError, partitionForKey, type AppendedEvent, type EventLog, type OutgoingEvent, type SubscribeOptions, type Subscription, type TopicPartition, type TopicSpec } from '@sp/ports';
import { isStaleTemp, syncDir, writeFileAtomic } from './atomic-file.js';
import { CommitJournal, readJournal } from './commit.journal.js';
import { ConsumerGroup, GroupOffsets, type GroupSettings, type LogAccess, type Member } from './consumer-group.js';
import { lockDirectory, type DirectoryLock } from './directory.lock.js';
import { PartitionSegment, type PendingRecord, type RecoveryReport } from './partition.segment.js';
import { encodeFrame } from './record-frame.js';

export interface EmbeddedEventLogOptions {
  /** data directory; created when missing */
  dir: string;
  /** partitions of a topic whose TopicSpec names none; default 4 (the broker's num.partitions) */
  defaultPartitions?: number;
  /** pause before a failed batch is delivered again; doubles per consecutive failure; default 200 ms */
  retryBackoffMs?: number;
  /** upper bound of that pause; default 10 s */
  maxRetryBackoffMs?: number;
  /** how long a rebalance waits for an in-flight batch; default 30 s */
  rebalanceTimeoutMs?: number;
  /** upper bound on bytes read per batch; default 4 MiB */
  maxBatchBytes?: number;
}

const topicNamePattern = /^[a-zA-Z0-9._-]{1,249}$/;

interface TopicState {
  name: string;
  segments: PartitionSegment[];
}

interface QueuedAppend {
  state: TopicState;
  byPartition: Map<number, { records: PendingRecord[]; indexes: number[] }>;
  count: number;
  resolve: (result: AppendedEvent[]) => void;
  reject: (error: unknown) => void;
}

/** Frames of one commit round for one partition. */
interface Staged {
  segment: PartitionSegment;
  key: string;
  frames: Buffer[];
}

interface TopicsFile {
  version: 1;
  topics: { name: string; partitions: number }[];
}

export class EmbeddedEventLog implements EventLog {
  private readonly topics = new Map<string, TopicState>();
  private readonly groups = new Map<string, Promise<ConsumerGroup>>();
  private readonly subscriptions = new Set<EmbeddedSubscription>();
  private readonly changeWaiters = new Set<() => void>();
  private closed = false;
  private nextMemberId = 1;
  private topicsLock: Promise<void> = Promise.resolve();
  private queue: QueuedAppend[] = [];
  private flushing: Promise<void> | null = null;
  private journal: CommitJournal | null = null;
  /** committed ends read at open; null for a directory without a journal (all valid frames count) */
  private committedAtOpen: Map<string, bigint> | null = null;
  private readonly settings: GroupSettings;
  private readonly access: LogAccess;
  /** what recovery found per segment at open, for operators and tests */
  readonly recovery = new Map<string, RecoveryReport>();
  /** stale temporary files of interrupted atomic writes removed at open */
  readonly removedTempFiles: string[] = [];

  private constructor(
    readonly dir: string,
    private readonly lock: DirectoryLock,
    private readonly defaultPartitions: number,
    options: EmbeddedEventLogOptions,
  ) {
    this.settings = {
      retryBackoffMs: options.retryBackoffMs ?? 200,
      maxRetryBackoffMs: options.maxRetryBackoffMs ?? 10_000,
      rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 30_000,
      maxBatchBytes: options.maxBatchBytes ?? 4 * 1024 * 1024,
    };
    this.access = {
      segment: (topic, partition) => this.requireTopic(topic).segments[partition]!,
      partitions: (topic) => this.requireTopic(topic).segments.length,
      changed: () => this.changed(),
    };
  }

  static async open(options: EmbeddedEventLogOptions): Promise<EmbeddedEventLog> {
    const defaultPartitions = options.defaultPartitions ?? 4;
    if (!Number.isInteger(defaultPartitions) || defaultPartitions < 1) {
      throw new EventLogError('BAD_PARAMETER', `defaultPartitions must be a positive integer, got ${defaultPartitions}`);
    }
    await mkdir(join(options.dir, 'topics'), { recursive: true });
    await mkdir(join(options.dir, 'groups'), { recursive: true });
    const lock = lockDirectory(options.dir);
    const log = new EmbeddedEventLog(options.dir, lock, defaultPartitions, options);
    try {
      await log.removeStaleTemps();
      log.committedAtOpen = (await readJournal(options.dir)).ends;
      await log.loadTopics();
      // from here on every partition's end is committed; a fresh snapshot also keeps the journal short
      // ends of partitions not in topics.json are kept: a topic whose topics.json write a crash cut
      // off may have committed appends, and they stay when it is created again
      log.journal = await CommitJournal.create(options.dir, new Map([...(log.committedAtOpen ?? []), ...log.committedEnds()]));
    } catch (error) {
      await log.closeSegments();
      lock.release();
      throw error;
    }
    return log;
  }

  /** A killed writeFileAtomic leaves its temporary file behind; the real file is intact, so it goes. */
  private async removeStaleTemps(): Promise<void> {
    for (const dir of [this.dir, join(this.dir, 'groups')]) {
      for (const name of await readdir(dir)) {
        if (!isStaleTemp(name)) continue;
        await rm(join(dir, name), { force: true });
        this.removedTempFiles.push(join(dir, name));
      }
    }
  }

  private committedEnds(): Map<string, bigint> {
    const ends = new Map<string, bigint>();
    for (const t of this.topics.values()) {
      t.segments.forEach((s, p) => {
        ends.set(`${t.name}/${p}`, s.endOffset);
      });
    }
    return ends;
  }

  private async loadTopics(): Promise<void> {
    let text: string | undefined;
    try {
      text = await readFile(join(this.dir, 'topics.json'), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      return;
    }
    const file = JSON.parse(text) as TopicsFile;
    for (const { name, partitions } of file.topics) await this.openTopic(name, partitions);
  }

  private async openTopic(name: string, partitions: number): Promise<void> {
    const dir = join(this.dir, 'topics', name);
    await mkdir(dir, { recursive: true });
    const state: TopicState = { name, segments: [] };
    this.topics.set(name, state);
    for (let p = 0; p < partitions; p++) {
      // with a journal, a partition it does not name has nothing committed yet
      const key = `${name}/${p}`;
      const committed = this.journal ? (this.journal.endOf(key) ?? 0n) : this.committedAtOpen ? (this.committedAtOpen.get(key) ?? 0n) : undefined;
      const { segment, recovery } = await PartitionSegment.open(name, p, join(dir, `${p}.log`), committed);
      state.segments.push(segment);
      this.recovery.set(`${name}/${p}`, recovery);
    }
  }

  private assertOpen(what: string): void {
    if (this.closed) throw new EventLogError('CLOSED', `event log at ${this.dir} is closed; cannot ${what}`);
  }

  private requireTopic(topic: string): TopicState {
    const state = this.topics.get(topic);
    if (!state) {
      throw new EventLogError('UNKNOWN_TOPIC', `topic "${topic}" does not exist; create it with ensureTopics (known: ${[...this.topics.keys()].join(', ') || 'none'})`);
    }
    return state;
  }

  async ensureTopics(specs: readonly TopicSpec[]): Promise<void> {
    this.assertOpen('ensure topics');
    for (const spec of specs) {
      if (!topicNamePattern.test(spec.name)) {
        throw new EventLogError('BAD_PARAMETER', `topic name "${spec.name}" is invalid; use 1–249 of a-z A-Z 0-9 . _ -`);
      }
      const partitions = spec.partitions ?? this.defaultPartitions;
      if (!Number.isInteger(partitions) || partitions < 1) {
        throw new EventLogError('BAD_PARAMETER', `topic "${spec.name}": partitions must be a positive integer, got ${spec.partitions}`);
      }
    }
    // one topic change at a time, so topics.json is never written from two stale snapshots
    const run = this.topicsLock.then(async () => {
      const missing = specs.filter((s) => !this.topics.has(s.name));
      if (missing.length === 0) return;
      for (const spec of missing) {
        if (!this.topics.has(spec.name)) await this.openTopic(spec.name, spec.partitions ?? this.defaultPartitions);
      }
      await syncDir(join(this.dir, 'topics'));
      const file: TopicsFile = {
        version: 1,
        topics: [...this.topics.values()].map((t) => ({ name: t.name, partitions: t.segments.length })),
      };
      await writeFileAtomic(join(this.dir, 'topics.json'), JSON.stringify(file, null, 2));
    });
    this.topicsLock = run.catch(() => undefined);
    await run;
  }

  async append(topic: string, events: readonly OutgoingEvent[]): Promise<AppendedEvent[]> {
    this.assertOpen(`append to ${topic}`);
    const state = this.requireTopic(topic);
    if (events.length === 0) return [];
    const partitions = state.segments.length;
    const now = Date.now();
    // group the call's events per partition, keeping their order, and remember where each went
    const byPartition = new Map<number, { records: PendingRecord[]; indexes: number[] }>();
    events.forEach((event, i) => {
      if (typeof event.key !== 'string') throw new EventLogError('BAD_PARAMETER', `event ${i} for ${topic}: key must be a string`);
      if (!(event.value instanceof Uint8Array)) throw new EventLogError('BAD_PARAMETER', `event ${i} for ${topic}: value must be a Uint8Array`);
      const partition = partitionForKey(event.key, partitions);
      let group = byPartition.get(partition);
      if (!group) byPartition.set(partition, (group = { records: [], indexes: [] }));
      group.records.push({ key: event.key, value: event.value, headers: event.headers ?? {}, timestamp: event.timestamp ?? now });
      group.indexes.push(i);
    });
    return new Promise<AppendedEvent[]>((resolve, reject) => {
      this.queue.push({ state, byPartition, count: events.length, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  /** One commit round at a time; appends issued meanwhile share the next round's writes and fsyncs (group commit). */
  private async flushLoop(): Promise<void> {
    try {
      // yield once so appends issued in the same tick join this round
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const round = this.queue;
        this.queue = [];
        await this.commitRound(round);
      }
    } finally {
      this.flushing = null;
    }
  }

  /**
   * Writes and fsyncs the round's frames in every partition they go to, then one journal frame
   * with the partitions' new ends. Only then are they visible and the appends resolved: a crash
   * before the journal frame is durable drops the whole round at the next open.
   */
  private async commitRound(round: QueuedAppend[]): Promise<void> {
    const staged = new Map<PartitionSegment, Staged>();
    const accepted: { append: QueuedAppend; result: AppendedEvent[] }[] = [];
    for (const append of round) {
      const marks = new Map<Staged, number>();
      const result: AppendedEvent[] = new Array(append.count);
      try {
        for (const [partition, { records, indexes }] of append.byPartition) {
          const segment = append.state.segments[partition]!;
          let s = staged.get(segment);
          if (!s) staged.set(segment, (s = { segment, key: `${append.state.name}/${partition}`, frames: [] }));
          if (!marks.has(s)) marks.set(s, s.frames.length);
          records.forEach((record, j) => {
            const offset = segment.endOffset + BigInt(s.frames.length);
            s.frames.push(encodeFrame({ offset, ...record }));
            result[indexes[j]!] = { topic: append.state.name, partition, offset };
          });
        }
        accepted.push({ append, result });
      } catch (error) {
        // this append is rejected alone; its frames go, so the others' offsets stay consecutive
        for (const [s, length] of marks) s.frames.length = length;
        append.reject(new EventLogError('BAD_PARAMETER', `cannot append to ${append.state.name}: ${(error as Error).message}`, undefined, { cause: error }));
      }
    }
    const touched = [...staged.values()].filter((s) => s.frames.length > 0);
    if (touched.length === 0) return;
    try {
      await Promise.all(touched.map((s) => s.segment.writeUncommitted(s.frames.length === 1 ? s.frames[0]! : Buffer.concat(s.frames))));
      await this.journal!.commit(touched.map((s) => [s.key, s.segment.endOffset + BigInt(s.frames.length)]));
    } catch (error) {
      // leave nothing behind: frames past the committed tail are cut (and would be at the next open)
      await Promise.all(touched.map((s) => s.segment.discardUncommitted().catch(() => undefined)));
      const failure = error instanceof EventLogError ? error : new EventLogError('INTERNAL', `appending failed: ${(error as Error).message}`, undefined, { cause: error });
      for (const { append } of accepted) append.reject(failure);
      return;
    }
    for (const s of touched) s.segment.publish(s.frames.map((f) => f.length));
    for (const { append, result } of accepted) append.resolve(result);
    this.changed();
  }

  private group(groupId: string): Promise<ConsumerGroup> {
    let group = this.groups.get(groupId);
    if (!group) {
      group = GroupOffsets.load(join(this.dir, 'groups'), groupId).then((offsets) => new ConsumerGroup(groupId, offsets, this.access, this.settings));
      group.catch(() => this.groups.delete(groupId));
      this.groups.set(groupId, group);
    }
    return group;
  }

  async subscribe(options: SubscribeOptions): Promise<Subscription> {
    this.assertOpen(`subscribe group ${options.groupId}`);
    if (!options.groupId) throw new EventLogError('BAD_PARAMETER', 'groupId must be a non-empty string');
    if (options.topics.length === 0) throw new EventLogError('BAD_PARAMETER', `group ${options.groupId}: topics must name at least one topic`);
    for (const topic of options.topics) this.requireTopic(topic);
    const maxBatchSize = options.maxBatchSize ?? 500;
    if (!Number.isInteger(maxBatchSize) || maxBatchSize < 1) {
      throw new EventLogError('BAD_PARAMETER', `group ${options.groupId}: maxBatchSize must be a positive integer, got ${options.maxBatchSize}`);
    }
    const group = await this.group(options.groupId);
    const member: Member = { id: this.nextMemberId++, options: { ...options, maxBatchSize }, assignment: [], workers: [] };
    await group.join(member);
    const subscription = new EmbeddedSubscription(this, group, member);
    this.subscriptions.add(subscription);
    if (this.closed) {
      // close() began while this member joined, after it had stopped the subscriptions it knew of
      await subscription.stop().catch(() => undefined);
      throw new EventLogError('CLOSED', `event log closed while group ${options.groupId} subscribed`);
    }
    return subscription;
  }

  async committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
    this.assertOpen(`read committed offsets of ${groupId}`);
    const state = this.requireTopic(topic);
    const group = await this.group(groupId);
    const committed = group.offsets.forTopic(topic);
    // every partition is reported; one without a commit reads 0 (the earliest offset), as in the Kafka adapter
    const result = new Map<number, bigint>();
    for (let p = 0; p < state.segments.length; p++) result.set(p, committed.get(p) ?? 0n);
    return result;
  }

  async endOffsets(topic: string): Promise<Map<number, bigint>> {
    this.assertOpen(`read end offsets of ${topic}`);
    const state = this.requireTopic(topic);
    return new Map(state.segments.map((s, p) => [p, s.endOffset]));
  }

  /** Wakes caughtUp() waiters; called on every durable append, commit and rebalance. */
  private changed(): void {
    const waiters = [...this.changeWaiters];
    this.changeWaiters.clear();
    for (const w of waiters) w();
  }

  /** Resolves on the next change or after `ms`, whichever is first. */
  waitForChange(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.changeWaiters.delete(done);
        resolve();
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve();
      };
      this.changeWaiters.add(done);
    });
  }

  /** Names of the topics, for operators' checks. */
  topicNames(): string[] {
    return [...this.topics.keys()];
  }

  /** Consumer groups that have committed offsets in this directory, for operators' checks. */
  async groupIds(): Promise<string[]> {
    const names = await readdir(join(this.dir, 'groups'));
    return names.filter((n) => n.endsWith('.offsets.json')).map((n) => decodeURIComponent(n.slice(0, -'.offsets.json'.length)));
  }

  forget(subscription: EmbeddedSubscription): void {
    this.subscriptions.delete(subscription);
  }

  get isClosed(): boolean {
    return this.closed;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // stop consumers first (their in-flight batches finish and commit), then the files
    await Promise.all([...this.subscriptions].map((s) => s.stop()));
    for (const group of this.groups.values()) await (await group.catch(() => undefined))?.offsets.flush();
    while (this.flushing) await this.flushing;
    await this.closeSegments();
    await this.journal?.close();
    this.lock.release();
    this.changed();
  }

  private async closeSegments(): Promise<void> {
    await Promise.all([...this.topics.values()].flatMap((t) => t.segments.map((s) => s.close())));
  }
}

class EmbeddedSubscription implements Subscription {
  private stopping: Promise<void> | null = null;

  constructor(
    private readonly log: EmbeddedEventLog,
    private readonly group: ConsumerGroup,
    private readonly member: Member,
  ) {}

  stop(): Promise<void> {
    this.stopping ??= this.group.leave(this.member).finally(() => this.log.forget(this));
    return this.stopping;
  }

  /** set by the group's rebalance, which revokes every partition before it assigns any */
  assigned(): TopicPartition[] {
    if (this.stopping || this.log.isClosed) return [];
    return this.member.assignment.map(({ topic, partition }) => ({ topic, partition }));
  }

  async caughtUp(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (true) {
      if (this.stopping || this.log.isClosed) throw new EventLogError('CLOSED', `subscription of group ${this.group.groupId} is stopped`);
      await this.group.settled();
      if (this.group.isCaughtUp(this.member)) return;
      const left = deadline - Date.now();
      if (left <= 0) {
        const lag = this.member.assignment.map(({ topic, partition }) => `${topic}/${partition}`).join(', ');
        throw new EventLogError('TIMEOUT', `group ${this.group.groupId} did not catch up within ${timeoutMs} ms (assigned: ${lag || 'none'})`);
      }
      await this.log.waitForChange(Math.min(left, 250));
    }
  }
}

export function openEmbeddedEventLog(options: EmbeddedEventLogOptions): Promise<EmbeddedEventLog> {
  return EmbeddedEventLog.open(options);
}
