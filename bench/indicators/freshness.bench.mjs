// Freshness benchmark (not a test): how long after an accepted delivery (HTTP 2xx from the
// ingestion API) its indicator can be read through GraphQL, on the real one-process platform
// (`node services/platform/dist/main.js`, embedded engines, SP_DEMO=0, fresh data directory,
// 127.0.0.1 only). Deliveries arrive open-loop at a fixed rate; every delivery is 100
// area-statistic records (sgb2, Jobcenter; new keys, then corrections of them, see below) and one
// of them is the marker whose
// `sgb2_personen` value is polled until it shows. In the same run the baseline is the ingestion
// round trip itself (POST → 2xx), so the ratio says how much longer "queryable" takes than
// "accepted".
//
// Two pollers:
//  - fresh query (every delivery): one GraphQL client polls every 25 ms (one request in flight) for
//    the oldest ≤ 16 markers not seen yet, `indicatorValues(periods: [P…, X], areas: […])` with X a
//    period nobody asks for twice, so the gateway's shared read cache (5 s TTL +
//    stale-while-revalidate) never answers from memory — the time until the warehouse has the
//    value (log → aggregator → chDB → reader → GraphQL);
//  - repeated query (every 5th delivery): the same `indicatorValues(period: P)` every 100 ms, as an
//    open dashboard would ask it — includes the read cache's staleness.
// A delivery's freshness is measured from its 2xx to the arrival of the first answer showing it.
//
//   node bench/indicators/freshness.bench.mjs [--rate 1] [--records 100] [--seconds 60] [--warmup 5] [--engines embedded|servers] [--root /work/main] [--slots N] [--statement-log]
import { spawn } from 'node:child_process';
import http from 'node:http';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { fromPlatform, percentile, root, fmtMs, sgb2Observations } from './lib.mjs';

const { values: args } = parseArgs({
  options: {
    rate: { type: 'string', default: '1' },
    records: { type: 'string', default: '100' },
    seconds: { type: 'string', default: '60' },
    warmup: { type: 'string', default: '5' },
    'poll-ms': { type: 'string', default: '25' },
    'poll-max': { type: 'string', default: '16' },
    'dashboard-poll-ms': { type: 'string', default: '100' },
    'dashboard-every': { type: 'string', default: '5' },
    'timeout-s': { type: 'string', default: '60' },
    // scrape the platform's /metrics at the start and the end of the measured window and print where
    // the time went (consumer batches, appends, warehouse and database statements, projection steps)
    metrics: { type: 'boolean', default: true },
    // embedded (the default: embedded log, PGlite, chDB in the process) or servers (SP_ENGINES=servers
    // on a Kafka broker, a PostgreSQL and chdb-http started here by @sp/testing's helpers, as the
    // servers-mode e2e tests do; chdb-http stands in for a ClickHouse server, README)
    engines: { type: 'string', default: 'embedded' },
    // the platform of another built checkout (e.g. /work/main), measured by this bench's code: a
    // baseline with the same per-minute trace
    root: { type: 'string' },
    // at most N deliveries of new keys, then corrections of them (below): fewer slots, more versions
    // per record by the end of the run with the same number of versions written
    slots: { type: 'string' },
    // servers mode: chdb-http logs every statement (its lane, its wait for a turn, its engine time;
    // CHDB_HTTP_STATEMENT_LOG), and the report splits each minute's statements by lane and the
    // background lane's (the index passes') by statement: does a pass wait longer, or run longer?
    'statement-log': { type: 'boolean', default: false },
  },
});
const RATE = Number(args.rate);
const RECORDS = Number(args.records);
const SECONDS = Number(args.seconds);
const WARMUP = Number(args.warmup);
const POLL_MS = Number(args['poll-ms']);
const POLL_MAX = Number(args['poll-max']);
const DASHBOARD_POLL_MS = Number(args['dashboard-poll-ms']);
const DASHBOARD_EVERY = Number(args['dashboard-every']);
const TIMEOUT_MS = Number(args['timeout-s']) * 1000;
if (args.slots !== undefined && !(Number.isInteger(Number(args.slots)) && Number(args.slots) > 0)) throw new Error('--slots takes a whole number of deliveries ≥ 1');

