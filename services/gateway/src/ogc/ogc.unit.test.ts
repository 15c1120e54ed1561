// The OGC API and the geo downloads over the Köln fixture (real reference and geometry, the
// in-memory reader and registry): the Core resources, paging to the end by next links, exact bbox
// filtering, datetime, roles as in GraphQL, every bad parameter a 400/404/406 with what is
// accepted, and the GeoPackage read back with SQLite.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { containsPoint, geoJsonGeometrySchema, interiorPoint, toMultiPolygon } from '@sp/spatial';
import { describe, expect, it } from 'vitest';
import { testGateway, tokenFor } from '../testing/gateway.fixture.js';
import { koelnAreas } from '../testing/koeln.fixture.js';
import { memoryRegistry, testOffers } from '../testing/memory-registry.js';

const offers = testOffers(koelnAreas());
const { get, gql } = testGateway({ registry: memoryRegistry(offers) });
const json = async (path: string, token?: string) => {
  const res = await get(path, token);
  return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
};
const multi = (level: string, code: string) => toMultiPolygon(geoJsonGeometrySchema.parse(koelnAreas().geometry(level, code)));

describe('OGC API – Features, Core', () => {
  it('has a landing page with the required links, the official conformance classes and an API definition', async () => {
    const landing = await json('/ogc');
    expect(landing.status).toBe(200);
    expect(landing.body.links.map((l: any) => l.rel).sort()).toEqual(['conformance', 'data', 'self', 'service-desc']);
    const conformance = await json('/ogc/conformance');
    expect(conformance.body.conformsTo).toEqual(['http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core', 'http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson']);
    const api = await json('/ogc/api');
    expect(api.body.openapi).toMatch(/^3\.0/);
    expect(api.body.paths['/collections/stadtteil/items'].get.parameters.find((p: any) => p.name === 'limit').schema).toMatchObject({ minimum: 1, maximum: 10000, default: 10 });
  });

  it('lists one collection per area level with its extent, and the offers', async () => {
    const { body } = await json('/ogc/collections');
    expect(body.collections.map((c: any) => c.id)).toEqual(['stadt', 'stadtbezirk', 'stadtteil', 'stadtviertel', 'sozialraum', 'offers']);
    const stadtteil = body.collections.find((c: any) => c.id === 'stadtteil');
    expect(stadtteil.extent.spatial.bbox[0]).toHaveLength(4);
    expect(stadtteil.extent.spatial.bbox[0][0]).toBeGreaterThan(6.7);
    expect(stadtteil.links.find((l: any) => l.rel === 'items')).toMatchObject({ href: 'http://gateway.test/ogc/collections/stadtteil/items', type: 'application/geo+json' });
    const one = await json('/ogc/collections/stadtteil?indicator=einwohner&period=2012');
    expect(one.body.links.find((l: any) => l.rel === 'items').href).toBe('http://gateway.test/ogc/collections/stadtteil/items?indicator=einwohner&period=2012');
  });

  it('pages through every Stadtteil by next links, numberMatched/numberReturned on each page', async () => {
    const codes = koelnAreas()
      .areas('STADTTEIL')
      .map((a) => a.code);
    const seen: string[] = [];
    let next: string | undefined = '/ogc/collections/stadtteil/items?limit=25';
    while (next) {
      const page = await json(next);
      expect(page.status).toBe(200);
      expect(page.type).toBe('application/geo+json');
      expect(page.body).toMatchObject({ type: 'FeatureCollection', numberMatched: codes.length });
      expect(page.body.numberReturned).toBe(page.body.features.length);
      seen.push(...page.body.features.map((f: any) => f.id));
      const link = page.body.links.find((l: any) => l.rel === 'next')?.href as string | undefined;
      next = link?.replace('http://gateway.test', '');
    }
    expect(seen).toEqual(codes);
    // more than the gateway's page size: it returns its page size and links on
    const big = await json('/ogc/collections/stadtviertel/items?limit=5000');
    expect(big.body.numberReturned).toBe(100);
    expect(new URL(big.body.links.find((l: any) => l.rel === 'next').href).search).toBe('?limit=100&offset=100');
  });

  it('filters by bbox exactly (not by envelope) and answers one feature by id', async () => {
    const inside = interiorPoint(multi('STADTTEIL', '101'));
    const d = 0.0005;
    const page = await json(`/ogc/collections/stadtteil/items?bbox=${inside.lon - d},${inside.lat - d},${inside.lon + d},${inside.lat + d}`);
    const expected = koelnAreas()
      .areas('STADTTEIL')
      .filter((a) => [-d, d].some((dx) => [-d, d].some((dy) => containsPoint(multi('STADTTEIL', a.code), inside.lat + dy, inside.lon + dx))))
      .map((a) => a.code);
    expect(page.body.features.map((f: any) => f.id)).toEqual(expected);
    expect(expected).toContain('101');
    const one = await json('/ogc/collections/stadtteil/items/101?indicator=einwohner&period=2012');
    expect(one.body).toMatchObject({ type: 'Feature', id: '101', properties: { name: 'Altstadt/Süd', parentCode: '1', value: 27515 } });
    expect(one.body.geometry.type).toMatch(/Polygon/);
  });

  it('reads offers as points, with filters, bbox, datetime and by key', async () => {
    const all = await json('/ogc/collections/offers/items?limit=100');
    expect(all.body.numberMatched).toBe(offers.length);
    expect(all.body.features[0].geometry).toEqual({ type: 'Point', coordinates: [offers[0]!.location.lon, offers[0]!.location.lat] });
    const kitas = await json('/ogc/collections/offers/items?offerType=kita&limit=100');
    expect(kitas.body.features.every((f: any) => f.properties.offerType === 'kita')).toBe(true);
    const gone = offers.find((o) => o.validTo)!;
    const now = await json('/ogc/collections/offers/items?datetime=2012-06-01&limit=100');
    expect(now.body.numberMatched).toBe(offers.length - 1);
    expect(now.body.features.map((f: any) => f.id)).not.toContain(gone.key);
    const then = await json('/ogc/collections/offers/items?datetime=2011-01-01/2011-06-30&limit=100');
    expect(then.body.features.map((f: any) => f.id)).toContain(gone.key);
    const o = offers[3]!;
    const box = await json(`/ogc/collections/offers/items?bbox=${o.location.lon - 1e-4},${o.location.lat - 1e-4},${o.location.lon + 1e-4},${o.location.lat + 1e-4}`);
    expect(box.body.features.map((f: any) => f.id)).toEqual([o.key]);
    const one = await json(`/ogc/collections/offers/items/${encodeURIComponent(o.key)}`);
    expect(one.body.properties).toMatchObject({ key: o.key, name: o.name, targetGroups: o.targetGroups });
  });
});

