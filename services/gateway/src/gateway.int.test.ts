// The gateway over the REAL warehouse reader: chDB, the indicator store's projector and
// WarehouseIndicatorReader, the real catalogue and the real Köln reference, with the real 2012
// Einwohner per Stadtteil delivered as area-statistic events. The contract holds, and suppression
// decided by the warehouse never leaks to the public through any read path.
import { areaMapRows, IndicatorProjector, planResolverFromCatalogue, loadAreaMap, migrateWarehouse, WarehouseIndicatorReader, type AreaStatisticEvent } from '@sp/indicator-store';
import { loadCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueSource } from './adapters/indicators.catalogue.js';
import { areaSourceFromReference } from './adapters/spatial.source.js';
import { createGateway, type Gateway } from './gateway.js';
import { checkContract } from './testing/contract.js';
import { clientFor, type GraphQLClient, testAuth, tokenFor } from './testing/gateway.fixture.js';
import { einwohner2012 } from './testing/koeln.fixture.js';

let wh: Warehouse;
let gateway: Gateway;
let gql: GraphQLClient;
let seq = 0;

function event(dataset: string, code: string, period: string, observations: Record<string, number>, synthetic: boolean): AreaStatisticEvent {
  seq += 1;
  return {
    key: `${dataset}|STADTTEIL|${code}|${period}`,
    version: 1,
    tombstone: false,
    deliveredAt: Date.UTC(2013, 2, 1) + seq,
    amt: dataset === 'sgb2' ? 'jobcenter' : 'statistik',
    deliveryId: `d-${seq}`,
    payload: { dataset, areaLevel: 'STADTTEIL', areaCode: code, period, synthetic, observations: Object.entries(observations).map(([measure, value]) => ({ measure, dimensions: {}, value })) },
  };
}

beforeAll(async () => {
  const reference = loadReference('koeln');
  const catalogue = loadCatalogue();
  wh = await openChdbWarehouse({ path: tempDir('sp-gw-') });
  await migrateWarehouse(wh);
  await loadAreaMap(wh, areaMapRows(reference));
  const ew = einwohner2012();
  // real Einwohner 2012; synthetic SGB-II persons (2 %) with Altstadt/Süd at 2, below the threshold
  const events = [...ew].flatMap(([code, n]) => [
    event('bevoelkerung', code, '2012', { einwohner: n }, false),
    event('sgb2', code, '2012-12', { sgb2_personen: code === '101' ? 2 : Math.round(n * 0.02) }, true),
  ]);
  await new IndicatorProjector(wh).apply(events);
  gateway = createGateway({
    areas: areaSourceFromReference(reference),
    catalogue: catalogueSource(catalogue),
    indicators: new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] }),
    auth: testAuth,
  });
  gql = clientFor((url, init) => Promise.resolve(gateway.yoga.fetch(url, init)));
});
afterAll(async () => wh?.close());

