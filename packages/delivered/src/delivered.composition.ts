// The one composition of what a tenant delivers about itself (its levels and areas, its datasets
// with their feed grants, its indicator and index definitions) for every entry point (STYLE.md 12): the one-process platform and the
// standalone aggregator are the writer — they run the two projections into the tenant's database,
// and the writer alone loads the warehouse's area map — and the standalone gateway and ingestion
// are readers: they make the stored records their reference and catalogue at start and follow
// every change the writer applied while they run, writing nothing (docs/spatial-reference.md,
// docs/indicators.md §8, docs/engineering.md "Composition").
//
// How a reader learns of a change: the writer counts every reference or catalogue it applied in
// `delivered_data_revisions` (one row per kind); a reader polls that table (one indexed read of two
// rows, every few seconds) and applies the stores again when a count moved. Polled rather than
// LISTEN/NOTIFY: the Database port has no listening connection, a poll survives a restart of
// PostgreSQL or of the writer without re-subscribing, and a reader that was down sees the change at
// its next look. A reader follows what the writer applied, not what the stores hold: a delivery
// whose records are still arriving (areas waiting for their root) is not taken over half.
import type { EventCodec, Topology } from '@sp/events';
import { catalogueRecordTypes, datasetRecordTypes, referenceRecordTypes } from '@sp/events';
import type { FeedCatalogue } from '@sp/feeds';
import { areaMapRows, loadAreaMap } from '@sp/indicator-store';
import type { Catalogue } from '@sp/indicators';
import { type Database, type EventLog, runProjection, type RunningProjection, type RunProjectionOptions, type Warehouse } from '@sp/ports';
import type { AreaReference } from '@sp/spatial';
import { applyDeliveredCatalogue, copyOfCatalogue, deliveredCatalogueProjection } from './catalogue/delivered-catalogue.projection.js';
import { DeliveredCatalogueStore } from './catalogue/delivered-catalogue.store.js';
import { applyDeliveredDatasets, deliveredDatasetsProjection, openDeliveredDatasets, type DeliveredDatasetsDeps } from './datasets/delivered-datasets.projection.js';
import { DeliveredRevisions, deliveredKinds, type DeliveredKind } from './delivered-revisions.store.js';
import { applyDeliveredReference, deliveredReferenceProjection } from './reference/delivered-reference.projection.js';
import { DeliveredReferenceStore } from './reference/delivered-reference.store.js';

export type { DeliveredKind } from './delivered-revisions.store.js';

export interface DeliveredDataOptions {
  /** the tenant's database, where the delivered records are stored */
  database: Database;
  /** the tenant's reference object, shared by everything in the process; its content is replaced */
  reference: AreaReference;
  /** the tenant's catalogue object, shared likewise; its content is replaced */
  catalogue: Catalogue;
  /** the catalogue the tenant was created with, which the delivered definitions overlay; default: a copy of `catalogue` as it is now */
  baseCatalogue?: Catalogue;
  /**
   * the tenant's feed catalogue object, shared likewise; its content is replaced by the delivered
   * datasets' grants (docs/indicators.md §9). Absent: delivered datasets are not followed (a
   * process that checks no delivery and reads no dataset's grant, e.g. a gateway without one)
   */
  feeds?: FeedCatalogue;
  log?: (line: string) => void;
}

interface DeliveredParts {
  readonly referenceStore: DeliveredReferenceStore;
  readonly catalogueStore: DeliveredCatalogueStore;
  readonly baseCatalogue: Catalogue;
  /** the delivered datasets, when the feed catalogue was given */
  readonly datasets: DeliveredDatasetsDeps | undefined;
  /** what was applied at start: whether the delivered reference, datasets and definitions replaced the pack's */
  readonly applied: Readonly<Record<DeliveredKind, boolean>>;
}

export interface DeliveredProjectionsDeps {
  eventLog: EventLog;
  codec: EventCodec;
  topology: Topology;
  /** dead letters and retry lines of the runner */
  runner: RunProjectionOptions;
  /** the reader the indices and the gateway read through: its relations were read with the old reference */
  reader: { clearCache(): void };
  /** the composite indices (the aggregator): every period is recomputed with the new areas or definitions */
  indices: { definitionsChanged(): Promise<void> };
  /** besides: what else drops what it read with the old reference or catalogue (a gateway's response cache) */
  onChanged?: (kind: DeliveredKind) => void;
}

export interface DeliveredProjections {
  /** the record topics the two projections read */
  readonly topics: readonly string[];
  /** the delivered reference's projection under a consumer group (live: 'reference'; a rebuild: its own) */
  reference(groupId: string): Promise<RunningProjection>;
  /** the delivered definitions' projection under a consumer group (live: 'catalogue') */
  definitions(groupId: string): Promise<RunningProjection>;
  /** the delivered datasets' projection under a consumer group (live: 'datasets'); undefined without the feed catalogue */
  datasets: ((groupId: string) => Promise<RunningProjection>) | undefined;
}

