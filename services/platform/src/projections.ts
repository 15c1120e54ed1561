// The read models the platform keeps from the event log, each its own consumer group:
// indicators (aggregator → warehouse, with composite indices; indicatorProjection() of
// @sp/aggregator, the standalone aggregator's composition too), the infrastructure registry and the
// controlling read model (both PostgreSQL). Each handler is idempotent; offsets are committed only
// after a batch was applied, so a crash means redelivery. All three run through the one runner
// (runProjection, @sp/ports): a poison event is dead-lettered into the database and the partition
// moves on; transient failures are retried with backoff.
import { type AggregatorService, indicatorProjection } from '@sp/aggregator';
import { projectPlanningRecordEvents, type PlanningRecordEvent } from '@sp/controlling';
import { EventCodec, planningRecordTypes, type RecordEvent, type Topology } from '@sp/events';
import type { IndicatorProjectorOptions, WarehouseIndicatorReader } from '@sp/indicator-store';
import type { Catalogue } from '@sp/indicators';
import { runProjection, whileUnavailable, type Database, type EventLog, type LogEvent, type ProjectionStats, type RunningProjection, type Warehouse } from '@sp/ports';
import type { RegistryRepository } from '@sp/registry';
import type { AreaReference } from '@sp/spatial';
import { type DeliveredWriter, openDeliveredWriter } from '@sp/delivered';
import { DeadLetterStore } from './dead-letters.store.js';

export interface Projections {
  aggregator: AggregatorService;
  /** events the projections could not apply, for admins */
  deadLetters: DeadLetterStore;
  /** per consumer group: dead letters and retries since start, and what fails right now */
  stats(): ProjectionStats[];
  /** resolves when every consumer has caught up with the log */
  caughtUp(timeoutMs?: number): Promise<void>;
  /**
   * Replays the whole log into every read model (warehouse: truncated first; registry and
   * controlling: into what is there, idempotently) under fresh consumer groups, for a database
   * rebuilt from the log or an operator's rebuild. The live groups keep their offsets.
   */
  rebuild(timeoutMs?: number): Promise<{ ms: number }>;
  stop(): Promise<void>;
}

export interface ProjectionDeps {
  eventLog: EventLog;
  warehouse: Warehouse;
  /** what the indicator projection writes through, if not `warehouse` (embedded: the chDB session's urgent lane, Engines) */
  projectionWarehouse?: Warehouse;
  /** what the composite indices' recomputation reads and writes through, if not `warehouse` (embedded: the background lane, Engines) */
  indexWarehouse?: Warehouse;
  /** reads the indices' inputs through `indexWarehouse` (default: `reader`); its caches are dropped with `reader`'s */
  indexReader?: WarehouseIndicatorReader;
  database: Database;
  codec: EventCodec;
  /** the tenant's spatial reference: composite indices are scored at its levels */
  reference: AreaReference;
  catalogue: Catalogue;
  reader: WarehouseIndicatorReader;
  registry: RegistryRepository;
  /** the composition root's topics and partitions, shared with the ingestion */
  topology: Topology;
  /** the tenant's perturbation table and record-key secret */
  projection: IndicatorProjectorOptions;
  /**
   * the tenant's delivered levels and areas (docs/spatial-reference.md) and indicator and index
   * definitions (docs/indicators.md §8), opened by the caller before anything read the reference;
   * default: opened here
   */
  delivered?: DeliveredWriter;
  /** called after the delivered reference replaced the tenant's reference (e.g. to drop read caches) */
  onReferenceChanged?: () => void;
  /** called after new indicator values were projected (e.g. to drop read caches) */
  onIndicatorsChanged?: () => void;
  /** one line per retry step and dead letter (default: stderr) */
  log?: (line: string) => void;
  /** where poison events go, migrated by the caller; default: a store made and migrated here */
  deadLetters?: DeadLetterStore;
  /** the planning scenarios' projection (docs/projection.md §8); absent: scenario events stay in the log unread */
  scenarios?: { apply(events: readonly RecordEvent<'scenario'>[]): Promise<void> };
  /** the indicator projection's pause between two live projections (AggregatorOptions.projectionPauseMs) */
  projectionPauseMs?: number;
  /** the composite indices' pause between two recomputations (AggregatorOptions.indexPauseMs) */
  indexPauseMs?: number;
  /** at most this many due periods per composite-index pass (AggregatorOptions.indexPassPeriods) */
  indexPassPeriods?: number;
  /** a backlog no batch adds to is worked off in passes that double up to this many (AggregatorOptions.indexMaxPassPeriods) */
  indexMaxPassPeriods?: number;
  /** told how long a projection or index recomputation step took (metrics) */
  timing?: (step: 'projection' | 'indices', seconds: number) => void;
}

