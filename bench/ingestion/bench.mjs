// Ingestion benchmark (not a test): records/s accepted end to end through the HTTP API into Kafka
// (batches of 1,000 area-statistic records, acks=all, version check + audit in PostgreSQL), and in
// the same run the same records — already Avro-encoded — produced directly with kafkajs (idempotent
// producer, acks=all, one request in flight, like the EventLog adapter). Prints both and the ratio.
// Runs on the built dist/ of the workspace; packages are resolved through their `exports` from the
// ingestion service's package, which depends on all of them.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { benchRecords, directEvent } from './records.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const fromIngestion = createRequire(join(root, 'services/ingestion/package.json'));
const load = (name) => import(pathToFileURL(fromIngestion.resolve(name)).href);
const kafkajs = createRequire(join(root, 'packages/eventlog-kafka/package.json'))('kafkajs');

const { values: args } = parseArgs({
  options: {
    brokers: { type: 'string' },
    database: { type: 'string' },
    batches: { type: 'string', default: '40' },
    'batch-size': { type: 'string', default: '1000' },
    concurrency: { type: 'string', default: '4' },
    observations: { type: 'string', default: '6' },
    rounds: { type: 'string', default: '3' },
    /**
     * the direct arm's record headers: 'plain' (default, stock kafkajs encodes each header of each
     * record) or 'encoded' (one pre-encoded headers Buffer per batch, as the EventLog adapter passes
     * them to the patched kafkajs: the like-for-like reading of the adapter's encoding gain)
     */
    'direct-headers': { type: 'string', default: 'plain' },
    /** the data directories of the engines run.sh started: their processes' CPU time is measured per arm */
    'pg-dir': { type: 'string' },
    'kafka-dir': { type: 'string' },
    /** a file to write each round's deliveries' [sent, answered] ms (both arms) to, as JSON: where in a round the time goes */
    trace: { type: 'string' },
  },
});
const BATCHES = Number(args.batches);
const BATCH_SIZE = Number(args['batch-size']);
const CONCURRENCY = Number(args.concurrency);
const OBSERVATIONS = Number(args.observations);
const ROUNDS = Number(args.rounds);
const DIRECT_HEADERS = args['direct-headers'];
if (DIRECT_HEADERS !== 'plain' && DIRECT_HEADERS !== 'encoded') throw new Error('--direct-headers is plain or encoded');
if (!args.brokers || !args.database) throw new Error('usage: node bench/ingestion/bench.mjs --brokers host:port --database postgres://… [--batches N] [--concurrency C]');

const [
  { controllingPlanningCheck, createIngestionApp, generateApiKey, hashApiKey, spatialChecksFrom },
  { createKafkaEventLog, encodedHeaders },
  { createPgDatabase },
  { loadReference },
  { EventCodec, SchemaRegistry },
  { loadCatalogue },
] = await Promise.all(['@sp/ingestion', '@sp/eventlog-kafka', '@sp/database-pg', '@sp/spatial', '@sp/events', '@sp/indicators'].map(load));

// ── data: distinct keys over the real Köln areas and monthly periods (records.mjs) ─────────────────
const reference = loadReference('koeln');
const record = benchRecords(reference, OBSERVATIONS);
const WARMUP = 2;
// The records of batches from … from + n − 1 (batch b holds records b × BATCH_SIZE …), made when a round
// needs them, not all up front: the bench's data for every round held for the whole run (at --batches
// 100, 302,000 record objects besides their JSON bodies and encoded messages) made each full
// collection of the process mark it — ≈ 250 ms per full GC against ≈ 50 with one round's data
// (heap-cost.mjs) — in both arms (bench/ingestion/README.md, session 18). Each round's data is
// made before the round's API arm, so what its making leaves to collect falls on the API arm.
const batchesOf = (from, n) => Array.from({ length: n }, (_, i) => Array.from({ length: BATCH_SIZE }, (_, j) => record((from + i) * BATCH_SIZE + j)));
const bodiesOf = (batches) => batches.map((b) => JSON.stringify({ records: b }));
const warmup = batchesOf(0, WARMUP);

