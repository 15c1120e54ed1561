// The aggregator: consumes area-statistic record events from the EventLog and keeps the
// indicator warehouse current. Offsets are committed by the EventLog only after a batch was
// projected, and projection is idempotent, so a crash anywhere means redelivery, never a
// double count or a loss. Derived results (composite indices) follow the batches live, off their
// path: a batch notes the periods it touched, one loop recomputes what is due (issue 17.2,
// index-recomputation.ts); during a rebuild they are computed once at the end from the final cells, since every intermediate result
// would be overwritten anyway (and recomputing them per batch made a replay 15–25× slower). A
// rebuild projects set-based (ReplayProjector, issue 17): the record versions are written as the
// log is read and the warehouse computes every leaf's cells at once, instead of the incremental
// projector resolving the log batch by batch.
// Consumption runs through the one runner (runProjection, @sp/ports): an event that cannot be
// projected (undecodable, a period the index computation cannot handle) is split out of its batch
// and dead-lettered, and the partition moves on; transient failures are retried with backoff.
import { defaultTopology, EventCodec, type RecordEvent, type Topology } from '@sp/events';
import { assertPeriod, type Catalogue, loadProtection } from '@sp/indicators';
import {
  IndexProjector,
  IndicatorProjector,
  OnePassProjector,
  ReplayProjector,
  truncateProjections,
  type IndicatorProjectorOptions,
  type OnePassStats,
  type ProjectionResult,
  type WarehouseIndicatorReader,
} from '@sp/indicator-store';
import {
  deadLetterOf,
  describeError,
  eventLogDeadLetters,
  isTransientError,
  runProjection,
  type DeadLetterSink,
  type EventBatch,
  type EventLog,
  type LogEvent,
  type Projection,
  type ProjectionStats,
  type RunningProjection,
  type Warehouse,
} from '@sp/ports';

import { BatchCoalescer } from './batch-coalescer.js';
import { IndexRecomputation, type RecomputationRole } from './index-recomputation.js';
import { decodeForRebuild } from './rebuild.decode.js';
import { type DecodeResult, RebuildDecodeError, RebuildDecoder } from './rebuild.decoder.js';

export interface RebuildResult {
  /** events read from the log */
  events: number;
  ms: number;
  /** how long the warehouse took to resolve the staged log */
  resolveMs: { recordVersions: number; cells: number };
  /** where the events were decoded and staged (the worker's built code is missing: main thread) */
  decodedIn: 'worker' | 'main thread';
  /** how the log was resolved: in this process while reading (OnePassProjector) or staged and resolved in SQL (ReplayProjector) */
  mode: 'one-pass' | 'staged';
  /** a one-pass rebuild's record keys, leaves, rows written and time in the process (OnePassProjector.stats) */
  onePass?: OnePassStats;
  /** a staged rebuild on the main thread: the events whose record version was written straight from their Avro bytes (ReplayProjector.addFramed); the others were decoded */
  transcoded?: number;
}

/** batches a rebuild reads ahead of the one its decoding worker is on */
const REBUILD_BATCHES_AHEAD = 2;

