// The live path's statements on an idle warehouse (not a test): fills an in-process chDB warehouse
// with the live-batch bench's deliveries through IndicatorProjector.apply (`--keys new`: records
// never seen before, version 1 each), then, with nothing else running, times the last batch's
// look-up by record key (median of `--runs`) at each `--sizes` (versions), with EXPLAIN's parts and
// granules; then adds `--filler` cells of 50 other measures and times the index pass's known_at
// read both ways: by period alone (before c466882) and by measure and period (since). The
// baseline of the first part, measured in the same run: the same look-up as the projector sent it
// while the batches ran, median of the last 300 batches before each size. The idle look-up runs
// without ClickHouse's query condition cache (`use_query_condition_cache = 0`): the same statement
// again is answered from the granules the cache remembers as without a match, which is not what a
// batch's new keys find — session 23's figures (4.2 ms idle) were the cache's; printed beside it.
//
//   node bench/indicators/idle-statements.bench.mjs [--sizes 600000,1200000] [--filler 10000000] [--runs 9]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fromPlatform, percentile, sgb2Event, sgb2Observations } from './lib.mjs';

const { values: args } = parseArgs({
  options: { sizes: { type: 'string', default: '600000,1200000' }, filler: { type: 'string', default: '10000000' }, runs: { type: 'string', default: '9' } },
});
const sizes = args.sizes.split(',').map(Number);
const RUNS = Number(args.runs);
const { openChdbWarehouse } = await fromPlatform('@sp/warehouse-chdb');
const { IndicatorProjector, migrateWarehouse, recordsLookUpParams, recordsLookUpSql } = await fromPlatform('@sp/indicator-store');

const dir = mkdtempSync(join(tmpdir(), 'sp-bench-idle-'));
const warehouse = openChdbWarehouse({ path: dir });
await migrateWarehouse(warehouse);
/** the projector's look-ups by record key while the batches run (ms), since the last size */
let live = [];
const timedLookUps = new Proxy(warehouse, {
  get(target, prop) {
    const value = target[prop];
    if (typeof value !== 'function') return value;
    if (prop !== 'query') return value.bind(target);
    return async (sql, ...rest) => {
      const t0 = performance.now();
      try {
        return await value.call(target, sql, ...rest);
      } finally {
        if (sql === recordsLookUpSql) live.push(performance.now() - t0);
      }
    };
  },
});
const projector = new IndicatorProjector(timedLookUps);

// live-batch.bench.mjs --keys new: 86 Stadtteile × 624 months, then the areas again under new codes
const areas = Array.from({ length: 86 }, (_, i) => String(101 + i));
const months = [];
for (let y = 1975; y <= 2026; y++) for (let m = 1; m <= 12; m++) months.push(`${y}-${String(m).padStart(2, '0')}`);
const slots = Math.floor((areas.length * months.length) / 100);
function event(i, j) {
  const s = (i % slots) * 100 + j;
  const cycle = Math.floor(i / slots);
  const area = `${areas[s % areas.length]}${cycle > 0 ? `.${cycle}` : ''}`;
  const period = months[Math.floor(s / areas.length)];
  const observations = sgb2Observations(s, 1).map((o, k) => ({ ...o, recordKey: (k + 1) / 10 }));
  return sgb2Event({ area, period, deliveryId: `d${i}`, observations });
}

/** median ms of `RUNS` runs of a statement, after one warm-up */
async function timed(sql, params) {
  await warehouse.query(sql, params);
  const ms = [];
  for (let k = 0; k < RUNS; k++) {
    const t0 = performance.now();
    await warehouse.query(sql, params);
    ms.push(performance.now() - t0);
  }
  return percentile(ms, 50);
}

