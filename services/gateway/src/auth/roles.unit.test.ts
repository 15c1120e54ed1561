// Roles and Datenschutz: a suppressed cell never reaches the public through any read path, and
// only privileged roles (or an Amt for its own data) see counts below the threshold.
import { describe, expect, it } from 'vitest';
import { generateKeyPair } from 'jose';
import { type TestGateway, testGateway, tokenFor } from '../testing/gateway.fixture.js';
import { truth } from '../testing/koeln.fixture.js';

const { gql, get, memory } = testGateway();
const testGatewayClients = { gql, get };

// the queries of every read path, asked exactly alike by privileged and public viewers
const paths = {
  direct: `{ sgb2: indicatorValues(indicator: "sgb2", level: STADTTEIL, period: "2012", areas: ["101"]) { value numerator denominator suppressed suppressionReason }
       quote: indicatorValues(indicator: "sgb2_quote", level: STADTTEIL, period: "2012", areas: ["101"]) { value numerator denominator suppressed suppressionReason }
       area(level: STADTTEIL, code: "101") { value(indicator: "sgb2", period: "2012") { value suppressed } } }`,
  siblings: `{ bezirk: indicatorValues(indicator: "sgb2", level: STADTBEZIRK, period: "2012", areas: ["1"]) { value suppressed }
       teile: indicatorValues(indicator: "sgb2", level: STADTTEIL, period: "2012", parent: { level: STADTBEZIRK, code: "1" }) { area { code } value suppressed } }`,
  ranking: `{ ranking(indicator: "sgb2", level: STADTTEIL, period: "2012", order: LOWEST_FIRST, first: 100) { rank area { code } value } }`,
  series: `{ timeSeries(indicator: "sgb2", area: { level: STADTTEIL, code: "101" }, from: "2010", to: "2012") { period value suppressed }
       comparison(indicator: "sgb2_quote", area: { level: STADTTEIL, code: "101" }, period: "2012") { area { value numerator } differenceToParent differenceToCity ratioToCity } }`,
};

async function publicLeaks(token?: string, { gql, get }: Pick<TestGateway, 'gql' | 'get'> = testGatewayClients): Promise<void> {
  const opts = token ? { token } : {};
  // 1. direct value, with numerator and denominator
  const direct = await gql(paths.direct, opts);
  expect(direct.errors).toBeUndefined();
  expect(direct.data.sgb2).toEqual([{ value: null, numerator: null, denominator: null, suppressed: true, suppressionReason: 'PRIMARY' }]);
  expect(direct.data.quote).toEqual([{ value: null, numerator: null, denominator: null, suppressed: true, suppressionReason: 'DERIVED' }]);
  expect(direct.data.area.value).toEqual({ value: null, suppressed: true });

  // 2. parent total minus the siblings does not give the hidden value back
  const siblings = await gql(paths.siblings, opts);
  const hidden = siblings.data.teile.filter((t: any) => t.suppressed);
  expect(hidden.map((t: any) => t.area.code)).toContain('101');
  if (!siblings.data.bezirk[0].suppressed) {
    const visible = siblings.data.teile.filter((t: any) => !t.suppressed).reduce((s: number, t: any) => s + t.value, 0);
    // with two or more hidden cells the difference is their sum, not any one of them
    expect(hidden.length).toBeGreaterThanOrEqual(2);
    expect(siblings.data.bezirk[0].value - visible).not.toBe(truth.altstadtSuedSgb2);
  }

  // 3. ranking: the hidden cell takes no place, and ranks do not skip a place for it
  const ranking = await gql(paths.ranking, opts);
  expect(ranking.data.ranking.map((r: any) => r.area.code)).not.toContain('101');
  expect(ranking.data.ranking[0].rank).toBe(1);
  expect(ranking.data.ranking.some((r: any) => r.value === truth.altstadtSuedSgb2)).toBe(false);

  // 4. time series and comparison
  const series = await gql(paths.series, opts);
  expect(series.data.timeSeries).toEqual([{ period: '2012', value: null, suppressed: true }]);
  expect(series.data.comparison).toEqual({ area: { value: null, numerator: null }, differenceToParent: null, differenceToCity: null, ratioToCity: null });

  // 5. CSV export, every indicator route
  for (const path of [
    '/export/indicator-values.csv?indicator=sgb2&level=STADTTEIL&period=2012',
    '/export/indicator-values.csv?indicator=sgb2_quote&level=STADTTEIL&period=2012',
    '/export/time-series.csv?indicator=sgb2&level=STADTTEIL&code=101&from=2005&to=2012',
    '/export/comparison.csv?indicator=sgb2_quote&level=STADTTEIL&code=101&period=2012',
    '/export/ranking.csv?indicator=sgb2&level=STADTTEIL&period=2012&first=100',
  ]) {
    const res = await get(path, token);
    expect(res.status, path).toBe(200);
    const rows = (await res.text()).split('\r\n').map((l) => l.split(';'));
    const header = rows[0]!;
    const code = header.indexOf('Gebietsschlüssel');
    for (const row of rows.filter((r) => r[code] === '101')) {
      expect(row[header.indexOf('Wert')], path).toBe('');
      expect(row[header.indexOf('Zähler')], path).toBe('');
      expect(row[header.indexOf('Nenner')], path).toBe('');
      expect(row[header.indexOf('Gesperrt')], path).toBe('ja');
    }
  }
}

