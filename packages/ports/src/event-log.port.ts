// The EventLog port: keyed, durable, partitioned topics with consumer groups.
// Semantics every adapter must give (checked by @sp/port-contracts):
//  - append() resolves only when the events are durable (Kafka: acks=all; embedded: fsync'd).
//  - events with the same key go to the same partition and are delivered in append order.
//  - a consumer group commits an offset only after its batch handler resolved; a batch whose
//    handler threw, or whose consumer stopped or crashed before committing, is delivered again
//    (at-least-once). Handlers must therefore be idempotent.
//  - a failed batch is delivered again after a backoff that doubles with each consecutive failure
//    of that partition (retryBackoffMs, 2×, 4× … up to maxRetryBackoffMs) and starts over after a
//    success, so a dependency that is down is not hammered.
// A batch that fails for ever (a poison event) is not the adapter's business: runProjection()
// (projection.runner.ts) splits it and dead-letters the failing event.

export type Headers = Record<string, string>;

export interface OutgoingEvent {
  key: string;
  value: Uint8Array;
  headers?: Headers;
  /** epoch millis; defaults to now */
  timestamp?: number;
}

export interface AppendedEvent {
  topic: string;
  partition: number;
  offset: bigint;
}

export interface LogEvent {
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  value: Uint8Array;
  headers: Headers;
  timestamp: number;
}

export interface EventBatch {
  topic: string;
  partition: number;
  events: readonly LogEvent[];
}

export interface TopicSpec {
  name: string;
  /** omitted: the adapter's default (Kafka: the broker's num.partitions; embedded: defaultPartitions) */
  partitions?: number;
}

export interface SubscribeOptions {
  groupId: string;
  topics: readonly string[];
  /**
   * where a group without committed offsets starts; default 'earliest'. With 'latest' the group's
   * offsets are set to the end as of subscribe(), so every event appended after it resolves is seen.
   */
  startFrom?: 'earliest' | 'latest';
  /** upper bound on events per handler call; default 500 */
  maxBatchSize?: number;
  /**
   * at most this many of the member's partitions have a batch in the handler at once. The embedded
   * log runs every partition on its own worker (always concurrent); Kafka hands one partition's
   * batch at a time unless this (or the log's consumer setting) says more. A handler that gathers
   * the partitions' batches into one write (the aggregator's group commit) sets it.
   */
  partitionsConcurrently?: number;
  /**
   * a replay of a whole backlog (a rebuild): the adapter may fetch more per request than for a live
   * consumer, which holds little at a time. Kafka: up to 16 MiB per partition and 64 MiB per fetch
   * instead of kafkajs' 1 and 10 MiB; the embedded log reads its segments either way.
   */
  bulk?: boolean;
  /** called with events of one partition, in offset order; offsets are committed after it resolves */
  handleBatch: (batch: EventBatch) => Promise<void>;
  /**
   * called when a handler throws; the batch is delivered again `retry.delayMs` after this
   * resolves. `retry.attempt` counts the consecutive failures of this partition (1 for the first).
   */
  onHandlerError?: (error: unknown, batch: EventBatch, retry: RetryInfo) => void;
}

export interface RetryInfo {
  /** consecutive failures of this partition, 1 for the first */
  attempt: number;
  /** pause before the batch is delivered again */
  delayMs: number;
}

/** Backoff before redelivery number `attempt`: base, 2×base, 4×base … capped at max. */
export function retryDelayMs(attempt: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** Math.min(30, Math.max(0, attempt - 1)));
}

export interface TopicPartition {
  topic: string;
  partition: number;
}

export interface Subscription {
  /** Stops consuming. Batches in flight finish and commit first. */
  stop(): Promise<void>;
  /** Resolves when every partition assigned to this member has no events left to consume. */
  caughtUp(timeoutMs?: number): Promise<void>;
  /**
   * The partitions the group assigned to this member as of its last completed rebalance, by
   * topic and partition; empty after stop(), and while the member knows its group is rebalancing.
   * Members of one group never hold the same partition at once — except a member that was
   * expelled without noticing (Kafka: past its session timeout), until it notices — so it can
   * elect one member for work done once per group (the aggregator: the member holding partition 0
   * recomputes the composite indices).
   */
  assigned(): readonly TopicPartition[];
}

export interface EventLog {
  ensureTopics(topics: readonly TopicSpec[]): Promise<void>;
  /** Appends atomically per call as far as the engine allows; resolves when durable. */
  append(topic: string, events: readonly OutgoingEvent[]): Promise<AppendedEvent[]>;
  /** Joins the consumer group; resolves once this member has been assigned its partitions. */
  subscribe(options: SubscribeOptions): Promise<Subscription>;
  /** Committed offset (next offset to read) per partition for a group; 0n where it committed nothing. */
  committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>>;
  /** End offset (next offset to be written) per partition. */
  endOffsets(topic: string): Promise<Map<number, bigint>>;
  close(): Promise<void>;
}
