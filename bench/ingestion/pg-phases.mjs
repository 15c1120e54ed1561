// Micro-benchmark (not a test) of the ingestion's PostgreSQL statements per batch, without HTTP or Kafka:
// lock + look-up + reserve in one transaction, then the record statement, timed per statement.
//   node bench/ingestion/pg-phases.mjs --database postgres://… [--batches 30] [--batch-size 1000] [--concurrency 4]
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fromIngestion = createRequire(join(root, 'services/ingestion/package.json'));
const { values: args } = parseArgs({
  options: { database: { type: 'string' }, batches: { type: 'string', default: '30' }, 'batch-size': { type: 'string', default: '1000' }, concurrency: { type: 'string', default: '4' } },
});
const { createPgDatabase } = await import(pathToFileURL(fromIngestion.resolve('@sp/database-pg')).href);
const { migrateIngest } = await import(pathToFileURL(fromIngestion.resolve('@sp/ingestion')).href);
const { IngestRepository } = await import(pathToFileURL(join(root, 'services/ingestion/dist/ingest.repository.js')).href);
const B = Number(args.batches),
  N = Number(args['batch-size']),
  C = Number(args.concurrency);
const db = createPgDatabase({ url: args.database, max: C + 2 });
await migrateIngest(db);
const repo = new IngestRepository(db);
const totals = new Map();
const add = (k, ms) => totals.set(k, (totals.get(k) ?? 0) + ms);
const run = Date.now();
async function batch(b) {
  const keys = Array.from({ length: N }, (_, j) => `bench|${run}|${b}|${j}`);
  const d = { deliveryId: randomUUID(), amt: 'statistik', at: new Date() };
  let t = performance.now();
  const lap = (k) => {
    const now = performance.now();
    add(k, now - t);
    t = now;
  };
  await repo.transaction(async (tx) => {
    lap('begin');
    if (repo.lockAndLookUp) {
      await repo.lockAndLookUp(tx, 'area-statistic', keys, { goals: [], measures: [] });
      lap('lock+lookup');
    } else {
      await repo.lockKeys(tx, 'area-statistic', keys);
      lap('lock');
      await repo.lookup(tx, 'area-statistic', keys, { goals: [], measures: [] });
      lap('lookup');
    }
    await repo.reserve(
      tx,
      'area-statistic',
      d,
      keys.map((key) => ({ key, version: 1, payloadHash: 'x'.repeat(64), tombstone: false, payload: null })),
    );
    lap('reserve');
  });
  lap('commit');
  const versions = keys.map((key, i) => ({ key, version: 1, payloadHash: 'x'.repeat(64), tombstone: false, partition: i % 4, offset: String(i), payload: null }));
  const events = keys.map((key, i) => ({ seq: i, row: i + 1, key, version: 1, status: 'created', tombstone: false, schemaId: 1, topic: 't', partition: i % 4, offset: String(i) }));
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
    versions,
    events,
  );
  lap('record');
}
for (let b = 0; b < 3; b++) await batch(-1 - b);
totals.clear();
let next = 0;
const t0 = performance.now();
await Promise.all(
  Array.from({ length: C }, async () => {
    while (next < B) await batch(next++);
  }),
);
const s = (performance.now() - t0) / 1000;
console.log(`${B} batches × ${N} keys, concurrency ${C}: ${Math.round((B * N) / s)} keys/s; per batch (ms, mean): ${[...totals].map(([k, v]) => `${k} ${(v / B).toFixed(1)}`).join(', ')}`);
await db.close();
