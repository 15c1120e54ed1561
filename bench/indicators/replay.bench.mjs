// Replay throughput benchmark (not a test): events per second of AggregatorService.rebuild() — the
// whole indicator warehouse rebuilt by replaying the event log from the start — on the embedded
// event log (@sp/eventlog-embedded) and in-process chDB (@sp/warehouse-chdb), beside the baseline of
// only reading and decoding the same events from the same log (fresh consumer group, same batch
// size, Avro decode + the aggregator's event mapping, no projection), measured in the same run.
//
// The log holds N area-statistic events like the Ämter deliver them (Köln's 86 Stadtteile):
// monthly SGB-II records (6 observations: persons by age × sex, Bedarfsgemeinschaften,
// Alleinerziehende), yearly population records (30 observations: total, 13 age groups × 2 sexes,
// migration status), then corrections (version 2) of ~10 % and withdrawals of ~2 % of the keys.
//
//   node bench/indicators/replay.bench.mjs [--events 100000] [--partitions 2] [--rounds 2] [--batch 2000] [--with-indices]
//
// --with-indices also wires the composite indices as the one-process platform does
// (services/platform/src/projections.ts): afterProjection recomputes them for the touched periods.
// Live that runs after every batch; in rebuild() the aggregator calls it once, after the replay.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmtInt, fromPlatform } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '2' },
    batch: { type: 'string', default: '2000' },
    'with-indices': { type: 'boolean', default: false },
  },
});
const N = Number(args.events);
const PARTITIONS = Number(args.partitions);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);

const [{ openChdbWarehouse }, { openEmbeddedEventLog }, { EventCodec, SchemaRegistry, defaultTopology }, store, { AggregatorService }, { loadReference }, { loadCatalogue }] = await Promise.all(
  ['@sp/warehouse-chdb', '@sp/eventlog-embedded', '@sp/events', '@sp/indicator-store', '@sp/aggregator', '@sp/spatial', '@sp/indicators'].map(fromPlatform),
);

const dir = mkdtempSync(join(tmpdir(), 'sp-bench-replay-'));
const warehouse = openChdbWarehouse({ path: join(dir, 'warehouse') });
const log = await openEmbeddedEventLog({ dir: join(dir, 'eventlog') });
const codec = new EventCodec(SchemaRegistry.load());
const AREA_STATISTIC_TOPIC = defaultTopology.topicFor('area-statistic');
const reference = loadReference('koeln');
await store.migrateWarehouse(warehouse);
await store.loadAreaMap(warehouse, store.areaMapRows(reference));
await log.ensureTopics([{ name: AREA_STATISTIC_TOPIC, partitions: PARTITIONS }]);