export interface DeliveredWriter extends DeliveredParts {
  projections(deps: DeliveredProjectionsDeps): DeliveredProjections;
  /** takes over what another process of the writer applied (replicas of the aggregator) */
  follow(options: FollowOptions): DeliveredFollower;
}

/**
 * The writer's side, one process per tenant: migrates the stores, makes the stored delivered
 * records the tenant's reference and catalogue, and loads the warehouse's area map (the delivered
 * areas, or the reference's own while there are none). Its projections() keep it so.
 */
export async function openDeliveredWriter(options: DeliveredDataOptions & { warehouse: Warehouse }): Promise<DeliveredWriter> {
  const referenceStore = new DeliveredReferenceStore(options.database);
  const catalogueStore = new DeliveredCatalogueStore(options.database);
  const revisions = new DeliveredRevisions(options.database);
  await referenceStore.migrate();
  await catalogueStore.migrate();
  await revisions.migrate();
  const log = options.log ? { log: options.log } : {};
  const reference = await applyDeliveredReference({ store: referenceStore, reference: options.reference, warehouse: options.warehouse, ...log });
  if (!reference) await loadAreaMap(options.warehouse, areaMapRows(options.reference));
  const baseCatalogue = options.baseCatalogue ?? copyOfCatalogue(options.catalogue);
  const definitions = { store: catalogueStore, base: baseCatalogue, catalogue: options.catalogue, ...log };
  // the datasets before the definitions that read them (they overlay the definitions again themselves)
  const datasets = options.feeds ? await openDeliveredDatasets({ database: options.database, feeds: options.feeds, definitions, migrate: true, ...log }) : undefined;
  const catalogue = await applyDeliveredCatalogue(definitions);
  // what this process applied: its own changes are not taken over again by follow()
  const seen = (await revisions.read()) ?? { reference: 0, catalogue: 0, datasets: 0 };
  return {
    referenceStore,
    catalogueStore,
    baseCatalogue,
    datasets,
    applied: { reference, catalogue, datasets: datasets?.applied ?? false },
    // another process of the writer (a second aggregator replica, whose batches stored the change)
    // applied it: take it over here too, without loading the area map again
    follow: (follow) => followRevisions(revisions, seen, applyKindWith({ referenceStore, reference: options.reference, definitions, datasets, ...log }), follow, options.log),
    projections: (deps) => {
      // roll-ups follow the new areas when read, values are evaluated when read (the next read
      // uses a new definition); the composite indices of every period are recomputed (computed
      // before, or while the area map was being reloaded, they were made with the old areas:
      // hamburg-tenant.int once saw other classes). The count moves last: a reader applies the
      // change once the area map is loaded and the indices are due.
      const changed = async (kind: DeliveredKind) => {
        deps.reader.clearCache();
        deps.onChanged?.(kind);
        await deps.indices.definitionsChanged();
        seen[kind] = await revisions.bump(kind);
      };
      return {
        topics: [...referenceRecordTypes, ...catalogueRecordTypes, ...(datasets ? datasetRecordTypes : [])].map((t) => deps.topology.topicFor(t)),
        datasets: datasets
          ? (groupId) =>
              runProjection(
                deps.eventLog,
                // the feed catalogue and the datasets were replaced: values are read anew (confidentiality), the indices recomputed
                deliveredDatasetsProjection({ ...datasets, codec: deps.codec, topology: deps.topology, onChanged: () => changed('datasets') }, groupId),
                deps.runner,
              )
          : undefined,
        reference: (groupId) =>
          runProjection(
            deps.eventLog,
            deliveredReferenceProjection(
              {
                store: referenceStore,
                reference: options.reference,
                warehouse: options.warehouse,
                codec: deps.codec,
                topology: deps.topology,
                eventLog: deps.eventLog,
                onChanged: () => changed('reference'),
                ...log,
              },
              groupId,
            ),
            deps.runner,
          ),
        definitions: (groupId) =>
          runProjection(
            deps.eventLog,
            deliveredCatalogueProjection(
              { store: catalogueStore, base: baseCatalogue, catalogue: options.catalogue, codec: deps.codec, topology: deps.topology, onChanged: () => changed('catalogue'), ...log },
              groupId,
            ),
            deps.runner,
          ),
      };
    },
  };
}

export interface FollowOptions {
  /** how often the writer's counts are read (default 5 s) */
  intervalMs?: number;
  /** after the reference or catalogue was replaced here: drop the read caches */
  onChanged: (kind: DeliveredKind) => Promise<void> | void;
}

