// Scale-out benchmark (not a test, issue 17.5): in servers mode, does a second aggregator process
// in the same consumer group drain a backlog faster? A real Kafka broker (Maven distribution, as
// the tests start it) holds a backlog of N area-statistic events in P partitions; then, one arm
// after the other, each on a fresh warehouse (services/chdb-http, the ClickHouse stand-in, migrated
// and with Köln's area_map as the platform loads it):
//  - baseline: ONE standalone aggregator process (services/aggregator/dist/main.js) drains it;
//  - scale-out: TWO such processes in one consumer group drain it (Kafka gives each P/2 partitions).
// An arm is done when the group has committed every partition's end offset (every event projected)
// and no composite index is due any more (index_pending empty: the indices are recomputed off the
// batches). It prints events/s (from spawning the processes, and from their "ready" line), the
// ratio, CPU seconds per 1,000 events of the aggregator processes, of chdb-http and of the Kafka
// broker (user + sys from /proc/<pid>/stat), the load average, and checks that both warehouses are
// identical (fingerprints of cells, record_versions, index_values, protected_index_values) and
// hold the exact totals of the generated log (present cells, Σ of every measure).
//
//   node bench/indicators/scale-out.bench.mjs [--events 1000000] [--partitions 4] [--batch 2000] [--order 1,2]
//
// The machine has 2 shared cores: the aggregators, chdb-http (the warehouse work: one chDB per
// process, so both aggregators share one) and the broker compete for them, which is what the CPU
// figures are for.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { areaStatisticEvents } from './area-statistic.events.mjs';
import { fmtInt, fromPlatform, root } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    partitions: { type: 'string', default: '4' },
    batch: { type: 'string', default: '2000' },
    order: { type: 'string', default: '1,2' },
    'timeout-s': { type: 'string', default: '900' },
  },
});
const N = Number(args.events);
const PARTITIONS = Number(args.partitions);
const ARMS = args.order.split(',').map(Number);
const TIMEOUT_MS = Number(args['timeout-s']) * 1000;

const [{ startKafka, startChdbHttp }, { createKafkaEventLog }, { EventCodec, SchemaRegistry, topology }, store, { loadReference }, { createClickHouseWarehouse }] = await Promise.all(
  ['@sp/testing', '@sp/eventlog-kafka', '@sp/events', '@sp/indicator-store', '@sp/spatial', '@sp/warehouse-clickhouse'].map(fromPlatform),
);

const TICK = 100; // USER_HZ on Linux
/** user + sys CPU seconds of a process so far (fields 14 and 15 of /proc/<pid>/stat) */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return Number.NaN;
  }
}
const load1 = () => Number(loadavg()[0].toFixed(2));

const started = performance.now();
const loadAtStart = loadavg().map((l) => Number(l.toFixed(2)));
const kafka = await startKafka({ partitions: PARTITIONS });
const brokerPid = Number(readFileSync(join(kafka.dir, 'kafka.pid'), 'utf8'));
const topo = topology({ prefix: 'records.', partitions: PARTITIONS });
const TOPIC = topo.topicFor('area-statistic');
const log = createKafkaEventLog({ brokers: kafka.brokers, clientId: 'bench-scale-out', appendTimeoutMs: 120_000, logLevel: 'nothing' });
const codec = new EventCodec(SchemaRegistry.load());
const reference = loadReference('koeln');
const areas = reference.areas('STADTTEIL').map((a) => a.code);

// ── the backlog ──────────────────────────────────────────────────────────────────────────────────
await log.ensureTopics([{ name: TOPIC, partitions: PARTITIONS }]);
const fillStarted = performance.now();
const generated = areaStatisticEvents(N, areas);
let chunk = [];
let observations = 0;
let pending = Promise.resolve();
for (const e of generated.events) {
  observations += e.payload?.observations.length ?? 0;
  chunk.push({ key: e.key, value: codec.encode('area-statistic', 1, e), headers: codec.headers('area-statistic', 1, e) });
  if (chunk.length === 5000) {
    const out = chunk;
    chunk = [];
    await pending; // one append in flight while the next chunk is encoded
    pending = log.append(TOPIC, out);
  }
}
await pending;
if (chunk.length > 0) await log.append(TOPIC, chunk);
const end = await log.endOffsets(TOPIC);
const inLog = [...end.values()].reduce((a, b) => a + Number(b), 0);
if (inLog !== N) throw new Error(`the topic holds ${inLog} events, expected ${N}`);
const expected = generated.expected();
const fillSeconds = (performance.now() - fillStarted) / 1000;
console.log(
  `backlog: ${fmtInt(N)} area-statistic events (${fmtInt(observations)} observations) in ${PARTITIONS} partitions (${[...end.values()].map(String).join(' / ')}), produced in ${fillSeconds.toFixed(1)} s; ${fmtInt(expected.cells)} present cells expected; load ${load1()}`,
);

