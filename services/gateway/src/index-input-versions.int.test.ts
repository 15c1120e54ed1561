// Issue 15, deliver 3, through the gateway on chDB: after a new version of the ratio a composite
// index reads, the index's scores of both input versions are queryable (GraphQL inputVersions,
// CompositeIndex.results, CSV inputVersions=) and each says which versions made it; the default
// read answers the new ones. The public reads the old set too, but only its protected variant
// (docs/disclosure.md §5). The CSV exports take definitionVersion= as GraphQL does, with the same
// 400 for a version that does not exist.
import { areaMapRows, IndexProjector, IndicatorProjector, loadAreaMap, migrateWarehouse, planResolverFromCatalogue, WarehouseIndicatorReader } from '@sp/indicator-store';
import { sgbCatalogueYaml, sgbQuoteYaml, statisticEvents } from '@sp/indicator-store/testing';
import { parseCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueSource } from './adapters/indicators.catalogue.js';
import { areaSourceFromReference } from './adapters/spatial.source.js';
import { createGateway } from './gateway.js';
import { clientFor, type GraphQLClient, testAuth, tokenFor } from './testing/gateway.fixture.js';
import { einwohner2012 } from './testing/koeln.fixture.js';

const yaml = sgbCatalogueYaml({ sgbPeriodicity: 'year', publicPopulation: true, children: true, indices: [{ code: 'index_lage', inputs: ['sgb_quote'] }] });
const quoteV2 = `${sgbQuoteYaml({ version: 2, numerator: 'sgb_kinder' })}\n`;

type Scored = { area: { code: string }; score: number | null; definitionVersion: number; inputVersions: { indicatorCode: string; version: number }[] };
const indexQuery = (args = '') => `{ indexValues(index: "index_lage", level: STADTTEIL, period: "2012"${args}) { area { code } score definitionVersion inputVersions { indicatorCode version } } }`;
const listed = (versions: { indicatorCode: string; version: number }[]) => versions.map((v) => `${v.indicatorCode}:${v.version}`).join(',');

/** the CSV's rows as column → cell */
async function csvRows(res: Response): Promise<Record<string, string>[]> {
  const [header, ...lines] = (await res.text())
    .replace(/^\uFEFF/, '')
    .split('\r\n')
    .filter(Boolean);
  const names = header!.split(';');
  return lines.map((l) => Object.fromEntries(l.split(';').map((cell, i) => [names[i]!, cell])));
}

