// Ports with metrics: each wraps an adapter and delegates everything, timing what passes through.
// A composition root wraps its engines once and hands the wrapped ports on, so the projections,
// the ingestion and the gateway are measured without knowing it.
import { context, type Link, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Database, EventLog, Queryable, ReadOptions, SubscribeOptions, Subscription, Warehouse } from '@sp/ports';
import { extractTraceContext, injectTraceContext, type Telemetry } from './telemetry.js';

const seconds = (started: number) => (performance.now() - started) / 1000;

async function timed<T>(work: () => Promise<T>, done: (outcome: 'ok' | 'error', s: number) => void): Promise<T> {
  const started = performance.now();
  try {
    const result = await work();
    done('ok', seconds(started));
    return result;
  } catch (error) {
    done('error', seconds(started));
    throw error;
  }
}

/** the statement's first keyword: a bounded label (select, insert, update, delete, with, create …) */
function operationOf(sql: string): string {
  const word = /^\s*(?:--[^\n]*\n\s*)*([a-z]+)/i.exec(sql)?.[1]?.toLowerCase() ?? 'other';
  return ['select', 'insert', 'update', 'delete', 'with', 'create', 'alter', 'drop', 'truncate', 'optimize', 'system', 'begin', 'commit'].includes(word) ? word : 'other';
}

/** a Proxy that answers `overrides` itself and everything else from the adapter (bound to it) */
function wrap<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(t, property) {
      if (Object.hasOwn(overrides, property)) return (overrides as Record<PropertyKey, unknown>)[property];
      const value = Reflect.get(t, property, t);
      return typeof value === 'function' ? value.bind(t) : value;
    },
  });
}

function queryable(q: Queryable, telemetry: Telemetry, store: string): Queryable['query'] {
  return (sql, params) =>
    timed(
      () => q.query(sql, params),
      (outcome, s) => telemetry.queryDuration.record(s, { ...telemetry.labels, store, operation: operationOf(sql), outcome }),
    ) as never;
}

export function instrumentDatabase(database: Database, telemetry: Telemetry): Database {
  const store = 'database';
  return wrap(database, {
    query: queryable(database, telemetry, store),
    exec: (sql: string) =>
      timed(
        () => database.exec(sql),
        (outcome, s) => telemetry.queryDuration.record(s, { ...telemetry.labels, store, operation: 'exec', outcome }),
      ),
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) =>
      timed(
        () => database.transaction((tx) => fn({ query: queryable(tx, telemetry, store) })),
        (outcome, s) => telemetry.queryDuration.record(s, { ...telemetry.labels, store, operation: 'transaction', outcome }),
      ),
  } as Partial<Database>);
}

export function instrumentWarehouse(warehouse: Warehouse, telemetry: Telemetry): Warehouse {
  const store = 'warehouse';
  const record = (operation: string) => (outcome: 'ok' | 'error', s: number) => telemetry.queryDuration.record(s, { ...telemetry.labels, store, operation, outcome });
  return wrap(warehouse, {
    // the read's limits and abort signal pass through: dropping them would let a cut-off request's read run on
    query: ((sql: string, params?: Record<string, unknown>, options?: ReadOptions) => timed(() => warehouse.query(sql, params, options), record(operationOf(sql)))) as Warehouse['query'],
    command: (sql: string, params?: Record<string, unknown>) => timed(() => warehouse.command(sql, params), record(operationOf(sql))),
    insert: (table: string, rows: readonly Record<string, unknown>[]) => timed(() => warehouse.insert(table, rows), record('insert')),
  });
}

export interface InstrumentedEventLog extends EventLog {
  /** the consumer groups subscribed through this log, with their topics */
  readonly groups: ReadonlyMap<string, readonly string[]>;
}

/**
 * The event log with batch sizes and durations per consumer group, append times, and the consumer
 * lag of every group subscribed through it (end offsets minus committed offsets, summed over the
 * partitions of each topic), read from the log at each scrape.
 */