export interface AggregatorOptions {
  groupId?: string;
  /** where the area-statistic events are and how many partitions a new topic gets (default: defaultTopology) */
  topology?: Topology;
  /** the tenant's perturbation table and record-key secret (docs/disclosure.md) */
  projection?: IndicatorProjectorOptions;
  maxBatchSize?: number;
  /** events per batch read by rebuild() (default 10 000): the replay stages them, so bigger is cheaper */
  rebuildBatchSize?: number;
  /**
   * rebuild() decodes and stages the events in a worker thread while the main thread reads the log
   * and inserts the staged blocks (default false: all on the main thread). Off by default: on this
   * machine's 2 cores it was not faster (0.92–1.03× in the same runs, with a third more CPU), and a
   * process rebuilds once, with a cold worker (bench/indicators/README.md §4, session 12)
   */
  rebuildWorker?: boolean;
  /**
   * how rebuild() resolves the log (default 'staged'): the record versions written while reading
   * and the cells computed by one statement in the warehouse at the end (ReplayProjector), or 'one-pass': in this process
   * while reading, the warehouse taking only finished rows (OnePassProjector). Both give the
   * incremental path's tables (aggregator.rebuild.int). One pass was 0.69–0.85× the staged rebuild
   * on this machine's 2 cores, with ≈ 40 % more CPU (bench/indicators/README.md §4, session 13), so
   * it is opt-in; rebuildWorker always stages.
   */
  rebuildMode?: 'one-pass' | 'staged';
  /** a one-pass rebuild's block of events (default 20 000; smaller in tests, to write leaves in several blocks) */
  rebuildBlockEvents?: number;
  /** called after the records of a batch are stored and before its cells are recomputed (crash tests, tracing) */
  onBatchStage?: (stage: 'records-stored' | 'projected', batch: EventBatch) => void;
  /**
   * composite indices of the catalogue, recomputed for the periods each batch touched (once, after
   * the replay, during rebuild()). Every entry point passes them through indicatorProjection()
   * (aggregator.composition.ts), so the standalone aggregator keeps indices current exactly like
   * the platform (STYLE.md 12).
   */
  indices?: {
    catalogue: Catalogue;
    reader: WarehouseIndicatorReader;
    /**
     * where the recomputation reads and writes, if not the aggregator's warehouse (the embedded
     * platform: the chDB session's background lane, below the GraphQL reads; `reader` reads through
     * the same). A batch's note of what is due stays on the aggregator's warehouse, before its
     * offsets are committed.
     */
    warehouse?: Warehouse;
    /** the levels of the tenant's reference, asked on every use; each index is scored at those of them its definition names (default: all it names) */
    levels?: readonly string[] | (() => readonly string[]);
  };
  /**
   * told after a batch's cells were projected, and again (indicesRecomputed) after the composite
   * indices of what batches touched were recomputed, off the batches' path (e.g. to drop read
   * caches); during rebuild() it is called once, after the replay and its indices, with every
   * period the replay touched
   */
  afterProjection?: (result: ProjectionResult) => Promise<void>;
  /**
   * where an event that fails on its own goes (docs/engineering.md, "Poison events"); default: the
   * event log's dead-letter topic
   */
  deadLetters?: DeadLetterSink;
  /**
   * at most this many events in one live projection (default 4 × maxBatchSize): the partitions'
   * batches that wait while a projection runs are projected together in the next one
   * (batch-coalescer.ts); 1 projects every batch on its own, as before
   */
  maxProjectionSize?: number;
  /**
   * a live projection starts no sooner than this many ms after the previous one ended (default 0):
   * an idle projection starts at once; a busy one pauses, so that every partition's next batch
   * and what arrives meanwhile go into one projection (batch-coalescer.ts)
   */
  projectionPauseMs?: number;
  /** the composite indices' recomputation waits this long after each pass before the next (IndexRecomputationOptions.pauseMs; default 0) */
  indexPauseMs?: number;
  /** at most this many due periods per index recomputation pass (IndexRecomputationOptions.passPeriods; default all) */
  indexPassPeriods?: number;
  /** a backlog no batch adds to is worked off in passes that double up to this many due periods (IndexRecomputationOptions.maxPassPeriods; default indexPassPeriods) */
  indexMaxPassPeriods?: number;
  /** one line per retry step and per dead letter (default: stderr) */
  log?: (line: string) => void;
  /** told how long a batch's projection and its index recomputation took, in seconds (metrics) */
  timing?: (step: 'projection' | 'indices', seconds: number) => void;
  /**
   * with other aggregators in the group: how often the one recomputing the indices (the member
   * holding partition 0) looks for periods the others noted, and the others whether they became it
   * (default 1000 ms; index-recomputation.ts)
   */
  indexPollMs?: number;
}

