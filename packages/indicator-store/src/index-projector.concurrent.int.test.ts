import { parseCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexProjector } from './index-projector.js';
import { planResolverFromCatalogue } from './indicator-plan.js';
import { migrateWarehouse } from './migrations.js';
import { IndicatorProjector, loadAreaMap, type AreaStatisticEvent } from './projector.js';
import { sgbCatalogueYaml, statisticEvents, stadtteilAreaMap } from './testing/index.js';
import { WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

const catalogue = parseCatalogue(sgbCatalogueYaml({ sgbPeriodicity: 'month', indices: [{ code: 'index_a', inputs: ['sgb_quote'] }] }));

const areas = ['101', '102', '103'];
const record = statisticEvents();

/** The warehouse, with the index rows' insert held until released (a recomputation that read before a change and writes after it). */
function heldIndexInsert(wh: Warehouse): { warehouse: Warehouse; reached: Promise<void>; release: () => void } {
  let release!: () => void;
  let reached!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const reachedP = new Promise<void>((r) => (reached = r));
  const warehouse: Warehouse = {
    command: (sql, params) => wh.command(sql, params),
    query: (sql, params, options) => wh.query(sql, params, options),
    close: () => wh.close(),
    // the index rows go in as RowBinary (session 19); either way of inserting them is held
    insertFormatted: async (table, insert) => {
      if (table === 'index_values') {
        reached();
        await gate;
      }
      return wh.insertFormatted(table, insert);
    },
    insert: async (table, rows) => {
      if (table === 'index_values') {
        reached();
        await gate;
      }
      return wh.insert(table, rows);
    },
  };
  return { warehouse, reached: reachedP, release };
}

// Found by bench/indicators/scale-out.bench.mjs (README section 5): every process of the consumer
// group (aggregator pods, platform replicas) recomputes the composite indices of everything in the
// one index_pending queue. A recomputation that read its inputs before a withdrawal and inserted
// after another process recomputed the year with the withdrawal won: a withdrawal did not raise the
// inputs' known_at, so both wrote the same computed_from_ms and the row inserted last replaced the
// other; the other process had already deleted the note, so nothing recomputed the year again, and
// 103 kept the score of its withdrawn December (0.35). Now the version is at least the newest
// known_at of the cells read, withdrawn ones included (index-projector.ts, knownAtOfPeriods).
describe('two index recomputations of the same year side by side', () => {
  let wh: Warehouse;
  let reader: WarehouseIndicatorReader;
  const v1 = () =>
    wh.query<{ area_code: string; score: number | null; scored: number }>(
      `SELECT area_code, score, scored FROM index_values FINAL WHERE index_code = 'index_a' AND period = '2012' ORDER BY area_code`,
    );

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-index-race-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, stadtteilAreaMap(areas));
    await new IndicatorProjector(wh).apply(areas.flatMap((a, i) => [record('bev', a, '2012', { einwohner: 1010 + 100 * i }), record('sgb', a, '2012-12', { sgb_personen: 110 + 5 * i * i })]));
    reader = new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] });
    await new IndexProjector(wh, reader, catalogue).recompute(['2012-12']);
  });
  afterAll(async () => wh?.close());

  it('ends with the index of the final inputs', async () => {
    expect((await v1()).map((r) => r.scored)).toEqual([1, 1, 1]);
    const held = heldIndexInsert(wh);
    const late = new IndexProjector(
      held.warehouse,
      new WarehouseIndicatorReader(held.warehouse, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] }),
      catalogue,
    ).recompute(['2012-12']);
    await held.reached; // process A has read 103's December and holds its rows

    // process B projects the withdrawal of 103's December and recomputes the year
    const withdrawal: AreaStatisticEvent = { ...record('sgb', '103', '2012-12', { sgb_personen: 0 }), version: 2, tombstone: true };
    delete (withdrawal as { payload?: unknown }).payload;
    const { touchedPeriods } = await new IndicatorProjector(wh).apply([withdrawal]);
    await new IndexProjector(wh, reader, catalogue).recompute(touchedPeriods);
    expect((await v1()).find((r) => r.area_code === '103')).toMatchObject({ score: null, scored: 0 });

    held.release();
    await late;
    expect((await v1()).find((r) => r.area_code === '103')).toMatchObject({ score: null, scored: 0 });
  });
});
