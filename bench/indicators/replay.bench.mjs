// Rebuild throughput benchmark (not a test, issue 17.1): events per second of
// AggregatorService.rebuild() — the whole indicator warehouse rebuilt from the event log, set-based
// (ReplayProjector: record versions written while reading, the cells computed by one statement at
// the end; "record_versions 0.00 s" when no statement copied them) — on the embedded event log (@sp/eventlog-embedded) and in-process chDB
// (@sp/warehouse-chdb), beside, in the same run:
//  - read + decode only: the same events from the same log (fresh consumer group), decoded as a
//    live consumer does (Avro + zod, decodeAs) and as the rebuild does (decodeTrusted);
//  - the physical limit, in every round right after the rebuild: the cell rows the rebuild
//    produced, serialised beforehand by the engine, inserted raw into an empty copy of the cells
//    table in each input format the Warehouse port takes (best of two; JSONEachRow, never the
//    fastest, in the first round only; RowBinary since the port takes it); the fastest is the
//    limit, and the rebuild is reported as a share of it per round (events/s of the rebuild over
//    the limit's rows/s × cells per event) and as the median of those shares; to compare with runs
//    before RowBinary, also as a share of the fastest text format;
//  - what limits the rebuild, in every round beside the limit (issue 17.1, session 17), each as
//    seconds and CPU seconds of the process (process.cpuUsage: every thread, chDB's included):
//    (a) the rebuild's own record_versions rows (the RowBinary blocks it handed over, captured)
//    inserted raw into an empty copy of record_versions as it inserted them; (b) the cells limit
//    above, and beside it the same insert without the insert-time merge (as the cells statement
//    inserts; not the limit, so that the share stays comparable across sessions); (c) both, one
//    after the other as the rebuild must write them (the "write floor"); (d) reading + decoding the
//    log alone, and with the record_versions rows serialised (ReplayProjector.addFramed, as the rebuild; the inserts
//    dropped); (e) the rebuild's cells statement alone on the filled record_versions, into an empty
//    copy of cells; and the rebuild as a share of the limit and of the write floor;
//  - where the rebuild's time goes: every warehouse statement of the rebuild timed from its call to
//    its answer (the staging inserts overlap with reading and decoding the next block);
//  - the old path (baseline): the log projected by the incremental projector batch by batch (what
//    rebuild() did before), with --baseline-indices also the indices once at its end;
//  - with --one-pass-too, in every round also the one-pass rebuild (rebuildMode: 'one-pass',
//    OnePassProjector: resolved in the process while reading, only finished rows inserted; blocks of
//    --block-events events) beside the default, staged rebuild (every event staged, the log
//    resolved by two statements in the warehouse);
//  - with --worker-too, in every round also the rebuild decoding and staging in a worker thread
//    (rebuildWorker: true; one worker kept over the rounds, so from round 2 on it is warm) beside
//    the default, on the main thread.
//
// The log holds N area-statistic events like the Ämter deliver them (Köln's 86 Stadtteile):
// monthly SGB-II records (6 observations: persons by age × sex, Bedarfsgemeinschaften,
// Alleinerziehende), yearly population records (30 observations: total, 13 age groups × 2 sexes,
// migration status), then corrections (version 2) of ~10 % and withdrawals of ~2 % of the keys.
//
//   node bench/indicators/replay.bench.mjs [--events 100000] [--partitions 2] [--rounds 3] [--batch 2000]
//        [--no-indices] [--no-baseline] [--baseline-indices] [--no-decode] [--worker-too] [--one-pass-too] [--block-events N]
//        [--servers]
//
// --servers runs all of it in servers mode: a Kafka broker and chdb-http started by the bench (below).
// --no-decode leaves out the read-only and read + decode arms (for quick runs of the rebuild).
//
// A rebuild with indices recomputes the composite indices of the catalogue once, at its end, for
// every year of the log, as every entry point wires them (AggregatorOptions.indices). Beside it, in
// every round (issue 17.1, session 22):
//  - (f) the indices alone: IndexProjector.recompute() of every period of the log on the rebuilt
//    tables (index tables emptied first, as in a rebuild), wall and CPU seconds by thread, and its
//    reads run again one at a time (the engine's part, which cannot start before the cells
//    statement has written what they read);
//  - two ceilings of the share on this machine, from the round's own figures: by CPU (the rebuild's
//    CPU seconds over the cores: even with every core busy throughout it cannot take less), and by
//    its serial steps (reading while the versions are written, then the cells statement, then the
//    indices' reads: each waits for the one before).
//
// --index-statements also prints each of the indices' reads with its time (the largest first).
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { recordEvent } from './area-statistic.events.mjs';
import { fmtInt, fromPlatform } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '100000' },
    partitions: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    batch: { type: 'string', default: '2000' },
    'no-indices': { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    'baseline-indices': { type: 'boolean', default: false },
    'no-decode': { type: 'boolean', default: false },
    'worker-too': { type: 'boolean', default: false },
    'one-pass-too': { type: 'boolean', default: false },
    'block-events': { type: 'string' },
    'index-statements': { type: 'boolean', default: false },
    servers: { type: 'boolean', default: false },
  },
});
const N = Number(args.events);
const PARTITIONS = Number(args.partitions);
const ROUNDS = Number(args.rounds);
const BATCH = Number(args.batch);

const SERVERS = args.servers;
const [{ openChdbWarehouse }, { openEmbeddedEventLog }, { EventCodec, SchemaRegistry, defaultTopology }, store, { AggregatorService }, { loadReference }, { loadCatalogue }] = await Promise.all(
  ['@sp/warehouse-chdb', '@sp/eventlog-embedded', '@sp/events', '@sp/indicator-store', '@sp/aggregator', '@sp/spatial', '@sp/indicators'].map(fromPlatform),
);

const load = () => loadavg().map((x) => Number(x.toFixed(2)));
const loadAtStart = load();
console.log(`load average at start: ${loadAtStart.join(' ')}`);
const dir = mkdtempSync(join(tmpdir(), 'sp-bench-replay-'));

/**
 * --servers (issue 17.1, session 32): the same rebuild in servers mode — the log in a real Kafka
 * broker (the Maven distribution, as the tests start it), the warehouse behind services/chdb-http
 * (the ClickHouse stand-in, one chDB in its own process) through @sp/warehouse-clickhouse's HTTP
 * client — and the limit and the write floor inserted into that same server. Both servers run on
 * this machine, so their CPU is counted with the bench's own (cpuUsage below): the ceilings are of
 * the whole deployment on these cores.
 */