export class AggregatorService {
  private subscription: RunningProjection | undefined;
  private readonly deadLetters: DeadLetterSink;
  /** dead letters and retries of the live consumer, summed over its restarts and rebuilds */
  private readonly counters = { deadLettered: 0, retries: 0 };
  private readonly projector: IndicatorProjector;
  private readonly indices: IndexProjector | undefined;
  /** live: the indices of what the batches touched, recomputed off their hot path */
  private readonly recomputation: IndexRecomputation | undefined;
  private readonly topology: Topology;
  /** the rebuilds' decoding worker, once one ran */
  private decoder: RebuildDecoder | undefined;
  /** the live batches of all partitions, projected together while a projection runs (group commit) */
  private readonly coalescer: BatchCoalescer<{ batch: EventBatch; events: RecordEvent<'area-statistic'>[] }>;
  private processed = 0;
  /** partitions of the aggregator's topic, as of start() */
  private partitions = 0;
  /** the recomputation's role while stop() runs */
  private stoppingRole: RecomputationRole | undefined;

  constructor(
    private readonly eventLog: EventLog,
    private readonly warehouse: Warehouse,
    private readonly codec: EventCodec,
    private readonly options: AggregatorOptions = {},
  ) {
    this.projector = new IndicatorProjector(warehouse, options.projection);
    const indexWarehouse = options.indices?.warehouse ?? warehouse;
    this.indices = options.indices
      ? new IndexProjector(indexWarehouse, options.indices.reader, options.indices.catalogue, options.indices.levels ? { levels: options.indices.levels } : {})
      : undefined;
    this.recomputation = this.indices
      ? new IndexRecomputation(indexWarehouse, this.indices, {
          notes: warehouse,
          recomputed: async (periods, seconds) => {
            this.options.timing?.('indices', seconds);
            await this.options.afterProjection?.({ events: 0, leaves: 0, cellsWritten: 0, touchedPeriods: periods, indicesRecomputed: true });
          },
          ...(options.log ? { log: options.log } : {}),
          role: () => this.recomputationRole(),
          ...(options.indexPollMs ? { pollMs: options.indexPollMs } : {}),
          ...(options.indexPauseMs ? { pauseMs: options.indexPauseMs } : {}),
          ...(options.indexPassPeriods ? { passPeriods: options.indexPassPeriods } : {}),
          ...(options.indexMaxPassPeriods ? { maxPassPeriods: options.indexMaxPassPeriods } : {}),
        })
      : undefined;
    this.deadLetters = options.deadLetters ?? eventLogDeadLetters(eventLog);
    this.topology = options.topology ?? defaultTopology;
    this.coalescer = new BatchCoalescer((items) => this.project(items), {
      maxSize: options.maxProjectionSize ?? 4 * (options.maxBatchSize ?? 2000),
      shared: isTransientError,
      pauseMs: options.projectionPauseMs ?? 0,
    });
  }

  /** the consumer's counters for admins: dead letters and retries so far, and what fails now */
  get stats(): ProjectionStats {
    const live = this.subscription?.stats;
    return {
      groupId: this.options.groupId ?? 'aggregator',
      deadLettered: this.counters.deadLettered + (live?.deadLettered ?? 0),
      retries: this.counters.retries + (live?.retries ?? 0),
      failing: live?.failing ?? null,
    };
  }

  /** the topic the aggregator consumes */
  get topic(): string {
    return this.topology.topicFor('area-statistic');
  }

  get eventsProcessed(): number {
    return this.processed;
  }

  async start(): Promise<void> {
    if (this.subscription) return;
    await this.eventLog.ensureTopics([{ name: this.topic, partitions: this.topology.partitions }]);
    this.partitions = (await this.eventLog.endOffsets(this.topic)).size;
    this.subscription = await this.consume(this.options.groupId ?? 'aggregator');
    // what a crashed process noted and did not recompute, if this one recomputes; from now on
    // whatever becomes due while it does
    this.recomputation?.follow();
  }

  /** whether this process recomputes the composite indices (recomputationRole); undefined without indices */
  get indexRole(): RecomputationRole | undefined {
    return this.recomputation ? this.recomputationRole() : undefined;
  }