// ── fill the log ─────────────────────────────────────────────────────────────────────────────────
const areas = reference.areas('STADTTEIL').map((a) => a.code);
const ages = ['0-3', '3-6', '6-10', '10-15', '15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65', '65-75', '75+'];
function rng(seed) {
  return () => ((seed = (seed * 1103515245 + 12345) % 2147483648), seed / 2147483648);
}
const random = rng(42);
const int = (lo, hi) => lo + Math.floor(random() * (hi - lo));
function sgb2(area, period) {
  const observations = [];
  for (const alter of ['u15', '15-65']) for (const geschlecht of ['m', 'w']) observations.push({ measure: 'sgb2_personen', dimensions: { alter, geschlecht }, value: int(20, 900) });
  observations.push({ measure: 'sgb2_bedarfsgemeinschaften', dimensions: {}, value: int(20, 900) }, { measure: 'sgb2_bg_alleinerziehend', dimensions: {}, value: int(5, 200) });
  return { dataset: 'sgb2', areaLevel: 'STADTTEIL', areaCode: area, period, observations };
}
function bevoelkerung(area, period) {
  const observations = [{ measure: 'einwohner', dimensions: {}, value: int(3000, 40000) }];
  for (const alter of ages) for (const geschlecht of ['m', 'w']) observations.push({ measure: 'einwohner_alter', dimensions: { alter, geschlecht }, value: int(50, 2500) });
  for (const status of ['deutsch_ohne_mh', 'deutsch_mit_mh', 'auslaendisch']) observations.push({ measure: 'einwohner_migration', dimensions: { status }, value: int(100, 20000) });
  return { dataset: 'bevoelkerung', areaLevel: 'STADTTEIL', areaCode: area, period, observations };
}
// first deliveries: months 2005-01… (and their years) until 88 % of N; then corrections and withdrawals
const firstCount = Math.round(N * 0.88);
const firsts = [];
for (let m = 0; firsts.length < firstCount; m++) {
  const year = 2005 + Math.floor(m / 12);
  const period = `${year}-${String((m % 12) + 1).padStart(2, '0')}`;
  for (const a of areas) if (firsts.length < firstCount) firsts.push(sgb2(a, period));
  if (m % 12 === 11) for (const a of areas) if (firsts.length < firstCount) firsts.push(bevoelkerung(a, String(year)));
}
let t = Date.UTC(2025, 0, 1);
const deliveryId = '00000000-0000-4000-8000-000000000000';
const event = (p, version, tombstone) => {
  const key = `${p.dataset}|${p.areaLevel}|${p.areaCode}|${p.period}`;
  return {
    key,
    version,
    recordType: 'area-statistic',
    amt: p.dataset === 'sgb2' ? 'jobcenter' : 'statistik',
    deliveryId,
    deliveredAt: t++,
    deliveredBy: 'bench',
    tombstone,
    payload: tombstone ? null : { key, version, ...p, synthetic: true, source: 'bench/indicators' },
  };
};
const events = firsts.map((p) => event(p, 1, false));
const versions = new Map();
while (events.length < N) {
  const k = int(0, firsts.length);
  const p = firsts[k];
  const version = (versions.get(k) ?? 1) + 1;
  versions.set(k, version);
  events.push(random() < 1 / 6 ? event(p, version, true) : event({ ...p, observations: p.observations.map((o) => ({ ...o, value: o.value + version })) }, version, false));
}
const fillStarted = performance.now();
for (let i = 0; i < events.length; i += 1000) {
  await log.append(
    AREA_STATISTIC_TOPIC,
    events.slice(i, i + 1000).map((e) => ({ key: e.key, value: codec.encode('area-statistic', 1, e), headers: codec.headers('area-statistic', 1, e) })),
  );
}
const observations = events.reduce((a, e) => a + (e.payload?.observations.length ?? 0), 0);
console.log(
  `log: ${fmtInt(N)} area-statistic events (${fmtInt(observations)} observations, ${PARTITIONS} partitions) appended in ${((performance.now() - fillStarted) / 1000).toFixed(1)} s; batches of ≤ ${BATCH}`,
);

// ── baseline: read + decode only ─────────────────────────────────────────────────────────────────
let decodeGroup = 0;
async function readAndDecode() {
  let n = 0;
  const started = performance.now();
  const sub = await log.subscribe({
    groupId: `bench-decode-${decodeGroup++}`,
    topics: [AREA_STATISTIC_TOPIC],
    startFrom: 'earliest',
    maxBatchSize: BATCH,
    handleBatch: async (batch) => {
      for (const e of batch.events) {
        codec.decodeAs(e.value);
        n++;
      }
    },
  });
  await sub.caughtUp(600_000);
  const ms = performance.now() - started;
  await sub.stop();
  if (n !== N) throw new Error(`decoded ${n} events, expected ${N}`);
  return { events: n, ms };
}