// ── CPU time per process group: where a record's cost goes (issue 17.3 asks what limits the ratio) ──
// utime + stime of a process and all its descendants, plus what its exited children left (cutime,
// cstime: PostgreSQL backends), in ms; Linux /proc, USER_HZ 100.
function processTable() {
  const table = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      table.set(Number(name), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) });
    } catch {
      // gone meanwhile
    }
  }
  return table;
}
function treeCpuMs(table, rootPid) {
  if (!rootPid || !table.has(rootPid)) return 0;
  let ticks = table.get(rootPid).children;
  const stack = [rootPid];
  while (stack.length) {
    const pid = stack.pop();
    ticks += table.get(pid).ticks;
    for (const [child, p] of table) if (p.ppid === pid) stack.push(child);
  }
  return ticks * 10;
}
const pidIn = (file) => {
  try {
    return Number(readFileSync(file, 'utf8').split('\n')[0]);
  } catch {
    return undefined;
  }
};
const enginePids = { postgres: args['pg-dir'] && pidIn(join(args['pg-dir'], 'postmaster.pid')), broker: args['kafka-dir'] && pidIn(join(args['kafka-dir'], 'kafka.pid')) };
function cpuSnapshot() {
  const table = processTable();
  const own = process.cpuUsage();
  return { bench: (own.user + own.system) / 1000, postgres: treeCpuMs(table, enginePids.postgres), broker: treeCpuMs(table, enginePids.broker) };
}
const cpuTotals = { api: { bench: 0, postgres: 0, broker: 0, seconds: 0, busy: 0 }, direct: { bench: 0, postgres: 0, broker: 0, seconds: 0, busy: 0 } };
async function measured(arm, fn) {
  const before = cpuSnapshot();
  const started = performance.now();
  // the main thread's event loop: the ingestion service's (API arm; the HTTP client has its own thread) or the producer's
  const loop = performance.eventLoopUtilization();
  const out = await fn();
  const { active } = performance.eventLoopUtilization(loop);
  const after = cpuSnapshot();
  for (const k of ['bench', 'postgres', 'broker']) cpuTotals[arm][k] += after[k] - before[k];
  cpuTotals[arm].seconds += (performance.now() - started) / 1000;
  cpuTotals[arm].busy += active / 1000;
  return out;
}

async function pool(items, n, fn) {
  let next = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

// ── 1. through the HTTP API ─────────────────────────────────────────────────────────────────────────
const eventLog = createKafkaEventLog({ brokers: args.brokers.split(','), clientId: 'bench-ingestion', appendTimeoutMs: 30_000, requestTimeoutMs: 30_000 });
const database = createPgDatabase({ url: args.database, max: CONCURRENCY + 2 });
const apiKey = generateApiKey('statistik-bench');
const app = await createIngestionApp({
  eventLog,
  database,
  spatial: spatialChecksFrom(reference),
  config: { apiKeys: [{ id: 'statistik-bench', amt: 'statistik', hash: hashApiKey(apiKey) }], appendTimeoutMs: 30_000 },
  planningCheck: controllingPlanningCheck(),
  indicatorCodes: loadCatalogue()
    .latest()
    .map((i) => i.code),
});
await app.listen(0, '127.0.0.1');
const url = `${await app.getUrl()}/v1/deliveries/area-statistic`;
const client = new Worker(new URL('./http-client.worker.mjs', import.meta.url), { workerData: { url, apiKey, concurrency: CONCURRENCY } });
const phaseTotals = new Map();
let retries = 0;
let lastSpans = [];
/** Sends batches from the client thread; resolves with the seconds they took. */
function deliverAll(batchBodies) {
  return new Promise((resolve, reject) => {
    client.once('message', (m) => {
      if (m.error) return reject(new Error(m.error));
      for (const [k, v] of Object.entries(m.phases)) phaseTotals.set(k, (phaseTotals.get(k) ?? 0) + v);
      retries += m.retries;
      lastSpans = m.spans;
      resolve(m.seconds);
    });
    client.postMessage({ bodies: batchBodies, expected: BATCH_SIZE });
  });
}
await deliverAll(bodiesOf(warmup));

// ── 2. the same records directly with kafkajs ───────────────────────────────────────────────────────
const codec = new EventCodec(SchemaRegistry.load());
const deliveredAt = Date.now();
const messagesOf = (batches) =>
  batches.map((b) => {
    let shared;
    return b.map((r) => {
      const event = directEvent(r, deliveredAt);
      if (DIRECT_HEADERS === 'plain') return { key: r.key, value: codec.encode('area-statistic', 1, event), headers: codec.headers('area-statistic', 1, event) };
      // the events of a batch carry the same headers: one object and its encoding for all, as a delivery's events in the adapter
      shared ??= codec.headers('area-statistic', 1, event);
      return { key: r.key, value: codec.encode('area-statistic', 1, event), headers: shared, encodedHeaders: encodedHeaders(shared).bytes };
    });
  });
const kafka = new kafkajs.Kafka({ clientId: 'bench-direct', brokers: args.brokers.split(','), logLevel: kafkajs.logLevel.ERROR });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic: 'bench.direct', numPartitions: 4, replicationFactor: 1 }], waitForLeaders: true });
await admin.disconnect();
const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: kafkajs.Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
await producer.connect();
const produce = (batch) => producer.send({ topic: 'bench.direct', acks: -1, messages: batch });
for (const batch of messagesOf(warmup)) await produce(batch);