  /**
   * Who recomputes the composite indices (issue 17.5): the member of the group holding partition 0
   * of the topic — 'alone' when it holds every partition (no other member notes anything), 'owner'
   * beside other members; every other member only notes. Not consuming (before start(), during a
   * rebuild): 'alone', as a single process.
   */
  private recomputationRole(): RecomputationRole {
    if (this.stoppingRole) return this.stoppingRole;
    const subscription = this.subscription;
    if (!subscription) return 'alone';
    const mine = subscription.assigned().filter((p) => p.topic === this.topic);
    if (!mine.some((p) => p.partition === 0)) return 'member';
    return mine.length >= this.partitions ? 'alone' : 'owner';
  }

  async stop(): Promise<void> {
    const subscription = this.subscription;
    if (!subscription) return;
    // the batches in flight note as what this process was in the group: a member does not start
    // recomputing on its way out
    this.stoppingRole = this.recomputationRole();
    this.subscription = undefined;
    try {
      await subscription.stop();
      await this.recomputation?.stop();
    } finally {
      this.stoppingRole = undefined;
    }
    this.counters.deadLettered += subscription.stats.deadLettered;
    this.counters.retries += subscription.stats.retries;
  }

  /**
   * The index definitions changed (a tenant delivered a definition version, docs/indicators.md §8):
   * every period with cells is due again, recomputed off any batch's path like a batch's periods.
   * Resolves once that is noted, not when the indices are recomputed (caughtUp() waits for that).
   */
  async definitionsChanged(): Promise<void> {
    if (!this.recomputation) return;
    const rows = await this.warehouse.query<{ period: string }>('SELECT DISTINCT period FROM cells ORDER BY period');
    await this.recomputation.note(rows.map((r) => r.period));
  }

  /** Resolves when everything in the log has been projected and the composite indices are recomputed. */
  async caughtUp(timeoutMs = 60_000): Promise<void> {
    if (!this.subscription) throw new Error('aggregator not started');
    const started = Date.now();
    await this.subscription.caughtUp(timeoutMs);
    // and the composite indices of everything projected so far
    await this.recomputation?.idle(Math.max(0, timeoutMs - (Date.now() - started)));
  }

  /**
   * Rebuilds every projected table by replaying the log from the start under a fresh consumer
   * group, set-based (ReplayProjector): the events' record versions are written as they are read
   * (the worker's staged and resolved into record_versions), and the cells computed by the warehouse at the end, by the same rules as the incremental
   * path, so the tables are the same. Events were validated at the door, so they are decoded
   * without zod (EventCodec.decodeTrusted); on the main thread (the default) an event's record
   * version is written straight from its Avro bytes (ReplayProjector.addFramed: the same row) and
   * only what that leaves is decoded. One that does not decode or whose period the index
   * computation cannot take is dead-lettered and skipped, as the live consumer does. With
   * rebuildWorker, decoding and staging run in a worker thread (rebuild.worker.ts) while this thread
   * reads the log ahead and inserts the staged blocks, by the same code. Live
   * consumption is paused meanwhile; projection is idempotent, so events it sees again afterwards
   * change nothing. afterProjection runs once, when the replay has been resolved. A rebuild that
   * fails part-way throws; running it again starts over.
   */
  async rebuild(timeoutMs = 600_000): Promise<RebuildResult> {
    const wasRunning = this.subscription !== undefined;
    await this.stop();
    const started = Date.now();
    const before = this.processed;
    // started first: loading its modules overlaps emptying the tables
    const decoder = this.rebuildDecoder();
    return this.replayLog(started, before, wasRunning, timeoutMs, decoder);
  }

  /**
   * The rebuild's decoding worker, if asked for (rebuildWorker: true) and built. It is
   * kept for the next rebuild (idle, it does not keep the process alive): a new one loads its
   * modules and compiles the decoder again, which cost more than it saved in a rebuild of 100,000
   * events on 2 cores.
   */
  private rebuildDecoder(): RebuildDecoder | undefined {
    if (this.options.rebuildWorker !== true) return undefined;
    if (this.decoder?.usable) return this.decoder;
    this.decoder = this.startRebuildDecoder();
    return this.decoder;
  }

