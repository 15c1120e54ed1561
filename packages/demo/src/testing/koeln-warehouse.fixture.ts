// TEST FIXTURE: the Köln demo in a warehouse, as the aggregator would leave it — migrations, the
// area map of the real reference, the real population and the synthetic figures projected as
// area-statistic events — and the reader over it. Tests that read indicators on real Köln numbers
// share it; the caller opens the warehouse (chDB in a temp directory), so this needs no engine.
import { areaMapRows, IndexProjector, IndicatorProjector, loadAreaMap, migrateWarehouse, planResolverFromCatalogue, WarehouseIndicatorReader, type AreaStatisticEvent } from '@sp/indicator-store';
import { loadCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { loadReference, type AreaReference } from '@sp/spatial';
import { buildKoelnDemo } from '../koeln.demo.js';

export interface KoelnWarehouseOptions {
  /** months of the synthetic SGB-II series to load, e.g. '2011-12' … '2012-12' (fewer load faster) */
  from: string;
  to: string;
  /** a loaded Köln reference, to avoid loading the geometries twice */
  reference?: AreaReference;
  /** years of the composite indices to compute after loading; none by default */
  indexPeriods?: readonly string[];
}

// events per IndicatorProjector.apply call; the projection is the same for any batch size
const BATCH = 5000;

/** the record-key secret the fixture's projector keys its (keyless) events with */
export const KOELN_FIXTURE_RECORD_KEY_SECRET = 'koeln-warehouse-fixture-record-keys';

/** Loads the Köln demo into the empty warehouse `wh` and returns a reader over it. */
export async function loadKoelnWarehouse(wh: Warehouse, options: KoelnWarehouseOptions): Promise<WarehouseIndicatorReader> {
  const reference = options.reference ?? loadReference('koeln');
  const catalogue = loadCatalogue();
  await migrateWarehouse(wh);
  await loadAreaMap(wh, areaMapRows(reference));
  const demo = buildKoelnDemo({ reference, from: options.from, to: options.to });
  const t = Date.UTC(2026, 0, 1);
  const events: AreaStatisticEvent[] = [...demo.real, ...demo.synthetic].map((r, i) => ({
    key: r.key,
    version: r.version,
    tombstone: false,
    deliveredAt: t + i,
    amt: 'statistik',
    deliveryId: 'demo',
    payload: { dataset: r.dataset, areaLevel: r.areaLevel, areaCode: r.areaCode, period: r.period, synthetic: r.synthetic, observations: r.observations },
  }));
  // events without record keys, as written before area-statistic v2: the projector keys them (upcasting)
  const projector = new IndicatorProjector(wh, { recordKeySecret: KOELN_FIXTURE_RECORD_KEY_SECRET });
  for (let i = 0; i < events.length; i += BATCH) await projector.apply(events.slice(i, i + BATCH));
  const reader = new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: reference.hierarchyLevels });
  if (options.indexPeriods?.length) await new IndexProjector(wh, reader, catalogue).recompute(options.indexPeriods);
  return reader;
}
