// National-scale load benchmark (issue 17, deliver 6; not a test). SYNTHETIC data from
// ./generate.mjs: fictional Gemeinden, made-up figures, every record `synthetic: true`.
//
// Starts the real one-process platform on the embedded default (`node services/platform/dist/main.js`,
// SP_DEMO=0, fresh SP_DATA_DIR, 127.0.0.1, random port) and loads it through the normal paths, as
// docs/onboarding.md does: the admin API creates each tenant (`POST /admin/tenants`, pack
// musterstadt), its statistics office delivers levels (JSON) and areas (CSV), then its Jobcenter and
// statistics office deliver the counts (`POST /t/<id>/v1/deliveries/area-statistic`, JSON, ≤ 750
// records each, one delivery in flight per tenant, --concurrency tenants at once).
//
//   --tenants N        tenants created (nat-001 … nat-N)
//   --full K           the first K tenants get --months months of counts, the others --small-months
//   --months 240       depth of the full tenants (≤ 240, from 2005-01)
//   --small-months 0   depth of the other tenants (0: levels and areas only)
//   --checkpoints 1,5,10  after that many tenants: RSS (platform process, its chdb-http children), disk
//   --runs 20          timed query runs per variant (after 3 warm-up runs), on tenant nat-001
//   --open-max N       SP_TENANTS_OPEN_MAX: tenant runtimes open at once (default the platform's, 16)
//   --idle-s S         SP_TENANT_IDLE_S: a runtime without requests closes after S s (default 600)
//   --cold 10          after the load: the first request to that many closed tenants (cold open) and
//                      then warm requests to each
//   --restart          then stops the platform and starts it again on the same data directory: the
//                      time until it answers, and its memory with every tenant registered and none open
//
// Prints per phase the time, records/s and values/s accepted (2xx) and projected (the tenant's
// warehouse holds every value), RSS and disk at each checkpoint, the query latency of the public
// reader, of GraphQL and of the direct SQL on the loaded tenant's warehouse in the same run (the
// baseline) with their ratios, and one JSON line. Stops the platform and removes its data directory.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fmtMs, fromPlatform, percentile, root } from '../indicators/lib.mjs';
import { deliveries, monthOf, sizeOf, tenantSpec } from './generate.mjs';

const { values: args } = parseArgs({
  options: {
    tenants: { type: 'string', default: '1' },
    full: { type: 'string', default: '1' },
    months: { type: 'string', default: '240' },
    'small-months': { type: 'string', default: '0' },
    checkpoints: { type: 'string', default: '' },
    concurrency: { type: 'string', default: '1' },
    runs: { type: 'string', default: '20' },
    seed: { type: 'string', default: '17' },
    'project-timeout-s': { type: 'string', default: '600' },
    keep: { type: 'boolean', default: false },
    'open-max': { type: 'string', default: '' },
    'idle-s': { type: 'string', default: '' },
    cold: { type: 'string', default: '10' },
    restart: { type: 'boolean', default: false },
  },
});
const TENANTS = Number(args.tenants);
const FULL = Math.min(TENANTS, Number(args.full));
const MONTHS = Math.min(240, Number(args.months));
const SMALL_MONTHS = Number(args['small-months']);
const CONCURRENCY = Number(args.concurrency);
const RUNS = Number(args.runs);
const SEED = Number(args.seed);
const CHECKPOINTS = new Set((args.checkpoints || String(TENANTS)).split(',').map(Number).concat([TENANTS]));
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const t0 = performance.now();
const elapsed = () => `${((performance.now() - t0) / 1000).toFixed(0)} s`;
const log = (s) => console.log(`[${elapsed()} load ${load()}] ${s}`);
const startLoad = load();

