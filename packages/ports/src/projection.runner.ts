// One runner for every consumer of the event log (the indicator projection, the registry and the
// controlling read models): a Projection says which topics it reads and how it applies events;
// runProjection() subscribes it and makes sure no event can stall it.
//
// A batch that fails is told apart as follows (docs/engineering.md, "Poison events"):
//  - transient: the port's transient errors (UNAVAILABLE, TIMEOUT, SERIALIZATION_FAILURE), a closed
//    engine, a broken deployment (unknown table, column or topic, SQL the engine refuses), a
//    refused/reset/timed-out connection anywhere in the error's causes, or what the projection
//    itself calls transient (events out of order across topics). The batch is thrown
//    back to the event log, which delivers it again after a growing backoff; one compact line is
//    logged per backoff step.
//  - deterministic: anything else. The batch is split in halves, each applied on its own, down to
//    single events; an event that still fails alone with a non-transient error is a poison event.
//    It is written to the dead-letter store with its error, counted, and skipped; the partition
//    moves on. Events before and after it are applied in offset order.
// Every write of a projection is idempotent, so applying the halves again after a transient error
// in the middle of a split changes nothing.
import { EventLogError, PortError } from './errors.js';
import type { EventLog, Headers, LogEvent, RetryInfo, Subscription } from './event-log.port.js';

export interface Projection {
  /** consumer group; its committed offsets are the projection's position */
  groupId: string;
  topics: readonly string[];
  /** applies events of one partition, in offset order; must be idempotent */
  apply(events: readonly LogEvent[]): Promise<void>;
  /** errors of this projection that resolve on redelivery (besides the ports' transient errors) */
  isTransient?(error: unknown): boolean;
  startFrom?: 'earliest' | 'latest';
  maxBatchSize?: number;
  /** SubscribeOptions.partitionsConcurrently */
  partitionsConcurrently?: number;
}

/** An event that failed on its own: what it was, where it was, and why. */
export interface DeadLetter {
  groupId: string;
  topic: string;
  partition: number;
  offset: bigint;
  key: string;
  value: Uint8Array;
  headers: Headers;
  /** the event's timestamp, epoch millis */
  timestamp: number;
  /** `Name: message` of the error the event failed with alone */
  error: string;
  /** when it was dead-lettered, epoch millis */
  deadAt: number;
}

export interface DeadLetterSink {
  /**
   * Resolves once the letter is durable; recording the same group/topic/partition/offset again
   * changes nothing (a redelivered batch finds its poison event again).
   */
  record(letter: DeadLetter): Promise<void>;
}

export interface ProjectionStats {
  groupId: string;
  /** events dead-lettered since the start of this process */
  deadLettered: number;
  /** batches given back to the log for a transient error since the start of this process */
  retries: number;
  /** the last transient error, while it has not been followed by a success */
  failing: string | null;
}

export interface RunningProjection extends Subscription {
  readonly stats: ProjectionStats;
}

export interface RunProjectionOptions {
  deadLetters: DeadLetterSink;
  /** one line per backoff step and per dead letter; default stderr */
  log?: (line: string) => void;
  now?: () => number;
}

const transientSystemCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);

/**
 * Port errors about the deployment rather than the event: a missing table or column, SQL the engine
 * does not take, a missing topic. Every event would fail alike until an operator fixes it, so they
 * are retried (and logged) instead of dead-lettering the whole log.
 */
const deploymentCodes = new Set(['UNKNOWN_TABLE', 'UNKNOWN_COLUMN', 'SYNTAX_ERROR', 'UNKNOWN_TOPIC', 'CLOSED']);

/**
 * True for errors that a later retry may not see: the engine is not there right now (the port's
 * transient codes, a refused/reset/timed-out connection anywhere in the cause chain) or the
 * deployment is broken (see deploymentCodes). Anything else is taken to be caused by the event.
 */
