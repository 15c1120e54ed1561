// What a live batch's warehouse statements cost as record_versions grows (issue 17, deliver 2,
// seventh pass): IndicatorProjector.apply on an in-process chDB warehouse, alone (no platform, no
// readers, no index passes), fed the freshness bench's deliveries (Köln's 86 Stadtteile × months,
// 100 records of 6 observations each, then the same keys again as corrections), a few deliveries
// per batch. Every `--step` deliveries it prints the median time of each statement kind (the
// look-up by record key, the versions insert, the cells INSERT … SELECT) and of the whole batch.
//
//   node bench/indicators/live-batch.bench.mjs [--deliveries 3000] [--per 3] [--step 300] [--indices] [--keys corrected|new] [--merges] [--quiesce] [--parts] [--root /other/checkout]
//
// --indices also recomputes the composite indices of Köln's catalogue after every batch whose
// periods make a year due (IndexProjector.recompute(periods), as the platform's loop does in passes
// of two due periods, on Köln's area map), and prints per step the median time of each distinct
// index statement (the SQL text without its parameters; legend at the end): which of them grow
// with the warehouse.
//
// --keys corrected (the default, as the freshness bench): after a full cycle of the key space
// (86 × 624 keys, 536 deliveries) every record is delivered again as a correction, so each stored
// record has one version more per cycle (11 after 6,000 deliveries); --keys new: every delivery
// is of records not seen before, at leaves not seen before (version 1 each), so the table grows
// by new records only.
//
// --merges also prints per step what the engine did beside the statements: the merges it finished and
// their time (system.events, deltas since the line before: Merge, MergedRows, MergeTotalMilliseconds,
// MergeProjectionStageTotalMilliseconds, SelectedParts, SelectedMarks), and the active parts of
// record_versions and cells, sampled after every tenth batch (mean and largest since the line before).
//
// --quiesce also times, at every line, the last batch's look-up by record key again (median of 5)
// three times: at once, as the engine is (merges running or not); without ClickHouse's query
// condition cache (use_query_condition_cache = 0: a statement run again skips the granules the
// cache remembers as without a match, which a batch's new keys never find); and once the merges
// are stopped and the running ones have finished (SYSTEM STOP MERGES; started again after).
//
// (The experiment `--order key-tail` of df434be — record_versions sorted by the record key's last
// segment, the reads by key given the condition on it — is the platform's schema since migration 19.)
//
// --parts also times, at every line, the cells statement of the last batch's leaves in parts
// (median of 5 each, into a table of the Null engine like cells, so nothing is written): the whole
// statement (its reads and computation); the statement as the projector sends it, into cells (the
// difference is the write); the statement without its look-up of each record's latest version
// (`cur` taken as true: wrong cells, for the time only); that look-up alone; the leaves' known_at
// alone; and the rows at the leaves alone, their observations ARRAY JOINed and summed per cell.
//
// The last line before the JSON is a checksum of the current cells.
//
// --root runs another built checkout's projector and migrations (e.g. /work/main) under the same
// driver, so two arms differ by their code only.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sgb2Event, sgb2Observations, root as thisRoot } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    deliveries: { type: 'string', default: '3000' },
    per: { type: 'string', default: '3' },
    step: { type: 'string', default: '300' },
    indices: { type: 'boolean', default: false },
    keys: { type: 'string', default: 'corrected' },
    merges: { type: 'boolean', default: false },
    quiesce: { type: 'boolean', default: false },
    parts: { type: 'boolean', default: false },
    root: { type: 'string' },
  },
});
const DELIVERIES = Number(args.deliveries);
const PER = Number(args.per);
const STEP = Number(args.step);
const root = args.root ? resolve(args.root) : thisRoot;
const platformRequire = createRequire(join(root, 'services/platform/package.json'));
const load = (name) => import(pathToFileURL(platformRequire.resolve(name)).href);
const { openChdbWarehouse } = await load('@sp/warehouse-chdb');
const { IndicatorProjector, migrateWarehouse, leafKey } = await load('@sp/indicator-store');

const dir = mkdtempSync(join(tmpdir(), 'sp-bench-live-batch-'));
const warehouse = openChdbWarehouse({ path: dir });
await migrateWarehouse(warehouse);
/** statement kind → times (ms) since the last step */
const times = new Map();
const record = (kind, ms) => times.set(kind, [...(times.get(kind) ?? []), ms]);
const kindOf = (method, sql) =>
  method.startsWith('insert') ? `insert ${sql}` : /INSERT INTO cells/.test(sql) ? 'cells' : /FROM record_versions WHERE .*record_key IN \{keys:Array\(String\)\}/s.test(sql) ? 'look-up' : 'other';