// ── one arm: k aggregator processes in one group on a fresh warehouse ────────────────────────────
function spawnAggregator(clickhouseUrl, groupId, i) {
  const child = spawn(process.execPath, [join(root, 'services/aggregator/dist/main.js')], {
    env: {
      ...process.env,
      KAFKA_BROKERS: kafka.brokers.join(','),
      CLICKHOUSE_URL: clickhouseUrl,
      AGGREGATOR_GROUP: groupId,
      AGGREGATOR_MAX_BATCH: args.batch,
      SP_TOPIC_PREFIX: 'records.',
      SP_TOPIC_PARTITIONS: String(PARTITIONS),
      SP_REFERENCE: 'koeln',
      AGGREGATOR_HTTP_PORT: '0',
      // a member that leaves is noticed within 10 s, not 30 (only matters if one dies)
      KAFKA_SESSION_TIMEOUT_MS: '10000',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let readyAt;
  /** CPU of the start (Node, modules, migrations check, connections) up to the ready line */
  let startCpu = Number.NaN;
  const ready = new Promise((resolve, reject) => {
    const onData = (b) => {
      out += b.toString();
      if (out.length > 200_000) out = out.slice(-100_000);
      if (readyAt === undefined && /aggregator ready/.test(out)) {
        readyAt = performance.now();
        startCpu = cpuSeconds(child.pid);
        resolve(readyAt);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code, signal) => reject(new Error(`aggregator ${i} exited (${code ?? signal}) before ready:\n${out.slice(-3000)}`)));
  });
  ready.catch(() => {});
  const exited = new Promise((r) => child.once('exit', r));
  return { child, ready, output: () => out, exited, startCpu: () => startCpu };
}

/** sums and counts of the aggregator's projection and index timings and batch sizes (/metrics) */
async function scrape(output) {
  const url = /health and metrics on (http:\/\/[\d.:]+)/.exec(output)?.[1];
  if (!url) return null;
  const text = await (await fetch(`${url}/metrics`)).text();
  const out = { projectionSeconds: 0, projections: 0, indicesSeconds: 0, recomputations: 0, batchEvents: 0, batches: 0 };
  for (const line of text.split('\n')) {
    const c = /^sp_compute_duration_seconds_(sum|count)\{[^}]*step="(projection|indices)"[^}]*\} (\S+)/.exec(line);
    if (c) {
      const key = c[2] === 'projection' ? (c[1] === 'sum' ? 'projectionSeconds' : 'projections') : c[1] === 'sum' ? 'indicesSeconds' : 'recomputations';
      out[key] += Number(c[3]);
    }
    const b = /^sp_consumer_batch_size_(sum|count)\{[^}]*\} (\S+)/.exec(line);
    if (b) out[b[1] === 'sum' ? 'batchEvents' : 'batches'] += Number(b[2]);
  }
  out.projectionSeconds = Number(out.projectionSeconds.toFixed(1));
  out.indicesSeconds = Number(out.indicesSeconds.toFixed(1));
  return out;
}

async function fingerprint(wh) {
  const one = async (sql) => {
    const [r] = await wh.query(sql);
    return `${r.n}/${r.h}`;
  };
  return {
    cells: await one('SELECT count() AS n, sum(cityHash64(leaf_key, measure, dims_key, value, present, synthetic, known_at_ms, cell_key, pvalue, period_start)) AS h FROM cells FINAL'),
    recordVersions: await one('SELECT count() AS n, sum(cityHash64(record_key, version, tombstone, leaf_key, known_at_ms, obs_value)) AS h FROM record_versions FINAL'),
    // scores and classes; computed_from_ms apart: it never goes below the rows it replaces, so it
    // depends on which intermediate states a recomputation saw (index-projector.ts), not on the result
    indexValues: await one(
      'SELECT count() AS n, sum(cityHash64(index_code, definition_version, area_level, area_code, period, toString(score), toString(class), scored)) AS h FROM index_values FINAL',
    ),
    protectedIndexValues: await one(
      'SELECT count() AS n, sum(cityHash64(index_code, definition_version, area_level, area_code, period, toString(score), toString(class), scored)) AS h FROM protected_index_values FINAL',
    ),
    indexComputedFrom: await one(
      "SELECT count() AS n, sum(cityHash64(t, index_code, definition_version, area_level, area_code, period, computed_from_ms)) AS h FROM (SELECT 'e' AS t, * FROM index_values FINAL UNION ALL SELECT 'p' AS t, * FROM protected_index_values FINAL)",
    ),
  };
}