// ── rebuild by replay ────────────────────────────────────────────────────────────────────────────
const catalogue = loadCatalogue();
const reader = new store.WarehouseIndicatorReader(warehouse, { plans: store.planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] });
const indices = new store.IndexProjector(warehouse, reader, catalogue);
let progress = [];
const aggregator = new AggregatorService(log, warehouse, codec, {
  maxBatchSize: BATCH,
  groupId: 'bench-aggregator',
  onBatchStage: (stage, batch) => {
    if (stage === 'projected') progress.push({ at: performance.now(), n: batch.events.length });
  },
  ...(args['with-indices'] ? { afterProjection: async (r) => void (r.touchedPeriods.length > 0 && (await indices.recompute(r.touchedPeriods))) } : {}),
});
async function rebuild() {
  progress = [];
  const started = performance.now();
  const r = await aggregator.rebuild(900_000);
  const ms = performance.now() - started;
  if (r.events !== N) throw new Error(`rebuild replayed ${r.events} events, expected ${N}`);
  // throughput per quarter of the replay: does the per-batch cost grow with the warehouse?
  const quarters = [0, 0, 0, 0].map(() => ({ n: 0, from: Infinity, to: 0 }));
  let done = 0;
  let prev = started;
  for (const p of progress.sort((a, b) => a.at - b.at)) {
    const q = quarters[Math.min(3, Math.floor((done / N) * 4))];
    q.n += p.n;
    q.from = Math.min(q.from, prev);
    q.to = p.at;
    done += p.n;
    prev = p.at;
  }
  return { events: r.events, ms, quarters: quarters.map((q) => (q.n / (q.to - q.from)) * 1000) };
}

/** The warehouse after the replay equals the log's latest versions (sanity check of the run). */
async function check() {
  const latest = new Map();
  for (const e of events) latest.set(e.key, e);
  let expectedCells = 0;
  let expectedSgb2 = 0;
  for (const e of latest.values()) {
    if (e.tombstone) continue;
    const dims = new Set(e.payload.observations.map((o) => `${o.measure}|${JSON.stringify(o.dimensions)}`));
    expectedCells += dims.size;
    for (const o of e.payload.observations) if (o.measure === 'sgb2_personen') expectedSgb2 += o.value;
  }
  const [row] = await warehouse.query(`SELECT countIf(present = 1) AS cells, sumIf(value, present = 1 AND measure = 'sgb2_personen') AS sgb2 FROM cells FINAL`);
  if (Number(row.cells) !== expectedCells || Number(row.sgb2) !== expectedSgb2) {
    throw new Error(`warehouse after replay: ${row.cells} cells, Σ sgb2_personen ${row.sgb2}; expected ${expectedCells} and ${expectedSgb2}`);
  }
  if (args['with-indices']) {
    const [idx] = await warehouse.query(`SELECT count() AS rows, uniqExact(period) AS years FROM index_values FINAL WHERE scored = 1`);
    if (Number(idx.rows) === 0) throw new Error('warehouse after replay: no scored composite index values');
    console.log(`index_values after replay: ${fmtInt(Number(idx.rows))} scored rows over ${idx.years} years`);
  }
  return expectedCells;
}

const decodeRuns = [];
const rebuildRuns = [];
let cells = 0;
await readAndDecode(); // warm-up (JIT, page cache)
for (let round = 1; round <= ROUNDS; round++) {
  const d = await readAndDecode();
  decodeRuns.push((d.events / d.ms) * 1000);
  console.log(`round ${round}: read + decode only        ${fmtInt(decodeRuns.at(-1)).padStart(9)} events/s (${(d.ms / 1000).toFixed(2)} s)`);
  const r = await rebuild();
  cells = await check();
  rebuildRuns.push((r.events / r.ms) * 1000);
  console.log(
    `round ${round}: AggregatorService.rebuild() ${fmtInt(rebuildRuns.at(-1)).padStart(9)} events/s (${(r.ms / 1000).toFixed(2)} s; per quarter of the replay: ${r.quarters.map(fmtInt).join(' → ')} events/s)`,
  );
}
const best = (xs) => Math.max(...xs);
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};
console.log(`warehouse after replay: ${fmtInt(cells)} current cells (checked against the log's latest versions)`);
console.log(
  `replay ${fmtInt(median(rebuildRuns))} events/s (median), read+decode ${fmtInt(median(decodeRuns))} events/s (median); ratio replay / read+decode: ${((median(rebuildRuns) / median(decodeRuns)) * 100).toFixed(1)} %`,
);
console.log(
  JSON.stringify({
    events: N,
    partitions: PARTITIONS,
    batch: BATCH,
    withIndices: args['with-indices'],
    rebuildEventsPerSecond: rebuildRuns.map(Math.round),
    decodeEventsPerSecond: decodeRuns.map(Math.round),
    bestRebuild: Math.round(best(rebuildRuns)),
  }),
);

await log.close();
await warehouse.close();
rmSync(dir, { recursive: true, force: true });
process.exit(0);