describe('gateway over chDB and the warehouse reader', () => {
  it('answers the contract queries', async () => {
    expect(await checkContract(gql)).toEqual([]);
  });

  it('never shows the public a suppressed count, on any path', async () => {
    const q = `{
      direct: indicatorValues(indicator: "sgb2_personen", level: STADTTEIL, period: "2012-12", parent: { level: STADTBEZIRK, code: "1" }) { area { code } value suppressed }
      bezirk: indicatorValues(indicator: "sgb2_personen", level: STADTBEZIRK, period: "2012-12", areas: ["1"]) { value suppressed }
      ranking(indicator: "sgb2_personen", level: STADTTEIL, period: "2012-12", order: LOWEST_FIRST, first: 100) { area { code } value }
      timeSeries(indicator: "sgb2_personen", area: { level: STADTTEIL, code: "101" }, from: "2012-01", to: "2012-12") { value suppressed }
      comparison(indicator: "sgb2_personen", area: { level: STADTTEIL, code: "101" }, period: "2012-12") { area { value } differenceToParent differenceToCity }
    }`;
    const r = await gql(q);
    expect(r.errors).toBeUndefined();
    const d = r.data;
    const altstadt = d.direct.find((x: any) => x.area.code === '101');
    expect(altstadt).toEqual({ area: { code: '101' }, value: null, suppressed: true });
    if (!d.bezirk[0].suppressed) {
      const hidden = d.direct.filter((x: any) => x.suppressed);
      expect(hidden.length).toBeGreaterThanOrEqual(2); // secondary suppression
      const visible = d.direct.filter((x: any) => !x.suppressed).reduce((s: number, x: any) => s + x.value, 0);
      expect(d.bezirk[0].value - visible).not.toBe(2);
    }
    expect(d.ranking.map((x: any) => x.area.code)).not.toContain('101');
    expect(d.timeSeries.every((x: any) => x.value === null)).toBe(true);
    expect(d.comparison).toEqual({ area: { value: null }, differenceToParent: null, differenceToCity: null });
    const csv = await (await gateway.yoga.fetch('http://gw/export/indicator-values.csv?indicator=sgb2_personen&level=STADTTEIL&period=2012-12')).text();
    const row = csv
      .split('\r\n')
      .find((l) => l.split(';')[4] === '101')!
      .split(';');
    expect(row.slice(7, 11)).toEqual(['', '', '', 'ja']);
  });

  it('shows the count to a privileged planner', async () => {
    const r = await gql('{ indicatorValues(indicator: "sgb2_personen", level: STADTTEIL, period: "2012-12", areas: ["101"]) { value suppressed } }', {
      token: await tokenFor({ role: 'planner', privileged: true }),
    });
    expect(r.data.indicatorValues).toEqual([{ value: 2, suppressed: false }]);
  });

  it('answers out-of-range periods with BAD_USER_INPUT / 400 naming argument, value and accepted range, not a 500 (issue #13)', async () => {
    for (const [args, argument, message] of [
      ['from: "2005", to: "9999"', 'to', /to "9999" lies outside the accepted years 1900–2199/],
      ['from: "0001", to: "2012"', 'from', /from "0001" lies outside the accepted years 1900–2199/],
      ['from: "1900-01", to: "2199-12"', 'to', /spans 3600 periods; at most 600/],
    ] as const) {
      const r = await gql(`{ indicatorValues(indicator: "einwohner", level: STADT, ${args}) { value } }`);
      expect(r.errors?.[0]?.extensions, args).toMatchObject({ code: 'BAD_USER_INPUT', argument });
      expect(r.errors?.[0]?.message).toMatch(message);
    }
    const series = await gql('{ timeSeries(indicator: "sgb2_quote", area: { level: STADTTEIL, code: "101" }, from: "0001-01", to: "2012-12") { value } }');
    expect(series.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    for (const path of [
      '/export/indicator-values.csv?indicator=einwohner&level=STADT&from=2005&to=9999',
      '/export/indicator-values.csv?indicator=einwohner&level=STADT&from=0001&to=2012',
      '/export/time-series.csv?indicator=einwohner&level=STADTTEIL&code=101&from=2005&to=9999',
      '/export/indicator-values.csv?indicator=einwohner&level=STADT&period=0000',
    ]) {
      const res = await gateway.yoga.fetch(`http://gw${path}`);
      expect(res.status, path).toBe(400);
      expect(((await res.json()) as any).errors[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT' }, message: expect.stringMatching(/accepted years 1900–2199/) });
    }
  });

  it('lists the catalogue with attribution and synthetic flags', async () => {
    const r = await gql('{ indicator(code: "sgb2_quote") { synthetic sourceAmt sources { name licence attribution } } sources { code synthetic attribution } }');
    expect(r.data.indicator.synthetic).toBe(true);
    expect(r.data.indicator.sources.some((s: any) => /synthetisch/i.test(s.attribution))).toBe(true);
    expect(r.data.sources.find((s: any) => s.code === 'bevoelkerung')).toMatchObject({ synthetic: false, attribution: expect.stringContaining('Offene Daten Köln') });
  });
});
