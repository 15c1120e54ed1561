// Micro-benchmark (not a test) of the ingestion's PostgreSQL statements per batch, without HTTP or Kafka:
// step 1 (look-up and reservation) both ways — in one locked transaction, and as look-up + checked
// reservation — then the record statement, timed per statement.
//   node bench/ingestion/pg-phases.mjs --database postgres://… [--batches 30] [--batch-size 1000] [--concurrency 4] [--distinct N] [--root DIR]
// --distinct N: the keys cycle through N distinct ones, so past N records the batches are corrections
// (the next version of a key), as in bench.mjs (36,120 keys); --root: the statements of another
// checkout (its built services/ingestion), e.g. main's worktree for a before/after pair.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const { values: args } = parseArgs({
  options: {
    database: { type: 'string' },
    batches: { type: 'string', default: '30' },
    'batch-size': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    distinct: { type: 'string' },
    root: { type: 'string' },
  },
});
const root = args.root ? resolve(args.root) : join(dirname(fileURLToPath(import.meta.url)), '../..');
const fromIngestion = createRequire(join(root, 'services/ingestion/package.json'));
const { createPgDatabase } = await import(pathToFileURL(fromIngestion.resolve('@sp/database-pg')).href);
const { migrateIngest } = await import(pathToFileURL(fromIngestion.resolve('@sp/ingestion')).href);
const { IngestRepository } = await import(pathToFileURL(join(root, 'services/ingestion/dist/ingest.repository.js')).href);
const B = Number(args.batches),
  N = Number(args['batch-size']),
  C = Number(args.concurrency),
  DISTINCT = args.distinct ? Number(args.distinct) : Number.POSITIVE_INFINITY;
const db = createPgDatabase({ url: args.database, max: C + 2 });
await migrateIngest(db);
const repo = new IngestRepository(db);
const totals = new Map();
const add = (k, ms) => totals.set(k, (totals.get(k) ?? 0) + ms);
const run = Date.now();
// step 1 both ways, alternating batch by batch so both see the same load: "locked" is BEGIN, advisory
// locks, look-up, reserve, COMMIT (the service before issue 17.3, and still its path when keys changed
// meanwhile); "checked" is the look-up, then ingest_reserve_if_unchanged (locks, check, reserve) alone
async function batch(b) {
  const path = b % 2 === 0 ? 'checked' : 'locked';
  // record i of the run: key i mod DISTINCT, version 1 + ⌊i / DISTINCT⌋ (warm-up batches: keys of their own)
  const ids = Array.from({ length: N }, (_, j) => (b >= 1000 ? -(b * N + j) - 1 : b * N + j));
  const keys = ids.map((i) => (i < 0 ? `bench|${run}|warm|${-i}` : `bench|${run}|${i % DISTINCT}`));
  const versions = ids.map((i) => (i < 0 ? 1 : 1 + Math.floor(i / DISTINCT)));
  const d = { deliveryId: randomUUID(), amt: 'statistik', at: new Date() };
  const started = performance.now();
  let t = started;
  const lap = (k) => {
    const now = performance.now();
    add(`${path} ${k}`, now - t);
    t = now;
  };
  const reservations = keys.map((key, i) => ({ key, version: versions[i], payloadHash: 'x'.repeat(64), tombstone: false, payload: null }));
  if (path === 'checked') {
    const { seen } = await repo.lookup(db, 'area-statistic', keys, { goals: [], measures: [] });
    lap('lookup');
    if (!(await repo.reserveIfUnchanged('area-statistic', seen, d, reservations))) throw new Error('keys changed meanwhile');
    lap('reserve');
  } else {
    await repo.transaction(async (tx) => {
      lap('begin');
      await repo.lockKeys(tx, 'area-statistic', keys);
      lap('lock');
      await repo.lookup(tx, 'area-statistic', keys, { goals: [], measures: [] });
      lap('lookup');
      await repo.reserve(tx, 'area-statistic', d, reservations);
      lap('reserve');
    });
    lap('commit');
  }
  add(`${path} step 1`, performance.now() - started);
  count.set(path, (count.get(path) ?? 0) + 1);
  const events = keys.map((key, i) => ({
    seq: i,
    row: i + 1,
    key,
    version: versions[i],
    status: 'created',
    tombstone: false,
    schemaId: 1,
    topic: 't',
    partition: i % 4,
    offset: String(i),
    payloadHash: 'x'.repeat(64),
    payload: null,
  }));
  await repo.record(
    'area-statistic',
    {
      ...d,
      deliveryId: d.deliveryId,
      recordType: 'area-statistic',
      kind: 'records',
      deliveredBy: 'k',
      deliveredAt: d.at,
      contentType: 'application/json',
      recordCount: N,
      createdCount: N,
      catalogueVersion: 1,
      topic: 't',
      schemaId: 1,
    },
    events,
  );
  lap('record');
}
const count = new Map();
for (let b = 0; b < 4; b++) await batch(1000 + b);
totals.clear();
count.clear();
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (next < B) await batch(next++);
  }),
);
const s = (performance.now() - t0) / 1000;
console.log(`${B} batches × ${N} keys, concurrency ${C}, step 1 both ways alternating: ${Math.round((B * N) / s)} keys/s`);
for (const path of ['locked', 'checked'])
  console.log(
    `  ${path.padEnd(7)} per batch (ms, mean of ${count.get(path)}): ${[...totals]
      .filter(([k]) => k.startsWith(`${path} `))
      .map(([k, v]) => `${k.slice(path.length + 1)} ${(v / count.get(path)).toFixed(1)}`)
      .join(', ')}`,
  );
await db.close();
