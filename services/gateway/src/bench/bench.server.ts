// BENCHMARK ONLY (bench/gateway/run.sh): fills a ClickHouse warehouse (services/chdb-http) with
// synthetic indicator data for Köln's 86 Stadtteile, captures the exact HTTP requests the
// warehouse reader sends for the benchmark queries (so k6 can replay them directly against the
// warehouse as the baseline), then serves the gateway.
// Two phases, because chDB allows one data directory per process and large projector batches do
// not fit in URL query parameters of the HTTP interface:
//   BENCH_MODE=seed  CHDB_PATH=…   seeds the data directory in-process (chDB), then exits
//   BENCH_MODE=serve CHDB_URL=…    captures the reader's requests and serves the gateway
//   further env: BENCH_PORT, BENCH_CAPTURE (output JSON); the bench reads as the public (no tokens)
import { writeFileSync } from 'node:fs';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { areaMapRows, IndicatorProjector, loadAreaMap, migrateWarehouse, type AreaStatisticEvent } from '@sp/indicator-store';
import { loadReference } from '@sp/spatial';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { TokenRejected } from '@sp/identity/tokens';
import { z } from 'zod';
import { standaloneGateway } from '../standalone.js';

const env = z
  .object({
    BENCH_MODE: z.enum(['seed', 'serve']),
    CHDB_PATH: z.string().optional(),
    CHDB_URL: z.string().url().optional(),
    BENCH_PORT: z.coerce.number().int().default(4100),
    BENCH_CAPTURE: z.string().optional(),
  })
  .parse(process.env);

export const benchQueries = {
  choropleth: '{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012") { area { code name } value suppressed } }',
  series: '{ timeSeries(indicator: "sgb2_personen", area: { level: STADTTEIL, code: "101" }, from: "2005-01", to: "2024-12") { period value suppressed } }',
};

