import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateWarehouse, migrations } from './migrations.js';
import { IndicatorProjector } from './projector.js';

// A warehouse made by the first five migrations (before schema_migrations was consulted), holding
// 100 000 record versions, then migrated to the leaf_key skip index.
const leafLookup = `SELECT leaf_key, max(known_at_ms) AS known_at_ms FROM record_versions WHERE leaf_key IN {leaves:Array(String)} GROUP BY leaf_key`;
const leafOf = (i: number) => `sgb2|STADTTEIL|${100 + (i % 86)}|${2000 + Math.floor(i / 1032)}-${String((Math.floor(i / 86) % 12) + 1).padStart(2, '0')}`;

/** The granules a read of record_versions keeps after each index, from EXPLAIN indexes = 1. */
async function granules(wh: Warehouse, leaves: string[]): Promise<{ index: string; kept: number; total: number }[]> {
  const plan = (await wh.query<{ explain: string }>(`EXPLAIN indexes = 1 ${leafLookup}`, { leaves })).map((r) => r.explain);
  const out: { index: string; kept: number; total: number }[] = [];
  let index = '';
  for (const line of plan) {
    const kind = /^\s*(PrimaryKey|Skip)\s*$/.exec(line);
    if (kind) index = kind[1]!;
    const name = /^\s*Name: (\S+)/.exec(line);
    if (name) index = name[1]!;
    const g = /^\s*Granules: (\d+)\/(\d+)/.exec(line);
    if (g && index) out.push({ index, kept: Number(g[1]), total: Number(g[2]) });
  }
  return out;
}

