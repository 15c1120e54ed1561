// The aggregator: consumes area-statistic record events from the EventLog and keeps the
// indicator warehouse current. Offsets are committed by the EventLog only after a batch was
// projected, and projection is idempotent, so a crash anywhere means redelivery, never a
// double count or a loss. Derived results (composite indices) follow each batch live; during a
// rebuild they are computed once at the end from the final cells, since every intermediate result
// would be overwritten anyway (and recomputing them per batch made a replay 15–25× slower).
import { EventCodec, topicFor, type RecordEvent } from '@sp/events';
import { IndicatorProjector, truncateProjections, type AreaStatisticEvent, type IndicatorProjectorOptions, type ProjectionResult } from '@sp/indicator-store';
import type { EventBatch, EventLog, Subscription, Warehouse } from '@sp/ports';

export interface AggregatorOptions {
  groupId?: string;
  /** the tenant's perturbation table and record-key secret (docs/disclosure.md) */
  projection?: IndicatorProjectorOptions;
  maxBatchSize?: number;
  /** called after the records of a batch are stored and before its cells are recomputed (crash tests, tracing) */
  onBatchStage?: (stage: 'records-stored' | 'projected', batch: EventBatch) => void;
  /**
   * recomputes derived results (composite indices) for periods a batch touched; during rebuild()
   * it is called once, after the replay, with every period the replay touched
   */
  afterProjection?: (result: ProjectionResult) => Promise<void>;
  /**
   * told when a batch failed; the event log retries it (default: logged to stderr, so a batch that
   * keeps failing is seen rather than retried silently)
   */
  onBatchError?: (error: unknown, batch: EventBatch) => void;
}

export const AREA_STATISTIC_TOPIC = topicFor('area-statistic');

export function toAreaStatisticEvent(event: RecordEvent<'area-statistic'>): AreaStatisticEvent {
  const p = event.payload;
  return {
    key: event.key,
    version: event.version,
    tombstone: event.tombstone,
    deliveredAtMs: event.deliveredAt,
    amt: event.amt,
    deliveryId: event.deliveryId,
    ...(p
      ? {
          payload: {
            dataset: p.dataset,
            areaLevel: p.areaLevel,
            areaCode: p.areaCode,
            period: p.period,
            synthetic: p.synthetic,
            observations: p.observations.map((o) => ({ measure: o.measure, dimensions: { ...o.dimensions }, value: o.value, recordKey: o.recordKey ?? null })),
          },
        }
      : {}),
  };
}

export class AggregatorService {
  private subscription: Subscription | undefined;
  private readonly projector: IndicatorProjector;
  private processed = 0;
  /** what the rebuild in progress projected so far; afterProjection waits for its end */
  private replayed: { events: number; leaves: number; cellsWritten: number; touchedPeriods: Set<string> } | undefined;

  constructor(
    private readonly eventLog: EventLog,
    private readonly warehouse: Warehouse,
    private readonly codec: EventCodec,
    private readonly options: AggregatorOptions = {},
  ) {
    this.projector = new IndicatorProjector(warehouse, options.projection);
  }

  get eventsProcessed(): number {
    return this.processed;
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    await this.eventLog.ensureTopics([{ name: AREA_STATISTIC_TOPIC, partitions: 4 }]);
    this.subscription = await this.consume(this.options.groupId ?? 'aggregator');
  }

  async stop(): Promise<void> {
    await this.subscription?.stop();
    this.subscription = undefined;
  }

  /** Resolves when everything in the log has been projected. */
  async caughtUp(timeoutMs = 60_000): Promise<void> {
    if (!this.subscription) throw new Error('aggregator not started');
    await this.subscription.caughtUp(timeoutMs);
  }

  /**
   * Rebuilds every projected table by replaying the log from the start under a fresh consumer
   * group. Live consumption is paused meanwhile; projection is idempotent, so events it sees
   * again afterwards change nothing. afterProjection runs once, when the replay has caught up.
   */
  async rebuild(timeoutMs = 600_000): Promise<{ events: number; ms: number }> {
    const wasRunning = this.subscription !== undefined;
    await this.stop();
    const started = Date.now();
    const before = this.processed;
    await truncateProjections(this.warehouse);
    const replayed = (this.replayed = { events: 0, leaves: 0, cellsWritten: 0, touchedPeriods: new Set<string>() });
    try {
      const replay = await this.consume(`${this.options.groupId ?? 'aggregator'}-rebuild-${started}`);
      try {
        await replay.caughtUp(timeoutMs);
      } finally {
        await replay.stop();
      }
    } finally {
      this.replayed = undefined;
    }
    // leaves and cellsWritten are sums over the replay's batches
    await this.options.afterProjection?.({ ...replayed, touchedPeriods: [...replayed.touchedPeriods].sort() });
    if (wasRunning) await this.start();
    return { events: this.processed - before, ms: Date.now() - started };
  }

  private consume(groupId: string): Promise<Subscription> {
    return this.eventLog.subscribe({
      groupId,
      topics: [AREA_STATISTIC_TOPIC],
      startFrom: 'earliest',
      maxBatchSize: this.options.maxBatchSize ?? 2000,
      handleBatch: (batch) => this.handle(batch),
      onHandlerError:
        this.options.onBatchError ?? ((error, batch) => console.error(`[aggregator] batch of ${batch.events.length} events from ${batch.topic}/${batch.partition} failed, retrying:`, error)),
    });
  }

  private async handle(batch: EventBatch): Promise<void> {
    const events: AreaStatisticEvent[] = [];
    for (const e of batch.events) {
      const { event } = this.codec.decodeAs(e.value);
      if (event.recordType !== 'area-statistic') continue;
      events.push(toAreaStatisticEvent(event));
    }
    const result = await this.projector.apply(events, () => this.options.onBatchStage?.('records-stored', batch));
    if (this.replayed) {
      this.replayed.events += result.events;
      this.replayed.leaves += result.leaves;
      this.replayed.cellsWritten += result.cellsWritten;
      for (const p of result.touchedPeriods) this.replayed.touchedPeriods.add(p);
    } else {
      await this.options.afterProjection?.(result);
    }
    this.processed += batch.events.length;
    this.options.onBatchStage?.('projected', batch);
  }
}