describe('index scores of each input version through the gateway (chDB)', () => {
  const reference = loadReference('koeln');
  const catalogue = parseCatalogue(yaml);
  let wh: Warehouse;
  let indices: IndexProjector;
  let gql: GraphQLClient;
  let get: (path: string, token?: string) => Promise<Response>;
  let planner: string;
  const before: { exact?: Scored[]; published?: Scored[] } = {};

  const scores = async (args: string, token?: string) => {
    const r = await gql<{ indexValues: Scored[] }>(indexQuery(args), token ? { token } : {});
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!.indexValues;
  };

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-gw-index-versions-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, areaMapRows(reference));
    const record = statisticEvents({ from: Date.UTC(2013, 2, 1) });
    // small SGB counts (the public's protected ones differ), persons and children ordering the Stadtteile differently
    const events = [...einwohner2012()].flatMap(([code, n], i) => [
      record('bev', code, '2012', { einwohner: n }),
      record('sgb', code, '2012', { sgb_personen: 5 + ((i * 7) % 23), sgb_kinder: 3 + ((i * 11) % 17) }),
    ]);
    await new IndicatorProjector(wh, { recordKeySecret: 'gw-index-versions-test' }).apply(events);
    const reader = new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: reference.hierarchyLevels });
    indices = new IndexProjector(wh, reader, catalogue, { levels: ['STADTTEIL'] });
    await indices.recompute(['2012']);
    const gateway = createGateway({
      areas: areaSourceFromReference(reference),
      catalogue: catalogueSource(catalogue),
      indicators: reader,
      auth: testAuth,
      cache: false,
      responseCache: false,
      budgets: false,
    });
    const fetchFn = (url: string, init: RequestInit) => gateway.fetch(url, init);
    gql = clientFor(fetchFn);
    get = (path, token) => fetchFn(`http://gateway.test${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    planner = await tokenFor({ role: 'planner', privileged: true });
    before.exact = await scores('', planner);
    before.published = await scores('');

    // version 2 of the ratio the index reads, then the recomputation its delivery triggers
    catalogue.replaceWith(parseCatalogue(yaml + quoteV2));
    await indices.recompute(['2012']);
  }, 120_000);
  afterAll(async () => wh?.close());

  it('answers the new input versions by default and the old ones when asked, each labelled', async () => {
    expect(before.exact!.length).toBeGreaterThan(80);
    expect(new Set(before.exact!.map((v) => listed(v.inputVersions)))).toEqual(new Set(['einwohner:1,sgb_personen:1,sgb_quote:1']));

    const now = await scores('', planner);
    expect(new Set(now.map((v) => `${v.definitionVersion} ${listed(v.inputVersions)}`))).toEqual(new Set(['1 einwohner:1,sgb_kinder:1,sgb_quote:2']));
    expect(now.map((v) => v.score)).not.toEqual(before.exact!.map((v) => v.score));

    // the old set, named by the input that differs: exactly the scores read before the new version
    expect(await scores(', inputVersions: [{ indicator: "sgb_quote", version: 1 }]', planner)).toEqual(before.exact);
    // named completely, and with the definition version
    expect(
      await scores(', definitionVersion: 1, inputVersions: [{ indicator: "sgb_personen", version: 1 }, { indicator: "sgb_quote", version: 1 }, { indicator: "einwohner", version: 1 }]', planner),
    ).toEqual(before.exact);
    // the current set named explicitly is the default one
    expect(await scores(', inputVersions: [{ indicator: "sgb_quote", version: 2 }]', planner)).toEqual(now);

    const results = await gql<{
      indices: { code: string; results: { definitionVersion: number; current: boolean; periods: string[]; inputVersions: { indicatorCode: string; version: number }[] }[] }[];
    }>('{ indices { code results { definitionVersion current periods inputVersions { indicatorCode version } } } }', { token: planner });
    const sets = results.data!.indices.find((i) => i.code === 'index_lage')!.results.map((r) => `${r.definitionVersion} ${listed(r.inputVersions)} ${r.current} ${r.periods.join()}`);
    expect(sets.sort()).toEqual(['1 einwohner:1,sgb_kinder:1,sgb_quote:2 true 2012', '1 einwohner:1,sgb_personen:1,sgb_quote:1 false 2012']);
  });

  it('gives the public the old set only in its protected variant', async () => {
    const old = await scores(', inputVersions: [{ indicator: "sgb_quote", version: 1 }]');
    expect(old).toEqual(before.published);
    // not the true scores: the public variant is computed from the protected inputs
    expect(old.map((v) => v.score)).not.toEqual(before.exact!.map((v) => v.score));
    const csv = await csvRows(await get('/export/index-values.csv?index=index_lage&level=STADTTEIL&period=2012&inputVersions=sgb_quote:1'));
    expect(csv.map((r) => r.Wert)).toEqual(old.map((v) => (v.score === null ? '' : new Intl.NumberFormat('de-DE', { useGrouping: false, maximumFractionDigits: 10 }).format(v.score))));
    // the public's list of sets is that of the protected table: the same two sets
    const results = await gql<{ indices: { code: string; results: { current: boolean }[] }[] }>('{ indices { code results { current } } }');
    expect(
      results
        .data!.indices.find((i) => i.code === 'index_lage')!
        .results.map((r) => r.current)
        .sort(),
    ).toEqual([false, true]);
  });

  it('refuses input versions and definition versions there are no scores of, naming what there is', async () => {
    const unknown = await gql(indexQuery(', inputVersions: [{ indicator: "sgb_quote", version: 9 }]'), { token: planner });
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'inputVersions' });
    expect(unknown.errors?.[0]?.message).toContain('accepted: [einwohner 1, sgb_kinder 1, sgb_quote 2] or [einwohner 1, sgb_personen 1, sgb_quote 1]');
    const notRead = await gql(indexQuery(', inputVersions: [{ indicator: "hze", version: 1 }]'));
    expect(notRead.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'inputVersions' });
    expect(notRead.errors?.[0]?.message).toContain('accepted: einwohner, sgb_kinder, sgb_personen, sgb_quote');
    const version = await gql(indexQuery(', definitionVersion: 3'));
    expect(version.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'definitionVersion' });
  });

  it('exports each definition version of an indicator and each set of an index as CSV, saying which versions made each row', async () => {
    const path = '/export/indicator-values.csv?indicator=sgb_quote&level=STADTTEIL&period=2012';
    const v1 = await csvRows(await get(`${path}&definitionVersion=1`, planner));
    const v2 = await csvRows(await get(`${path}&definitionVersion=2`, planner));
    const latest = await csvRows(await get(path, planner));
    expect(v1.length).toBeGreaterThan(80);
    expect(new Set(v1.map((r) => r.Definitionsversion))).toEqual(new Set(['1']));
    expect(new Set(v2.map((r) => r.Definitionsversion))).toEqual(new Set(['2']));
    expect(v1.map((r) => r.Wert)).not.toEqual(v2.map((r) => r.Wert));
    expect(latest).toEqual(v2);

    // a version that does not exist: 400, as in GraphQL, naming the versions there are
    const missing = await get(`${path}&definitionVersion=7`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ errors: [{ message: 'indicator "sgb_quote" has no definition version 7; accepted: 1, 2', extensions: { code: 'BAD_USER_INPUT' } }] });
    const malformed = await get(`${path}&definitionVersion=zwei`);
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ errors: [{ message: expect.stringContaining('definitionVersion'), extensions: { code: 'BAD_USER_INPUT' } }] });

    const index = '/export/index-values.csv?index=index_lage&level=STADTTEIL&period=2012';
    const current = await csvRows(await get(index, planner));
    const old = await csvRows(await get(`${index}&definitionVersion=1&inputVersions=sgb_quote:1`, planner));
    // the columns before stay where they were; Eingangsversionen is appended
    expect(Object.keys(current[0]!)).toEqual([
      'Index',
      'Indexname',
      'Ebene',
      'Gebietsschlüssel',
      'Gebiet',
      'Zeitraum',
      'Wert',
      'Klasse',
      'Bewertet',
      'Synthetisch',
      'Definitionsversion',
      'Eingangsversionen',
    ]);
    expect(new Set(current.map((r) => `${r.Definitionsversion} ${r.Eingangsversionen}`))).toEqual(new Set(['1 einwohner:1,sgb_kinder:1,sgb_quote:2']));
    expect(new Set(old.map((r) => `${r.Definitionsversion} ${r.Eingangsversionen}`))).toEqual(new Set(['1 einwohner:1,sgb_personen:1,sgb_quote:1']));
    expect(old.map((r) => r.Wert)).not.toEqual(current.map((r) => r.Wert));
    // the Eingangsversionen cell is what inputVersions= takes
    expect(await csvRows(await get(`${index}&inputVersions=${old[0]!.Eingangsversionen}`, planner))).toEqual(old);

    for (const [query, message] of [
      ['&definitionVersion=2', 'index "index_lage" has no definition version 2; accepted: 1'],
      ['&inputVersions=sgb_quote:9', 'inputVersions: index "index_lage" version 1 has no scores made from sgb_quote 9; accepted: '],
      ['&inputVersions=sgb_quote', 'query parameter inputVersions.0: a comma-separated list of indicator:version'],
    ] as const) {
      const res = await get(`${index}${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { errors: { message: string; extensions: { code: string } }[] }).errors[0], query).toMatchObject({
        message: expect.stringContaining(message),
        extensions: { code: 'BAD_USER_INPUT' },
      });
    }
  });
});