describe('warehouse migrations on chDB', () => {
  let wh: Warehouse;

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-migrate-') });
    for (const m of migrations.filter((m) => m.id <= 5)) await wh.command(m.sql);
    await wh.insert(
      'schema_migrations',
      migrations.filter((m) => m.id <= 5).map((m) => ({ id: m.id, name: m.name })),
    );
    // record keys are not leaf keys here, and in no order of theirs, so the sorting key cannot
    // help a lookup by leaf (a period's records are spread over the whole table)
    await wh.command(`INSERT INTO record_versions
      SELECT concat('r-', hex(cityHash64(number))) AS record_key, 1, leaf, 'sgb2', 'STADTTEIL', toString(100 + number % 86), splitByChar('|', leaf)[4],
             0, 0, 1700000000000 + number, 'jobcenter', 'd', ['sgb2_personen'], [map()], [toFloat64(number % 1000)]
      FROM (SELECT number, concat('sgb2|STADTTEIL|', toString(100 + number % 86), '|', toString(2000 + intDiv(number, 1032)), '-',
                   leftPad(toString(intDiv(number, 86) % 12 + 1), 2, '0')) AS leaf FROM numbers(100000))`);
    // a cell projected before period_start existed
    await wh.command(`INSERT INTO cells (dataset, measure, dims, dims_key, area_level, area_code, period, leaf_key, value, present, synthetic, known_at_ms)
      VALUES ('hze', 'hze_faelle', map(), '', 'STADTTEIL', '101', '2012-Q3', 'hze|STADTTEIL|101|2012-Q3', 7, 1, 0, 1)`);
    // an index score computed before input versions were recorded
    await wh.insert('index_values', [{ index_code: 'idx', definition_version: 1, area_level: 'STADTTEIL', area_code: '101', period: '2012', score: 0.5, class: 'a', scored: 1, computed_from_ms: 1 }]);
  });
  afterAll(async () => wh?.close());

  it('adds the leaf_key skip index to a warehouse that has data, once, and lookups by leaf read only some granules', async () => {
    const leaves = [leafOf(12_345), leafOf(87_654)];
    const before = await granules(wh, leaves);
    expect(before.map((g) => g.index)).toEqual(['PrimaryKey']);
    expect(before[0]!.kept).toBe(before[0]!.total);

    expect(await migrateWarehouse(wh)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18]);
    // the stored score keeps its place with no input versions; a score of the same area, year and
    // definition version made from other input versions goes beside it instead of replacing it
    await wh.insert('index_values', [
      { index_code: 'idx', definition_version: 1, area_level: 'STADTTEIL', area_code: '101', period: '2012', score: -0.5, class: 'b', scored: 1, computed_from_ms: 2, input_versions: '[["k",2]]' },
    ]);
    expect(await wh.query(`SELECT score, input_versions FROM index_values FINAL WHERE index_code = 'idx' ORDER BY input_versions`)).toEqual([
      { score: 0.5, input_versions: '' },
      { score: -0.5, input_versions: '[["k",2]]' },
    ]);
    for (const table of ['index_values', 'protected_index_values']) {
      const [t] = await wh.query<{ sorting_key: string }>('SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = {t:String}', { t: table });
      expect(t!.sorting_key).toBe('index_code, area_level, period, area_code, definition_version, input_versions');
    }
    // the cells already there got their period's first day once
    expect(await wh.query('SELECT period_start, cell_key, pvalue FROM cells FINAL WHERE period = {p:String}', { p: '2012-Q3' })).toEqual([{ period_start: '2012-07-01', cell_key: -1, pvalue: -1 }]);
    expect(await migrateWarehouse(wh)).toEqual([]);
    // each statement is idempotent too (a crash between a migration and its record repeats it)
    for (const m of migrations) await wh.command(m.sql);

    const after = await granules(wh, leaves);
    const skip = after.find((g) => g.index === 'leaf_key_bloom');
    expect(skip).toBeDefined();
    expect(skip!.total).toBeGreaterThan(10);
    expect(skip!.kept).toBeLessThanOrEqual(2 * leaves.length);
    // the index only skips: the lookup still finds every version at those leaves
    const rows = await wh.query<{ leaf_key: string; known_at_ms: string }>(`${leafLookup} ORDER BY leaf_key`, { leaves });
    expect(rows).toEqual(
      [
        { leaf_key: leafOf(12_345), known_at_ms: String(1700000000000 + 12_345) },
        { leaf_key: leafOf(87_654), known_at_ms: String(1700000000000 + 87_654) },
      ].sort((a, b) => a.leaf_key.localeCompare(b.leaf_key)),
    );
    // the live batch's look-up by period and leaf (cells.sql.ts) reads the projection in (period,
    // leaf_key) order, which the migrations built for the parts already there: for a delivery's
    // leaves (every area of one period) the granules of that period, where the bloom filter of the
    // table's own order keeps nearly all of them
    const byLeaf = `SELECT record_key FROM record_versions WHERE period IN {periods:Array(String)} AND leaf_key IN {leaves:Array(String)}`;
    const delivery = { leaves: Array.from({ length: 86 }, (_, a) => leafOf(12_040 + a)), periods: [leafOf(12_040).split('|')[3]!] };
    const plan = (await wh.query<{ explain: string }>(`EXPLAIN indexes = 1, projections = 1 ${byLeaf}`, delivery)).map((r) => r.explain);
    expect(plan.some((line) => /ReadFromMergeTree \(by_period_leaf\)/.test(line))).toBe(true);
    const [kept, total] = plan.flatMap((line) => /^\s*Granules: (\d+)\/(\d+)/.exec(line)?.slice(1).map(Number) ?? []);
    expect(total).toBeGreaterThan(10);
    expect(kept).toBeLessThanOrEqual(2);
    expect(await wh.query(`SELECT count() AS n FROM (${byLeaf})`, delivery)).toEqual([{ n: '86' }]);
    await new IndicatorProjector(wh).recomputeLeaves([leafOf(12_345)]);
    // a record stored before record keys existed: its cell has no key and no protected value (shown as "geschützt")
    const [cell, ...others] = await wh.query<{ value: number; cell_key: number; pvalue: number; period_start: string }>(
      'SELECT value, cell_key, pvalue, period_start FROM cells FINAL WHERE leaf_key = {leaf:String}',
      { leaf: leafOf(12_345) },
    );
    expect(others).toEqual([]);
    expect(cell).toEqual({ value: 345, cell_key: -1, pvalue: -1, period_start: `${leafOf(12_345).split('|')[3]}-01` });
  });
});