  private startRebuildDecoder(): RebuildDecoder | undefined {
    const projection = this.options.projection ?? {};
    return RebuildDecoder.start({
      schemasDir: this.codec.registry.dir,
      protection: (projection.protection ?? loadProtection()).config,
      ...(projection.recordKeySecret !== undefined ? { recordKeySecret: projection.recordKeySecret } : {}),
    });
  }

  private async replayLog(started: number, before: number, wasRunning: boolean, timeoutMs: number, decoder: RebuildDecoder | undefined): Promise<RebuildResult> {
    await truncateProjections(this.warehouse);
    const onePass = !decoder && this.options.rebuildMode === 'one-pass';
    const replay = new ReplayProjector(this.warehouse, this.options.projection);
    const one = new OnePassProjector(this.warehouse, { ...this.options.projection, ...(this.options.rebuildBlockEvents ? { blockEvents: this.options.rebuildBlockEvents } : {}) });
    if (!onePass) await replay.begin();
    const groupId = `${this.options.groupId ?? 'aggregator'}-rebuild-${started}`;
    let failure: unknown;
    // batches handed to the worker and not yet staged, oldest first: the log is read ahead by at
    // most this many batches while the worker decodes
    const staging: Promise<void>[] = [];
    const stageDecoded = async (batch: EventBatch, decoded: Promise<DecodeResult>, previous: Promise<void> | undefined): Promise<void> => {
      await previous; // staged in the order read, as on the main thread
      if (failure) return;
      try {
        const r = await decoded;
        for (const f of r.failures) await this.deadLetter(groupId, batch.events[f.index]!, new RebuildDecodeError(f.name, f.message, f.code));
        await replay.addStaged(r.rows, r.bytes);
        this.processed += batch.events.length;
        this.options.onBatchStage?.('projected', batch);
      } catch (error) {
        failure ??= error;
      }
    };
    const subscription = await this.eventLog.subscribe({
      groupId,
      topics: [this.topic],
      startFrom: 'earliest',
      bulk: true,
      maxBatchSize: this.options.rebuildBatchSize ?? 10_000,
      handleBatch: async (batch) => {
        if (failure) return; // the rebuild fails as a whole; the rest of the log is only read
        if (decoder) {
          const decoded = decoder.decode(batch.partition, batch.events);
          decoded.catch(() => {}); // handled in stageDecoded, which may await the batch before it first
          staging.push(stageDecoded(batch, decoded, staging.at(-1)));
          while (staging.length > REBUILD_BATCHES_AHEAD) await staging.shift();
          return;
        }
        try {
          if (onePass) {
            const events: RecordEvent<'area-statistic'>[] = [];
            for (const e of batch.events) {
              const event = await this.decodeOrDeadLetter(groupId, e);
              if (event) events.push(event);
            }
            await one.add(events);
          } else {
            // each event's record version written straight from its Avro bytes (addFramed); what the
            // transcoder leaves is decoded as before (a poison event dead-lettered). An error of
            // the projector fails the batch once all of it is decoded, as when the batch was decoded
            // first and then added.
            let addFailure: { error: unknown } | undefined;
            try {
              replay.beginBatch();
            } catch (error) {
              addFailure = { error };
            }
            for (const e of batch.events) {
              if (!addFailure && replay.addFramed(e.value, this.codec.registry)) continue;
              const event = await this.decodeOrDeadLetter(groupId, e);
              if (!event || addFailure) continue;
              try {
                replay.addEvent(event);
              } catch (error) {
                addFailure = { error };
              }
            }
            if (addFailure) throw addFailure.error;
            await replay.endBatch(batch.events.length);
          }
          this.processed += batch.events.length;
          this.options.onBatchStage?.('projected', batch);
        } catch (error) {
          failure ??= error;
        }
      },
    });
    try {
      await subscription.caughtUp(timeoutMs);
      await Promise.all(staging);
    } finally {
      await subscription.stop();
    }
    if (failure) throw failure;
    const { resolveMs, ...result } = onePass ? await one.finish() : await replay.finish();
    await this.derive(result);
    if (wasRunning) await this.start();
    return {
      events: this.processed - before,
      ms: Date.now() - started,
      resolveMs,
      decodedIn: decoder ? 'worker' : 'main thread',
      mode: onePass ? 'one-pass' : 'staged',
      ...(onePass ? { onePass: one.stats } : {}),
      ...(!onePass && !decoder ? { transcoded: replay.transcoded } : {}),
    };
  }