async function totals(wh) {
  const [c] = await wh.query('SELECT countIf(present = 1) AS cells FROM cells FINAL');
  const sums = {};
  for (const r of await wh.query('SELECT measure, sum(value) AS s FROM cells FINAL WHERE present = 1 GROUP BY measure')) sums[r.measure] = Number(r.s);
  return { cells: Number(c.cells), sums };
}

async function runArm(processes) {
  const chdb = await startChdbHttp();
  const wh = createClickHouseWarehouse({ url: chdb.url });
  // as the platform does before the aggregators run: the schema and the tenant's area map
  await store.migrateWarehouse(wh);
  await store.loadAreaMap(wh, store.areaMapRows(reference));
  const groupId = `scale-out-${processes}-${Date.now()}`;
  const cpu0 = { chdb: cpuSeconds(chdb.process.pid), broker: cpuSeconds(brokerPid) };
  const loads = [load1()];
  const sampler = setInterval(() => loads.push(load1()), 5000);
  const t0 = performance.now();
  const members = Array.from({ length: processes }, (_, i) => spawnAggregator(chdb.url, groupId, i));
  const readyAt = Math.max(...(await Promise.all(members.map((m) => m.ready))));
  let projectedAt;
  let lastCommitted = 0;
  const progress = [];
  try {
    for (;;) {
      if (performance.now() - t0 > TIMEOUT_MS) throw new Error(`arm with ${processes} process(es): not drained after ${TIMEOUT_MS / 1000} s (${lastCommitted} of ${N} committed)`);
      for (const m of members) if (m.child.exitCode !== null) throw new Error(`an aggregator exited during the arm:\n${m.output().slice(-3000)}`);
      const committed = await log.committedOffsets(groupId, TOPIC);
      lastCommitted = [...committed.values()].reduce((a, b) => a + Number(b), 0);
      if (progress.length === 0 || performance.now() - progress.at(-1).at >= 10_000) progress.push({ at: performance.now(), committed: lastCommitted });
      if (projectedAt === undefined && [...end].every(([p, o]) => (committed.get(p) ?? 0n) >= o)) projectedAt = performance.now();
      if (projectedAt !== undefined) {
        const [due] = await wh.query('SELECT count() AS n FROM index_pending');
        if (Number(due.n) === 0) break;
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  } finally {
    clearInterval(sampler);
  }
  const doneAt = performance.now();
  loads.push(load1());
  // CPU before the processes stop (the exit path is not part of the work)
  const aggregatorCpu = members.map((m) => cpuSeconds(m.child.pid));
  const metrics = await Promise.all(members.map((m) => scrape(m.output())));
  const chdbCpu = cpuSeconds(chdb.process.pid) - cpu0.chdb;
  const brokerCpu = cpuSeconds(brokerPid) - cpu0.broker;
  for (const m of members) m.child.kill('SIGTERM');
  await Promise.all(members.map((m) => m.exited));
  const fp = await fingerprint(wh);
  const tot = await totals(wh);
  await wh.close();
  await chdb.stop();
  const wall = (doneAt - t0) / 1000;
  const sum = (xs) => xs.reduce((a, b) => a + b, 0);
  const perK = (s) => (s / N) * 1000;
  return {
    processes,
    wallSeconds: Number(wall.toFixed(1)),
    readySeconds: Number(((readyAt - t0) / 1000).toFixed(1)),
    projectedSeconds: Number(((projectedAt - t0) / 1000).toFixed(1)),
    eventsPerSecond: Math.round(N / wall),
    projectedEventsPerSecond: Math.round(N / ((projectedAt - t0) / 1000)),
    cpuSeconds: {
      aggregators: aggregatorCpu.map((c) => Number(c.toFixed(1))),
      aggregatorStarts: members.map((m) => Number(m.startCpu().toFixed(1))),
      chdbHttp: Number(chdbCpu.toFixed(1)),
      broker: Number(brokerCpu.toFixed(1)),
    },
    cpuPer1000Events: {
      aggregators: Number(perK(sum(aggregatorCpu)).toFixed(3)),
      chdbHttp: Number(perK(chdbCpu).toFixed(3)),
      broker: Number(perK(brokerCpu).toFixed(3)),
      all: Number(perK(sum(aggregatorCpu) + chdbCpu + brokerCpu).toFixed(3)),
    },
    // how busy the 2 cores were: CPU seconds of the three kinds of process per wall second
    coresUsed: Number(((sum(aggregatorCpu) + chdbCpu + brokerCpu) / wall).toFixed(2)),
    load: { start: loads[0], end: loads.at(-1), mean: Number((sum(loads) / loads.length).toFixed(2)), max: Math.max(...loads) },
    progress: progress.map((p, i) => (i === 0 ? 0 : Math.round(((p.committed - progress[i - 1].committed) / (p.at - progress[i - 1].at)) * 1000))).slice(1),
    // where each process's time went, from its /metrics (sums over the arm, seconds)
    metrics,
    fingerprint: fp,
    totals: tot,
  };
}

const results = {};
try {
  for (const k of ARMS) {
    const r = await runArm(k);
    results[k] = r;
    const ok = r.totals.cells === expected.cells && Object.entries(expected.sums).every(([m, s]) => r.totals.sums[m] === s);
    console.log(
      `${k} aggregator process${k > 1 ? 'es' : ''}: ${fmtInt(r.eventsPerSecond)} events/s (${r.wallSeconds} s from spawn: last ready ${r.readySeconds} s, offsets committed ${r.projectedSeconds} s, indices done ${r.wallSeconds} s); ` +
        `CPU per 1,000 events: aggregator${k > 1 ? 's' : ''} ${r.cpuPer1000Events.aggregators} s (${r.cpuSeconds.aggregators.join(' + ')} s), chdb-http ${r.cpuPer1000Events.chdbHttp} s, broker ${r.cpuPer1000Events.broker} s, all ${r.cpuPer1000Events.all} s; ` +
        `start-up CPU ${r.cpuSeconds.aggregatorStarts.join(' + ')} s of it; ${r.coresUsed} cores busy; load ${r.load.start}→${r.load.end} (mean ${r.load.mean}, max ${r.load.max}); committed events/s per 10 s: ${r.progress.join(' ')}; totals ${ok ? 'exact' : 'WRONG'} (${fmtInt(r.totals.cells)} cells); per process projection / indices / batches: ${r.metrics.map((m) => (m ? `${m.projectionSeconds} s / ${m.indicesSeconds} s (${m.recomputations}×) / ${m.batches} of ${Math.round(m.batchEvents / Math.max(1, m.batches))} events` : 'n/a')).join(', ')}`,
    );
    if (!ok) throw new Error(`arm ${k}: warehouse totals ${JSON.stringify(r.totals)} differ from the log's ${JSON.stringify(expected)}`);
  }
} finally {
  await log.close();
  await kafka.wipe();
}

const [one, two] = [results[1], results[2]];
const { indexComputedFrom: _a, ...fp1 } = one?.fingerprint ?? {};
const { indexComputedFrom: _b, ...fp2 } = two?.fingerprint ?? {};
const identical = one && two ? JSON.stringify(fp1) === JSON.stringify(fp2) : null;
const sameComputedFrom = one && two ? one.fingerprint.indexComputedFrom === two.fingerprint.indexComputedFrom : null;
if (one && two) {
  console.log(
    `warehouses of both arms identical (cells, record_versions, index_values and protected_index_values scores and classes): ${identical}; index rows' computed_from_ms the same too: ${sameComputedFrom}`,
  );
  if (!identical) console.log(`  1: ${JSON.stringify(one.fingerprint)}\n  2: ${JSON.stringify(two.fingerprint)}`);
  console.log(
    `ratio two/one: ${(two.eventsPerSecond / one.eventsPerSecond).toFixed(2)}× events/s (to the end of the indices), ${(two.projectedEventsPerSecond / one.projectedEventsPerSecond).toFixed(2)}× to the last offset committed; CPU per 1,000 events ${(two.cpuPer1000Events.all / one.cpuPer1000Events.all).toFixed(2)}× (all processes)`,
  );
}
console.log(
  JSON.stringify({
    bench: 'scale-out',
    events: N,
    observations,
    partitions: PARTITIONS,
    batch: Number(args.batch),
    fillSeconds: Number(fillSeconds.toFixed(1)),
    loadAtStart,
    loadAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
    expectedCells: expected.cells,
    arms: Object.values(results).map(({ fingerprint: _f, totals: _t, ...r }) => r),
    ratio: one && two ? Number((two.eventsPerSecond / one.eventsPerSecond).toFixed(2)) : null,
    ratioToLastCommit: one && two ? Number((two.projectedEventsPerSecond / one.projectedEventsPerSecond).toFixed(2)) : null,
    identicalWarehouses: identical,
    sameIndexComputedFrom: sameComputedFrom,
    totalSeconds: Number(((performance.now() - started) / 1000).toFixed(1)),
  }),
);
process.exit(identical === false ? 1 : 0);
