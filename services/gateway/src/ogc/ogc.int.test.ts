// The OGC API over the REAL warehouse (chDB, WarehouseIndicatorReader, the real catalogue with
// its confidential SGB-II dataset): a public OGC client gets exactly the public GraphQL's
// protected figures — never the truth a privileged planner sees — on the items, a single feature
// and both downloads.
import { DatabaseSync } from 'node:sqlite';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, type GraphQLClient, tokenFor } from '../testing/gateway.fixture.js';
import { type GeoGateway, startGeoGateway } from '../testing/geo.fixture.js';

let geo: GeoGateway;
let gql: GraphQLClient;
let planner: string;

beforeAll(async () => {
  geo = await startGeoGateway();
  gql = clientFor((u, init) => fetch(u, init), geo.url);
  planner = await tokenFor({ role: 'planner', privileged: true });
}, 120_000);
afterAll(async () => geo?.close());

const q = 'indicator=sgb2_personen&period=2012-12';
const get = async (path: string, token?: string) => {
  const res = await fetch(`${geo.url}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
  expect(res.status).toBe(200);
  return res;
};
const valuesOf = (features: any[]) => Object.fromEntries(features.map((f) => [f.id, f.properties.value]));

async function graphqlValues(token?: string): Promise<Record<string, number | null>> {
  const r = await gql<{ indicatorValues: { area: { code: string }; value: number | null }[] }>(
    '{ indicatorValues(indicator: "sgb2_personen", level: STADTTEIL, period: "2012-12") { area { code } value } }',
    token ? { token } : {},
  );
  expect(r.errors).toBeUndefined();
  return Object.fromEntries(r.data!.indicatorValues.map((v) => [v.area.code, v.value]));
}

describe('OGC API over the warehouse: protection of a confidential indicator', () => {
  it('gives the public the public GraphQL protected values, not the truth', async () => {
    const [publicGql, truth] = await Promise.all([graphqlValues(), graphqlValues(planner)]);
    const items = (await (await get(`/ogc/collections/stadtteil/items?${q}&limit=100`)).json()) as any;
    expect(items.numberMatched).toBe(86);
    const fromOgc = valuesOf(items.features);
    expect(fromOgc).toEqual(publicGql);
    // the truth differs somewhere (perturbation), and Altstadt/Süd's 2 is never shown
    expect(Object.keys(truth).some((code) => truth[code] !== fromOgc[code])).toBe(true);
    expect(truth['101']).toBe(2);
    expect(fromOgc['101']).not.toBe(2);
    const altstadt = items.features.find((f: any) => f.id === '101').properties;
    expect(altstadt).toMatchObject({ confidential: true, perturbed: true, knownAt: null });

    const one = (await (await get(`/ogc/collections/stadtteil/items/101?${q}`)).json()) as any;
    expect(one.properties.value).toBe(publicGql['101']);
    const geojson = (await (await get(`/export/areas.geojson?level=STADTTEIL&${q}`)).json()) as any;
    expect(valuesOf(geojson.features)).toEqual(publicGql);
  });

  it('writes the same protected values into the public GeoPackage', async () => {
    const publicGql = await graphqlValues();
    const dir = mkdtempSync(join(tmpdir(), 'sp-gpkg-int-'));
    try {
      writeFileSync(join(dir, 'p.gpkg'), new Uint8Array(await (await get(`/export/areas.gpkg?level=STADTTEIL&${q}`)).arrayBuffer()));
      const db = new DatabaseSync(join(dir, 'p.gpkg'), { readOnly: true });
      const rows = db.prepare('SELECT code, value FROM "areas_stadtteil_sgb2_personen_2012_12"').all() as { code: string; value: number | null }[];
      db.close();
      expect(Object.fromEntries(rows.map((r) => [r.code, r.value]))).toEqual(publicGql);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('shows a privileged planner the true values, as GraphQL does', async () => {
    const truth = await graphqlValues(planner);
    const items = (await (await get(`/ogc/collections/stadtteil/items?${q}&limit=100`, planner)).json()) as any;
    expect(valuesOf(items.features)).toEqual(truth);
    expect(items.features.find((f: any) => f.id === '101').properties).toMatchObject({ value: 2, confidential: true, perturbed: false });
  });
});
