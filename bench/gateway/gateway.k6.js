// k6: 50 virtual users on the choropleth query (einwohner × 86 Stadtteile × 2012) and on a
// 20-year monthly series (sgb2_personen, Altstadt/Süd, 2005-01…2024-12), each through the
// gateway as configured by default (response cache + read cache), with the read cache only, with
// no cache, and as the same warehouse requests sent directly to ClickHouse (chdb-http), in one
// run. The direct requests are those the warehouse reader sent for the query (captured by the
// bench server), replayed in order per iteration.
import http from 'k6/http';
import { check } from 'k6';

const URLS = { gateway: __ENV.GATEWAY_URL, readcache: __ENV.GATEWAY_READCACHE_URL, nocache: __ENV.GATEWAY_NOCACHE_URL };
const CHDB = __ENV.CHDB_URL;
const VUS = Number(__ENV.VUS || 50);
const DURATION = __ENV.DURATION || '20s';
const GAP = Number(__ENV.GAP_S || 3);
const capture = JSON.parse(open(__ENV.BENCH_CAPTURE));

const variants = ['gateway', 'readcache', 'nocache', 'direct'];
const names = ['choropleth', 'series'].flatMap((q) => variants.map((v) => `${q}_${v}`));
const seconds = parseInt(DURATION, 10);
const scenarios = {};
names.forEach((name, i) => {
  scenarios[name] = {
    executor: 'constant-vus',
    vus: VUS,
    duration: DURATION,
    startTime: `${i * (seconds + GAP)}s`,
    exec: name.endsWith('direct') ? 'direct' : 'gateway',
    env: { QUERY: name.split('_')[0], URL: URLS[name.split('_')[1]] || '' },
    gracefulStop: '5s',
  };
});

export const options = {
  scenarios,
  summaryTrendStats: ['avg', 'p(50)', 'p(95)', 'p(99)', 'max'],
  thresholds: Object.fromEntries(
    names.flatMap((n) => [
      // the target (p95 < 50 ms) is the gateway's as configured; the other variants are for comparison
      [`http_req_duration{scenario:${n}}`, n.endsWith('_gateway') ? ['p(95)<50'] : ['p(95)<100000']],
      [`iteration_duration{scenario:${n}}`, ['p(95)<100000']],
      [`iterations{scenario:${n}}`, ['count>0']],
      [`http_req_failed{scenario:${n}}`, ['rate<0.01']],
    ]),
  ),
};

const params = { headers: { 'content-type': 'application/json' } };

export function gateway() {
  const q = capture[__ENV.QUERY];
  const res = http.post(`${__ENV.URL}/graphql`, JSON.stringify({ query: q.graphql }), params);
  check(res, { 'status 200': (r) => r.status === 200, 'no errors': (r) => !r.body.includes('"errors"') });
}

export function direct() {
  // the reader's requests for this query, one after another as the reader sends them
  for (const r of capture[__ENV.QUERY].requests) {
    const res = http.post(`${CHDB}${r.path}`, r.body, { headers: r.headers });
    check(res, { 'status 200': (x) => x.status === 200 });
  }
}

export function handleSummary(data) {
  const m = data.metrics;
  const row = (n) => {
    // a gateway iteration is one HTTP request; a direct iteration is the reader's whole sequence
    const d = m[`iteration_duration{scenario:${n}}`].values;
    const it = m[`iterations{scenario:${n}}`].values.count;
    return { scenario: n, p50: d['p(50)'], p95: d['p(95)'], p99: d['p(99)'], avg: d.avg, max: d.max, iterations: it, perSecond: it / seconds };
  };
  const rows = names.map(row);
  const fmt = (x) => x.toFixed(1).padStart(8);
  let text = `\nscenario               p50 ms   p95 ms   p99 ms   max ms    req/s   (VUs ${VUS}, ${DURATION} each)\n`;
  for (const r of rows) text += `${r.scenario.padEnd(20)} ${fmt(r.p50)} ${fmt(r.p95)} ${fmt(r.p99)} ${fmt(r.max)} ${fmt(r.perSecond)}\n`;
  for (const q of ['choropleth', 'series']) {
    const d = rows.find((r) => r.scenario === `${q}_direct`);
    for (const v of ['gateway', 'readcache', 'nocache']) {
      const g = rows.find((r) => r.scenario === `${q}_${v}`);
      text += `${q}: ${v}/direct p95 = ${(g.p95 / d.p95).toFixed(2)}×, p50 = ${(g.p50 / d.p50).toFixed(2)}×\n`;
    }
  }
  return { stdout: text, [__ENV.SUMMARY_OUT]: JSON.stringify({ vus: VUS, duration: DURATION, rows }, null, 2) };
}