const { loadReference } = await fromPlatform('@sp/spatial');

// ── the platform, in its own process ────────────────────────────────────────────────────────────
const dataDir = mkdtempSync(join(tmpdir(), 'sp-bench-freshness-'));
if (!['embedded', 'servers'].includes(args.engines)) throw new Error('--engines embedded|servers');
const servers = [];
const serversEnv = {};
const statementLog = args['statement-log'] && args.engines === 'servers' ? join(mkdtempSync(join(tmpdir(), 'sp-bench-statements-')), 'statements.jsonl') : undefined;
if (args.engines === 'servers') {
  const { startKafka, startPostgres, startChdbHttp } = await fromPlatform('@sp/testing');
  const [kafka, postgres, chdb] = await Promise.all([startKafka(), startPostgres(), startChdbHttp(statementLog ? { statementLog } : {})]);
  servers.push(kafka, postgres, chdb);
  Object.assign(serversEnv, { SP_ENGINES: 'servers', KAFKA_BROKERS: kafka.brokers.join(','), DATABASE_URL: postgres.url, CLICKHOUSE_URL: chdb.url });
  console.log(`servers: Kafka ${kafka.brokers.join(',')}, PostgreSQL, chdb-http ${chdb.url}`);
}
const platformRoot = args.root ?? root;
const platform = spawn(process.execPath, [join(platformRoot, 'services/platform/dist/main.js')], {
  cwd: platformRoot,
  env: { ...process.env, ...serversEnv, SP_DEMO: '0', SP_DATA_DIR: dataDir, SP_PORT: '0', SP_HOST: '127.0.0.1' },
  stdio: ['ignore', 'pipe', 'pipe'],
});
let platformOutput = '';
platform.stdout.on('data', (d) => (platformOutput += d));
platform.stderr.on('data', (d) => (platformOutput += d));
const exited = new Promise((r) => platform.once('exit', r));
let stopped = false;
async function stopPlatform() {
  if (stopped) return;
  stopped = true;
  platform.kill('SIGTERM');
  const timer = setTimeout(() => platform.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
  rmSync(dataDir, { recursive: true, force: true });
  for (const e of servers) await ('wipe' in e ? e.wipe() : e.stop()).catch(() => undefined);
}
process.on('SIGINT', () => void stopPlatform().then(() => process.exit(130)));

const baseUrl = await new Promise((resolve, reject) => {
  const deadline = setTimeout(() => reject(new Error(`platform did not start within 120 s:\n${platformOutput}`)), 120_000);
  const check = () => {
    const m = /GraphQL:\s+(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(platformOutput);
    if (m) {
      clearTimeout(deadline);
      resolve(m[1]);
    }
  };
  platform.stdout.on('data', check);
  platform.once('exit', (code) => reject(new Error(`platform exited with ${code}:\n${platformOutput}`)));
});
const apiKey = JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')).jobcenter;
if (!apiKey) throw new Error('no API key for Amt jobcenter in api-keys.json');

// ── the deliveries: new keys over Köln's 86 Stadtteile × months ──────────────────────────────────
// Delivery i fills slot i mod `slots` of the key space, Köln's 86 Stadtteile × the months from
// 1975-01 (the Stadtteile are valid from 1975) to the current one (the ingestion refuses a period
// that has not begun): 86 × 624 = 53,664 keys in December 2026, 536 deliveries of 100 new keys, 54 s
// at 10/s (--slots lowers the number). After that the slots are used again as corrections
// (version 2, 3, …: each replaces a stored record, so the projection reads every stored version of
// it and marks nothing absent), and delivery i is sent only once delivery i − slots — the previous
// version of the same keys — has its 2xx, so
// that a correction never overtakes the version it corrects (a delivery resent after a 503 would
// otherwise meet a 409). The gateway reads 1900–2199; 1900–1974 are the fresh-query poller's
// never-asked periods.
const areas = loadReference('koeln')
  .areas('STADTTEIL')
  .map((a) => a.code);
const months = [];
const now = new Date();
for (let y = 1975; y <= now.getUTCFullYear(); y++) for (let m = 1; m <= (y === now.getUTCFullYear() ? now.getUTCMonth() + 1 : 12); m++) months.push(`${y}-${String(m).padStart(2, '0')}`);
const capacity = areas.length * months.length;
const slots = Math.min(Math.floor(capacity / RECORDS), Number(args.slots ?? Infinity));
function record(i, j) {
  const s = (i % slots) * RECORDS + j;
  const area = areas[s % areas.length];
  const period = months[Math.floor(s / areas.length)];
  const version = 1 + Math.floor(i / slots); // after a full cycle: corrections of the same keys
  const observations = sgb2Observations(s, version);
  const expected = observations.filter((o) => o.measure === 'sgb2_personen').reduce((a, o) => a + o.value, 0);
  return {
    record: { key: `sgb2|STADTTEIL|${area}|${period}`, version, dataset: 'sgb2', areaLevel: 'STADTTEIL', areaCode: area, period, observations, synthetic: true, source: 'bench/indicators' },
    expected,
  };
}
/** delivery i → resolves at its 2xx (a correction waits for the version before it) */
const acks = new Map();
let waitedForPrevious = 0;

// A 503 (the log did not acknowledge the append in time; nothing was written) is sent again after its
// Retry-After, as docs/ingestion tells an Amt to; counted, and the round trip runs until the 2xx.
let unavailable = 0;
async function deliver(body) {
  for (;;) {
    const res = await fetch(`${baseUrl}/v1/deliveries/area-statistic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body,
    });
    const text = await res.text();
    if (res.status === 503) {
      unavailable++;
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (!res.ok) throw new Error(`delivery answered ${res.status}: ${text.slice(0, 500)}`);
    return JSON.parse(text);
  }
}

/** Prometheus text → Map(series → value) of the histograms' _sum and _count lines. */
async function scrapeMetrics() {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const out = new Map();
  for (const line of text.split('\n')) {
    const m = /^(sp_[a-z_]+_(?:sum|count))(\{[^}]*\})?\s+([0-9.eE+-]+)$/.exec(line);
    if (m) out.set(`${m[1]}${m[2] ?? ''}`, Number(m[3]));
  }
  return out;
}
/** Per histogram series between two scrapes: count, mean and total seconds (or size). */
function metricsDiff(before, after) {
  const rows = [];
  for (const [k, v] of after) {
    if (!k.includes('_count')) continue;
    const n = v - (before.get(k) ?? 0);
    if (n <= 0) continue;
    const sumKey = k.replace('_count', '_sum');
    const sum = (after.get(sumKey) ?? 0) - (before.get(sumKey) ?? 0);
    const [, name, labels = ''] = /^(sp_[a-z_]+)_count(\{.*\})?$/.exec(k);
    const keep = labels
      .replace(/^\{|\}$/g, '')
      .split(',')
      .filter((l) => /^(group|topic|store|operation|step|route|outcome)=/.test(l))
      .join(',');
    rows.push({ name, labels: keep, n, sum, mean: sum / n });
  }
  return rows.sort((a, b) => b.sum - a.sum);
}

// Since the cell-key method (#12) the public sees SGB II counts perturbed, so the pollers read as
// planners (privileged: the true values), with tokens signed by the platform's own sign-in key
// from the data directory. The gateway budgets each client (services/gateway/src/fairness/
// client-budgets.ts: requests, cost = areas × periods + 200 per read, warehouse time, one warehouse
// read at a time); a signed-in client is its token's subject. The pollers stand for many readers,
// not one: the requests take turns over 64 subjects, so that the bench's own polling is not
// throttled (429) or queued behind itself. A 429 that still comes is waited out and counted.
const { tokenFromDataDir } = await fromPlatform('@sp/identity/testing');
const tokens = await Promise.all(Array.from({ length: 64 }, (_, i) => tokenFromDataDir(dataDir, baseUrl, { sub: `bench-reader-${i}`, role: 'planner', privileged: true })));
let nextToken = 0;
const agent = new http.Agent({ keepAlive: true });
let rateLimited = 0;
let cutOff = 0;
function postJson(url, body, token) {
  return new Promise((resolve, reject) => {
    const headers = { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${token}` };
    const req = http.request(url, { method: 'POST', agent, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode, retryAfter: Number(res.headers['retry-after'] ?? 1), text }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}
async function graphql(query) {
  for (;;) {
    const res = await postJson(`${baseUrl}/graphql`, JSON.stringify({ query }), tokens[nextToken++ % tokens.length]);
    if (res.status === 429) {
      rateLimited++;
      await sleep(1000 * res.retryAfter);
      continue;
    }
    const json = JSON.parse(res.text);
    // a read the gateway cut off (its 10 s request limit) has not shown the value yet: ask again
    if (json.errors?.every((e) => e.extensions?.code === 'TIMEOUT')) {
      cutOff++;
      continue;
    }
    if (json.errors) throw new Error(`GraphQL ${res.status}: ${JSON.stringify(json.errors).slice(0, 500)}`);
    return json.data;
  }
}

// X for the fresh-query poller: a month without data (the gateway takes 1900–2199; the deliveries
// fill 1975 to now) and, once those 900 months are used up, one extra Stadtteil (77,400 questions,
// 32 min of polls every 25 ms), so that no (periods, areas) question is asked twice during the run
const bustMonths = [];
for (let y = 1900; y < 1975; y++) for (let m = 1; m <= 12; m++) bustMonths.push(`${y}-${String(m).padStart(2, '0')}`);
let bust = 0;
const bustQuestion = () => {
  const n = bust++;
  return { period: bustMonths[n % bustMonths.length], area: areas[Math.floor(n / bustMonths.length) % areas.length] };
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls one query until the marker shows its value; resolves with the time the answer arrived. */
async function pollUntil(query, marker, expected, intervalMs, deadline) {
  let polls = 0;
  while (performance.now() < deadline) {
    const started = performance.now();
    const data = await graphql(query);
    polls++;
    const row = data.indicatorValues.find((v) => v.period === marker.period && v.area.code === marker.areaCode);
    if (row && row.value === expected) return { at: performance.now(), polls };
    const wait = intervalMs - (performance.now() - started);
    if (wait > 0) await sleep(wait);
  }
  return { at: Number.NaN, polls };
}

// The fresh-query poller is one loop for all deliveries (so polling load does not grow with the
// backlog): every POLL_MS one GraphQL request asks for the periods and areas of every marker not
// yet seen, plus a never-repeated period so that the read cache cannot answer.
const pending = new Set();
let failure;
let freshPolls = 0;
let polling = true;
const fields = '{ period area { code } value suppressed }';
const freshPoller = (async () => {
  while (polling) {
    const started = performance.now();
    if (pending.size > 0) {
      // the oldest markers first (the log is projected in order per partition), at most POLL_MAX per
      // request, so that a backlog does not make every poll heavier
      const asked = [...pending].slice(0, POLL_MAX);
      const extra = bustQuestion();
      const periods = [...new Set(asked.map((p) => p.record.period)), extra.period];
      const codes = [...new Set([...asked.map((p) => p.record.areaCode), ...(bust > bustMonths.length ? [extra.area] : [])])];
      const data = await graphql(`{ indicatorValues(indicator: "sgb2_personen", level: STADTTEIL, periods: ${JSON.stringify(periods)}, areas: ${JSON.stringify(codes)}) ${fields} }`);
      const arrived = performance.now();
      freshPolls++;
      const seen = new Map(data.indicatorValues.map((v) => [`${v.period}|${v.area.code}`, v.value]));
      for (const p of asked) {
        if (seen.get(`${p.record.period}|${p.record.areaCode}`) === p.expected) {
          pending.delete(p);
          p.resolve(arrived);
        }
      }
      for (const p of pending) {
        if (arrived > p.deadline) {
          pending.delete(p);
          p.resolve(Number.NaN);
        }
      }
    }
    const wait = POLL_MS - (performance.now() - started);
    if (wait > 0) await sleep(wait);
  }
})().catch((error) => {
  failure ??= error;
  for (const p of pending) p.resolve(Number.NaN);
  pending.clear();
});
const freshVisible = (marker, deadline) =>
  new Promise((resolve) => {
    if (failure)
      resolve(Number.NaN); // the poller is gone: nobody would ever resolve it
    else pending.add({ ...marker, deadline, resolve });
  });

async function runDelivery(i, measured) {
  const batch = Array.from({ length: RECORDS }, (_, j) => record(i, j));
  const marker = batch[(i * 37) % RECORDS];
  const body = JSON.stringify({ records: batch.map((b) => b.record) });
  let acknowledged;
  acks.set(i, new Promise((r) => (acknowledged = r)));
  const previous = acks.get(i - slots);
  if (previous) {
    const t = performance.now();
    await previous;
    if (performance.now() - t > 1) waitedForPrevious++;
    acks.delete(i - slots);
  }
  const sent = performance.now();
  let answer;
  try {
    answer = await deliver(body);
  } finally {
    acknowledged();
  }
  answered++;
  const acked = performance.now();
  if (answer.created !== RECORDS) throw new Error(`delivery ${i}: ${JSON.stringify(answer).slice(0, 300)}`);
  const { period, areaCode } = marker.record;
  const deadline = acked + TIMEOUT_MS;
  // the repeated (dashboard) query is sampled on every DASHBOARD_EVERY-th delivery only
  const [freshAt, dashboard] = await Promise.all([
    freshVisible(marker, deadline),
    i % DASHBOARD_EVERY === 0
      ? pollUntil(
          `{ indicatorValues(indicator: "sgb2_personen", level: STADTTEIL, period: "${period}", areas: ["${areaCode}"]) ${fields} }`,
          marker.record,
          marker.expected,
          DASHBOARD_POLL_MS,
          deadline,
        )
      : Promise.resolve(undefined),
  ]);
  if (measured) results.push({ i, sent, acked, ack: acked - sent, fresh: freshAt - acked, dashboard: dashboard ? dashboard.at - acked : undefined });
}

// ── open-loop schedule: one delivery every 1000/RATE ms, whether the previous ones finished or not ──
const results = [];
const warmupCount = Math.round(WARMUP * RATE);
const total = warmupCount + Math.round(SECONDS * RATE);
console.log(
  `load average at start ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
console.log(`platform at ${baseUrl} (data ${dataDir}); ${total} deliveries (${warmupCount} warm-up) of ${RECORDS} records at ${RATE}/s = ${RATE * RECORDS} records/s`);
const running = [];
let maxInFlight = 0;
let inFlight = 0;
const start = performance.now();
let metricsBefore;
/** epoch ms of the measured window's start (the statement log's minutes) */
let windowStartMs;
// a line every 30 s while the run goes on (a run cut short still leaves its trend): deliveries sent,
// answered, values seen, the freshness of those seen so far, the load average
let answered = 0;
const progress = setInterval(() => {
  const seen = results.filter((r) => Number.isFinite(r.fresh)).map((r) => r.fresh);
  console.log(
    `  at ${((performance.now() - start) / 1000).toFixed(0)} s: ${answered} deliveries answered (2xx), ${inFlight} in flight, ${results.length} measured and resolved (${seen.length} seen: p50 ${fmtMs(percentile(seen, 50)).trim()}, p95 ${fmtMs(percentile(seen, 95)).trim()}), load ${loadavg()[0].toFixed(2)}`,
  );
}, 30_000);
// the trace per minute of the measured window: what the platform's statements, projections, index
// passes and GraphQL requests took in each minute (what grows when the freshness drifts)
const minuteScrapes = [];
let minuteTimer;
for (let i = 0; i < total && !failure; i++) {
  if (i === warmupCount && args.metrics) {
    windowStartMs = Date.now();
    metricsBefore = await scrapeMetrics().catch(() => undefined);
    if (metricsBefore) {
      minuteScrapes.push(metricsBefore);
      minuteTimer = setInterval(
        () =>
          void scrapeMetrics().then(
            (m) => minuteScrapes.push(m),
            () => undefined,
          ),
        60_000,
      );
    }
  }
  const due = start + (i * 1000) / RATE;
  const wait = due - performance.now();
  if (wait > 0) await sleep(wait);
  inFlight++;
  maxInFlight = Math.max(maxInFlight, inFlight);
  running.push(
    runDelivery(i, i >= warmupCount)
      .catch((e) => (failure ??= e))
      .finally(() => inFlight--),
  );
}
const scheduleLag = performance.now() - (start + ((total - 1) * 1000) / RATE);
await Promise.all(running);
clearInterval(progress);
polling = false;
await freshPoller;
clearInterval(minuteTimer);
const metricsAfter = metricsBefore ? await scrapeMetrics().catch(() => undefined) : undefined;
await stopPlatform();
if (failure) throw failure;

console.log(
  `load average at the end ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')}`,
);
// ── report ───────────────────────────────────────────────────────────────────────────────────────
results.sort((a, b) => a.i - b.i);
// a value not seen within the timeout counts as infinitely late (percentiles above it read "> timeout")
const col = (k) =>
  results
    .map((r) => r[k])
    .filter((x) => x !== undefined)
    .map((x) => (Number.isNaN(x) ? Infinity : x));
const timedOut = results.filter((r) => !Number.isFinite(r.fresh) || (r.dashboard !== undefined && !Number.isFinite(r.dashboard))).length;
const stats = (xs) => ({ n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), p99: percentile(xs, 99), max: Math.max(...xs) });
const ack = stats(col('ack'));
const fresh = stats(col('fresh'));
const dashboard = stats(col('dashboard'));
const span = (results.at(-1).sent - results[0].sent) / 1000;
console.log(
  `measured: ${results.length} deliveries over ${span.toFixed(1)} s (${((results.length - 1) / span).toFixed(2)} deliveries/s achieved, ${(((results.length - 1) * RECORDS) / span).toFixed(0)} records/s), most in flight ${maxInFlight}, fresh-query polls ${freshPolls}, deliveries answered 503 (sent again) ${unavailable}, GraphQL answered 429 ${rateLimited}, cut off after 10 s ${cutOff}, corrections held back until the version before had its 2xx ${waitedForPrevious} (new keys: ${slots} deliveries, then corrections), schedule lag at the end ${fmtMs(Math.max(0, scheduleLag))}, timed out ${timedOut}`,
);
const f = (ms) => (ms === Infinity ? `>${(TIMEOUT_MS / 1000).toFixed(0)} s`.padStart(9) : fmtMs(ms));
const line = (name, s) => console.log(`${name.padEnd(58)} p50 ${f(s.p50)}  p95 ${f(s.p95)}  p99 ${f(s.p99)}  max ${f(s.max)}  (n ${s.n})`);
line('baseline: ingestion round trip (POST → 2xx)', ack);
line('freshness, fresh query (2xx → value in GraphQL)', fresh);
line('freshness, repeated dashboard query (read cache in effect)', dashboard);
const quarters = [0, 1, 2, 3].map((q) => results.slice(Math.floor((q * results.length) / 4), Math.floor(((q + 1) * results.length) / 4)).map((r) => (Number.isNaN(r.fresh) ? Infinity : r.fresh)));
console.log(`fresh-query freshness p50 per quarter of the run (steady when flat): ${quarters.map((xs) => f(percentile(xs, 50)).trim()).join(' → ')}`);
// the trend per minute of the measured window (by the delivery's send time): flat when the rate is sustained
const perMinute = [];
for (const r of results) {
  const m = Math.floor((r.sent - results[0].sent) / 60_000);
  (perMinute[m] ??= []).push(Number.isNaN(r.fresh) ? Infinity : r.fresh);
}
const minutes = perMinute.map((xs, m) => ({ minute: m + 1, n: xs.length, p50: percentile(xs, 50), p95: percentile(xs, 95), timedOut: xs.filter((x) => x === Infinity).length }));
console.log('fresh-query freshness per minute of the run (steady when flat):');
for (const m of minutes) console.log(`  minute ${String(m.minute).padStart(2)}: p50 ${f(m.p50)}  p95 ${f(m.p95)}  (n ${m.n}${m.timedOut ? `, ${m.timedOut} timed out` : ''})`);
// the trend of the last five full minutes: the least-squares slope of their p95 (ms per minute) and
// the spread (highest ÷ lowest). A run from an empty warehouse warms up in its first minutes; with
// --seconds 600 the last five minutes are the rate sustained on a warehouse of 300,000 versions and more.
// A run of 15 minutes or more also gets the trend of every full minute from the sixth on.
const fullMinutes = minutes.filter((m) => m.n >= 0.9 * 60 * RATE);
const trendOf = (ms) => {
  if (ms.length < 5 || !ms.every((m) => Number.isFinite(m.p95))) return undefined;
  const mx = ms.reduce((a, m) => a + m.minute, 0) / ms.length;
  const my = ms.reduce((a, m) => a + m.p95, 0) / ms.length;
  return {
    fromMinute: ms[0].minute,
    toMinute: ms.at(-1).minute,
    slopeMsPerMinute: ms.reduce((a, m) => a + (m.minute - mx) * (m.p95 - my), 0) / ms.reduce((a, m) => a + (m.minute - mx) ** 2, 0),
    spread: Math.max(...ms.map((m) => m.p95)) / Math.min(...ms.map((m) => m.p95)),
  };
};
const trend = trendOf(fullMinutes.slice(-5));
const trendFromSixth = fullMinutes.length >= 15 ? trendOf(fullMinutes.filter((m) => m.minute >= 6)) : undefined;
for (const t of [trend, trendFromSixth].filter(Boolean))
  console.log(`trend of the fresh-query p95 over minutes ${t.fromMinute}–${t.toMinute}: slope ${t.slopeMsPerMinute.toFixed(1)} ms per minute, highest ÷ lowest ${t.spread.toFixed(2)}×`);
const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) ? `${(a / b).toFixed(1)}×` : 'n/a (timeouts)');
console.log(`ratio freshness / ingestion round trip: p50 ${ratio(fresh.p50, ack.p50)}, p95 ${ratio(fresh.p95, ack.p95)}`);
console.log(`ratio repeated-query freshness / fresh-query freshness: p50 ${ratio(dashboard.p50, fresh.p50)}, p95 ${ratio(dashboard.p95, fresh.p95)}`);
const where = metricsBefore && metricsAfter ? metricsDiff(metricsBefore, metricsAfter) : [];
if (where.length > 0) {
  console.log('where the time went in the measured window (platform /metrics, histogram sums; seconds unless a size):');
  for (const r of where.filter((r) => !r.name.startsWith('sp_http') || /graphql|deliveries/.test(r.labels)).slice(0, 24))
    console.log(
      `  ${`${r.name.replace(/^sp_|_seconds$/g, '')}{${r.labels}}`.padEnd(96)} n ${String(r.n).padStart(6)}  total ${r.sum.toFixed(1).padStart(8)}  mean ${(r.name.endsWith('size') ? r.mean.toFixed(1) : fmtMs(r.mean * 1000)).padStart(9)}`,
    );
}
// per minute: mean time (and count) of the steps that can grow with the data
const traced = (r) =>
  (r.name === 'sp_compute_duration_seconds' && /step=/.test(r.labels)) ||
  (r.name === 'sp_query_duration_seconds' && /store="warehouse"/.test(r.labels)) ||
  (r.name === 'sp_http_request_duration_seconds' && /graphql/.test(r.labels)) ||
  r.name === 'sp_consumer_batch_size';
const label = (r) => `${r.name.replace(/^sp_|_seconds$|_duration/g, '')}{${r.labels.replace(/(group|topic|store|outcome|route)=/g, '').replace(/"/g, '')}}`;
const perMinuteTrace = [];
if (minuteScrapes.length > 0 && metricsAfter) {
  const ends = [...minuteScrapes.slice(1), metricsAfter];
  for (let m = 0; m < ends.length; m++) perMinuteTrace.push(metricsDiff(minuteScrapes[m], ends[m]).filter(traced));
  const names = [...new Set(perMinuteTrace.flat().map(label))].sort();
  console.log('trace per minute of the measured window (platform /metrics: mean, count; the last column is the rest of the run after the last full minute):');
  for (const name of names) {
    const cells = perMinuteTrace.map((rows) => {
      const r = rows.find((x) => label(x) === name);
      if (!r) return '—'.padStart(16);
      const mean = name.startsWith('consumer_batch_size') ? r.mean.toFixed(0) : fmtMs(r.mean * 1000).trim();
      return `${mean} ×${r.n}`.padStart(16);
    });
    console.log(`  ${name.padEnd(58)} ${cells.join(' ')}`);
  }
}
// the statement log (servers mode, --statement-log): per minute of the measured window and lane,
// how many statements, their mean wait for a turn and mean engine time; then the background lane's
// (the index passes') statements with the most engine time, the same per minute
const statementsPerMinute = [];
if (statementLog && windowStartMs !== undefined) {
  const lines = readFileSync(statementLog, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  rmSync(dirname(statementLog), { recursive: true, force: true });
  const shape = (sql) =>
    sql
      .replace(/'(?:[^'\\]|\\.)*'/g, "'…'")
      .replace(/\b\d+\b/g, 'N')
      .replace(/\s+/g, ' ')
      .slice(0, 70);
  const minutesOf = [];
  for (const st of lines) {
    const m = Math.floor((st.atMs - windowStartMs) / 60_000);
    if (m < 0 || m >= perMinute.length) continue;
    (minutesOf[m] ??= []).push(st);
  }
  const mean = (xs, k) => (xs.length ? xs.reduce((a, x) => a + x[k], 0) / xs.length : NaN);
  const cell = (xs) => (xs.length ? `${fmtMs(mean(xs, 'waitedMs')).trim()} + ${fmtMs(mean(xs, 'ranMs')).trim()} ×${xs.length}`.padStart(28) : '—'.padStart(28));
  console.log('chdb-http statements per minute of the measured window (mean wait for a turn + mean engine time × count):');
  for (const lane of ['urgent', 'normal', 'background']) console.log(`  ${lane.padEnd(72)} ${minutesOf.map((xs) => cell((xs ?? []).filter((x) => x.lane === lane))).join(' ')}`);
  const background = lines.filter((x) => x.lane === 'background');
  const byShape = new Map();
  for (const st of background) byShape.set(shape(st.sql), (byShape.get(shape(st.sql)) ?? 0) + st.ranMs);
  const top = [...byShape]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k]) => k);
  for (const k of top) console.log(`  ${k.padEnd(72)} ${minutesOf.map((xs) => cell((xs ?? []).filter((x) => x.lane === 'background' && shape(x.sql) === k))).join(' ')}`);
  for (let m = 0; m < minutesOf.length; m++) {
    const xs = minutesOf[m] ?? [];
    statementsPerMinute.push(
      Object.fromEntries(
        ['urgent', 'normal', 'background'].map((lane) => {
          const ys = xs.filter((x) => x.lane === lane);
          return [lane, { n: ys.length, waitedMs: mean(ys, 'waitedMs'), ranMs: mean(ys, 'ranMs') }];
        }),
      ),
    );
  }
}
console.log(
  JSON.stringify(
    {
      engines: args.engines,
      root: platformRoot,
      rate: RATE,
      records: RECORDS,
      slots,
      seconds: SECONDS,
      deliveries: results.length,
      maxInFlight,
      timedOut,
      rateLimited,
      cutOff,
      unavailable,
      ackMs: ack,
      freshMs: fresh,
      dashboardMs: dashboard,
      quartersP50Ms: quarters.map((xs) => percentile(xs, 50)),
      minutes,
      trend,
      trendFromSixth,
      waitedForPrevious,
      loadavg: loadavg(),
      where: where.slice(0, 24),
      perMinuteTrace: perMinuteTrace.map((rows) => rows.map((r) => ({ series: label(r), n: r.n, mean: r.mean }))),
      ...(statementLog ? { statementsPerMinute } : {}),
    },
    (_k, v) => (typeof v === 'number' ? (Number.isFinite(v) ? Math.round(v * 10) / 10 : null) : v),
  ),
);
process.exit(timedOut > 0 ? 1 : 0);