/** while an index pass runs: its statements are timed by their SQL text (id in `shapes`) */
let inIndexPass = false;
const shapes = new Map();
/** the end of the index statement before (they run one at a time, as in the engine) */
let serial = Promise.resolve();
const shapeOf = (method, sql) => {
  const text = `${method} ${String(sql).trim().replace(/\s+/g, ' ')}`;
  if (!shapes.has(text)) shapes.set(text, `s${shapes.size + 1}`);
  return shapes.get(text);
};
const timed = new Proxy(warehouse, {
  get(target, prop) {
    const value = target[prop];
    if (typeof value !== 'function') return value;
    if (!['command', 'query', 'insert', 'insertFormatted'].includes(prop)) return value.bind(target);
    return async (sql, ...rest) => {
      // an index pass issues its reads at once and the engine runs them one after the other: each is
      // timed alone (after the one before it ended), not with its wait
      const before = serial;
      let release;
      if (inIndexPass) serial = new Promise((r) => (release = r));
      await before;
      const t0 = performance.now();
      try {
        return await value.call(target, sql, ...rest);
      } finally {
        release?.();
        const ms = performance.now() - t0;
        if (inIndexPass) record(`index ${shapeOf(prop, sql)}`, ms);
        else record(kindOf(prop, sql), ms);
      }
    };
  },
});
const projector = new IndicatorProjector(timed);
/** the composite indices of Köln's catalogue on Köln's area map (--indices) */
let indices;
if (args.indices) {
  const store = await load('@sp/indicator-store');
  const { loadCatalogue } = await load('@sp/indicators');
  const { loadReference } = await load('@sp/spatial');
  await store.loadAreaMap(warehouse, store.areaMapRows(loadReference('koeln')));
  const catalogue = loadCatalogue();
  const reader = new store.WarehouseIndicatorReader(timed, { plans: store.planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] });
  indices = new store.IndexProjector(timed, reader, catalogue);
}

// the freshness bench's key space and payloads (freshness.bench.mjs, record())
const areas = Array.from({ length: 86 }, (_, i) => String(101 + i));
const months = [];
for (let y = 1975; y <= 2026; y++) for (let m = 1; m <= 12; m++) months.push(`${y}-${String(m).padStart(2, '0')}`);
const slots = Math.floor((areas.length * months.length) / 100);
if (!['corrected', 'new'].includes(args.keys)) throw new Error('--keys corrected|new');
function event(i, j) {
  const s = (i % slots) * 100 + j;
  const cycle = Math.floor(i / slots);
  // --keys new: after a full cycle, the same areas again under new codes (101.1, 101.2 …): new records at new leaves, version 1 each
  const area = `${areas[s % areas.length]}${args.keys === 'new' && cycle > 0 ? `.${cycle}` : ''}`;
  const period = months[Math.floor(s / areas.length)];
  const version = args.keys === 'new' ? 1 : 1 + cycle;
  const observations = sgb2Observations(s, version).map((o, k) => ({ ...o, recordKey: (k + 1) / 10 }));
  return sgb2Event({ area, period, version, deliveryId: `d${i}`, observations });
}

/** --merges: the engine's counters that tell what ran beside the statements */
const MERGE_EVENTS = ['Merge', 'MergedRows', 'MergeTotalMilliseconds', 'MergeProjectionStageTotalMilliseconds', 'SelectedParts', 'SelectedMarks'];
const engineEvents = async () =>
  Object.fromEntries((await warehouse.query(`SELECT event, value FROM system.events WHERE event IN (${MERGE_EVENTS.map((e) => `'${e}'`).join(', ')})`)).map((r) => [r.event, Number(r.value)]));