describe('roles and protection as in GraphQL', () => {
  it('keeps an unpublished indicator from the public and shows it to a planner, as GraphQL does', async () => {
    const pub = await json('/ogc/collections/stadtteil/items?indicator=hze_faelle&period=2012');
    expect(pub.status).toBe(403);
    expect(pub.body).toMatchObject({ code: 'Forbidden', parameter: 'indicator' });
    const gqlPub = await gql('{ indicatorValues(indicator: "hze_faelle", level: STADTTEIL, period: "2012") { value } }');
    expect(gqlPub.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const planner = await tokenFor({ role: 'planner' });
    const ok = await json('/ogc/collections/stadtteil/items/101?indicator=hze_faelle&period=2012', planner);
    expect(ok.body.properties.value).toBe(40);
    const bad = await json('/ogc/collections', 'not-a-jwt');
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('Unauthorized');
  });

  it('gives the public exactly the public GraphQL values: suppressed cells without any figure', async () => {
    const page = await json('/ogc/collections/stadtteil/items?indicator=sgb2&period=2012&limit=100');
    const r = await gql('{ indicatorValues(indicator: "sgb2", level: STADTTEIL, period: "2012") { area { code } value numerator suppressed suppressionReason } }');
    const fromGraphql = Object.fromEntries(r.data!.indicatorValues.map((v: any) => [v.area.code, [v.value, v.numerator, v.suppressed, v.suppressionReason]]));
    const fromOgc = Object.fromEntries(page.body.features.map((f: any) => [f.id, [f.properties.value, f.properties.numerator, f.properties.suppressed, f.properties.suppressionReason]]));
    expect(fromOgc).toEqual(fromGraphql);
    expect(fromOgc['101']).toEqual([null, null, true, 'PRIMARY']);
  });
});

describe('bad requests change nothing and say what is accepted', () => {
  const cases: [string, number, string, RegExp][] = [
    ['/ogc/collections/stadtteil/items?limit=0', 400, 'limit', /integer from 1 to 10000/],
    ['/ogc/collections/stadtteil/items?limit=abc', 400, 'limit', /integer from 1 to 10000/],
    ['/ogc/collections/stadtteil/items?offset=-1', 400, 'offset', /integer from 0/],
    ['/ogc/collections/stadtteil/items?bbox=7,51,6', 400, 'bbox', /minLon,minLat,maxLon,maxLat/],
    ['/ogc/collections/stadtteil/items?bbox=6,52,7,51', 400, 'bbox', /lower latitude/],
    ['/ogc/collections/stadtteil/items?bbox=6,50,7,51&bbox-crs=EPSG:25832', 400, 'bbox-crs', /CRS84/],
    ['/ogc/collections/stadtteil/items?datetime=yesterday', 400, 'datetime', /interval/],
    ['/ogc/collections/stadtteil/items?colour=red', 400, 'colour', /accepted: f, limit, offset, bbox/],
    ['/ogc/collections/stadtteil/items?limit=1&limit=2', 400, 'limit', /more than once/],
    ['/ogc/collections/stadtteil/items?indicator=einwohner&period=2012-13', 400, 'period', /a month "2012-07"/],
    ['/ogc/collections/stadtteil/items?period=2012', 400, 'period', /needs indicator/],
    ['/ogc/collections/stadtteil/items?indicator=nope', 404, 'indicator', /not in the catalogue/],
    ['/ogc/collections/stadtteil/items?f=html', 406, 'f', /no HTML/],
    ['/ogc/collections/stadtteil/items?f=xml', 400, 'f', /accepted: json, geojson/],
    ['/ogc/collections/gemeinde/items', 404, '', /available: stadt, stadtbezirk, stadtteil/],
    ['/ogc/collections/stadtteil/items/999999', 404, '', /no feature "999999"/],
    ['/ogc/nowhere', 404, '', /this API has \/ogc/],
    ['/ogc/collections/%E0%A4%A/items', 400, '', /not valid percent-encoding/],
  ];
  it.each(cases)('%s → %i', async (path, status, parameter, description) => {
    const r = await json(path);
    expect(r.status).toBe(status);
    expect(r.body.description).toMatch(description);
    if (parameter) expect(r.body.parameter).toBe(parameter);
  });

  it('answers an HTML-only Accept with 406 and anything but GET with 405', async () => {
    const html = await get('/ogc/collections');
    expect(html.status).toBe(200);
    const res = await testGateway().gateway.fetch('http://gateway.test/ogc/collections', { headers: { accept: 'text/html' } });
    expect(res.status).toBe(406);
    const post = await testGateway().gateway.fetch('http://gateway.test/ogc/collections', { method: 'POST' });
    expect(post.status).toBe(405);
  });
});

describe('GeoJSON and GeoPackage downloads beside the CSV exports', () => {
  it('downloads the areas of a level with values as GeoJSON, the same values as the items', async () => {
    const res = await get('/export/areas.geojson?level=STADTTEIL&indicator=einwohner&period=2012');
    expect(res.headers.get('content-type')).toBe('application/geo+json');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="areas_STADTTEIL_einwohner_2012.geojson"');
    const body = (await res.json()) as any;
    expect(body.features).toHaveLength(koelnAreas().areas('STADTTEIL').length);
    const items = await json('/ogc/collections/stadtteil/items?indicator=einwohner&period=2012&limit=100');
    expect(body.features.map((f: any) => [f.id, f.properties.value])).toEqual(items.body.features.map((f: any) => [f.id, f.properties.value]));
  });

  it('writes a GeoPackage 1.3 with the required tables, GP geometries and the values', async () => {
    const res = await get('/export/areas.gpkg?level=STADTTEIL&indicator=einwohner&period=2012');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/geopackage+sqlite3');
    const dir = mkdtempSync(join(tmpdir(), 'sp-gpkg-test-'));
    try {
      const file = join(dir, 'a.gpkg');
      writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
      const db = new DatabaseSync(file, { readOnly: true });
      expect(db.prepare('PRAGMA application_id').get()).toEqual({ application_id: 0x47504b47 });
      expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: 10300 });
      expect(db.prepare('SELECT table_name, data_type, srs_id FROM gpkg_contents').all()).toEqual([{ table_name: 'areas_stadtteil_einwohner_2012', data_type: 'features', srs_id: 4326 }]);
      expect(db.prepare('SELECT geometry_type_name, srs_id FROM gpkg_geometry_columns').get()).toEqual({ geometry_type_name: 'MULTIPOLYGON', srs_id: 4326 });
      const row = db.prepare('SELECT geom, value, suppressed FROM areas_stadtteil_einwohner_2012 WHERE code = ?').get('101') as { geom: Uint8Array; value: number; suppressed: number };
      expect([row.value, row.suppressed]).toEqual([27515, 0]);
      const g = Buffer.from(row.geom);
      expect([g.toString('latin1', 0, 2), g[2], g[3], g.readInt32LE(4)]).toEqual(['GP', 0, 3, 4326]);
      // envelope minx, maxx, miny, maxy, then WKB: little endian MultiPolygon
      expect(g.readDoubleLE(8)).toBeLessThan(g.readDoubleLE(16));
      expect([g[40], g.readUInt32LE(41)]).toEqual([1, 6]);
      db.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a missing level or an unknown parameter with what is accepted', async () => {
    const none = await get('/export/areas.gpkg');
    expect(none.status).toBe(400);
    expect(((await none.json()) as any).errors[0].message).toMatch(/level: is required; accepted: STADT, STADTBEZIRK, STADTTEIL/);
    const unknown = await get('/export/offers.geojson?level=STADTTEIL');
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as any).errors[0].message).toMatch(/level: unknown at \/export\/offers.geojson; accepted: offerType, targetGroup, bbox/);
    const csv = await get('/export/indicator-values.csv?indicator=einwohner&level=STADTTEIL&period=2012');
    expect(csv.status).toBe(200);
  });
});