describe('suppression never leaks to the public', () => {
  it('holds for every read path without a token', async () => {
    await publicLeaks();
    // and the reader was never asked to lift suppression
    expect(memory.calls.filter((c) => c.method === 'values' && c.query.privileged)).toEqual([]);
  });

  it('holds for a public token and for planners without the privileged claim', async () => {
    await publicLeaks(await tokenFor({ role: 'public', privileged: true }));
    await publicLeaks(await tokenFor({ role: 'planner' }));
    await publicLeaks(await tokenFor({ role: 'amt', amt: '12', privileged: true })); // privileged, but not its data
  });

  it('holds with the shared read cache and the response cache on, after privileged viewers asked the same', async () => {
    const cached = testGateway({ cache: { ttlMs: 60_000, maxEntries: 100 }, responseCache: { ttlMs: 60_000 } });
    const privileged = [
      { role: 'planner', privileged: true },
      { role: 'admin', privileged: true },
      { role: 'amt', amt: '50', privileged: true },
    ];
    for (const claims of privileged) {
      const token = await tokenFor(claims);
      const direct = await cached.gql(paths.direct, { token });
      expect(direct.data.sgb2[0].value, 'the privileged answer is unsuppressed').toBe(truth.altstadtSuedSgb2);
      for (const query of [paths.siblings, paths.ranking, paths.series]) expect((await cached.gql(query, { token })).errors).toBeUndefined();
    }
    // the same queries, byte for byte, twice: once computed, once answered from the caches
    for (let round = 0; round < 2; round++) {
      await publicLeaks(undefined, cached);
      await publicLeaks(await tokenFor({ role: 'planner' }), cached);
      await publicLeaks(await tokenFor({ role: 'amt', amt: '12', privileged: true }), cached);
    }
  });

  it('lifts suppression for a privileged planner and for the delivering Amt', async () => {
    const q = '{ indicatorValues(indicator: "sgb2", level: STADTTEIL, period: "2012", areas: ["101"]) { value suppressed } }';
    for (const claims of [
      { role: 'planner', privileged: true },
      { role: 'admin', privileged: true },
      { role: 'amt', amt: '50', privileged: true },
    ]) {
      const r = await gql(q, { token: await tokenFor(claims) });
      expect(r.data.indicatorValues, JSON.stringify(claims)).toEqual([{ value: truth.altstadtSuedSgb2, suppressed: false }]);
    }
  });
});

describe('roles and published indicators', () => {
  const hze = '{ indicatorValues(indicator: "hze_faelle", level: STADTTEIL, period: "2012", areas: ["101"]) { value } }';

  it('hides unpublished indicators from the public, in the catalogue and in values', async () => {
    const r = await gql(hze);
    expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(r.data).toBeNull();
    const cat = await gql('{ indicators { code } }');
    expect(cat.data.indicators.map((i: any) => i.code)).not.toContain('hze_faelle');
    const csv = await get('/export/indicator-values.csv?indicator=hze_faelle&level=STADTTEIL&period=2012');
    expect(csv.status).toBe(403);
  });

  it('shows them to planners, admins and the delivering Amt, not to another Amt', async () => {
    for (const claims of [{ role: 'planner' }, { role: 'admin' }, { role: 'amt', amt: '51' }]) {
      const r = await gql(hze, { token: await tokenFor(claims) });
      expect(r.data?.indicatorValues, JSON.stringify(claims)).toEqual([{ value: 40 }]);
    }
    const other = await gql(hze, { token: await tokenFor({ role: 'amt', amt: '12' }) });
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
  });

  it('answers a bad token with 401 UNAUTHENTICATED, on GraphQL and CSV alike', async () => {
    const bad = [
      'not-a-jwt',
      await tokenFor({ role: 'planner' }, { key: (await generateKeyPair('ES256')).privateKey }),
      await tokenFor({ role: 'amt' }), // amt without its Amt
      await tokenFor({ role: 'superuser' }),
    ];
    for (const token of bad) {
      const r = await gql('{ indicators { code } }', { token });
      expect(r.status, token).toBe(401);
      expect(r.errors?.[0]?.extensions?.code, token).toBe('UNAUTHENTICATED');
      const csv = await get('/export/indicator-values.csv?indicator=einwohner&level=STADT&period=2012', token);
      expect(csv.status).toBe(401);
    }
  });
});