const servers = SERVERS ? await startServers() : undefined;
async function startServers() {
  const [{ startKafka, startChdbHttp }, { createKafkaEventLog }, { createClickHouseWarehouse }] = await Promise.all(
    ['@sp/testing', '@sp/eventlog-kafka', '@sp/warehouse-clickhouse'].map(fromPlatform),
  );
  const kafka = await startKafka({ partitions: PARTITIONS });
  const chdb = await startChdbHttp();
  return {
    kafka,
    chdb,
    pids: [Number(readFileSync(join(kafka.dir, 'kafka.pid'), 'utf8')), chdb.process.pid],
    log: createKafkaEventLog({ brokers: kafka.brokers, clientId: 'bench-replay', appendTimeoutMs: 120_000, logLevel: 'nothing' }),
    warehouse: createClickHouseWarehouse({ url: chdb.url }),
  };
}
/** user + sys CPU seconds of another process so far (fields 14 and 15 of /proc/<pid>/stat, 10 ms ticks) */
function processCpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}
/** process.cpuUsage() (µs), with the servers' CPU added to `user` in servers mode: every figure of CPU below is the deployment's */
function cpuUsage(since) {
  const own = process.cpuUsage();
  const now = servers ? { user: own.user + servers.pids.reduce((a, pid) => a + processCpuSeconds(pid) * 1e6, 0), system: own.system } : own;
  return since ? { user: now.user - since.user, system: now.system - since.system } : now;
}
const warehouse = servers ? servers.warehouse : openChdbWarehouse({ path: join(dir, 'warehouse') });

/** while set (the default rebuild of a round): what it writes, for the write floor (record_versions' RowBinary blocks, the cells statement) */
let capture;
/** when the rebuild's resolving statements began (wall clock and the process's CPU time, all threads) */
let resolveStarted;
/** while set ((f), the indices alone): every read of the recomputation, with its parameters */
let indexReads;
/** statement times of the rebuild without indices, by kind: from the call to the answer */
const statementMs = new Map();
const kindOf = (method, sql) => {
  if (method === 'insertFormatted') return `insert (raw) into ${sql}`;
  const head = String(sql).trim().replace(/\s+/g, ' ');
  const into = /^INSERT INTO (\w+)/i.exec(head);
  if (into) return `INSERT INTO ${into[1]} … SELECT`;
  return method === 'query' ? 'queries' : head.split(' ').slice(0, 2).join(' ');
};
/** the warehouse, every statement timed into statementMs */
const timedWarehouse = new Proxy(warehouse, {
  get(target, name) {
    const value = Reflect.get(target, name);
    if (typeof value !== 'function' || !['command', 'query', 'insert', 'insertFormatted'].includes(name)) return typeof value === 'function' ? value.bind(target) : value;
    return async (first, ...rest) => {
      if (capture) {
        // what the rebuild writes, kept for the write floor: record_versions' blocks as handed over, the cells statement with its parameters
        // kept by reference, not copied (a copy of 58 MiB cost the rebuild's main thread ≈ 45 ms): the projector hands over each block's bytes once and writes the next block into a new buffer
        if (name === 'insertFormatted' && first === 'record_versions') capture.versionBlocks.push(rest[0]);
        if (name === 'command' && /^\s*INSERT INTO cells\s/i.test(String(first))) capture.cellsStatement = { sql: String(first), params: rest[0] };
      }
      if (indexReads && name === 'query') indexReads.push({ sql: String(first), params: rest[0] });
      // the resolving statements begin with the versions' statement (staged by the worker) or else the periods' query before the cells statement
      if ((name === 'command' && /^\s*INSERT INTO record_versions\s/i.test(String(first))) || (name === 'query' && /^\s*SELECT DISTINCT period FROM record_versions\b/i.test(String(first)))) {
        resolveStarted ??= { at: performance.now(), cpu: cpuUsage(), threads: threadCpu() };
      }
      const started = performance.now();
      try {
        return await value.call(target, first, ...rest);
      } finally {
        const kind = kindOf(name, first);
        const s = statementMs.get(kind) ?? { n: 0, ms: 0 };
        s.n++;
        s.ms += performance.now() - started;
        statementMs.set(kind, s);
      }
    };
  },
});
const log = servers ? servers.log : await openEmbeddedEventLog({ dir: join(dir, 'eventlog') });
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
/**
 * Fills the log and returns what check() compares the warehouse with. The generated events are
 * dropped afterwards (session 18): held by the bench for the whole run, their ≈ 1 M objects were
 * marked again by every major garbage collection of the rebuild, which a rebuilding aggregator
 * process does not have on its heap.
 */
async function fillLog() {
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
  const event = (p, version, tombstone) => recordEvent(p, version, tombstone, t++);
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
  // the warehouse after a rebuild must hold the log's latest versions: their cells and Σ sgb2_personen
  const latest = new Map();
  for (const e of events) latest.set(e.key, e);
  let cells = 0;
  let sgb2Personen = 0;
  for (const e of latest.values()) {
    if (e.tombstone) continue;
    const dims = new Set(e.payload.observations.map((o) => `${o.measure}|${JSON.stringify(o.dimensions)}`));
    cells += dims.size;
    for (const o of e.payload.observations) if (o.measure === 'sgb2_personen') sgb2Personen += o.value;
  }
  return { observations, expected: { cells, sgb2: sgb2Personen } };
}
const { observations, expected } = await fillLog();

// ── baseline: read + decode only ─────────────────────────────────────────────────────────────────
let decodeGroup = 0;
const REBUILD_BATCH = 10_000; // AggregatorOptions.rebuildBatchSize default
/** a warehouse that takes the rebuild's inserts and drops them (the 'rows' arm: serialisation without the engine) */
const droppingWarehouse = { command: async () => {}, insertFormatted: async () => {}, query: async () => [] };
/**
 * mode: 'read' (the log alone), 'zod' (decodeAs: Avro + zod, as a live consumer), 'trusted'
 * (decodeTrusted, as the rebuild), 'rows' (the rebuild's record_versions rows written as RowBinary
 * as the rebuild writes them — ReplayProjector.addFramed, transcoded from the Avro bytes —, handed to no engine). Wall and CPU time (process.cpuUsage: every thread).
 */
async function readAndDecode(mode) {
  const trusted = mode !== 'zod';
  const projector = mode === 'rows' ? new store.ReplayProjector(droppingWarehouse) : undefined;
  await projector?.begin();
  let n = 0;
  const cpu0 = cpuUsage();
  const started = performance.now();
  const sub = await log.subscribe({
    groupId: `bench-decode-${decodeGroup++}`,
    topics: [AREA_STATISTIC_TOPIC],
    startFrom: 'earliest',
    maxBatchSize: trusted ? REBUILD_BATCH : BATCH,
    handleBatch: async (batch) => {
      projector?.beginBatch();
      for (const e of batch.events) {
        if (mode === 'trusted') codec.decodeTrusted(e.value);
        else if (mode === 'rows') {
          // as the rebuild on the main thread: transcoded from the Avro bytes, what the transcoder leaves decoded (none here)
          if (!projector.addFramed(e.value, codec.registry)) {
            const d = codec.decodeTrusted(e.value);
            if (d.recordType === 'area-statistic') projector.addEvent(d);
          }
        } else if (mode === 'zod') codec.decodeAs(e.value);
        n++;
      }
      await projector?.endBatch(batch.events.length);
    },
  });
  await sub.caughtUp(600_000);
  const ms = performance.now() - started;
  const cpuSeconds = cpuSince(cpu0);
  await sub.stop();
  if (n !== N) throw new Error(`decoded ${n} events, expected ${N}`);
  return { events: n, ms, cpuSeconds };
}

