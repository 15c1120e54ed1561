import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { migrateWarehouseTo } from './testing/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyMigration, migrateWarehouse, migrations } from './migrations.js';
import { IndicatorProjector, recordsLookUpParams, recordsLookUpSql } from './projector.js';

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
    await migrateWarehouseTo(wh, 5);
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

    const stored = 'SELECT count() AS n, toString(sum(cityHash64(record_key, version, leaf_key, known_at_ms, obs_value))) AS h FROM record_versions';
    const [before19] = await wh.query(stored);
    expect(await migrateWarehouse(wh)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
    // re-sorted (19–23) with every row as it was; the old table is gone
    expect(await wh.query(stored)).toEqual([before19]);
    expect(await wh.query("SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE 'record_versions%' ORDER BY name")).toEqual([
      { name: 'record_versions' },
      { name: 'record_versions_replay' },
    ]);
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
    // each migration can run again (a crash between a migration and its record repeats it): the
    // re-sort's steps find their effect there and do nothing
    for (const m of migrations) await applyMigration(wh, m);
    expect(await wh.query(stored)).toEqual([before19]);

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

// record_versions re-sorted by the record key's last segment (migrations 19–23) on a warehouse made
// by migrations 1–18, holding 129,000 versions of keys as the ingestion derives them
// (dataset|level|area|period: 86 Stadtteile × 1,500 months).
describe('record_versions re-sorted by the key’s last segment', () => {
  const month = (i: number) => `${1900 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
  /** a delivery: every area's record of one month */
  const delivery = (m: number) => recordsLookUpParams(Array.from({ length: 86 }, (_, a) => `sgb2|STADTTEIL|${101 + a}|${month(m)}`));
  const keptGranules = async (wh: Warehouse, params: Record<string, unknown>) => {
    const plan = (await wh.query<{ explain: string }>(`EXPLAIN indexes = 1 ${recordsLookUpSql}`, params)).map((r) => r.explain);
    return plan.flatMap((line) => /^\s*Granules: (\d+)\/(\d+)/.exec(line)?.slice(1).map(Number) ?? []).slice(0, 2) as [number, number];
  };
  const stored = 'SELECT count() AS n, toString(sum(cityHash64(record_key, version, tombstone, leaf_key, obs_value))) AS h FROM record_versions';
  const fill = (
    from: number,
    count: number,
    version = 1,
  ) => `INSERT INTO record_versions (record_key, version, leaf_key, dataset, area_level, area_code, period, tombstone, synthetic, known_at_ms, amt, delivery_id, obs_measure, obs_dims, obs_value)
      SELECT key, ${version}, key, 'sgb2', 'STADTTEIL', toString(101 + n % 86), splitByChar('|', key)[4], 0, 0, 1700000000000 + n, 'jobcenter', 'd', ['sgb2_personen'], [map()], [toFloat64(n % 997)]
      FROM (SELECT number + ${from} AS n, concat('sgb2|STADTTEIL|', toString(101 + n % 86), '|', toString(1900 + intDiv(intDiv(n, 86), 12)), '-', leftPad(toString(intDiv(n, 86) % 12 + 1), 2, '0')) AS key FROM numbers(${count}))`;
  let wh: Warehouse;

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-resort-') });
    await migrateWarehouseTo(wh, 18);
    await wh.command(fill(0, 129_000));
    await wh.command('OPTIMIZE TABLE record_versions FINAL');
  });
  afterAll(async () => wh?.close());

  it('copies every version, catches up a version written into the old table after the copy, and a look-up of a delivery then reads the granules of its month', async () => {
    // in the keys' own order a delivery's 86 keys lie in the ranges of 86 areas: every granule
    const [keptBefore, total] = await keptGranules(wh, delivery(700));
    expect(total).toBeGreaterThan(10);
    expect(keptBefore).toBe(total);

    // the copy (19, 20) as a process of this release makes it, recorded
    for (const m of migrations.filter((m) => m.id === 19 || m.id === 20)) {
      expect(await applyMigration(wh, m)).toBe(true);
      await wh.insert('schema_migrations', [{ id: m.id, name: m.name }]);
    }
    // an aggregator of the release before writes corrections into the old table meanwhile
    await wh.command(fill(500, 3, 2));
    const [withCorrections] = await wh.query(stored);
    // the exchange (21) takes place and the process stops before recording it
    expect(await applyMigration(wh, migrations.find((m) => m.id === 21)!)).toBe(true);

    // the next start does not exchange the tables back, catches the corrections up and drops the old table
    expect(await migrateWarehouse(wh)).toEqual([21, 22, 23]);
    expect(await wh.query(stored)).toEqual([withCorrections]);
    const [t] = await wh.query<{ sorting_key: string }>("SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'record_versions'");
    expect(t!.sorting_key).toBe("splitByChar('|', record_key)[-1], record_key, version, tombstone");
    expect(await wh.query("SELECT count() AS n FROM system.tables WHERE database = currentDatabase() AND name = 'record_versions_sorted'")).toEqual([{ n: '0' }]);

    // the same look-up now keeps the granules of its month only, and finds the same versions
    await wh.command('OPTIMIZE TABLE record_versions FINAL');
    const [keptAfter, totalAfter] = await keptGranules(wh, delivery(700));
    expect(totalAfter).toBe(total);
    expect(keptAfter).toBeLessThanOrEqual(2);
    const found = await wh.query<{ record_key: string; version: number }>(`${recordsLookUpSql} ORDER BY record_key, version`, delivery(5));
    expect(found).toHaveLength(86 + 3);
    expect(found.filter((r) => Number(r.version) === 2)).toHaveLength(3);
    // every statement of the re-sort can run again and changes nothing
    for (const m of migrations.filter((m) => m.id >= 19)) await applyMigration(wh, m);
    expect(await wh.query(stored)).toEqual([withCorrections]);
  });

  it("the projector's look-up of a delivery's records reads the granules of its month, and the batch is projected as before", async () => {
    await migrateWarehouse(wh); // re-sorted already when the test before ran
    // the statements the projector sends, kept as they went
    const sent: { sql: string; params?: Record<string, unknown> }[] = [];
    const watched = new Proxy(wh, {
      get: (target, prop) =>
        prop === 'query'
          ? (sql: string, params?: Record<string, unknown>) => {
              sent.push({ sql, params });
              return target.query(sql, params);
            }
          : Reflect.get(target, prop).bind(target),
    });
    const { keys } = delivery(900);
    await new IndicatorProjector(watched).apply(
      keys.map((key, a) => ({
        key,
        version: 2,
        tombstone: false,
        deliveredAt: 1800000000000,
        amt: 'jobcenter',
        deliveryId: 'd900',
        payload: { dataset: 'sgb2', areaLevel: 'STADTTEIL', areaCode: String(101 + a), period: month(900), synthetic: false, observations: [{ measure: 'sgb2_personen', dimensions: {}, value: a }] },
      })),
    );
    const lookUpSent = sent.find((s) => /FROM record_versions WHERE[\s\S]*record_key IN \{keys:Array\(String\)\}/.test(s.sql))!;
    expect(lookUpSent).toBeDefined();
    const plan = (await wh.query<{ explain: string }>(`EXPLAIN indexes = 1 ${lookUpSent.sql}`, lookUpSent.params)).map((r) => r.explain);
    const [kept, total] = plan.flatMap((line) => /^\s*Granules: (\d+)\/(\d+)/.exec(line)?.slice(1).map(Number) ?? []);
    expect(total).toBeGreaterThan(10);
    expect(kept).toBeLessThanOrEqual(3);
    // the corrections replaced version 1 at every leaf of the month
    const cells = await wh.query<{ value: number }>("SELECT value FROM cells FINAL WHERE measure = 'sgb2_personen' AND period = {p:String} AND present = 1 ORDER BY area_code", { p: month(900) });
    expect(cells.map((c) => c.value)).toEqual(keys.map((_, a) => a));
  });
});
