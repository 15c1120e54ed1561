// The tenant's datasets as delivered data (docs/indicators.md §9): a projection of the `dataset`
// records into the tenant's database, and the step that makes them part of the catalogues every
// part of the runtime holds. The latest version of each delivered dataset overlays the pack's
// (a delivered code replaces the pack's dataset and its grant, or is new): the feed catalogue
// (FeedCatalogue.replaceWith) and the indicator catalogue's datasets (Catalogue.replaceWith) are
// replaced in place, so the ingestion accepts counts of a new dataset from the granted Ämter and
// a delivered definition may read it. The delivered definitions are overlaid again on the new
// datasets (a definition replayed before its dataset was left out; now it fits).
import { type EventCodec, datasetRecordTypes, type RecordEvent, type Topology } from '@sp/events';
import { FeedCatalogue, overlayDatasets } from '@sp/feeds';
import { Catalogue } from '@sp/indicators';
import type { Database, Projection } from '@sp/ports';
import { applyDeliveredCatalogue, copyOfCatalogue, type DeliveredCatalogueDeps } from '../catalogue/delivered-catalogue.projection.js';
import { DeliveredDatasetStore } from './delivered-datasets.store.js';

export interface DeliveredDatasetsDeps {
  store: DeliveredDatasetStore;
  /** whether delivered datasets were applied when opened */
  applied: boolean;
  /** the pack's feed catalogue and indicator catalogue as the tenant was created with them (copies) */
  pack: { feeds: FeedCatalogue; catalogue: Catalogue };
  /** the tenant's feed catalogue object, shared by ingestion and the rest; its content is replaced */
  feeds: FeedCatalogue;
  /** the delivered definitions: their base gets the datasets, then they are overlaid again on the live catalogue */
  definitions: DeliveredCatalogueDeps;
  log?: (line: string) => void;
}

/**
 * Opens the store, takes copies of the pack's catalogues before anything is overlaid, and makes the
 * stored delivered datasets part of the tenant's catalogues (at start, before the ingestion serves).
 */
export async function openDeliveredDatasets(args: {
  database: Database;
  feeds: FeedCatalogue;
  definitions: DeliveredCatalogueDeps;
  /** the writer's: a reader creates no table */
  migrate: boolean;
  /** apply what is stored now (default true; a reader applies once it knows the writer migrated) */
  apply?: boolean;
  log?: (line: string) => void;
}): Promise<DeliveredDatasetsDeps> {
  const store = new DeliveredDatasetStore(args.database);
  if (args.migrate) await store.migrate();
  const deps: DeliveredDatasetsDeps = {
    store,
    applied: false,
    pack: { feeds: FeedCatalogue.of(structuredClone(args.feeds.file)), catalogue: copyOfCatalogue(args.definitions.base) },
    feeds: args.feeds,
    definitions: args.definitions,
    ...(args.log ? { log: args.log } : {}),
  };
  if (args.apply !== false) deps.applied = await applyDeliveredDatasets(deps);
  return deps;
}

/** Makes the stored delivered datasets part of the tenant's catalogues. Answers whether there were any. */
export async function applyDeliveredDatasets(deps: DeliveredDatasetsDeps): Promise<boolean> {
  const delivered = await deps.store.load();
  if (delivered.length === 0) return false;
  const { feeds, datasets } = overlayDatasets(deps.pack, delivered, (r, reason) => deps.log?.(`[datasets] ${r.code} v${r.version} left out: ${reason}`));
  deps.feeds.replaceWith(feeds);
  const base = deps.definitions.base;
  base.replaceWith(new Catalogue(base.version, datasets, base.indicators, base.uncertainty));
  if (!(await applyDeliveredCatalogue(deps.definitions))) deps.definitions.catalogue.replaceWith(copyOfCatalogue(base));
  return true;
}

export function deliveredDatasetsProjection(deps: DeliveredDatasetsDeps & { codec: EventCodec; topology: Topology; onChanged?: () => Promise<void> | void }, groupId = 'datasets'): Projection {
  // batches of several partitions arrive at the same time: their overlays take turns
  let turns: Promise<unknown> = Promise.resolve();
  return {
    groupId,
    topics: datasetRecordTypes.map((t) => deps.topology.topicFor(t)),
    apply: async (events) => {
      await deps.store.apply(events.map((e) => deps.codec.decodeAs(e.value).event) as RecordEvent<'dataset'>[]);
      const turn = turns.then(async () => {
        if (await applyDeliveredDatasets(deps)) await deps.onChanged?.();
      });
      turns = turn.catch(() => undefined);
      await turn;
    },
  };
}