  /** an event of the log decoded for a rebuild (decodeForRebuild), or undefined for another record type or a poison event, which is dead-lettered */
  private async decodeOrDeadLetter(groupId: string, e: LogEvent): Promise<RecordEvent<'area-statistic'> | undefined> {
    try {
      return decodeForRebuild(this.codec, e.value);
    } catch (error) {
      await this.deadLetter(groupId, e, error);
      return undefined;
    }
  }

  /** what the runner does with a poison event, for the rebuild's own consumer */
  private async deadLetter(groupId: string, event: LogEvent, error: unknown): Promise<void> {
    await this.deadLetters.record(deadLetterOf(groupId, event, error, Date.now()));
    this.counters.deadLettered++;
    (this.options.log ?? ((line: string) => process.stderr.write(`${line}\n`)))(
      `[${groupId}] dead-lettered ${event.topic}/${event.partition} offset ${event.offset} key ${event.key}: ${describeError(error)}`,
    );
  }

  /** the indicator projection as the one runner takes it: a poison event is dead-lettered, not retried for ever */
  projection(groupId: string = this.options.groupId ?? 'aggregator'): Projection {
    return {
      groupId,
      topics: [this.topic],
      startFrom: 'earliest',
      maxBatchSize: this.options.maxBatchSize ?? 2000,
      // every partition's batch in the handler at once (Kafka hands one at a time otherwise), so
      // that the group commit gathers the batches of one fetch into one projection
      partitionsConcurrently: Math.max(this.partitions, this.topology.partitions),
      apply: (events) => this.handle({ topic: events[0]!.topic, partition: events[0]!.partition, events }),
    };
  }

  private consume(groupId: string): Promise<RunningProjection> {
    return runProjection(this.eventLog, this.projection(groupId), { deadLetters: this.deadLetters, ...(this.options.log ? { log: this.options.log } : {}) });
  }

  /** derived results of projected cells: composite indices, then whoever listens */
  private async derive(result: ProjectionResult): Promise<void> {
    if (this.indices && result.touchedPeriods.length > 0) {
      const started = performance.now();
      await this.indices.recompute(result.touchedPeriods);
      this.options.timing?.('indices', (performance.now() - started) / 1000);
    }
    await this.options.afterProjection?.(result);
  }

  private async handle(batch: EventBatch): Promise<void> {
    const events: RecordEvent<'area-statistic'>[] = [];
    for (const e of batch.events) {
      const { event } = this.codec.decodeAs(e.value);
      if (event.recordType !== 'area-statistic') continue;
      // checked before anything is stored: an event the index computation would fail on later is
      // refused whole, so a dead-lettered event leaves no record or cell behind
      if (event.payload) assertPeriod(event.payload.period);
      events.push(event);
    }
    // resolves once these events are projected (with the other partitions' batches that waited
    // beside them): only then does the consumer commit the batch's offsets
    await this.coalescer.submit({ batch, events }, Math.max(1, events.length));
  }

  /** one live projection of the batches that waited together (batch-coalescer.ts): the projector's statements once for all */
  private async project(items: readonly { batch: EventBatch; events: RecordEvent<'area-statistic'>[] }[]): Promise<void> {
    const events = items.length === 1 ? items[0]!.events : items.flatMap((i) => i.events);
    const started = performance.now();
    const result = await this.projector.apply(events, () => {
      for (const i of items) this.options.onBatchStage?.('records-stored', i.batch);
    });
    this.options.timing?.('projection', (performance.now() - started) / 1000);
    // the cells are queryable now; the indices follow off this batch's path (IndexRecomputation)
    await this.recomputation?.note(result.touchedPeriods);
    await this.options.afterProjection?.(result);
    for (const i of items) {
      this.processed += i.batch.events.length;
      this.options.onBatchStage?.('projected', i.batch);
    }
  }
}