/**
 * CPU seconds per thread of this process (Linux: /proc/self/task/<tid>/stat, utime + stime in clock
 * ticks of 10 ms), keyed by thread id with the thread's name; undefined where /proc is not there.
 * Threads that end between two snapshots are missing from the later one (their time is in
 * process.cpuUsage only), so the bench prints the sum of the threads beside the process's total.
 */
function threadCpu() {
  try {
    const out = new Map();
    for (const tid of readdirSync('/proc/self/task')) {
      try {
        const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'latin1');
        const close = stat.lastIndexOf(')');
        const name = stat.slice(stat.indexOf('(') + 1, close);
        const f = stat.slice(close + 2).split(' ');
        out.set(tid, { name, s: (Number(f[11]) + Number(f[12])) / 100 });
      } catch {
        // the thread ended meanwhile
      }
    }
    return out;
  } catch {
    return undefined;
  }
}
/** the main thread, V8's helper threads (GC, compiler), libuv's pool (files), and the engine's threads by name */
const threadGroup = (tid, name) =>
  tid === String(process.pid)
    ? 'main thread'
    : /^V8/.test(name)
      ? 'V8 helpers (GC, JIT)'
      : /^libuv-worker/.test(name)
        ? 'libuv pool (files; the engine called from it)'
        : `engine ${name.replace(/\d+$/, '')}`;
/** CPU seconds by thread group between two threadCpu() snapshots */
function threadCpuBetween(a, b) {
  if (!a || !b) return undefined;
  const out = {};
  for (const [tid, t] of b) {
    const d = t.s - (a.get(tid)?.s ?? 0);
    if (d <= 0) continue;
    const g = threadGroup(tid, t.name);
    out[g] = Number(((out[g] ?? 0) + d).toFixed(2));
  }
  return Object.fromEntries(Object.entries(out).sort((x, y) => y[1] - x[1]));
}
const threadCpuText = (groups) =>
  groups
    ? Object.entries(groups)
        .map(([g, s]) => `${g} ${s.toFixed(2)}`)
        .join(', ')
    : 'n/a';

/** CPU seconds of the process (every thread: JS, workers, the engine) since `cpu0` */
const cpuSince = (cpu0) => {
  const c = cpuUsage(cpu0);
  return (c.user + c.system) / 1e6;
};

// ── rebuild (set-based), with and without indices ────────────────────────────────────────────────
const catalogue = loadCatalogue();
/** the reader the indices read through, on this warehouse (the plain one, or the timed one for (f)) */
const readerOn = (wh) => new store.WarehouseIndicatorReader(wh, { plans: store.planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] });
const reader = readerOn(warehouse);
/** every period of the log's record versions, as a rebuild hands them to the indices */
const logPeriods = async () => (await warehouse.query(`SELECT DISTINCT period FROM record_versions WHERE period != '' ORDER BY period`)).map((r) => r.period);
const quiet = { log: () => {} };
const plain = new AggregatorService(log, timedWarehouse, codec, { maxBatchSize: BATCH, groupId: 'bench-rebuild', ...quiet });
const onePass = new AggregatorService(log, timedWarehouse, codec, {
  maxBatchSize: BATCH,
  groupId: 'bench-rebuild-one-pass',
  rebuildMode: 'one-pass',
  ...(args['block-events'] ? { rebuildBlockEvents: Number(args['block-events']) } : {}),
  ...quiet,
});
const inWorker = new AggregatorService(log, timedWarehouse, codec, { maxBatchSize: BATCH, groupId: 'bench-rebuild-worker', rebuildWorker: true, ...quiet });
let indexMs = 0;
const timedIndices = new AggregatorService(log, warehouse, codec, {
  maxBatchSize: BATCH,
  groupId: 'bench-rebuild-indices',
  indices: { catalogue, reader },
  timing: (step, seconds) => {
    if (step === 'indices') indexMs += seconds * 1000;
  },
  ...quiet,
});

