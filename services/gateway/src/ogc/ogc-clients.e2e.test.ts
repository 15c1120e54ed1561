// Real GIS clients against the gateway's OGC API and downloads, served over HTTP on the real
// warehouse: GDAL's OGC API driver (ogrinfo OAPIF:…, Debian's gdal-bin) lists the layers and
// reads features with a spatial filter; OWSLib (PyPI, in a venv under .cache/owslib) lists the
// collections and pages through items; ogrinfo opens the downloaded GeoPackage. infra/bin/test
// installs both clients (infra/bin/bootstrap.sh --engines).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor } from '../testing/gateway.fixture.js';
import { type GeoGateway, startGeoGateway } from '../testing/geo.fixture.js';

const run = promisify(execFile);
const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, '../../../..');
const ogrinfo = '/usr/bin/ogrinfo';
const python = join(root, '.cache/owslib/bin/python');

let geo: GeoGateway;
let einwohner101: number;

beforeAll(async () => {
  if (!existsSync(ogrinfo)) throw new Error(`${ogrinfo} missing: install Debian's gdal-bin (infra/bin/bootstrap.sh --engines does)`);
  if (!existsSync(python)) throw new Error(`${python} missing: OWSLib's venv (infra/bin/bootstrap.sh --engines creates it)`);
  geo = await startGeoGateway();
  const r = await clientFor(
    (u, init) => fetch(u, init),
    geo.url,
  )<{ area: { value: { value: number } } }>('{ area(level: STADTTEIL, code: "101") { value(indicator: "einwohner", period: "2012") { value } } }');
  einwohner101 = r.data!.area.value.value;
}, 120_000);
afterAll(async () => geo?.close());

/** A box inside Altstadt/Süd (101) only, in lon/lat. */
const box = [6.95, 50.93, 6.951, 50.931];

describe('GDAL and OWSLib read the OGC API', () => {
  it('ogrinfo lists the collections as layers', async () => {
    const { stdout } = await run(ogrinfo, ['-ro', '-q', `OAPIF:${geo.url}/ogc`]);
    for (const layer of ['stadt', 'stadtbezirk', 'stadtteil', 'stadtviertel', 'sozialraum']) expect(stdout).toMatch(new RegExp(`: ${layer} \\(title: \\w+\\) \\(Multi Polygon\\)`));
    expect(stdout).toMatch(/: offers \(title: Angebote\) \(Point\)/);
  });

  it('ogrinfo reads the Stadtteil with an indicator value inside a bbox', async () => {
    const { stdout, stderr } = await run(ogrinfo, ['-ro', '-q', `OAPIF:${geo.url}/ogc/collections/stadtteil?indicator=einwohner&period=2012`, 'stadtteil', '-spat', ...box.map(String), '-geom=NO']);
    expect(stderr).not.toMatch(/ERROR/);
    expect(stdout.match(/OGRFeature\(stadtteil\)/g)).toHaveLength(1);
    expect(stdout).toMatch(/code \(String\) = 101/);
    expect(stdout).toMatch(/name \(String\) = Altstadt\/Süd/);
    expect(stdout).toMatch(new RegExp(`value \\((Integer|Integer64|Real)\\) = ${einwohner101}\\b`));
  });

  it('OWSLib lists the collections, reads areas in a bbox and pages through the offers', async () => {
    const { stdout } = await run(python, [join(here, 'clients/owslib_check.py'), `${geo.url}/ogc`, box.join(',')]);
    const seen = JSON.parse(stdout);
    expect(seen.conformsTo).toContain('http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core');
    expect(seen.collections).toEqual(['stadt', 'stadtbezirk', 'stadtteil', 'stadtviertel', 'sozialraum', 'offers']);
    expect(seen.areas).toEqual({ '101': einwohner101 });
    expect(seen.areasMatched).toBe(1);
    expect(seen.offersMatched).toBe(geo.offers.length);
    expect(seen.offers).toEqual(geo.offers.map((o) => o.key));
  });

  it('ogrinfo opens the downloaded GeoPackage and finds the value', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-gpkg-ogr-'));
    try {
      const file = join(dir, 'areas.gpkg');
      const res = await fetch(`${geo.url}/export/areas.gpkg?level=STADTTEIL&indicator=einwohner&period=2012`);
      expect(res.status).toBe(200);
      writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
      const summary = await run(ogrinfo, ['-ro', '-so', file, 'areas_stadtteil_einwohner_2012']);
      expect(summary.stderr).toBe('');
      expect(summary.stdout).toMatch(/Geometry: Multi Polygon/);
      expect(summary.stdout).toMatch(/Feature Count: 86/);
      expect(summary.stdout).toMatch(/ID\["EPSG",4326\]/);
      const one = await run(ogrinfo, ['-ro', '-q', file, 'areas_stadtteil_einwohner_2012', '-where', "code = '101'", '-geom=SUMMARY']);
      expect(one.stdout).toMatch(new RegExp(`value \\(Real\\) = ${einwohner101}\\b`));
      expect(one.stdout).toMatch(/MULTIPOLYGON : \d+ geometries/);
      const offers = await fetch(`${geo.url}/export/offers.gpkg`);
      writeFileSync(join(dir, 'offers.gpkg'), new Uint8Array(await offers.arrayBuffer()));
      const points = await run(ogrinfo, ['-ro', '-so', join(dir, 'offers.gpkg'), 'offers']);
      expect(points.stdout).toMatch(/Geometry: Point/);
      expect(points.stdout).toMatch(new RegExp(`Feature Count: ${geo.offers.length}`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