const NO_CONDITION_CACHE = 'SETTINGS use_query_condition_cache = 0';
const steps = [];
let delivered = 0;
let keys = [];
for (const size of sizes) {
  for (; delivered * 100 < size; delivered += 3) {
    const events = [];
    for (let d = delivered; d < delivered + 3; d++) for (let j = 0; j < 100; j++) events.push(event(d, j));
    await projector.apply(events);
    keys = [...new Set(events.map((e) => e.key))];
  }
  const explain = (await warehouse.query(`EXPLAIN indexes = 1 ${recordsLookUpSql}`, recordsLookUpParams(keys))).map((r) => r.explain);
  const granules = explain.find((l) => /^\s+Granules: \d+\/\d+/.test(l))?.trim() ?? 'n/a';
  const [parts] = await warehouse.query(`SELECT count() AS parts FROM system.parts WHERE table = 'record_versions' AND active`);
  const whileBatchesRun = percentile(live.slice(-300), 50);
  live = [];
  const step = {
    versions: delivered * 100,
    lookUpWhileBatchesRunMs: whileBatchesRun,
    parts: Number(parts.parts),
    granules,
    lookUpMs: await timed(`${recordsLookUpSql} ${NO_CONDITION_CACHE}`, recordsLookUpParams(keys)),
    lookUpConditionCacheMs: await timed(recordsLookUpSql, recordsLookUpParams(keys)),
    tableCountMs: await timed('SELECT count() FROM record_versions'),
    recordKeyScanMs: await timed(`SELECT count() FROM record_versions WHERE record_key != ''`),
  };
  steps.push(step);
  console.log(
    `${step.versions} versions (${step.parts} parts, look-up ${step.granules}): look-up by record key ${step.lookUpMs.toFixed(1)} ms idle (${step.lookUpConditionCacheMs.toFixed(1)} ms again with the query condition cache), ${step.lookUpWhileBatchesRunMs.toFixed(1)} ms while the batches ran (baseline; ratio ${(step.lookUpWhileBatchesRunMs / step.lookUpMs).toFixed(1)}×); count() ${step.tableCountMs.toFixed(1)} ms; every record_key read ${step.recordKeyScanMs.toFixed(1)} ms (idle: median of ${RUNS}; while the batches ran: median of the last 300)`,
  );
}

// the index pass's known_at read, on the same cells plus filler cells of 50 other measures
await warehouse.command(
  `INSERT INTO cells (dataset, measure, dims, dims_key, area_level, area_code, period, leaf_key, value, present, synthetic, known_at_ms, cell_key, pvalue, period_start)
  SELECT 'filler', concat('filler_', toString(number % 50)), map(), toString(intDiv(number, 50 * 86 * 624)), 'STADTTEIL', toString(101 + intDiv(number, 50) % 86),
         {months:Array(String)}[1 + intDiv(number, 50 * 86) % 624], '', 1, 1, 0, 1000, -1, 1, '2000-01-01'
  FROM numbers({n:UInt64})`,
  { months, n: Number(args.filler) },
);
const [{ cells }] = await warehouse.query('SELECT count() AS cells FROM cells');
const periods = ['1984-12', '1985-12', '1984', '1985'];
const measures = ['sgb2_personen', 'sgb2_bedarfsgemeinschaften', 'einwohner', 'einwohner_alter'];
const byPeriod = await timed('SELECT period, max(known_at_ms) AS known_at_ms FROM cells WHERE period IN {periods:Array(String)} GROUP BY period', { periods });
const byMeasure = await timed('SELECT period, max(known_at_ms) AS known_at_ms FROM cells WHERE measure IN {measures:Array(String)} AND period IN {periods:Array(String)} GROUP BY period', {
  measures,
  periods,
});
console.log(
  `known_at of 4 periods on ${cells} cells (50 filler measures): by period alone (baseline) ${byPeriod.toFixed(1)} ms, by measure and period ${byMeasure.toFixed(1)} ms, ratio ${(byPeriod / byMeasure).toFixed(1)}×`,
);
console.log(JSON.stringify({ bench: 'idle-statements', runs: RUNS, steps, knownAt: { cells: Number(cells), byPeriodMs: byPeriod, byMeasureAndPeriodMs: byMeasure } }));
await warehouse.close();
rmSync(dir, { recursive: true, force: true });