// ── the platform ─────────────────────────────────────────────────────────────────────────────────
const dataDir = mkdtempSync(join(tmpdir(), 'sp-bench-national-'));
const platformEnv = {
  ...process.env,
  SP_DEMO: '0',
  SP_DATA_DIR: dataDir,
  SP_PORT: '0',
  SP_HOST: '127.0.0.1',
  ...(args['open-max'] ? { SP_TENANTS_OPEN_MAX: args['open-max'] } : {}),
  ...(args['idle-s'] ? { SP_TENANT_IDLE_S: args['idle-s'] } : {}),
};
let platform;
let platformOutput = '';
let exited;
let stopped = false;
function spawnPlatform() {
  platformOutput = '';
  stopped = false;
  platform = spawn(process.execPath, [join(root, 'services/platform/dist/main.js')], { cwd: root, env: platformEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  platform.stdout.on('data', (d) => (platformOutput = (platformOutput + d).slice(-20_000)));
  platform.stderr.on('data', (d) => (platformOutput = (platformOutput + d).slice(-20_000)));
  exited = new Promise((r) => platform.once('exit', r));
  return new Promise((resolve, reject) => {
    const deadline = setTimeout(() => reject(new Error(`platform did not start within 180 s:\n${platformOutput}`)), 180_000);
    const check = () => {
      const m = /GraphQL:\s+(http:\/\/127\.0\.0\.1:\d+)\/graphql/.exec(platformOutput);
      if (m) {
        clearTimeout(deadline);
        platform.stdout.off('data', check);
        resolve(m[1]);
      }
    };
    platform.stdout.on('data', check);
    platform.once('exit', (code) => reject(new Error(`platform exited with ${code}:\n${platformOutput}`)));
  });
}
async function stopPlatform({ keep = args.keep } = {}) {
  if (stopped) return;
  stopped = true;
  platform.kill('SIGTERM');
  const timer = setTimeout(() => platform.kill('SIGKILL'), 60_000);
  await exited;
  clearTimeout(timer);
  if (!keep) rmSync(dataDir, { recursive: true, force: true });
}
process.on('SIGINT', () => void stopPlatform().then(() => process.exit(130)));

const startedAt = performance.now();
let baseUrl = await spawnPlatform();
const startS = (performance.now() - startedAt) / 1000;
const adminToken = readFileSync(join(dataDir, 'admin-token'), 'utf8').trim();
log(`platform (pid ${platform.pid}) at ${baseUrl}, data ${dataDir}, ready in ${startS.toFixed(1)} s`);

// ── process tree, RSS, disk ──────────────────────────────────────────────────────────────────────
function childrenOf(pid) {
  const out = [];
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      out.push(...readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
    } catch {}
  }
  return out;
}
const rssKiB = (pid) => {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);
  } catch {
    return 0;
  }
};
/** private memory (Private_Clean + Private_Dirty of smaps_rollup): what the process holds alone, without the shared libchdb pages RSS counts in every process */
const privateKiB = (pid) => {
  try {
    const t = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
    return Number(/Private_Clean:\s+(\d+)/.exec(t)[1]) + Number(/Private_Dirty:\s+(\d+)/.exec(t)[1]);
  } catch {
    return 0;
  }
};
function memory() {
  const children = childrenOf(platform.pid);
  const sumOf = (f) => children.map(f).reduce((a, b) => a + b, 0);
  const main = rssKiB(platform.pid);
  const sum = sumOf(rssKiB);
  const mainPrivate = privateKiB(platform.pid);
  const childrenPrivate = sumOf(privateKiB);
  return {
    mainMiB: main / 1024,
    children: children.length,
    childrenMiB: sum / 1024,
    childMeanMiB: children.length ? sum / children.length / 1024 : 0,
    totalMiB: (main + sum) / 1024,
    mainPrivateMiB: mainPrivate / 1024,
    childrenPrivateMiB: childrenPrivate / 1024,
    totalPrivateMiB: (mainPrivate + childrenPrivate) / 1024,
  };
}
const duMiB = (path) => Number(execFileSync('du', ['-sk', path]).toString().split('\t')[0]) / 1024;
/** the chdb-http URL of a tenant's warehouse: its child process (CHDB_PATH) and the port it listens on */
function warehouseUrl(id) {
  const want = join(dataDir, 'tenants', id, 'warehouse');
  for (const pid of childrenOf(platform.pid)) {
    let env = '';
    try {
      env = readFileSync(`/proc/${pid}/environ`, 'utf8');
    } catch {
      continue;
    }
    if (!env.split('\0').includes(`CHDB_PATH=${want}`)) continue;
    const ss = execFileSync('ss', ['-ltnpH']).toString();
    const line = ss.split('\n').find((l) => l.includes(`pid=${pid},`));
    const port = line && /127\.0\.0\.1:(\d+)/.exec(line)?.[1];
    if (port) return `http://127.0.0.1:${port}`;
  }
  throw new Error(`no chdb-http process found for ${id}`);
}