let eventsBefore = args.merges ? await engineEvents() : {};
/** active parts per table, sampled after every tenth batch since the last line */
const partSamples = { record_versions: [], cells: [] };
const sampleParts = async () => {
  const rows = await warehouse.query("SELECT table, count() AS parts FROM system.parts WHERE active AND database = currentDatabase() AND table IN ('record_versions', 'cells') GROUP BY table");
  for (const r of rows) partSamples[r.table].push(Number(r.parts));
};
/** --quiesce: the look-up by record key as the projector sends it (a checkout from 5bc6add on exports it), median of 5 */
const { recordsLookUpParams, recordsLookUpSql } = await load('@sp/indicator-store');
if (args.quiesce && !recordsLookUpSql) throw new Error(`--quiesce: ${root} does not export the projector's look-up (recordsLookUpSql)`);
const lookUpAgain = async (keys, settings = '') => {
  const ms = [];
  for (let r = 0; r < 5; r++) {
    const t0 = performance.now();
    await warehouse.query(`${recordsLookUpSql} ${settings}`, recordsLookUpParams(keys));
    ms.push(performance.now() - t0);
  }
  return median(ms);
};
const quiesced = async (keys) => {
  const running = Number((await warehouse.query('SELECT count() AS n FROM system.merges'))[0].n);
  const now = await lookUpAgain(keys);
  const uncached = await lookUpAgain(keys, 'SETTINGS use_query_condition_cache = 0');
  await warehouse.command('SYSTEM STOP MERGES');
  const t0 = performance.now();
  while (Number((await warehouse.query('SELECT count() AS n FROM system.merges'))[0].n) > 0) await new Promise((r) => setTimeout(r, 20));
  const waited = performance.now() - t0;
  const stopped = await lookUpAgain(keys);
  await warehouse.command('SYSTEM START MERGES');
  return { running, now, uncached, waited, stopped };
};
/** --parts: the cells statement of these leaves timed in parts (see the head of this file) */
const partsOfCells = args.parts ? await cellsParts() : undefined;
async function cellsParts() {
  const { cellsOfLeavesSql } = await import(pathToFileURL(join(root, 'packages/indicator-store/dist/cells.sql.js')).href);
  const { periodStart } = await load('@sp/indicators');
  await warehouse.command('CREATE TABLE IF NOT EXISTS cells_parts_null AS cells ENGINE = Null');
  const intoNull = cellsOfLeavesSql.replace('INSERT INTO cells (', 'INSERT INTO cells_parts_null (');
  const cur =
    /\(record_key, version, tombstone\) IN \(\s*(SELECT record_key, m\.1, m\.2 FROM \(SELECT record_key, max\(\(version, tombstone\)\) AS m FROM record_versions WHERE [\s\S]*? GROUP BY record_key\))\s*\) AS cur/;
  const known = /WITH known AS \((SELECT leaf_key, max\(known_at_ms\) AS known_at_ms FROM record_versions WHERE [\s\S]*? GROUP BY leaf_key)\),/;
  if (!cur.test(intoNull) || !known.test(intoNull)) throw new Error(`--parts: ${root}'s cells statement has no look-up of the latest versions or of known_at as this bench knows them`);
  const atLeaves = 'period IN {periods:Array(String)} AND leaf_key IN {leaves:Array(String)}';
  const statements = {
    statement: intoNull,
    withWrite: cellsOfLeavesSql,
    withoutCur: intoNull.replace(cur, '1 AS cur'),
    curAlone: `INSERT INTO cells_parts_null (leaf_key, known_at_ms, synthetic) ${cur.exec(intoNull)[1]}`,
    knownAlone: `INSERT INTO cells_parts_null (leaf_key, known_at_ms) ${known.exec(intoNull)[1]}`,
    rowsAlone: `INSERT INTO cells_parts_null (leaf_key, measure, dims, value) SELECT leaf_key, measure, dims, sum(value) FROM record_versions
      ARRAY JOIN obs_measure AS measure, obs_dims AS dims, obs_value AS value WHERE tombstone = 0 AND ${atLeaves} GROUP BY leaf_key, measure, dims`,
  };
  return async (leaves) => {
    const periods = [...new Set(leaves.map((l) => l.split('|')[3]))];
    const params = { leaves, periods, starts: periods.map(periodStart) };
    const out = {};
    for (const [name, sql] of Object.entries(statements)) {
      const ms = [];
      for (let r = 0; r < 5; r++) {
        const t0 = performance.now();
        await warehouse.command(sql, params);
        ms.push(performance.now() - t0);
      }
      out[name] = median(ms);
    }
    return out;
  };
}
const mean = (xs) => (xs.length === 0 ? Number.NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

const median = (xs) => (xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
console.log(
  `root ${root}; ${DELIVERIES} deliveries of 100 records, ${PER} per batch, keys ${args.keys}; load ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
console.log('record_versions rows | look-up | insert versions | cells | batch (median ms per statement since the last line)');
const lines = [];
for (let i = 0; i < DELIVERIES; i += PER) {
  const events = [];
  for (let d = i; d < i + PER; d++) for (let j = 0; j < 100; j++) events.push(event(d, j));
  const t0 = performance.now();
  await projector.apply(events);
  record('batch', performance.now() - t0);
  if (args.merges && (i / PER) % 10 === 9) await sampleParts();
  const periods = [...new Set(events.map((e) => e.payload.period))];
  if (indices?.affects(periods)) {
    inIndexPass = true;
    const t1 = performance.now();
    await indices.recompute(periods);
    record('index pass', performance.now() - t1);
    inIndexPass = false;
  }
  if ((i + PER) % STEP === 0) {
    let engine = {};
    if (args.merges) {
      const now = await engineEvents();
      engine = Object.fromEntries(MERGE_EVENTS.map((e) => [`ev${e}`, (now[e] ?? 0) - (eventsBefore[e] ?? 0)]));
      eventsBefore = now;
      engine.partsVersions = mean(partSamples.record_versions);
      engine.partsVersionsMax = Math.max(...partSamples.record_versions);
      engine.partsCells = mean(partSamples.cells);
      engine.partsCellsMax = Math.max(...partSamples.cells);
      partSamples.record_versions = [];
      partSamples.cells = [];
    }
    const again = args.quiesce ? await quiesced([...new Set(events.map((e) => e.key))]) : undefined;
    const parts = partsOfCells ? await partsOfCells([...new Set(events.map((e) => leafKey(e.payload)))]) : undefined;
    const line = {
      rows: (i + PER) * 100,
      lookUp: median(times.get('look-up') ?? []),
      versions: median(times.get('insert record_versions') ?? []),
      cells: median(times.get('cells') ?? []),
      batch: median(times.get('batch')),
      ...(indices ? { indexPass: median(times.get('index pass') ?? []), indexPasses: (times.get('index pass') ?? []).length } : {}),
      ...Object.fromEntries([...times].filter(([k]) => k.startsWith('index s')).map(([k, v]) => [k.slice(6), median(v)])),
      ...engine,
      ...(parts ? Object.fromEntries(Object.entries(parts).map(([k, v]) => [`cells${k[0].toUpperCase()}${k.slice(1)}`, v])) : {}),
      ...(again ? { againRunning: again.running, againNow: again.now, againUncached: again.uncached, againWaited: again.waited, againStopped: again.stopped } : {}),
    };
    lines.push(line);
    console.log(
      `${String(line.rows).padStart(20)} | ${line.lookUp.toFixed(0).padStart(7)} | ${line.versions.toFixed(0).padStart(15)} | ${line.cells.toFixed(0).padStart(5)} | ${line.batch.toFixed(0).padStart(5)}${
        indices
          ? ` | index pass ${line.indexPass.toFixed(0)} (×${line.indexPasses}): ${Object.entries(line)
              .filter(([k]) => /^s\d+$/.test(k))
              .map(([k, v]) => `${k} ${v.toFixed(1)}`)
              .join(', ')}`
          : ''
      }${
        args.merges
          ? ` | merges ${line.evMerge} (${(line.evMergedRows / 1e6).toFixed(2)} M rows, ${(line.evMergeTotalMilliseconds / 1000).toFixed(1)} s, projection stage ${(
              line.evMergeProjectionStageTotalMilliseconds / 1000
            ).toFixed(
              1,
            )} s); read ${line.evSelectedParts} parts, ${line.evSelectedMarks} marks; parts versions ${line.partsVersions.toFixed(1)} (≤ ${line.partsVersionsMax}), cells ${line.partsCells.toFixed(1)} (≤ ${line.partsCellsMax})`
          : ''
      }${
        parts
          ? ` | cells in parts: statement ${parts.statement.toFixed(1)} ms (with its write ${parts.withWrite.toFixed(1)}), without the latest-version look-up ${parts.withoutCur.toFixed(
              1,
            )}, that look-up alone ${parts.curAlone.toFixed(1)}, known_at alone ${parts.knownAlone.toFixed(1)}, the rows at the leaves alone ${parts.rowsAlone.toFixed(1)}`
          : ''
      }${
        again
          ? ` | look-up again: ${again.now.toFixed(1)} ms as is (${again.running} merges running), ${again.uncached.toFixed(1)} ms without the query condition cache, ${again.stopped.toFixed(1)} ms with merges stopped (waited ${again.waited.toFixed(0)} ms)`
          : ''
      }`,
    );
    times.clear();
  }
}
if (indices) {
  console.log('index statements (median ms per step above):');
  for (const [text, id] of shapes) console.log(`  ${id.padEnd(4)} ${text.slice(0, 400)}`);
}
// a checksum of every current cell (the same deliveries give the same cells under any schema)
const [checksum] = await warehouse.query('SELECT count() AS cells, toString(sum(cityHash64(leaf_key, measure, dims_key, present, value))) AS hash FROM cells FINAL');
console.log(`cells: ${checksum.cells}, checksum ${checksum.hash}`);
console.log(
  JSON.stringify({
    root,
    deliveries: DELIVERIES,
    per: PER,
    keys: args.keys,
    indices: Boolean(indices),
    merges: args.merges,
    quiesce: args.quiesce,
    parts: args.parts,
    cells: checksum,
    loadavg: loadavg(),
    steps: lines.map((l) => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, Math.round(v)]))),
  }),
);
await warehouse.close();
rmSync(dir, { recursive: true, force: true });