export function instrumentEventLog(eventLog: EventLog, telemetry: Telemetry, options: { lagTimeoutMs?: number } = {}): InstrumentedEventLog {
  const groups = new Map<string, readonly string[]>();
  const labels = telemetry.labels;
  const lag = telemetry.meter.createObservableGauge('sp_consumer_lag', { description: 'events in the log a consumer group has not committed yet, by group and topic' });
  const lagTimeoutMs = options.lagTimeoutMs ?? 2000;
  telemetry.addCallback(lag, async (result) => {
    const reads = [...groups].flatMap(([group, topics]) =>
      topics.map(async (topic) => {
        // a log that does not answer leaves the series out of this scrape rather than blocking it
        const [end, committed] = await withTimeout(Promise.all([eventLog.endOffsets(topic), eventLog.committedOffsets(group, topic)]), lagTimeoutMs);
        let sum = 0n;
        for (const [partition, high] of end) {
          const at = committed.get(partition) ?? 0n;
          if (high > at) sum += high - at;
        }
        result.observe(Number(sum), { ...labels, group, topic });
      }),
    );
    await Promise.allSettled(reads);
  });

  const instrumented = wrap(eventLog, {
    // a producer span, child of the request's; its traceparent goes into every event's headers
    // (both adapters keep headers), so the consumer's span continues the same trace
    append: (topic, events) =>
      telemetry.tracer.startActiveSpan(`append ${topic}`, { kind: SpanKind.PRODUCER, attributes: { 'messaging.destination.name': topic, 'messaging.batch.message_count': events.length } }, (span) => {
        const traced = events.map((e) => ({ ...e, headers: injectTraceContext(context.active(), e.headers ?? {}) }));
        return timed(
          () => eventLog.append(topic, traced),
          (outcome, s) => {
            telemetry.appendDuration.record(s, { ...labels, topic, outcome });
            if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
            span.end();
          },
        );
      }),
    subscribe: async (options: SubscribeOptions): Promise<Subscription> => {
      const handleBatch: SubscribeOptions['handleBatch'] = (batch) => {
        const attributes = { ...labels, group: options.groupId, topic: batch.topic };
        telemetry.batchSize.record(batch.events.length, attributes);
        // a consumer span in the trace of the batch's first event, linked to the others' traces
        const contexts = batch.events.map((e) => trace.getSpanContext(extractTraceContext(e.headers))).filter((c) => c !== undefined);
        const parent = contexts[0] ? trace.setSpanContext(context.active(), contexts[0]) : context.active();
        const links: Link[] = contexts.slice(1).map((c) => ({ context: c }));
        const span = telemetry.tracer.startSpan(
          `process ${options.groupId} ${batch.topic}`,
          {
            kind: SpanKind.CONSUMER,
            links,
            attributes: {
              'messaging.consumer.group.name': options.groupId,
              'messaging.destination.name': batch.topic,
              'messaging.destination.partition.id': String(batch.partition),
              'messaging.batch.message_count': batch.events.length,
            },
          },
          parent,
        );
        return context.with(trace.setSpan(parent, span), () =>
          timed(
            () => options.handleBatch(batch),
            (outcome, s) => {
              telemetry.batchDuration.record(s, { ...attributes, outcome });
              if (outcome === 'error') span.setStatus({ code: SpanStatusCode.ERROR });
              span.end();
            },
          ),
        );
      };
      const subscription = await eventLog.subscribe({ ...options, handleBatch });
      groups.set(options.groupId, options.topics);
      return {
        caughtUp: (timeoutMs) => subscription.caughtUp(timeoutMs),
        assigned: () => subscription.assigned(),
        stop: async () => {
          groups.delete(options.groupId);
          await subscription.stop();
        },
      };
    },
    groups,
  } as Partial<InstrumentedEventLog>) as InstrumentedEventLog;
  return instrumented;
}

function withTimeout<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
