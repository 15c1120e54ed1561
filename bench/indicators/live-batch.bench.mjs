// What a live batch's warehouse statements cost as record_versions grows (issue 17, deliver 2,
// seventh pass): IndicatorProjector.apply on an in-process chDB warehouse, alone (no platform, no
// readers, no index passes), fed the freshness bench's deliveries (Köln's 86 Stadtteile × months,
// 100 records of 6 observations each, then the same keys again as corrections), a few deliveries
// per batch. Every `--step` deliveries it prints the median time of each statement kind (the
// look-up by record key, the versions insert, the cells INSERT … SELECT) and of the whole batch.
//
//   node bench/indicators/live-batch.bench.mjs [--deliveries 3000] [--per 3] [--step 300] [--root /other/checkout]
//
// --root runs another built checkout's projector and migrations (e.g. /work/main) under the same
// driver, so two arms differ by their code only.
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { sgb2Observations, root as thisRoot } from './lib.mjs';

const { values: args } = parseArgs({
  options: { deliveries: { type: 'string', default: '3000' }, per: { type: 'string', default: '3' }, step: { type: 'string', default: '300' }, root: { type: 'string' } },
});
const DELIVERIES = Number(args.deliveries);
const PER = Number(args.per);
const STEP = Number(args.step);
const root = args.root ? resolve(args.root) : thisRoot;
const platformRequire = createRequire(join(root, 'services/platform/package.json'));
const load = (name) => import(pathToFileURL(platformRequire.resolve(name)).href);
const { openChdbWarehouse } = await load('@sp/warehouse-chdb');
const { IndicatorProjector, migrateWarehouse } = await load('@sp/indicator-store');

const dir = mkdtempSync(join(tmpdir(), 'sp-bench-live-batch-'));
const warehouse = openChdbWarehouse({ path: dir });
await migrateWarehouse(warehouse);

/** statement kind → times (ms) since the last step */
const times = new Map();
const record = (kind, ms) => times.set(kind, [...(times.get(kind) ?? []), ms]);
const kindOf = (method, sql) => (method === 'insert' ? `insert ${sql}` : /INSERT INTO cells/.test(sql) ? 'cells' : /FROM record_versions WHERE record_key IN/.test(sql) ? 'look-up' : 'other');
const timed = new Proxy(warehouse, {
  get(target, prop) {
    const value = target[prop];
    if (typeof value !== 'function') return value;
    if (!['command', 'query', 'insert'].includes(prop)) return value.bind(target);
    return async (sql, ...rest) => {
      const t0 = performance.now();
      try {
        return await value.call(target, sql, ...rest);
      } finally {
        record(kindOf(prop, sql), performance.now() - t0);
      }
    };
  },
});
const projector = new IndicatorProjector(timed);

// the freshness bench's key space and payloads (freshness.bench.mjs, record())
const areas = Array.from({ length: 86 }, (_, i) => String(101 + i));
const months = [];
for (let y = 1975; y <= 2026; y++) for (let m = 1; m <= 12; m++) months.push(`${y}-${String(m).padStart(2, '0')}`);
const slots = Math.floor((areas.length * months.length) / 100);
function event(i, j) {
  const s = (i % slots) * 100 + j;
  const area = areas[s % areas.length];
  const period = months[Math.floor(s / areas.length)];
  const version = 1 + Math.floor(i / slots);
  const observations = sgb2Observations(s, version).map((o, k) => ({ ...o, recordKey: (k + 1) / 10 }));
  return {
    key: `sgb2|STADTTEIL|${area}|${period}`,
    version,
    tombstone: false,
    deliveredAt: Date.now(),
    amt: 'jobcenter',
    deliveryId: `d${i}`,
    payload: { dataset: 'sgb2', areaLevel: 'STADTTEIL', areaCode: area, period, synthetic: true, observations },
  };
}

const median = (xs) => (xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
console.log(
  `root ${root}; ${DELIVERIES} deliveries of 100 records, ${PER} per batch; load ${loadavg()
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
  if ((i + PER) % STEP === 0) {
    const line = {
      rows: (i + PER) * 100,
      lookUp: median(times.get('look-up') ?? []),
      versions: median(times.get('insert record_versions') ?? []),
      cells: median(times.get('cells') ?? []),
      batch: median(times.get('batch')),
    };
    lines.push(line);
    console.log(
      `${String(line.rows).padStart(20)} | ${line.lookUp.toFixed(0).padStart(7)} | ${line.versions.toFixed(0).padStart(15)} | ${line.cells.toFixed(0).padStart(5)} | ${line.batch.toFixed(0).padStart(5)}`,
    );
    times.clear();
  }
}
console.log(JSON.stringify({ root, deliveries: DELIVERIES, per: PER, loadavg: loadavg(), steps: lines.map((l) => Object.fromEntries(Object.entries(l).map(([k, v]) => [k, Math.round(v)]))) }));
await warehouse.close();
rmSync(dir, { recursive: true, force: true });