/** Deterministic synthetic rows: Einwohner per year 2005–2024, SGB-II persons per month 2005-01…2024-12. */
function syntheticEvents(codes: readonly string[]): AreaStatisticEvent[] {
  let seq = 0;
  let rnd = 42;
  const next = () => (rnd = (rnd * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const ev = (dataset: string, code: string, period: string, measure: string, value: number, synthetic: boolean): AreaStatisticEvent => ({
    key: `${dataset}|STADTTEIL|${code}|${period}`,
    version: 1,
    tombstone: false,
    deliveredAt: Date.UTC(2025, 0, 1) + ++seq,
    amt: dataset === 'sgb2' ? 'jobcenter' : 'statistik',
    deliveryId: `bench-${seq}`,
    payload: { dataset, areaLevel: 'STADTTEIL', areaCode: code, period, synthetic, observations: [{ measure, dimensions: {}, value }] },
  });
  const out: AreaStatisticEvent[] = [];
  for (const code of codes) {
    const base = 2000 + Math.floor(next() * 40000);
    for (let y = 2005; y <= 2024; y++) out.push(ev('bevoelkerung', code, String(y), 'einwohner', Math.round(base * (0.95 + 0.005 * (y - 2005) + 0.01 * next())), false));
    const share = 0.02 + next() * 0.2;
    for (let y = 2005; y <= 2024; y++) {
      for (let m = 1; m <= 12; m++) out.push(ev('sgb2', code, `${y}-${String(m).padStart(2, '0')}`, 'sgb2_personen', Math.round(base * share * (0.9 + 0.2 * next())), true));
    }
  }
  return out;
}

/** A pass-through HTTP proxy to the warehouse that records every request while `recording`. */
async function recordingProxy(target: string) {
  const url = new URL(target);
  let log: { path: string; body: string; headers: Record<string, string> }[] | null = null;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      // replayed with the headers that shape the answer (compression, content type)
      const headers = Object.fromEntries(['accept-encoding', 'content-type', 'content-encoding'].filter((h) => req.headers[h]).map((h) => [h, String(req.headers[h])]));
      log?.push({ path: req.url ?? '/', body: body.toString('utf8'), headers });
      const fwd = httpRequest({ host: url.hostname, port: url.port, method: req.method, path: req.url, headers: req.headers }, (up) => {
        res.writeHead(up.statusCode ?? 500, up.headers);
        up.pipe(res);
      });
      fwd.on('error', (e) => res.destroy(e));
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    start: () => (log = []),
    stop: () => {
      const l = log ?? [];
      log = null;
      return l;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

const reference = loadReference('koeln');

if (env.BENCH_MODE === 'seed') {
  const warehouse = openChdbWarehouse({ path: env.CHDB_PATH! });
  const started = Date.now();
  await migrateWarehouse(warehouse);
  await loadAreaMap(warehouse, areaMapRows(reference));
  const events = syntheticEvents(reference.areas('STADTTEIL').map((a) => a.code));
  const projector = new IndicatorProjector(warehouse);
  for (let i = 0; i < events.length; i += 5000) await projector.apply(events.slice(i, i + 5000));
  await warehouse.close();
  console.log(`seeded ${events.length} area-statistic records in ${Date.now() - started} ms`);
  process.exit(0);
}

const warehouse = createClickHouseWarehouse({ url: env.CHDB_URL! });
// capture what the reader sends for each benchmark query
const proxy = await recordingProxy(env.CHDB_URL!);
// k6's virtual users all come from 127.0.0.1: one client for the budgets, so they are off here
/** the bench sends no tokens: any that came would be refused */
const publicOnly = { verify: () => Promise.reject(new TokenRejected('the bench server accepts no tokens')) };
const recordingGateway = standaloneGateway({ warehouse: createClickHouseWarehouse({ url: proxy.url }), reference: 'koeln', security: { auth: publicOnly }, budgets: false });
const capture: Record<string, { graphql: string; requests: { path: string; body: string; headers: Record<string, string> }[] }> = {};
for (const [name, query] of Object.entries(benchQueries)) {
  proxy.start();
  const res = await recordingGateway.yoga.fetch('http://bench/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
  const json = (await res.json()) as { errors?: unknown };
  if (json.errors) throw new Error(`bench query ${name} failed: ${JSON.stringify(json.errors)}`);
  // query_id must be unique per running query on a real server; k6 replays without it
  capture[name] = { graphql: query, requests: proxy.stop().map((r) => ({ ...r, path: r.path.replace(/([?&])query_id=[^&]*&?/, '$1') })) };
}
await proxy.close();
writeFileSync(env.BENCH_CAPTURE!, JSON.stringify(capture, null, 2));

// the gateway as configured by default (response cache in front of the shared read cache) on
// BENCH_PORT, one without any cache on BENCH_PORT + 1 and one with the read cache only on
// BENCH_PORT + 2, so the run shows what each layer does
const variants: Pick<Parameters<typeof standaloneGateway>[0], 'cache' | 'responseCache'>[] = [{}, { cache: false, responseCache: false }, { responseCache: false }];
const servers = variants.map((caches, i) => {
  const gateway = standaloneGateway({ warehouse, reference: 'koeln', security: { auth: publicOnly }, budgets: false, ...caches });
  const server = createServer(gateway.handler);
  server.keepAliveTimeout = 60_000;
  server.listen(env.BENCH_PORT + i, '127.0.0.1');
  return server;
});
console.log(
  `bench gateway ready on http://127.0.0.1:${env.BENCH_PORT}/graphql (no cache: port ${env.BENCH_PORT + 1}, read cache only: port ${env.BENCH_PORT + 2}); warehouse requests per query: ${Object.entries(
    capture,
  )
    .map(([n, c]) => `${n}=${c.requests.length}`)
    .join(', ')}`,
);
for (const signal of ['SIGINT', 'SIGTERM'] as const)
  process.once(signal, () => {
    for (const s of servers) s.close();
    void warehouse.close().finally(() => process.exit(0));
  });
