// What the re-sort of record_versions (migrations 19–23) costs a warehouse that has data (not a
// test): an in-process chDB warehouse made by migrations 1–18, filled in SQL with `--versions`
// versions of keys as the ingestion derives them (dataset|level|area|period: 86 Stadtteile ×
// months, 6 observations each, a tenth of them corrected once), then migrateWarehouse() timed per
// migration, with the table's size on disk before and after. The baseline in the same run: the
// same rows copied once more into a table of the old order (`CREATE TABLE … AS record_versions`
// before the migrations, filled by the same INSERT … SELECT), the copy that any rewrite of the
// table costs; the ratio says what the re-sort costs beyond it — with the catch-up (servers mode)
// and without it (the embedded platform, the warehouse's sole writer).
//
//   node bench/indicators/resort-migration.bench.mjs [--versions 2000000]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmtInt, fromPlatform } from './lib.mjs';

const { values: args } = parseArgs({ options: { versions: { type: 'string', default: '2000000' } } });
const VERSIONS = Number(args.versions);
const { openChdbWarehouse } = await fromPlatform('@sp/warehouse-chdb');
const { applyMigration, migrateWarehouse, migrations } = await fromPlatform('@sp/indicator-store');
const { migrateWarehouseTo } = await fromPlatform('@sp/indicator-store/testing');

const dir = mkdtempSync(join(tmpdir(), 'sp-bench-resort-'));
const warehouse = openChdbWarehouse({ path: dir });
await migrateWarehouseTo(warehouse, 18);

// every tenth record corrected once (version 2); the rest version 1
const records = Math.round(VERSIONS / 1.1);
const fill = (table, every, count, version) =>
  warehouse.command(`INSERT INTO ${table} (record_key, version, leaf_key, dataset, area_level, area_code, period, tombstone, synthetic, known_at_ms, amt, delivery_id, obs_measure, obs_dims, obs_value, obs_key, obs_pvalue)
    SELECT key, ${version}, key, 'sgb2', 'STADTTEIL', toString(101 + n % 86), splitByChar('|', key)[4], 0, 1, 1700000000000 + n, 'jobcenter', concat('d', toString(intDiv(n, 100))),
           ['sgb2_personen', 'sgb2_personen', 'sgb2_personen', 'sgb2_personen', 'sgb2_bedarfsgemeinschaften', 'sgb2_bg_alleinerziehend'],
           [map('alter', 'u15', 'geschlecht', 'm'), map('alter', 'u15', 'geschlecht', 'w'), map('alter', '15-65', 'geschlecht', 'm'), map('alter', '15-65', 'geschlecht', 'w'), map(), map()],
           arrayMap(k -> toFloat64((n * 7919 + k * 104729 + ${version}) % 900 + 100), range(6)),
           arrayMap(k -> (n % 1000 + k) / 1000, range(6)),
           arrayMap(k -> toFloat64((n * 7919 + k * 104729 + ${version}) % 900 + 100), range(6))
    FROM (SELECT number * ${every} AS n,
                 concat('sgb2|STADTTEIL|', toString(101 + n % 86), '|', toString(1900 + intDiv(intDiv(n, 86), 12)), '-', leftPad(toString(intDiv(n, 86) % 12 + 1), 2, '0')) AS key
          FROM numbers(${count}))`);
const t0 = performance.now();
await fill('record_versions', 1, records, 1);
await fill('record_versions', 10, Math.floor(records / 10), 2);
const fillS = (performance.now() - t0) / 1000;
await warehouse.command('OPTIMIZE TABLE record_versions FINAL');
const size = async (table) => {
  const [r] = await warehouse.query('SELECT sum(rows) AS rows, sum(bytes_on_disk) AS bytes FROM system.parts WHERE active AND database = currentDatabase() AND table = {t:String}', { t: table });
  return { rows: Number(r.rows), mib: Number(r.bytes) / 2 ** 20 };
};
const start = await size('record_versions');
console.log(`record_versions: ${fmtInt(start.rows)} versions, ${start.mib.toFixed(1)} MiB on disk (filled in ${fillS.toFixed(1)} s, merged)`);

// baseline: the same rows copied into a table of the old order
await warehouse.command('CREATE TABLE copy_old_order AS record_versions');
const c0 = performance.now();
await warehouse.command('INSERT INTO copy_old_order SELECT * FROM record_versions');
const copyS = (performance.now() - c0) / 1000;
await warehouse.command('DROP TABLE copy_old_order SYNC');
console.log(`baseline: the same rows copied into the old order ${copyS.toFixed(2)} s (${fmtInt(start.rows / copyS)} versions/s)`);

// the re-sort, migration by migration
const perMigration = [];
const m0 = performance.now();
for (const m of migrations.filter((m) => m.id >= 19)) {
  const t = performance.now();
  await applyMigration(warehouse, m);
  await warehouse.insert('schema_migrations', [{ id: m.id, name: m.name }]);
  perMigration.push({ id: m.id, name: m.name, s: (performance.now() - t) / 1000 });
}
const resortS = (performance.now() - m0) / 1000;
if ((await migrateWarehouse(warehouse)).length > 0) throw new Error('migrations left after the re-sort');
const end = await size('record_versions');
if (end.rows !== start.rows) throw new Error(`rows ${start.rows} before, ${end.rows} after`);
for (const p of perMigration) console.log(`  ${p.id} ${p.name.padEnd(34)} ${p.s.toFixed(2)} s`);
// the embedded platform is the warehouse's sole writer and skips the catch-up (migrateWarehouse's soleWriter)
const soleWriterS = perMigration.filter((p) => p.id !== 22).reduce((a, p) => a + p.s, 0);
console.log(
  `re-sort (migrations 19–23): ${resortS.toFixed(2)} s for ${fmtInt(start.rows)} versions (${fmtInt(start.rows / resortS)} versions/s), ${(resortS / copyS).toFixed(2)}× the baseline copy; on disk ${start.mib.toFixed(1)} → ${end.mib.toFixed(1)} MiB (both tables until the drop: ≈ ${(start.mib + end.mib).toFixed(1)} MiB)`,
);
console.log(`as the embedded platform runs it (sole writer, without the catch-up 22): ${soleWriterS.toFixed(2)} s, ${(soleWriterS / copyS).toFixed(2)}× the baseline copy`);
console.log(
  JSON.stringify({
    bench: 'resort-migration',
    versions: start.rows,
    copyS,
    resortS,
    ratio: resortS / copyS,
    soleWriterS,
    soleWriterRatio: soleWriterS / copyS,
    mibBefore: start.mib,
    mibAfter: end.mib,
    perMigration,
  }),
);
await warehouse.close();
rmSync(dir, { recursive: true, force: true });