export interface DeliveredFollower {
  /** reads the writer's counts once and applies what changed; answers the kinds applied */
  check(): Promise<DeliveredKind[]>;
  stop(): void;
}

export interface DeliveredReader extends DeliveredParts {
  /** follows the writer's changes while the process runs */
  follow(options: FollowOptions): DeliveredFollower;
}

/**
 * A reader's side (standalone gateway and ingestion): makes the stored delivered records the
 * tenant's reference and catalogue, as the writer last applied them, and follows them. It creates
 * no table and writes nothing — not the stores, not the area map; before the writer has migrated
 * the tenant's database it serves the pack's reference and catalogue and looks again at every poll.
 */
export async function openDeliveredReader(options: DeliveredDataOptions): Promise<DeliveredReader> {
  const referenceStore = new DeliveredReferenceStore(options.database);
  const catalogueStore = new DeliveredCatalogueStore(options.database);
  const revisions = new DeliveredRevisions(options.database);
  const baseCatalogue = options.baseCatalogue ?? copyOfCatalogue(options.catalogue);
  const log = options.log ? { log: options.log } : {};
  // the counts first: a change applied while the stores are read is seen again at the next look
  const seen = await revisions.read();
  const definitions = { store: catalogueStore, base: baseCatalogue, catalogue: options.catalogue, ...log };
  // no table is made here: before the writer migrated, there are no datasets to read (seen is null)
  const datasets = options.feeds ? await openDeliveredDatasets({ database: options.database, feeds: options.feeds, definitions, migrate: false, apply: false, ...log }) : undefined;
  const applyKind = applyKindWith({ referenceStore, reference: options.reference, definitions, datasets, ...log });
  const applied = { reference: false, catalogue: false, datasets: false };
  if (seen) for (const kind of deliveredKinds) applied[kind] = await applyKind(kind);
  return {
    referenceStore,
    catalogueStore,
    baseCatalogue,
    datasets,
    applied,
    follow: (follow) => followRevisions(revisions, seen, applyKind, follow, options.log),
  };
}

/** Applies one kind from its store (the area map is the writer's projection's business, not this). */
function applyKindWith(parts: {
  referenceStore: DeliveredReferenceStore;
  reference: AreaReference;
  definitions: Parameters<typeof applyDeliveredCatalogue>[0];
  datasets: DeliveredDatasetsDeps | undefined;
  log?: (line: string) => void;
}): (kind: DeliveredKind) => Promise<boolean> {
  const log = parts.log ? { log: parts.log } : {};
  return async (kind) => {
    if (kind === 'reference') return applyDeliveredReference({ store: parts.referenceStore, reference: parts.reference, ...log });
    if (kind === 'datasets') return parts.datasets ? applyDeliveredDatasets(parts.datasets) : false;
    return applyDeliveredCatalogue(parts.definitions);
  };
}

/**
 * Looks at the writer's counts every `intervalMs` and applies each kind whose count moved. `seen`
 * holds the counts applied so far (null: the writer has not migrated yet); it is updated in place,
 * so a writer that applied a change itself notes its own count there and does not apply it twice.
 */
function followRevisions(
  revisions: DeliveredRevisions,
  seen: Record<DeliveredKind, number> | null,
  applyKind: (kind: DeliveredKind) => Promise<boolean>,
  options: FollowOptions,
  log?: (line: string) => void,
): DeliveredFollower {
  const counts: Record<DeliveredKind, number> = seen ?? { reference: 0, catalogue: 0, datasets: 0 };
  let timer: NodeJS.Timeout | undefined;
  let failing = false;
  let running: Promise<DeliveredKind[]> = Promise.resolve([]);
  const look = async (): Promise<DeliveredKind[]> => {
    const now = await revisions.read();
    if (!now) return [];
    // in the order the writer applies them: datasets before the definitions that read them
    const changed = deliveredKinds.filter((k) => now[k] !== counts[k]);
    for (const kind of changed) {
      if (await applyKind(kind)) await options.onChanged(kind);
      // only once applied: a look that failed half-way applies the rest again next time
      counts[kind] = now[kind];
    }
    return changed;
  };
  // one look at a time: a slow database does not stack them up
  const check = () => {
    running = running.then(look, look);
    return running;
  };
  const tick = () => {
    check()
      .then(() => {
        if (failing) log?.('[delivered] the delivered reference and definitions are followed again');
        failing = false;
      })
      .catch((error: unknown) => {
        // logged once per outage; the next look tries again
        if (!failing) log?.(`[delivered] could not read the delivered reference and definitions (${(error as Error).message}); trying again`);
        failing = true;
      })
      .finally(() => {
        if (timer) timer = setTimeout(tick, options.intervalMs ?? 5000).unref();
      });
  };
  timer = setTimeout(tick, options.intervalMs ?? 5000).unref();
  return {
    check,
    stop: () => {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