/** cores busy on average: CPU seconds of the process (every thread: JS, workers, the engine) per wall second */
const cores = (cpu, ms) => (cpu.user + cpu.system) / 1000 / ms;
async function rebuild(aggregator) {
  indexMs = 0;
  resolveStarted = undefined;
  const threads0 = threadCpu();
  const cpu0 = cpuUsage();
  const started = performance.now();
  const r = await aggregator.rebuild(900_000);
  const ms = performance.now() - started;
  const cpu1 = cpuUsage();
  const threads1 = threadCpu();
  if (r.events !== N) throw new Error(`rebuild replayed ${r.events} events, expected ${N}`);
  // without indices (the timed warehouse): cores used while reading + staging and while resolving
  const split = resolveStarted
    ? {
        stageCores: cores(diff(resolveStarted.cpu, cpu0), resolveStarted.at - started),
        resolveCores: cores(diff(cpu1, resolveStarted.cpu), started + ms - resolveStarted.at),
      }
    : {};
  return {
    events: r.events,
    ms,
    indexMs,
    resolveMs: r.resolveMs.recordVersions + r.resolveMs.cells,
    resolve: r.resolveMs,
    decodedIn: r.decodedIn ?? 'main thread',
    mode: r.mode ?? 'staged',
    onePass: r.onePass,
    transcoded: r.transcoded,
    cpuSeconds: (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1e6,
    heapMiB: process.memoryUsage().heapUsed / 2 ** 20,
    // CPU seconds by thread: while reading + staging, while resolving
    threads: { reading: threadCpuBetween(threads0, resolveStarted?.threads ?? threads1), resolving: threadCpuBetween(resolveStarted?.threads, threads1) },
    ...split,
  };
}
const diff = (a, b) => ({ user: a.user - b.user, system: a.system - b.system });

/**
 * (f) The indices alone, on the tables the rebuild with indices left: IndexProjector.recompute() of
 * every period of the log, as the rebuild calls it (index tables emptied first), on the timed
 * warehouse; then its reads again, one at a time, on emptied index tables as the rebuild found them.
 */
const indexReader = readerOn(timedWarehouse);
async function indicesAlone() {
  const periods = await logPeriods();
  const empty = async () => {
    for (const table of ['index_values', 'protected_index_values']) await warehouse.command(`TRUNCATE TABLE ${table}`);
  };
  await empty();
  const projector = new store.IndexProjector(timedWarehouse, indexReader, catalogue);
  indexReads = [];
  const threads0 = threadCpu();
  const cpu0 = cpuUsage();
  const started = performance.now();
  const rows = await projector.recompute(periods);
  const ms = performance.now() - started;
  const cpuSeconds = cpuSince(cpu0);
  const threads = threadCpuBetween(threads0, threadCpu());
  const reads = indexReads;
  indexReads = undefined;
  await empty();
  const timed = [];
  for (const { sql, params } of reads) {
    const t0 = performance.now();
    const answer = await warehouse.query(sql, params);
    timed.push({ ms: performance.now() - t0, rows: answer.length, sql: sql.trim().replace(/\s+/g, ' ') });
  }
  return { ms, cpuSeconds, threads, rows, reads: timed, readsMs: timed.reduce((a, r) => a + r.ms, 0) };
}
const coresText = (r) => (r.stageCores === undefined ? '' : `; cores busy ${r.stageCores.toFixed(2)} reading + staging, ${r.resolveCores.toFixed(2)} resolving`);

/** The warehouse equals the log's latest versions (sanity check of every run). */
async function check(indices) {
  const { cells: expectedCells, sgb2: expectedSgb2 } = expected;
  const [row] = await warehouse.query(`SELECT countIf(present = 1) AS cells, sumIf(value, present = 1 AND measure = 'sgb2_personen') AS sgb2, count() AS all_rows FROM cells FINAL`);
  if (Number(row.cells) !== expectedCells || Number(row.sgb2) !== expectedSgb2) {
    throw new Error(`warehouse after replay: ${row.cells} cells, Σ sgb2_personen ${row.sgb2}; expected ${expectedCells} and ${expectedSgb2}`);
  }
  let scored = 0;
  if (indices) {
    const [idx] = await warehouse.query(`SELECT count() AS rows FROM index_values FINAL WHERE scored = 1`);
    scored = Number(idx.rows);
    if (scored === 0) throw new Error('warehouse after replay: no scored composite index values');
  }
  return { cells: expectedCells, rows: Number(row.all_rows), scored };
}

/** a fingerprint of what a reader can see, to compare the old and the new path */
async function fingerprint() {
  const [c] = await warehouse.query(`SELECT count() AS n, sum(cityHash64(leaf_key, measure, dims_key, value, present, synthetic, known_at_ms, cell_key, pvalue, period_start)) AS h FROM cells FINAL`);
  const [r] = await warehouse.query(`SELECT count() AS n, sum(cityHash64(record_key, version, tombstone, leaf_key, known_at_ms, obs_value)) AS h FROM record_versions FINAL`);
  return `${c.n}/${c.h} ${r.n}/${r.h}`;
}

// ── the physical limit: the same cell rows inserted raw, in each format the port takes ───────────
const limitColumns = ['dataset', 'measure', 'dims', 'dims_key', 'area_level', 'area_code', 'period', 'leaf_key', 'value', 'present', 'synthetic', 'known_at_ms', 'cell_key', 'pvalue', 'period_start'];
/** the rebuilt cell rows, serialised by the engine itself beforehand (once), so the timing is the insert alone */
let limitPayloads;
async function limitPayloadsOnce() {
  if (limitPayloads) return limitPayloads;
  limitPayloads = {};
  for (const format of ['JSONCompactEachRow', 'TabSeparated', 'JSONEachRow', 'RowBinary']) {
    const file = join(dir, `cells.${format}`);
    await warehouse.command(`SELECT ${limitColumns.join(', ')} FROM cells FINAL INTO OUTFILE '${file}' TRUNCATE FORMAT ${format}`);
    limitPayloads[format] = readFileSync(file);
  }
  return limitPayloads;
}
/** the fastest of `tries` raw inserts of the rebuilt cell rows into an empty copy of cells, per format */
async function physicalLimit(formats, tries = 2) {
  const payloads = await limitPayloadsOnce();
  const [{ n: expected }] = await warehouse.query('SELECT count() AS n FROM cells FINAL');
  const rows = Number(expected);
  const out = {};
  for (const format of formats) {
    const data = payloads[format];
    let best = Infinity;
    let bestCpu = Number.NaN;
    for (let i = 0; i < tries; i++) {
      await warehouse.command('DROP TABLE IF EXISTS cells_limit');
      await warehouse.command('CREATE TABLE cells_limit AS cells');
      const cpu0 = cpuUsage();
      const started = performance.now();
      await warehouse.insertFormatted('cells_limit', { format, columns: limitColumns, data });
      const ms = performance.now() - started;
      if (ms < best) [best, bestCpu] = [ms, cpuSince(cpu0)];
    }
    const [n] = await warehouse.query('SELECT count() AS n FROM cells_limit');
    if (Number(n.n) !== rows) throw new Error(`physical limit (${format}): ${n.n} rows inserted, expected ${rows}`);
    out[format] = { rows, ms: best, cpuSeconds: bestCpu, bytes: data.length, rowsPerSecond: (rows / best) * 1000 };
  }
  await warehouse.command('DROP TABLE IF EXISTS cells_limit');
  return out;
}

// ── what limits the rebuild: what it must write, written raw, and its parts alone ────────────────
/** the fastest of `tries` runs of `work` after `setup` (not timed): wall ms and CPU seconds of that run (every thread of the process) */
async function fastest(setup, work, tries = 2) {
  let best = { ms: Infinity, cpuSeconds: Number.NaN };
  for (let i = 0; i < tries; i++) {
    await setup();
    const cpu0 = cpuUsage();
    const started = performance.now();
    await work();
    const ms = performance.now() - started;
    if (ms < best.ms) best = { ms, cpuSeconds: cpuSince(cpu0) };
  }
  return best;
}
const emptyCopy = async (table, of) => {
  await warehouse.command(`DROP TABLE IF EXISTS ${table}`);
  await warehouse.command(`CREATE TABLE ${table} AS ${of}`);
};
const countOf = async (table) => Number((await warehouse.query(`SELECT count() AS n FROM ${table}`))[0].n);

/**
 * In the same round as the rebuild and the limit, from what the rebuild wrote (`written`: its
 * record_versions blocks, RowBinary as it handed them over, and its cells statement):
 *  (a) the record_versions rows inserted raw, in the rebuild's blocks one after another, into an empty copy (its projection and index included);
 *  (b) the cells rows inserted raw (the limit: limit.RowBinary, measured by physicalLimit);
 *  (c) both, as the rebuild must write them: the versions, then the cells (the write floor);
 *  (e) the cells statement alone, on the filled record_versions, into an empty copy of cells.
 * (d), reading and decoding the log alone, is the 'trusted' and 'rows' arms of readAndDecode.
 */
async function writeFloor(written, limit) {
  const cellRows = limit.RowBinary.rows;
  const blocks = written.versionBlocks;
  const versionRows = Number((await warehouse.query('SELECT count() AS n FROM record_versions'))[0].n);
  const insertBlocks = async (table) => {
    for (const b of blocks) await warehouse.insertFormatted(table, b);
  };
  const cellsRowBinary = (await limitPayloadsOnce()).RowBinary;
  const versions = await fastest(
    () => emptyCopy('record_versions_limit', 'record_versions'),
    () => insertBlocks('record_versions_limit'),
  );
  if ((await countOf('record_versions_limit')) !== versionRows) throw new Error("write floor: record_versions rows differ from the rebuild's");
  const both = await fastest(
    async () => {
      await emptyCopy('record_versions_limit', 'record_versions');
      await emptyCopy('cells_limit', 'cells');
    },
    async () => {
      await insertBlocks('record_versions_limit');
      await warehouse.insertFormatted('cells_limit', { format: 'RowBinary', columns: limitColumns, data: cellsRowBinary });
    },
  );
  if ((await countOf('record_versions_limit')) !== versionRows || (await countOf('cells_limit')) !== cellRows) throw new Error("write floor: rows differ from the rebuild's");
  // (b′) the cells rows raw as the cells statement inserts them: without a ReplacingMergeTree's merge of the inserted block
  const cellsFile = join(dir, 'cells.RowBinary');
  const cellsNoMerge = await fastest(
    () => emptyCopy('cells_limit', 'cells'),
    () => warehouse.command(`INSERT INTO cells_limit (${limitColumns.join(', ')}) FROM INFILE '${cellsFile}' SETTINGS optimize_on_insert = 0 FORMAT RowBinary`),
  );
  if ((await countOf('cells_limit')) !== cellRows) throw new Error('write floor: cells rows without the insert-time merge differ');
  const { sql, params } = written.cellsStatement;
  const into = sql.replace(/INSERT INTO cells\s*\(/i, 'INSERT INTO cells_statement (');
  const statement = await fastest(
    () => emptyCopy('cells_statement', 'cells'),
    () => warehouse.command(into, params),
  );
  if ((await countOf('cells_statement')) !== cellRows) throw new Error('write floor: the cells statement alone wrote other rows than the rebuild');
  for (const t of ['record_versions_limit', 'cells_limit', 'cells_statement']) await warehouse.command(`DROP TABLE IF EXISTS ${t}`);
  return {
    versionRows,
    versionBlocks: blocks.length,
    versionBytes: blocks.reduce((a, b) => a + b.data.length, 0),
    versions,
    cells: { ms: limit.RowBinary.ms, cpuSeconds: limit.RowBinary.cpuSeconds },
    cellsNoMerge,
    both,
    statement,
  };
}

// ── the old path: the incremental projector over the whole log, batch by batch ───────────────────
async function oldPath(indices) {
  await store.truncateProjections(warehouse);
  indexMs = 0;
  const aggregator = new AggregatorService(log, warehouse, codec, {
    maxBatchSize: BATCH,
    groupId: `bench-old-path-${Date.now()}`,
    ...quiet,
  });
  const started = performance.now();
  await aggregator.start();
  await aggregator.caughtUp(1_800_000);
  await aggregator.stop();
  let idx = 0;
  if (indices) {
    const periods = await logPeriods();
    const t = performance.now();
    await new store.IndexProjector(warehouse, reader, catalogue).recompute(periods);
    idx = performance.now() - t;
  }
  return { ms: performance.now() - started, indexMs: idx };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? Number.NaN : (s[Math.floor((s.length - 1) / 2)] + s[Math.ceil((s.length - 1) / 2)]) / 2;
};
const rate = (ms) => (N / ms) * 1000;
const sec = (ms) => `${(ms / 1000).toFixed(2)} s`;

const runs = {
  readOnly: [],
  decodeZod: [],
  decodeTrusted: [],
  rebuild: [],
  rebuildWorker: [],
  rebuildOnePass: [],
  rebuildIndices: [],
  /** the rebuild with indices as a share of the same round's limit */
  shareWithIndices: [],
  indexMs: [],
  /** (f) the indices alone and the round's ceilings of the share */
  indicesAlone: [],
  resolveMs: [],
  limit: [],
  limitEventsPerSecond: [],
  share: [],
  textLimitEventsPerSecond: [],
  textShare: [],
  load: [],
  /** per round: the rebuild, (a)–(e) of writeFloor and the read arms, seconds and CPU seconds */
  floor: [],
};
const statementsPerRound = [];
let checked;
let rowsPerEvent;
// warm-up (JIT, page cache)
if (!args['no-decode']) await readAndDecode('zod');
await readAndDecode('trusted');
await readAndDecode('rows');
for (let round = 1; round <= ROUNDS; round++) {
  runs.load.push(load()[0]);
  if (!args['no-decode']) {
    const o = await readAndDecode('read');
    runs.readOnly.push(rate(o.ms));
    const z = await readAndDecode('zod');
    runs.decodeZod.push(rate(z.ms));
    console.log(
      `round ${round}: read only (${SERVERS ? 'Kafka' : 'embedded log'}, batches of ${REBUILD_BATCH})${SERVERS ? '         ' : '  '}${fmtInt(runs.readOnly.at(-1)).padStart(9)} events/s (${sec(o.ms)}; CPU ${o.cpuSeconds.toFixed(2)} s)`,
    );
    console.log(`round ${round}: read + decode (Avro + zod, decodeAs)      ${fmtInt(runs.decodeZod.at(-1)).padStart(9)} events/s (${sec(z.ms)}; CPU ${z.cpuSeconds.toFixed(2)} s)`);
  }
  // (d) of the floor, in every round: reading + decoding alone, and with the rebuild's record_versions rows written (no engine)
  const t = await readAndDecode('trusted');
  runs.decodeTrusted.push(rate(t.ms));
  const w = await readAndDecode('rows');
  console.log(`round ${round}: read + decode (decodeTrusted, rebuild)   ${fmtInt(runs.decodeTrusted.at(-1)).padStart(9)} events/s (${sec(t.ms)}; CPU ${t.cpuSeconds.toFixed(2)} s)`);
  console.log(`round ${round}: … + record_versions rows (RowBinary, dropped) ${fmtInt(rate(w.ms)).padStart(9)} events/s (${sec(w.ms)}; CPU ${w.cpuSeconds.toFixed(2)} s)`);
  statementMs.clear();
  capture = { versionBlocks: [], cellsStatement: undefined };
  const r = await rebuild(plain);
  const written = capture;
  capture = undefined;
  const statements = Object.fromEntries([...statementMs].map(([k, v]) => [k, { n: v.n, ms: Math.round(v.ms) }]));
  statementsPerRound.push(statements);
  checked = await check(false);
  runs.rebuild.push(rate(r.ms));
  runs.resolveMs.push(r.resolveMs);
  console.log(
    r.mode === 'one-pass'
      ? `round ${round}: rebuild() without indices (one pass)     ${fmtInt(runs.rebuild.at(-1)).padStart(9)} events/s (${sec(r.ms)}: read + decode + resolve + insert ${sec(r.ms - r.resolveMs)}, the last block's inserts ${sec(r.resolveMs)}; CPU ${r.cpuSeconds.toFixed(2)} s; in JS: events ${sec(r.onePass.takeMs)}, cell rows ${sec(r.onePass.cellsMs)}; ${fmtInt(r.onePass.recordKeys)} record keys, ${fmtInt(r.onePass.leaves)} leaves, ${fmtInt(r.onePass.cellRowsWritten)} cell rows written; heap after ${r.heapMiB.toFixed(0)} MiB)`
      : `round ${round}: rebuild() without indices                ${fmtInt(runs.rebuild.at(-1)).padStart(9)} events/s (${sec(r.ms)}: read + decode + stage ${sec(r.ms - r.resolveMs)} (decoded in ${r.decodedIn}${r.transcoded === undefined ? '' : `; ${fmtInt(r.transcoded)} events transcoded from their Avro bytes`}), resolve in SQL ${sec(r.resolveMs)} = record_versions ${sec(r.resolve.recordVersions)} + cells ${sec(r.resolve.cells)}${coresText(r)})`,
  );
  console.log(
    `round ${round}:   its statements (call to answer): ${Object.entries(statements)
      .map(([k, v]) => `${k} ${v.n}× ${sec(v.ms)}`)
      .join('; ')}`,
  );
  console.log(`round ${round}:   its CPU seconds by thread (of ${r.cpuSeconds.toFixed(2)} s), reading: ${threadCpuText(r.threads.reading)}; resolving: ${threadCpuText(r.threads.resolving)}`);
  if (args['one-pass-too']) {
    statementMs.clear();
    const o = await rebuild(onePass);
    await check(false);
    runs.rebuildOnePass.push(rate(o.ms));
    const st = Object.fromEntries([...statementMs].map(([k, v]) => [k, { n: v.n, ms: Math.round(v.ms) }]));
    console.log(
      `round ${round}: rebuild() in one pass                    ${fmtInt(runs.rebuildOnePass.at(-1)).padStart(9)} events/s (${sec(o.ms)}: read + decode + resolve + insert ${sec(o.ms - o.resolveMs)}, the last block's inserts ${sec(o.resolveMs)}; CPU ${o.cpuSeconds.toFixed(2)} s (staged ${r.cpuSeconds.toFixed(2)} s); in JS: events ${sec(o.onePass.takeMs)}, cell rows ${sec(o.onePass.cellsMs)}; ${fmtInt(o.onePass.recordKeys)} record keys, ${fmtInt(o.onePass.leaves)} leaves, ${fmtInt(o.onePass.cellRowsWritten)} cell rows written; heap after ${o.heapMiB.toFixed(0)} MiB); one pass ÷ staged ${(runs.rebuildOnePass.at(-1) / runs.rebuild.at(-1)).toFixed(2)}×`,
    );
    console.log(
      `round ${round}:   its statements (call to answer): ${Object.entries(st)
        .map(([k, v]) => `${k} ${v.n}× ${sec(v.ms)}`)
        .join('; ')}`,
    );
  }
  if (args['worker-too']) {
    const w = await rebuild(inWorker);
    await check(false);
    runs.rebuildWorker.push(rate(w.ms));
    console.log(
      `round ${round}: rebuild() decoding in a worker thread    ${fmtInt(runs.rebuildWorker.at(-1)).padStart(9)} events/s (${sec(w.ms)}: read + decode + stage ${sec(w.ms - w.resolveMs)} (decoded in ${w.decodedIn}), resolve in SQL ${sec(w.resolveMs)}${coresText(w)}); worker ÷ main thread ${(runs.rebuildWorker.at(-1) / runs.rebuild.at(-1)).toFixed(2)}×`,
    );
  }
  // the limit right after the rebuild, so both see the same machine
  const limit = await physicalLimit(round === 1 ? ['JSONCompactEachRow', 'TabSeparated', 'JSONEachRow', 'RowBinary'] : ['JSONCompactEachRow', 'TabSeparated', 'RowBinary']);
  const [fastest, best] = Object.entries(limit).sort((x, y) => y[1].rowsPerSecond - x[1].rowsPerSecond)[0];
  rowsPerEvent = best.rows / N;
  const limitEventsPerSecond = best.rowsPerSecond / rowsPerEvent;
  runs.limit.push(limit);
  runs.limitEventsPerSecond.push(limitEventsPerSecond);
  runs.share.push(runs.rebuild.at(-1) / limitEventsPerSecond);
  // the limit as the bench measured it before RowBinary was a port format: fastest text format
  const [fastestText, bestText] = Object.entries(limit)
    .filter(([f]) => f !== 'RowBinary')
    .sort((x, y) => y[1].rowsPerSecond - x[1].rowsPerSecond)[0];
  const textLimitEventsPerSecond = bestText.rowsPerSecond / rowsPerEvent;
  runs.textLimitEventsPerSecond.push(textLimitEventsPerSecond);
  runs.textShare.push(runs.rebuild.at(-1) / textLimitEventsPerSecond);
  for (const [format, l] of Object.entries(limit)) {
    console.log(
      `round ${round}: physical limit: ${fmtInt(l.rows)} cell rows inserted raw as ${format.padEnd(18)} ${fmtInt(l.rowsPerSecond).padStart(10)} rows/s (${sec(l.ms)}, ${(l.bytes / 2 ** 20).toFixed(1)} MiB)`,
    );
  }
  console.log(
    `round ${round}: physical limit as events/s: ${fmtInt(limitEventsPerSecond)} (${fastest}, ${rowsPerEvent.toFixed(2)} cell rows per event); rebuild without indices = ${(runs.share.at(-1) * 100).toFixed(1)} % of it (load ${runs.load.at(-1)})`,
  );
  console.log(
    `round ${round}: fastest text format (the limit before RowBinary): ${fmtInt(textLimitEventsPerSecond)} events/s (${fastestText}); rebuild = ${(runs.textShare.at(-1) * 100).toFixed(1)} % of it`,
  );
  if (written.versionBlocks.length > 0 && written.cellsStatement) {
    const f = await writeFloor(written, limit);
    const s = (x) => `${sec(x.ms)} (CPU ${x.cpuSeconds.toFixed(2)} s)`;
    const rebuildS = r.ms / 1000;
    const limitS = limit.RowBinary.ms / 1000;
    const floorS = f.both.ms / 1000;
    const round3 = (x) => Number(x.toFixed(3));
    const parts = {
      rebuild: { s: round3(rebuildS), cpuS: round3(r.cpuSeconds), threads: r.threads },
      readDecode: { s: round3(t.ms / 1000), cpuS: round3(t.cpuSeconds) },
      readDecodeRows: { s: round3(w.ms / 1000), cpuS: round3(w.cpuSeconds) },
      versionsRaw: { s: round3(f.versions.ms / 1000), cpuS: round3(f.versions.cpuSeconds), rows: f.versionRows, blocks: f.versionBlocks, bytes: f.versionBytes },
      cellsRaw: { s: round3(limitS), cpuS: round3(f.cells.cpuSeconds), rows: limit.RowBinary.rows },
      cellsRawNoMerge: { s: round3(f.cellsNoMerge.ms / 1000), cpuS: round3(f.cellsNoMerge.cpuSeconds) },
      writeFloor: { s: round3(floorS), cpuS: round3(f.both.cpuSeconds) },
      cellsStatement: { s: round3(f.statement.ms / 1000), cpuS: round3(f.statement.cpuSeconds) },
      shareOfLimit: round3(limitS / rebuildS),
      shareOfWriteFloor: round3(floorS / rebuildS),
      round,
    };
    runs.floor.push(parts);
    console.log(
      `round ${round}: what it must write, raw (RowBinary, pre-serialised, into empty copies): (a) record_versions ${fmtInt(f.versionRows)} rows in the rebuild's ${f.versionBlocks} blocks (${(f.versionBytes / 2 ** 20).toFixed(1)} MiB) ${s(f.versions)}; (b) cells ${fmtInt(limit.RowBinary.rows)} rows ${s(f.cells)}, without the insert-time merge (optimize_on_insert = 0, as the cells statement) ${s(f.cellsNoMerge)}; (c) both, one after the other (the write floor) ${s(f.both)}`,
    );
    console.log(
      `round ${round}: its parts alone: (d) read + decode ${s(t)}, with the record_versions rows written ${s(w)}; (e) the cells statement on the filled record_versions ${s(f.statement)}; the rebuild ${sec(r.ms)} (CPU ${r.cpuSeconds.toFixed(2)} s)`,
    );
    console.log(
      `round ${round}: the rebuild = ${(parts.shareOfLimit * 100).toFixed(1)} % of the limit, ${(parts.shareOfWriteFloor * 100).toFixed(1)} % of the write floor. Writing both tables raw takes ${floorS.toFixed(2)} s (a rebuild doing nothing else would be ${((limitS / floorS) * 100).toFixed(1)} % of the limit); a rebuild at 50 % of the limit may take ${(2 * limitS).toFixed(2)} s, which leaves ${(2 * limitS - floorS).toFixed(2)} s beside the writes for reading, decoding and serialising ${fmtInt(N)} events, which alone take ${(w.ms / 1000).toFixed(2)} s (read + decode ${(t.ms / 1000).toFixed(2)} s), CPU ${w.cpuSeconds.toFixed(2)} s`,
    );
  }
  if (!args['no-indices']) {
    const ri = await rebuild(timedIndices);
    const c = await check(true);
    runs.rebuildIndices.push(rate(ri.ms));
    // deliver 1 counts the composite indices in the rebuild: its share of the same round's limit with them too
    const withIndicesShare = () => {
      const limit = runs.limitEventsPerSecond[runs.rebuildIndices.length - 1];
      if (limit === undefined) return '';
      runs.shareWithIndices.push(runs.rebuildIndices.at(-1) / limit);
      return `; ${(runs.shareWithIndices.at(-1) * 100).toFixed(1)} % of the RowBinary limit`;
    };
    runs.indexMs.push(ri.indexMs);
    console.log(
      `round ${round}: rebuild() with indices                   ${fmtInt(runs.rebuildIndices.at(-1)).padStart(9)} events/s (${sec(ri.ms)}, of which indices ${sec(ri.indexMs)}; ${fmtInt(c.scored)} scored index rows; CPU ${ri.cpuSeconds.toFixed(2)} s)${withIndicesShare()}`,
    );
    console.log(
      `round ${round}:   with indices, by step: read + stage ${sec(ri.ms - ri.resolveMs - ri.indexMs)}, resolve ${sec(ri.resolveMs)}, indices ${sec(ri.indexMs)}; its CPU seconds by thread: ${threadCpuText(ri.threads.reading)}`,
    );
    const ia = await indicesAlone();
    console.log(
      `round ${round}: (f) the indices alone (recompute() of every period on the rebuilt tables): ${sec(ia.ms)}, ${fmtInt(ia.rows)} rows (CPU ${ia.cpuSeconds.toFixed(2)} s: ${threadCpuText(ia.threads)}); its ${ia.reads.length} reads one after the other ${sec(ia.readsMs)}`,
    );
    if (args['index-statements']) {
      for (const r of [...ia.reads].sort((a, b) => b.ms - a.ms)) console.log(`round ${round}:     ${r.ms.toFixed(0).padStart(5)} ms ${String(r.rows).padStart(6)} rows  ${r.sql.slice(0, 160)}`);
    }
    const floor = runs.floor.at(-1);
    if (floor && floor.round === round) {
      // the ceilings of the share this round's figures allow: by CPU, and by the steps that wait for each other
      const limitS = floor.cellsRaw.s;
      const coresHere = availableParallelism();
      const byCpu = (cpuS) => limitS / (cpuS / coresHere);
      const serialS = Math.max(floor.readDecodeRows.s, floor.versionsRaw.s) + floor.cellsStatement.s;
      const serialWithS = serialS + ia.readsMs / 1000;
      const ceilings = {
        cores: coresHere,
        byCpu: Number(byCpu(floor.rebuild.cpuS).toFixed(3)),
        byCpuWithIndices: Number(byCpu(ri.cpuSeconds).toFixed(3)),
        bySerialSteps: Number((limitS / serialS).toFixed(3)),
        bySerialStepsWithIndices: Number((limitS / serialWithS).toFixed(3)),
      };
      runs.indicesAlone.push({ s: Number((ia.ms / 1000).toFixed(3)), cpuS: Number(ia.cpuSeconds.toFixed(3)), reads: ia.reads.length, readsS: Number((ia.readsMs / 1000).toFixed(3)), ceilings });
      const pct = (x) => `${(x * 100).toFixed(1)} %`;
      console.log(
        `round ${round}: ceilings on this machine (${coresHere} cores): by CPU — the rebuild used ${floor.rebuild.cpuS.toFixed(2)} CPU s without indices, ${ri.cpuSeconds.toFixed(2)} with them, so even with every core busy throughout it cannot pass ${pct(ceilings.byCpu)} / ${pct(ceilings.byCpuWithIndices)} of the limit; by its serial steps — reading while the versions are written ≥ ${Math.max(floor.readDecodeRows.s, floor.versionsRaw.s).toFixed(2)} s (d, a), then the cells statement ${floor.cellsStatement.s.toFixed(2)} s (e), then the indices' reads ${(ia.readsMs / 1000).toFixed(2)} s (f): ≥ ${serialS.toFixed(2)} / ${serialWithS.toFixed(2)} s, at most ${pct(ceilings.bySerialSteps)} / ${pct(ceilings.bySerialStepsWithIndices)} of the limit`,
      );
    }
  }
}
const newFingerprint = await fingerprint();
console.log(`warehouse after rebuild: ${fmtInt(checked.cells)} current cells, ${fmtInt(checked.rows)} cell rows (checked against the log's latest versions)`);
const share = median(runs.share);
const limitEventsPerSecond = median(runs.limitEventsPerSecond);
console.log(
  `share of the physical limit per round: ${runs.share.map((x) => `${(x * 100).toFixed(1)} %`).join(', ')}; median ${(share * 100).toFixed(1)} % (limit median ${fmtInt(limitEventsPerSecond)} events/s)`,
);
if (runs.shareWithIndices.length > 0)
  console.log(`with the composite indices: ${runs.shareWithIndices.map((x) => `${(x * 100).toFixed(1)} %`).join(', ')}; median ${(median(runs.shareWithIndices) * 100).toFixed(1)} % of the limit`);
if (runs.indicesAlone.length > 0) {
  const pcts = (key) => `${runs.indicesAlone.map((x) => `${(x.ceilings[key] * 100).toFixed(1)} %`).join(', ')}`;
  console.log(
    `the indices alone per round: ${runs.indicesAlone.map((x) => `${x.s.toFixed(2)} s (CPU ${x.cpuS.toFixed(2)} s, reads one after the other ${x.readsS.toFixed(2)} s)`).join(', ')}; ceilings of the share with indices by CPU ${pcts('byCpuWithIndices')}, by the serial steps ${pcts('bySerialStepsWithIndices')} (without indices: ${pcts('byCpu')}; ${pcts('bySerialSteps')})`,
  );
}
if (runs.floor.length > 0) {
  console.log(
    `share of the write floor per round: ${runs.floor.map((f) => `${(f.shareOfWriteFloor * 100).toFixed(1)} %`).join(', ')}; median ${(median(runs.floor.map((f) => f.shareOfWriteFloor)) * 100).toFixed(1)} % (write floor median ${median(runs.floor.map((f) => f.writeFloor.s)).toFixed(2)} s)`,
  );
}
const textShare = median(runs.textShare);
console.log(
  `share of the fastest text format's limit per round: ${runs.textShare.map((x) => `${(x * 100).toFixed(1)} %`).join(', ')}; median ${(textShare * 100).toFixed(1)} % (limit median ${fmtInt(median(runs.textLimitEventsPerSecond))} events/s)`,
);

let old;
if (!args['no-baseline']) {
  old = await oldPath(args['baseline-indices']);
  const oldFingerprint = await fingerprint();
  await check(args['baseline-indices']);
  console.log(
    `baseline (old path: incremental projector, batches of ${BATCH}): ${fmtInt(rate(old.ms))} events/s (${sec(old.ms)}${args['baseline-indices'] ? `, of which indices ${sec(old.indexMs)}` : ''}); same cells and record versions as the rebuild: ${oldFingerprint === newFingerprint}`,
  );
  if (oldFingerprint !== newFingerprint) throw new Error(`old path and rebuild differ: ${oldFingerprint} vs ${newFingerprint}`);
}

if (runs.rebuildOnePass.length > 0) {
  console.log(
    `rebuild in one pass ${fmtInt(median(runs.rebuildOnePass))} events/s against ${fmtInt(median(runs.rebuild))} staged (medians; one pass ÷ staged per round ${runs.rebuildOnePass.map((x, i) => `${(x / runs.rebuild[i]).toFixed(2)}×`).join(', ')}; one pass's share of the limit ${runs.rebuildOnePass.map((x, i) => `${((x / runs.limitEventsPerSecond[i]) * 100).toFixed(1)} %`).join(', ')})`,
  );
}
if (runs.rebuildWorker.length > 0) {
  console.log(
    `rebuild decoding in a worker thread ${fmtInt(median(runs.rebuildWorker))} events/s against ${fmtInt(median(runs.rebuild))} on the main thread (medians; worker ÷ main thread per round ${runs.rebuildWorker.map((x, i) => `${(x / runs.rebuild[i]).toFixed(2)}×`).join(', ')})`,
  );
}
const m = {
  decodeZod: median(runs.decodeZod),
  decodeTrusted: median(runs.decodeTrusted),
  rebuild: median(runs.rebuild),
  rebuildIndices: median(runs.rebuildIndices),
};
console.log(
  `rebuild ${fmtInt(m.rebuild)} events/s without indices, ${Number.isNaN(m.rebuildIndices) ? 'n/a' : fmtInt(m.rebuildIndices)} with (medians); read only ${fmtInt(median(runs.readOnly))}, read+decode ${fmtInt(m.decodeTrusted)} (trusted) / ${fmtInt(m.decodeZod)} (zod); ${(share * 100).toFixed(1)} % of the physical limit${old ? `; ${(m.rebuild / rate(old.ms)).toFixed(1)}× the old path (${fmtInt(rate(old.ms))} events/s)` : ''}`,
);
console.log(
  JSON.stringify({
    bench: 'replay',
    mode: SERVERS ? 'servers (Kafka, chdb-http; their CPU counted)' : 'embedded',
    events: N,
    observations,
    partitions: PARTITIONS,
    batch: BATCH,
    readOnlyEventsPerSecond: runs.readOnly.map(Math.round),
    decodeZodEventsPerSecond: runs.decodeZod.map(Math.round),
    decodeTrustedEventsPerSecond: runs.decodeTrusted.map(Math.round),
    rebuildEventsPerSecond: runs.rebuild.map(Math.round),
    rebuildWorkerEventsPerSecond: runs.rebuildWorker.map(Math.round),
    rebuildOnePassEventsPerSecond: runs.rebuildOnePass.map(Math.round),
    rebuildWithIndicesEventsPerSecond: runs.rebuildIndices.map(Math.round),
    indexSeconds: runs.indexMs.map((x) => Number((x / 1000).toFixed(2))),
    indicesAlonePerRound: runs.indicesAlone, // (f): s, cpuS, reads, readsS (one after the other), ceilings of the share (cores, byCpu, byCpuWithIndices, bySerialSteps, bySerialStepsWithIndices)
    resolveSeconds: runs.resolveMs.map((x) => Number((x / 1000).toFixed(2))),
    statementSeconds: statementsPerRound.map((st) => Object.fromEntries(Object.entries(st).map(([k, v]) => [k, Number((v.ms / 1000).toFixed(2))]))),
    physicalLimitRowsPerSecond: runs.limit.map((l) => Object.fromEntries(Object.entries(l).map(([f, x]) => [f, Math.round(x.rowsPerSecond)]))),
    cellRows: Math.round(rowsPerEvent * N),
    limitEventsPerSecond: runs.limitEventsPerSecond.map(Math.round),
    shareOfLimitPerRound: runs.share.map((x) => Number(x.toFixed(3))),
    shareWithIndicesPerRound: runs.shareWithIndices.map((x) => Number(x.toFixed(3))),
    textLimitEventsPerSecond: runs.textLimitEventsPerSecond.map(Math.round),
    shareOfTextLimitPerRound: runs.textShare.map((x) => Number(x.toFixed(3))),
    shareOfTextLimit: Number(textShare.toFixed(3)),
    loadPerRound: runs.load,
    loadAtStart,
    loadAtEnd: load(),
    shareOfLimit: Number(share.toFixed(3)), // median of the rounds' shares
    floorPerRound: runs.floor, // seconds and CPU seconds of the rebuild, (a) versionsRaw, (b) cellsRaw, (c) writeFloor, (d) readDecode(Rows), (e) cellsStatement
    shareOfWriteFloor: runs.floor.length > 0 ? Number(median(runs.floor.map((f) => f.shareOfWriteFloor)).toFixed(3)) : null,
    oldPathEventsPerSecond: old ? Math.round(rate(old.ms)) : null,
    oldPathWithIndices: old ? args['baseline-indices'] : null,
    ratioToOldPath: old ? Number((m.rebuild / rate(old.ms)).toFixed(1)) : null,
  }),
);

await log.close();
await warehouse.close();
if (servers) {
  await servers.chdb.stop();
  await servers.kafka.wipe();
}
rmSync(dir, { recursive: true, force: true });
process.exit(0);