export function isTransientError(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 8 && current && typeof current === 'object'; depth++) {
    if (current instanceof PortError) return current.transient || deploymentCodes.has(current.code);
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && transientSystemCodes.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/** `Name: message`, first line only, at most 500 characters: what an admin reads. */
/** The dead letter of a poison event: where it was, what it carried, why it failed. */
export function deadLetterOf(groupId: string, event: LogEvent, error: unknown, deadAt: number): DeadLetter {
  return {
    groupId,
    topic: event.topic,
    partition: event.partition,
    offset: event.offset,
    key: event.key,
    value: event.value,
    headers: event.headers,
    timestamp: event.timestamp,
    error: describeError(error),
    deadAt,
  };
}

export function describeError(error: unknown): string {
  const e = error as { name?: unknown; message?: unknown; code?: unknown };
  const name = typeof e?.name === 'string' ? e.name : 'Error';
  const message = typeof e?.message === 'string' ? e.message : String(error);
  const code = typeof e?.code === 'string' && !message.includes(e.code) ? ` [${e.code}]` : '';
  return `${name}${code}: ${message.split('\n')[0]}`.slice(0, 500);
}

function range(events: readonly LogEvent[]): string {
  if (events.length === 0) return 'reading';
  const first = events[0]?.offset;
  const last = events.at(-1)?.offset;
  return first === last ? `offset ${first}` : `offsets ${first}..${last}`;
}

export async function runProjection(eventLog: EventLog, projection: Projection, options: RunProjectionOptions): Promise<RunningProjection> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const now = options.now ?? Date.now;
  const stats: ProjectionStats = { groupId: projection.groupId, deadLettered: 0, retries: 0, failing: null };
  // a batch delivered again (after a transient error behind its poison event) finds the poison
  // event again: the sink keeps one letter per position, and the counter counts positions
  const lettered = new Set<string>();
  const transient = (error: unknown) => isTransientError(error) || projection.isTransient?.(error) === true;

  const deadLetter = async (event: LogEvent, error: unknown): Promise<void> => {
    const letter = deadLetterOf(projection.groupId, event, error, now());
    await options.deadLetters.record(letter);
    const position = `${event.topic}/${event.partition}/${event.offset}`;
    if (lettered.has(position)) return;
    lettered.add(position);
    stats.deadLettered++;
    log(`[${projection.groupId}] dead-lettered ${event.topic}/${event.partition} offset ${event.offset} key ${event.key}: ${letter.error}`);
  };

  /** applies events; on a deterministic failure, halves them down to the poison event */
  const applySplitting = async (events: readonly LogEvent[]): Promise<void> => {
    if (events.length === 0) return;
    try {
      await projection.apply(events);
    } catch (error) {
      if (transient(error)) throw error;
      if (events.length === 1) return deadLetter(events[0]!, error);
      const half = Math.ceil(events.length / 2);
      await applySplitting(events.slice(0, half));
      await applySplitting(events.slice(half));
    }
  };

  const subscription = await eventLog.subscribe({
    groupId: projection.groupId,
    topics: projection.topics,
    ...(projection.startFrom ? { startFrom: projection.startFrom } : {}),
    ...(projection.maxBatchSize ? { maxBatchSize: projection.maxBatchSize } : {}),
    ...(projection.partitionsConcurrently ? { partitionsConcurrently: projection.partitionsConcurrently } : {}),
    handleBatch: async (batch) => {
      await applySplitting(batch.events);
      stats.failing = null;
    },
    onHandlerError: (error: unknown, batch, retry: RetryInfo) => {
      stats.retries++;
      stats.failing = describeError(error);
      // one line per backoff step, no stack: a dependency down for an hour costs ~360 lines (10 s cap), not 14,000 stack traces
      log(`[${projection.groupId}] ${batch.topic}/${batch.partition} ${range(batch.events)}: ${stats.failing}; attempt ${retry.attempt}, again in ${retry.delayMs} ms`);
    },
  });
  return {
    stats,
    stop: () => subscription.stop(),
    caughtUp: (timeoutMs) => subscription.caughtUp(timeoutMs),
    assigned: () => subscription.assigned(),
  };
}

export const DEAD_LETTER_TOPIC = 'dead-letters';

/**
 * Dead letters as events of a topic of the event log itself, for a consumer that has no database
 * (the standalone aggregator). Key `groupId|topic|partition|offset`, the original value and
 * headers, and the letter's facts in `dead-letter-*` headers. A redelivered batch may append the
 * same letter twice; readers keep one per key.
 */
export function eventLogDeadLetters(eventLog: EventLog, topic = DEAD_LETTER_TOPIC): DeadLetterSink {
  let ready: Promise<void> | null = null;
  return {
    async record(letter) {
      ready ??= eventLog.ensureTopics([{ name: topic, partitions: 1 }]).catch((error: unknown) => {
        ready = null;
        throw error;
      });
      await ready;
      await eventLog.append(topic, [
        {
          key: `${letter.groupId}|${letter.topic}|${letter.partition}|${letter.offset}`,
          value: letter.value,
          headers: {
            ...letter.headers,
            'dead-letter-group': letter.groupId,
            'dead-letter-topic': letter.topic,
            'dead-letter-partition': String(letter.partition),
            'dead-letter-offset': String(letter.offset),
            'dead-letter-key': letter.key,
            'dead-letter-error': letter.error,
          },
          timestamp: letter.deadAt,
        },
      ]);
    },
  };
}

/**
 * Runs a subscription's start again while the event log answers UNAVAILABLE. A Kafka broker started
 * together with its consumers takes a few seconds before it accepts its first consumer group (it
 * creates its offsets topic then), and kafkajs gives up on the group coordinator much sooner; a
 * failed subscribe leaves nothing behind, so trying again is safe. Other errors, and UNAVAILABLE
 * after `timeoutMs`, are thrown.
 */
export async function whileUnavailable<T>(start: () => Promise<T>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await start();
    } catch (error) {
      if (!(error instanceof EventLogError) || error.code !== 'UNAVAILABLE' || Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}