export async function startProjections(deps: ProjectionDeps): Promise<Projections> {
  const { eventLog, codec } = deps;
  const deadLetters = deps.deadLetters ?? (await migratedDeadLetters(deps.database));
  const runner = { deadLetters, ...(deps.log ? { log: deps.log } : {}) };
  // the same indicator projection (cells and composite indices) as the standalone aggregator
  const aggregator = indicatorProjection(
    {
      ...deps,
      warehouse: deps.projectionWarehouse ?? deps.warehouse,
      ...(deps.indexWarehouse ? { indexWarehouse: deps.indexWarehouse } : {}),
      reader: deps.indexReader ?? deps.reader,
    },
    {
      topology: deps.topology,
      ...runner,
      ...(deps.timing ? { timing: deps.timing } : {}),
      ...(deps.projectionPauseMs ? { projectionPauseMs: deps.projectionPauseMs } : {}),
      ...(deps.indexPauseMs ? { indexPauseMs: deps.indexPauseMs } : {}),
      ...(deps.indexPassPeriods ? { indexPassPeriods: deps.indexPassPeriods } : {}),
      ...(deps.indexMaxPassPeriods ? { indexMaxPassPeriods: deps.indexMaxPassPeriods } : {}),
      afterProjection: async (result) => {
        if (result.events > 0 || result.indicesRecomputed) deps.onIndicatorsChanged?.();
      },
    },
  );
  const offerTopic = deps.topology.topicFor('offer');
  const planningTopics = planningRecordTypes.map((t) => deps.topology.topicFor(t));
  const scenarioTopic = deps.topology.topicFor('scenario');
  // the delivered reference and definitions, as the standalone aggregator runs them (@sp/delivered)
  const delivered = (
    deps.delivered ?? (await openDeliveredWriter({ database: deps.database, reference: deps.reference, catalogue: deps.catalogue, warehouse: deps.warehouse, ...(deps.log ? { log: deps.log } : {}) }))
  ).projections({
    eventLog,
    codec,
    topology: deps.topology,
    runner,
    // a delivered reference drops the cached areas of both readers
    reader: {
      clearCache: () => {
        deps.reader.clearCache();
        deps.indexReader?.clearCache();
      },
    },
    indices: aggregator,
    onChanged: (kind) => (kind === 'reference' ? deps.onReferenceChanged?.() : deps.onIndicatorsChanged?.()),
  });
  const reference = (groupId: string) => delivered.reference(groupId);
  const definitions = (groupId: string) => delivered.definitions(groupId);
  const datasets = delivered.datasets;
  await eventLog.ensureTopics([offerTopic, ...planningTopics, scenarioTopic, ...delivered.topics].map((name) => ({ name, partitions: deps.topology.partitions })));

  const decode = (events: readonly LogEvent[]) => events.map((e) => codec.decodeAs(e.value).event);

  const registryGroup = (groupId: string) =>
    runProjection(
      eventLog,
      {
        groupId,
        topics: [offerTopic],
        apply: async (events) => {
          await deps.registry.applyOfferEvents(decode(events));
        },
      },
      runner,
    );
  const planningGroup = (groupId: string) =>
    runProjection(
      eventLog,
      {
        groupId,
        topics: planningTopics,
        apply: async (events) => {
          await projectPlanningRecordEvents(deps.database, decode(events) as unknown as PlanningRecordEvent[]);
        },
        // out-of-order planning events (a milestone before its measure) resolve on redelivery
        isTransient: (error) => (error as { code?: string }).code === 'PLANNING_OUT_OF_ORDER',
      },
      runner,
    );

  const scenarios = deps.scenarios;
  const scenarioGroup = (groupId: string) =>
    runProjection(
      eventLog,
      {
        groupId,
        topics: [scenarioTopic],
        apply: async (events) => {
          await scenarios!.apply(decode(events) as RecordEvent<'scenario'>[]);
        },
      },
      runner,
    );

  // the reference first: counts delivered after an area reform are read with the new areas
  const referenceGroup = await whileUnavailable(() => reference('reference'));
  const datasetGroup = datasets ? await whileUnavailable(() => datasets('datasets')) : undefined;
  const catalogueGroup = await whileUnavailable(() => definitions('catalogue'));
  const registry = await whileUnavailable(() => registryGroup('registry'));
  const planning = await whileUnavailable(() => planningGroup('controlling'));
  const scenario = scenarios ? await whileUnavailable(() => scenarioGroup('scenarios')) : undefined;

  await whileUnavailable(() => aggregator.start());
  const subscriptions: RunningProjection[] = [referenceGroup, ...(datasetGroup ? [datasetGroup] : []), catalogueGroup, registry, planning, ...(scenario ? [scenario] : [])];
  return {
    aggregator,
    deadLetters,
    stats: () => [aggregator.stats, ...subscriptions.map((s) => ({ ...s.stats }))],
    async caughtUp(timeoutMs = 300_000) {
      const started = Date.now();
      await Promise.all([aggregator.caughtUp(timeoutMs), ...subscriptions.map((s) => s.caughtUp(timeoutMs))]);
      // a delivered reference or definition caught up last notes every period's indices as due:
      // wait for that recomputation too
      await aggregator.caughtUp(Math.max(1000, timeoutMs - (Date.now() - started)));
    },
    async rebuild(timeoutMs = 600_000) {
      const started = Date.now();
      /** one replay group from the log's start: started, followed to the end, stopped */
      const replayOnce = async (start: (group: string) => Promise<{ caughtUp(ms: number): Promise<void>; stop(): Promise<void> }>, group: string) => {
        const replay = await start(`${group}-rebuild-${started}`);
        try {
          await replay.caughtUp(timeoutMs);
        } finally {
          await replay.stop();
        }
      };
      // the datasets, then the definitions on them: the replayed indices are those of the tenant's catalogue
      if (datasets) await replayOnce(datasets, 'datasets');
      await replayOnce(definitions, 'catalogue');
      const replays = [await reference(`reference-rebuild-${started}`), await registryGroup(`registry-rebuild-${started}`), await planningGroup(`controlling-rebuild-${started}`)];
      try {
        await Promise.all([aggregator.rebuild(timeoutMs), ...replays.map((r) => r.caughtUp(timeoutMs))]);
      } finally {
        for (const r of replays) await r.stop();
      }
      // the scenarios' populations were in the truncated warehouse and rest on the observed population: replayed after it
      if (scenarios) await replayOnce(scenarioGroup, 'scenarios');
      return { ms: Date.now() - started };
    },
    async stop() {
      await aggregator.stop();
      // each consumer leaves its group on its own (on Kafka 0.5–1 s each): together, not one after the other
      await Promise.all(subscriptions.map((s) => s.stop()));
    },
  };
}

async function migratedDeadLetters(database: Database): Promise<DeadLetterStore> {
  const store = new DeadLetterStore(database);
  await store.migrate();
  return store;
}