// ── HTTP ─────────────────────────────────────────────────────────────────────────────────────────
async function post(path, body, headers) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers, body });
    const text = await res.text();
    if (res.status === 503 && attempt < 20) {
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (!res.ok) throw new Error(`POST ${path} answered ${res.status}: ${text.slice(0, 600)}`);
    return JSON.parse(text);
  }
}
async function graphql(tenant, query) {
  const json = await post(`/t/${tenant}/graphql`, JSON.stringify({ query }), { 'content-type': 'application/json' });
  if (json.errors) throw new Error(`GraphQL: ${JSON.stringify(json.errors).slice(0, 500)}`);
  return json.data;
}
/** GraphQL requests of the query part the gateway's per-client cost budget sent back (429): each waited out and asked again */
let budgetWaits = 0;
/**
 * One timed GraphQL read as a well-behaved client makes it: a 429 of the per-client budget
 * (docs/graphql.md, "Fair use"; 2,000 cost per second, and a 240-month series costs 440) is waited
 * out as its Retry-After says and the request sent again; only the answered request is timed.
 */
async function graphqlTimed(tenant, query) {
  for (let attempt = 0; ; attempt++) {
    const started = performance.now();
    const res = await fetch(`${baseUrl}/t/${tenant}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    const text = await res.text();
    const ms = performance.now() - started;
    if (res.status === 429 && attempt < 20) {
      budgetWaits++;
      await new Promise((r) => setTimeout(r, 1000 * Number(res.headers.get('retry-after') ?? 1)));
      continue;
    }
    if (!res.ok) throw new Error(`POST /t/${tenant}/graphql answered ${res.status}: ${text.slice(0, 600)}`);
    const json = JSON.parse(text);
    if (json.errors) throw new Error(`GraphQL: ${JSON.stringify(json.errors).slice(0, 500)}`);
    return { rows: Object.values(json.data)[0], ms };
  }
}

const { createClickHouseWarehouse } = await fromPlatform('@sp/warehouse-clickhouse');
const warehouses = new Map();
// a tenant reopened after a close has a new chdb-http on a new port
const warehouseOf = (id) => {
  const url = warehouseUrl(id);
  if (!warehouses.has(url)) warehouses.set(url, createClickHouseWarehouse({ url }));
  return warehouses.get(url);
};
/** the tenants whose runtime is open now: a chdb-http child on their directory */
function openTenants() {
  const open = [];
  for (const pid of childrenOf(platform.pid)) {
    try {
      const path = readFileSync(`/proc/${pid}/environ`, 'utf8')
        .split('\0')
        .find((e) => e.startsWith('CHDB_PATH='));
      const m = path && /\/tenants\/([^/]+)\/warehouse$/.exec(path);
      if (m) open.push(m[1]);
    } catch {}
  }
  return open;
}
const cellCount = async (id) => Number((await warehouseOf(id).query('SELECT count() AS n FROM cells'))[0].n);

// ── load ─────────────────────────────────────────────────────────────────────────────────────────
const phases = { create: [], reference: [], counts: [] };
const checkpoints = [];
async function loadTenant(t) {
  const spec = tenantSpec(t, SEED);
  let started = performance.now();
  const created = await post('/admin/tenants', JSON.stringify(spec.admin), { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' });
  phases.create.push((performance.now() - started) / 1000);
  const keys = created.apiKeys;
  const T = `/t/${spec.id}`;
  started = performance.now();
  await post(`${T}/v1/deliveries/area-level`, JSON.stringify(spec.levels), { authorization: `Bearer ${keys.statistik}`, 'content-type': 'application/json' });
  await post(`${T}/v1/deliveries/area`, spec.areasCsv, { authorization: `Bearer ${keys.statistik}`, 'content-type': 'text/csv' });
  // the delivered reference replaces the pack's once projected: counts for Gebiet 150+ are refused before
  for (let i = 0; ; i++) {
    const areas = (await graphql(spec.id, '{ areas(level: SOZIALRAUM) { code } }')).areas;
    if (areas.length === spec.areaCount) break;
    if (i > 600) throw new Error(`${spec.id}: the delivered areas did not show within 60 s (${areas.length} of ${spec.areaCount})`);
    await new Promise((r) => setTimeout(r, 100));
  }
  phases.reference.push((performance.now() - started) / 1000);
  const months = t <= FULL ? MONTHS : SMALL_MONTHS;
  if (months === 0) return;
  const size = sizeOf(spec, months);
  started = performance.now();
  let records = 0;
  let values = 0;
  for (const d of deliveries(spec, { months, seed: SEED, t })) {
    const answer = await post(`${T}/v1/deliveries/${d.recordType}`, d.body, { authorization: `Bearer ${keys[d.amt]}`, 'content-type': 'application/json' });
    if (answer.created !== d.records) throw new Error(`${spec.id}: ${d.dataset} delivery created ${answer.created} of ${d.records}`);
    records += d.records;
    values += d.values;
  }
  const acceptedS = (performance.now() - started) / 1000;
  if (records !== size.records || values !== size.values) throw new Error(`size mismatch ${records}/${size.records} ${values}/${size.values}`);
  // projected: the tenant's warehouse holds one cell row per delivered value
  const deadline = performance.now() + Number(args['project-timeout-s']) * 1000;
  let cells = 0;
  while ((cells = await cellCount(spec.id)) < values) {
    if (performance.now() > deadline) throw new Error(`${spec.id}: ${cells} of ${values} cells projected after the timeout`);
    await new Promise((r) => setTimeout(r, 250));
  }
  const projectedS = (performance.now() - started) / 1000;
  phases.counts.push({ id: spec.id, areas: spec.areaCount, months, records, values, cells, acceptedS, projectedS });
  log(
    `${spec.id}: ${spec.areaCount} Gebiete × ${months} months: ${records.toLocaleString('en-US')} records / ${values.toLocaleString('en-US')} values accepted in ${acceptedS.toFixed(1)} s (${(records / acceptedS).toFixed(0)} records/s, ${(values / acceptedS).toFixed(0)} values/s), all in the warehouse after ${projectedS.toFixed(1)} s (${(values / projectedS).toFixed(0)} values/s)`,
  );
}

async function checkpoint(n) {
  const mem = memory();
  const tenantsDir = join(dataDir, 'tenants');
  const perTenant = readdirSync(tenantsDir)
    .filter((id) => !id.startsWith('.'))
    .map((id) => ({ id, mib: duMiB(join(tenantsDir, id)) }));
  const fullDisk = perTenant.filter((p) => phases.counts.some((c) => c.id === p.id && c.months === MONTHS));
  const emptyDisk = perTenant.filter((p) => !phases.counts.some((c) => c.id === p.id));
  const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : Number.NaN);
  const row = {
    tenants: n,
    load: load(),
    elapsedS: Math.round((performance.now() - t0) / 1000),
    ...Object.fromEntries(Object.entries(mem).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    diskMiB: Math.round(duMiB(dataDir)),
    fullTenantMiB: Math.round(mean(fullDisk.map((p) => p.mib)) * 10) / 10,
    bareTenantMiB: Math.round(mean(emptyDisk.map((p) => p.mib)) * 10) / 10,
  };
  checkpoints.push(row);
  log(
    `checkpoint ${n} tenants (${row.children} open): RSS platform ${row.mainMiB} MiB + ${row.children} chdb-http × ${row.childMeanMiB} MiB = ${row.totalMiB} MiB (private memory ${row.mainPrivateMiB} + ${row.childrenPrivateMiB} = ${row.totalPrivateMiB} MiB); disk ${row.diskMiB} MiB (full tenant ${row.fullTenantMiB} MiB, bare ${row.bareTenantMiB} MiB)`,
  );
}

const base = memory();
checkpoints.push({ tenants: 0, load: load(), elapsedS: Math.round((performance.now() - t0) / 1000), ...base, diskMiB: Math.round(duMiB(dataDir)) });
log(`before any tenant: RSS platform ${base.mainMiB.toFixed(0)} MiB + ${base.children} children ${base.childrenMiB.toFixed(0)} MiB; disk ${duMiB(dataDir).toFixed(0)} MiB`);
let next = 1;
let failure;
async function worker() {
  while (next <= TENANTS && !failure) {
    const t = next++;
    const done = phases.create.length;
    await loadTenant(t);
    if (CHECKPOINTS.has(done + 1) && CONCURRENCY === 1) await checkpoint(done + 1);
  }
}
try {
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker().catch((e) => (failure ??= e))));
  if (failure) throw failure;
  if (CONCURRENCY !== 1) await checkpoint(TENANTS);

  const coldWarm = await measureColdWarm();
  // ── queries on nat-001 ──────────────────────────────────────────────────────────────────────────
  let queries = [];
  if (FULL > 0 && MONTHS >= 12) {
    // its first request opens it when the cap closed it
    await graphql(tenantSpec(1, SEED).id, '{ areas(level: SOZIALRAUM) { code } }');
    queries = await measureQueries(tenantSpec(1, SEED));
  }
  const restart = args.restart ? await measureRestart() : null;
  report(queries, coldWarm, restart);
} catch (error) {
  console.error(error);
  console.error(platformOutput.slice(-3000));
  process.exitCode = 1;
} finally {
  for (const w of warehouses.values()) await w.close?.();
  await stopPlatform();
}

/** the first request to closed tenants (it opens the runtime), then warm requests to each */
async function measureColdWarm() {
  const n = Number(args.cold);
  if (n <= 0) return null;
  const open = new Set(openTenants());
  const closed = [];
  for (let t = 1; t <= TENANTS && closed.length < n; t++) if (!open.has(tenantSpec(t, SEED).id)) closed.push(tenantSpec(t, SEED).id);
  let p = 0;
  // an indicator read at the tenant's level, a period of its own each time so that no cache answers
  const query = () => `{ indicatorValues(indicator: "einwohner", level: SOZIALRAUM, periods: ["${1900 + Math.floor(p / 12)}-${String((p++ % 12) + 1).padStart(2, '0')}"]) { value } }`;
  const cold = [];
  const warm = [];
  for (const id of closed) {
    let started = performance.now();
    await graphql(id, query());
    cold.push(performance.now() - started);
    for (let i = 0; i < 5; i++) {
      started = performance.now();
      await graphql(id, query());
      warm.push(performance.now() - started);
    }
  }
  const r = { tenants: closed.length, openBefore: open.size, cold, warm, coldP50: percentile(cold, 50), coldP95: percentile(cold, 95), warmP50: percentile(warm, 50), warmP95: percentile(warm, 95) };
  log(
    `cold open: the first GraphQL request to ${closed.length} closed tenants (${open.size} open before) p50 ${fmtMs(r.coldP50)} p95 ${fmtMs(r.coldP95)}; then warm, 5 each: p50 ${fmtMs(r.warmP50)} p95 ${fmtMs(r.warmP95)}; open now: ${openTenants().length}`,
  );
  return r;
}

/** stops the platform and starts it on the same data directory: every tenant registered, none open */
async function measureRestart() {
  for (const w of warehouses.values()) await w.close?.();
  warehouses.clear();
  await stopPlatform({ keep: true });
  const started = performance.now();
  baseUrl = await spawnPlatform();
  const readyS = (performance.now() - started) / 1000;
  await new Promise((r) => setTimeout(r, 2000));
  const mem = memory();
  const listed = (await (await fetch(`${baseUrl}/tenants`)).json()).tenants.length;
  const id = tenantSpec(TENANTS, SEED).id;
  const t = performance.now();
  const areas = (await graphql(id, '{ areas(level: SOZIALRAUM) { code } }')).areas.length;
  const firstMs = performance.now() - t;
  const r = { readyS, listed, openAfterStart: mem.children, mainMiB: mem.mainMiB, mainPrivateMiB: mem.mainPrivateMiB, firstRequestMs: firstMs, areas, openAfterRequest: openTenants().length };
  log(
    `restart with ${TENANTS} registered tenants: ready in ${readyS.toFixed(1)} s, ${mem.children} tenant runtimes open, GET /tenants lists ${listed}; platform RSS ${mem.mainMiB.toFixed(0)} MiB, private ${mem.mainPrivateMiB.toFixed(0)} MiB; the first request to ${id} (${areas} Gebiete) took ${fmtMs(firstMs)}`,
  );
  return r;
}

async function measureQueries(spec) {
  const id = spec.id;
  const store = await fromPlatform('@sp/indicator-store');
  const { loadCatalogue } = await fromPlatform('@sp/indicators');
  const catalogue = loadCatalogue(join(root, 'services/platform/tenant-packs/musterstadt.indicators.yaml'));
  const warehouse = warehouseOf(id);
  const reader = new store.WarehouseIndicatorReader(warehouse, { plans: store.planResolverFromCatalogue(catalogue), hierarchyLevels: ['GEMEINDE', 'SOZIALRAUM'] });
  const months = Array.from({ length: MONTHS }, (_, m) => monthOf(m));
  const years = [...new Set(months.map((m) => m.slice(0, 4)))];
  const MONTH = months[Math.min(89, months.length - 1)]; // 2012-06 at full depth
  const AREA = '1';
  const sgb2 = (area) => `measure = 'sgb2_personen' AND dataset = 'sgb2' AND area_level = 'SOZIALRAUM'${area ? ` AND area_code = '${area}'` : ''} AND present = 1`;
  const u65 = "'0-3','3-6','6-10','10-15','15-18','18-25','25-35','35-45','45-55','55-60','60-65'";
  const pop = (area) =>
    `measure = 'einwohner_alter' AND dataset = 'bevoelkerung' AND area_level = 'SOZIALRAUM'${area ? ` AND area_code = '${area}'` : ''} AND present = 1 AND dims['alter'] IN (${u65})`;
  const direct = {
    'count choropleth': `SELECT area_code AS area, period, sum(value) AS value FROM cells FINAL WHERE ${sgb2()} AND period = '${MONTH}' GROUP BY area_code, period`,
    'count series': `SELECT area_code AS area, period, sum(value) AS value FROM cells FINAL WHERE ${sgb2(AREA)} AND period IN {months:Array(String)} GROUP BY area_code, period`,
    'rate choropleth': `SELECT n.area AS area, n.period AS period, n.v / d.v * 100 AS value
       FROM (SELECT area_code AS area, period, sum(value) AS v FROM cells FINAL WHERE ${sgb2()} AND period = '${MONTH}' AND dims['alter'] IN ('u15','15-65') GROUP BY area_code, period) AS n
       INNER JOIN (SELECT area_code AS area, sum(value) AS v FROM cells FINAL WHERE ${pop()} AND period = '${MONTH.slice(0, 4)}' GROUP BY area_code) AS d ON d.area = n.area`,
    'rate series': `SELECT n.area AS area, n.period AS period, n.v / d.v * 100 AS value
       FROM (SELECT area_code AS area, period, sum(value) AS v FROM cells FINAL WHERE ${sgb2(AREA)} AND period IN {months:Array(String)} AND dims['alter'] IN ('u15','15-65') GROUP BY area_code, period) AS n
       INNER JOIN (SELECT period AS year, sum(value) AS v FROM cells FINAL WHERE ${pop(AREA)} AND period IN {years:Array(String)} GROUP BY period) AS d ON d.year = substring(n.period, 1, 4)`,
  };
  const readerQuery = {
    'count choropleth': { indicator: 'sgb2_personen', level: 'SOZIALRAUM', periods: [MONTH] },
    'count series': { indicator: 'sgb2_personen', level: 'SOZIALRAUM', areaCodes: [AREA], periodFrom: months[0], periodTo: months.at(-1) },
    'rate choropleth': { indicator: 'sgb2_quote', level: 'SOZIALRAUM', periods: [MONTH] },
    'rate series': { indicator: 'sgb2_quote', level: 'SOZIALRAUM', areaCodes: [AREA], periodFrom: months[0], periodTo: months.at(-1) },
  };
  // GraphQL, public, through the tenant's gateway; a choropleth with one never-repeated extra period
  // so that no cache answers (the extra period has no data). (A series asked as `periods: [240
  // months]` is 240 whole-level slices filtered to the area — the choropleth path, not the series
  // path; the first run did that, README.)
  let bust = 0;
  let bustSeries = 0;
  const bustTo = () => `${2025 + Math.floor(bustSeries / 12)}-${String((bustSeries++ % 12) + 1).padStart(2, '0')}`;
  const bustPeriod = () => `${1900 + Math.floor(bust / 12)}-${String((bust++ % 12) + 1).padStart(2, '0')}`; // 1900-01 …: the gateway takes 1900–2199, the data begin 2005
  const gql = {
    'count choropleth': () => `{ indicatorValues(indicator: "sgb2_personen", level: SOZIALRAUM, periods: ["${MONTH}", "${bustPeriod()}"]) { period area { code } value } }`,
    // a series as the dashboard asks it (timeSeries: from/to of one area, the reader's range read);
    // `to` a different month after the data each time (2025-01, 2025-02, …), so no cache answers
    'count series': () => `{ timeSeries(indicator: "sgb2_personen", area: { level: SOZIALRAUM, code: "${AREA}" }, from: "${months[0]}", to: "${bustTo()}") { period value } }`,
    'rate choropleth': () => `{ indicatorValues(indicator: "sgb2_quote", level: SOZIALRAUM, periods: ["${MONTH}", "${bustPeriod()}"]) { period area { code } value } }`,
    'rate series': () => `{ timeSeries(indicator: "sgb2_quote", area: { level: SOZIALRAUM, code: "${AREA}" }, from: "${months[0]}", to: "${bustTo()}") { period value } }`,
  };
  const expected = { 'count choropleth': spec.areaCount, 'count series': MONTHS, 'rate choropleth': spec.areaCount, 'rate series': MONTHS };
  const params = { months, years };
  const variants = [];
  for (const q of Object.keys(direct)) {
    variants.push({ q, how: 'reader, public', run: () => reader.values(readerQuery[q]) });
    variants.push({ q, how: 'reader, privileged', run: () => reader.values({ ...readerQuery[q], privileged: true }) });
    variants.push({ q, how: 'GraphQL, public (HTTP)', run: () => graphqlTimed(id, gql[q]()) });
    variants.push({ q, how: 'direct SQL', run: () => warehouse.query(direct[q], params) });
  }
  // correctness: the privileged reader gives the direct query's values
  for (const q of Object.keys(direct)) {
    const [r, d] = await Promise.all([reader.values({ ...readerQuery[q], privileged: true }), warehouse.query(direct[q], params)]);
    const dm = new Map(d.map((x) => [`${x.area}|${x.period}`, Number(x.value)]));
    const bad = r.filter((v) => Math.abs((dm.get(`${v.areaCode}|${v.period}`) ?? Number.NaN) - v.value) > 1e-6);
    if (r.length !== expected[q] || d.length !== expected[q] || bad.length > 0) throw new Error(`${q}: reader ${r.length} values, direct ${d.length}, expected ${expected[q]}, ${bad.length} differ`);
  }
  const times = new Map(variants.map((v) => [v, []]));
  for (let run = 0; run < RUNS + 3; run++)
    for (const v of variants) {
      const started = performance.now();
      const answer = await v.run();
      // a GraphQL read times its answered request only (graphqlTimed)
      const { rows, ms } = Array.isArray(answer) ? { rows: answer, ms: performance.now() - started } : answer;
      if (rows.length < expected[v.q]) throw new Error(`${v.q} ${v.how}: ${rows.length} rows, expected ${expected[v.q]}`);
      if (run >= 3) times.get(v).push(ms);
    }
  const out = [];
  log(
    `query latency on ${id} (${spec.areaCount} Gebiete × ${MONTHS} months, ${(await cellCount(id)).toLocaleString('en-US')} cell rows), ${RUNS} runs each after 3 warm-up, variants interleaved; GraphQL requests the per-client budget sent back (429, waited out, not timed): ${budgetWaits}:`,
  );
  for (const q of Object.keys(direct)) {
    const d = times.get(variants.find((v) => v.q === q && v.how === 'direct SQL'));
    const dp50 = percentile(d, 50);
    const dp95 = percentile(d, 95);
    for (const v of variants.filter((x) => x.q === q)) {
      const xs = times.get(v);
      const r = { query: q, how: v.how, p50: percentile(xs, 50), p95: percentile(xs, 95), ratio50: percentile(xs, 50) / dp50, ratio95: percentile(xs, 95) / dp95 };
      out.push(r);
      console.log(
        `  ${q.padEnd(16)} ${v.how.padEnd(24)} p50 ${fmtMs(r.p50)}  p95 ${fmtMs(r.p95)}${v.how === 'direct SQL' ? '' : `   ÷ direct p50 ${r.ratio50.toFixed(2)}×  p95 ${r.ratio95.toFixed(2)}×`}`,
      );
    }
  }
  return out;
}

function report(queries, coldWarm, restart) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  console.log('\n── summary (SYNTHETIC data, bench/national/generate.mjs) ──');
  console.log(`load average at start ${startLoad}, at end ${load()}; platform ready in ${startS.toFixed(1)} s`);
  console.log(
    `tenant creation (POST /admin/tenants): mean ${mean(phases.create).toFixed(2)} s, first ${phases.create[0].toFixed(2)} s, last ${phases.create.at(-1).toFixed(2)} s (last ÷ first ${(phases.create.at(-1) / phases.create[0]).toFixed(2)}×)`,
  );
  const sorted = [...phases.create].sort((a, b) => a - b);
  console.log(
    `tenant creation: p50 ${percentile(sorted, 50).toFixed(2)} s, p95 ${percentile(sorted, 95).toFixed(2)} s, max ${sorted.at(-1).toFixed(2)} s; all ${TENANTS} in ${(phases.create.reduce((a, b) => a + b, 0) / 60).toFixed(1)} min`,
  );
  console.log(`levels + areas delivered and projected: mean ${mean(phases.reference).toFixed(2)} s`);
  const peak = checkpoints.reduce((a, b) => ((b.totalPrivateMiB ?? 0) > (a.totalPrivateMiB ?? 0) ? b : a));
  console.log(
    `memory bounded by the cap: the largest total private memory at a checkpoint was ${peak.totalPrivateMiB} MiB (platform ${peak.mainPrivateMiB}, ${peak.children} chdb-http ${peak.childrenPrivateMiB}) at ${peak.tenants} tenants; RSS ${peak.totalMiB} MiB`,
  );
  for (const c of phases.counts.filter((c) => c.months === MONTHS).slice(0, 5))
    console.log(`counts ${c.id}: ${c.records} records, ${c.values} values; accepted ${c.acceptedS.toFixed(1)} s, projected ${c.projectedS.toFixed(1)} s`);
  const full = phases.counts.filter((c) => c.months === MONTHS);
  if (full.length) {
    // the whole data set: 400 tenants × their Gebiete × 240 months (+ the yearly stocks)
    let national = 0;
    for (let t = 1; t <= 400; t++) national += sizeOf(tenantSpec(t, SEED), 240).values;
    const v = mean(full.map((c) => c.values / c.projectedS));
    const accepted = mean(full.map((c) => c.values / c.acceptedS));
    const cp = checkpoints.at(-1);
    const mibPerValue = cp.fullTenantMiB / mean(full.map((c) => c.values));
    console.log(
      `extrapolation to the whole data set (${(national / 1e9).toFixed(2)} billion values), one tenant at a time at this run's rate: accepted ${(national / accepted / 3600).toFixed(1)} h (${accepted.toFixed(0)} values/s), in the warehouses ${(national / v / 3600).toFixed(1)} h (${v.toFixed(0)} values/s); disk ≈ ${((national * mibPerValue) / 1024).toFixed(0)} GiB (${((mibPerValue * 2 ** 20) / 1).toFixed(1)} B per value, full tenant at ${MONTHS} months ${cp.fullTenantMiB} MiB incl. its bare stores)`,
    );
  }
  // per additional tenant only while every tenant is open (no cap reached)
  if (checkpoints.length > 2 && checkpoints.at(-1).children === checkpoints.at(-1).tenants) {
    const a = checkpoints[1];
    const b = checkpoints.at(-1);
    const perTenant = (b.totalMiB - a.totalMiB) / (b.tenants - a.tenants);
    const perTenantPrivate = (b.totalPrivateMiB - a.totalPrivateMiB) / (b.tenants - a.tenants);
    const fit = Math.floor(b.tenants + (20 * 1024 - b.totalPrivateMiB) / perTenantPrivate);
    console.log(
      `memory per additional tenant (${a.tenants} → ${b.tenants}): RSS ${perTenant.toFixed(0)} MiB (platform ${((b.mainMiB - a.mainMiB) / (b.tenants - a.tenants)).toFixed(0)}, chdb-http ${((b.childrenMiB - a.childrenMiB) / (b.tenants - a.tenants)).toFixed(0)}), private ${perTenantPrivate.toFixed(0)} MiB; 400 tenants ≈ ${((b.totalPrivateMiB + perTenantPrivate * (400 - b.tenants)) / 1024).toFixed(1)} GiB private (RSS sum ${((b.totalMiB + perTenant * (400 - b.tenants)) / 1024).toFixed(1)} GiB); 20 GiB hold ≈ ${fit} tenants`,
    );
  }
  console.log(
    JSON.stringify(
      {
        bench: 'national',
        synthetic: true,
        tenants: TENANTS,
        full: FULL,
        months: MONTHS,
        smallMonths: SMALL_MONTHS,
        startLoad,
        endLoad: load(),
        startS,
        create: phases.create,
        reference: phases.reference,
        counts: phases.counts,
        checkpoints,
        queries,
        budgetWaits,
        coldWarm,
        restart,
        openMax: args['open-max'] || null,
      },
      (_k, v) => (typeof v === 'number' ? Math.round(v * 100) / 100 : v),
    ),
  );
}