/** A round's JSON bodies and direct messages (its record objects not kept). */
function roundData(from) {
  const batches = batchesOf(from, BATCHES);
  return { bodies: bodiesOf(batches), messages: messagesOf(batches) };
}

// rounds alternate API and direct on fresh records, so both see the same machine load; medians count
const apiRates = [];
const directRates = [];
const trace = [];
phaseTotals.clear();
for (let round = 0; round < ROUNDS; round++) {
  const { bodies, messages } = roundData(WARMUP + round * BATCHES);
  apiRates.push((BATCHES * BATCH_SIZE) / (await measured('api', () => deliverAll(bodies))));
  const started = performance.now();
  const directSpans = [];
  await measured('direct', () =>
    pool(messages, CONCURRENCY, async (batch, i) => {
      const sent = performance.now() - started;
      await produce(batch);
      directSpans[i] = [sent, performance.now() - started];
    }),
  );
  directRates.push((BATCHES * BATCH_SIZE) / ((performance.now() - started) / 1000));
  trace.push({ round, api: lastSpans, direct: directSpans });
}
if (args.trace) writeFileSync(args.trace, JSON.stringify({ batches: BATCHES, batchSize: BATCH_SIZE, concurrency: CONCURRENCY, rounds: trace }));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const apiRate = median(apiRates);
const directRate = median(directRates);
await client.terminate();
await app.close();
await producer.disconnect();
await eventLog.close();
await database.close();

const ratio = apiRate / directRate;
const fmt = (n) => Math.round(n).toLocaleString('en-US');
console.log(`records: ${ROUNDS} rounds × ${BATCHES} batches × ${BATCH_SIZE} area-statistic records (${OBSERVATIONS} observations each), concurrency ${CONCURRENCY}, acks=all`);
console.log(`HTTP API → Kafka (validated, Avro, versions + audit in PostgreSQL): ${fmt(apiRate)} records/s median (rounds: ${apiRates.map(fmt).join(', ')})`);
console.log(
  `kafkajs direct (pre-encoded Avro${DIRECT_HEADERS === 'encoded' ? ', pre-encoded headers' : ''}, idempotent producer):          ${fmt(directRate)} records/s median (rounds: ${directRates.map(fmt).join(', ')})`,
);
console.log(`server phases per batch (ms, mean): ${[...phaseTotals].map(([k, v]) => `${k} ${(v / (ROUNDS * BATCHES)).toFixed(0)}`).join(', ')}`);
console.log(`deliveries answered 503 and sent again: ${retries}`);
// CPU ms per 1,000 records, by process, over all rounds of each arm; and how busy the two cores were
const perThousand = (arm) => {
  const t = cpuTotals[arm];
  const n = (ROUNDS * BATCHES * BATCH_SIZE) / 1000;
  const total = t.bench + t.postgres + t.broker;
  return {
    bench: Math.round(t.bench / n),
    postgres: Math.round(t.postgres / n),
    broker: Math.round(t.broker / n),
    total: Math.round(total / n),
    coresBusy: Number((total / 1000 / t.seconds).toFixed(2)),
    mainThreadBusy: Number((t.busy / t.seconds).toFixed(2)),
  };
};
const cpu = { api: perThousand('api'), direct: perThousand('direct') };
if (enginePids.postgres || enginePids.broker) {
  for (const arm of ['api', 'direct']) {
    const c = cpu[arm];
    console.log(
      `CPU ms per 1,000 records, ${arm.padEnd(6)}: bench process ${c.bench} (${arm === 'api' ? 'ingestion service + HTTP client' : 'kafkajs producer'}), PostgreSQL ${c.postgres}, Kafka broker ${c.broker}; total ${c.total}; cores busy ${c.coresBusy} of ${availableParallelism()}; main thread (${arm === 'api' ? 'the service' : 'the producer'}) busy ${Math.round(c.mainThreadBusy * 100)} %`,
    );
  }
  console.log(`CPU-bound ceiling of the ratio on this machine (direct CPU ÷ API CPU per record): ${((cpu.direct.total / cpu.api.total) * 100).toFixed(1)} %`);
}
console.log(`ratio API / direct: ${(ratio * 100).toFixed(1)} % (target ≥ 60 %, issue 17) ${ratio >= 0.6 ? 'PASS' : 'BELOW TARGET'}`);
console.log(
  JSON.stringify({
    rounds: ROUNDS,
    batches: BATCHES,
    batchSize: BATCH_SIZE,
    concurrency: CONCURRENCY,
    observations: OBSERVATIONS,
    apiRecordsPerSecond: Math.round(apiRate),
    directRecordsPerSecond: Math.round(directRate),
    directHeaders: DIRECT_HEADERS,
    ratio: Number(ratio.toFixed(3)),
    retries503: retries,
    cpuMsPerThousand: cpu,
  }),
);
process.exit(0);
