// Hamburg as a tenant beside Köln on one deployment, started as the README's main command starts the
// demo (startHamburgDemo: the tenant created through the tenant service, its figures delivered by the
// Hamburg loader through `/t/hamburg/v1/deliveries/…` with the tenant's own key). Hamburg-Altstadt's
// published SGB II share (11,1 % = 186 / 1 675) and the status index classes — the same as
// @sp/indicators' evaluator gives from the published file — are served at /t/hamburg/graphql, while
// a request naming no tenant is Köln's.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hamburgFiles, hamburgIndexFromRecords, hamburgIndicatorCataloguePath, hamburgRecords, namedFeatures, parseStadtteilProfile, statisticalUnits } from '@sp/demo';
import { loadCatalogue } from '@sp/indicators';
import { defaultDataRoot } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DeliveredReferenceStore } from '@sp/delivered';
import { loadConfig, type PlatformConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startDeployment, type Deployment } from './deployment.js';
import { hamburgDemo, startHamburgDemo } from './hamburg.demo.js';

type Gql<T> = { data?: T | null; errors?: { message: string }[] };

describe('Hamburg as a tenant beside Köln (one deployment)', () => {
  const dataDir = tempDir('sp-hamburg-tenant-');
  const config: PlatformConfig = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0', SP_ADMIN_TOKEN: 'admin-token-of-the-hamburg-tenant-test-0123456789' });
  let engines: Engines;
  let d: Deployment;
  let startSeconds = 0;

  const gql = async <T>(base: string, query: string): Promise<Gql<T>> => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await res.json()) as Gql<T>;
  };

  beforeAll(async () => {
    engines = await openEngines(config);
    d = await startDeployment(config, engines);
    const t0 = Date.now();
    await startHamburgDemo(d);
    startSeconds = (Date.now() - t0) / 1000;
  }, 400_000);
  afterAll(async () => {
    await d?.close();
    await engines?.close();
  });

  it('creates the tenant from the built-in pack and loads it within the start budget', () => {
    expect(d.runtimes.get(hamburgDemo.id)?.platform.reference.id).toBe('hamburg');
    expect(d.tenantUrl(hamburgDemo.id)).toBe(`${d.url}/t/hamburg`);
    process.stdout.write(`Hamburg tenant created and loaded in ${startSeconds.toFixed(1)} s\n`);
    expect(startSeconds).toBeLessThan(300);
  });

  it('holds the spatial reference its loader delivered through the API: levels, areas with boundaries, joined units as unions', async () => {
    const runtime = d.runtimes.get(hamburgDemo.id)!;
    const stored = await new DeliveredReferenceStore(runtime.engines.database).load();
    expect(stored.levels.map((l) => l.level).sort()).toEqual(['BEZIRK', 'ORTSTEIL', 'STADT', 'STADTTEIL', 'STADTTEILVERBUND']);
    expect(stored.areas).toHaveLength(1 + 7 + 104 + 181 + 4);
    const r = await gql<{ areaLevels: { name: string; hasGeometry: boolean }[]; area: { name: string; members: { code: string; name: string }[] } }>(
      d.tenantUrl(hamburgDemo.id),
      '{ areaLevels { name hasGeometry } area(level: STADTTEILVERBUND, code: "0117-0118") { name members { code name } } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data!.areaLevels.find((l) => l.name === 'ORTSTEIL')?.hasGeometry).toBe(true);
    expect(r.data!.area).toEqual({
      name: 'Kleiner Grasbrook und Steinwerder',
      members: [
        { code: '0117', name: 'Kleiner Grasbrook' },
        { code: '0118', name: 'Steinwerder' },
      ],
    });
  });

  it("serves Hamburg-Altstadt's published SGB II share, 11,1 %, at /t/hamburg/graphql", async () => {
    type Answer = { indicatorValues: { value: number | null; numerator: number; denominator: number; area: { name: string } }[] };
    const r = await gql<Answer>(
      d.tenantUrl('hamburg'),
      `{ indicatorValues(indicator: "sgb2_anteil", level: STADTTEIL, period: "2013", areas: ["0101"]) { value numerator denominator area { name } } }`,
    );
    expect(r.errors).toBeUndefined();
    const v = r.data!.indicatorValues[0]!;
    expect(v).toMatchObject({ numerator: 186, denominator: 1675, area: { name: 'Hamburg-Altstadt' } });
    expect(v.value!.toFixed(1)).toBe('11.1');
  });

  it('serves the status index classes per Stadtteil, as the evaluator gives them from the published file', async () => {
    const read = (p: string) => readFileSync(resolve(defaultDataRoot(), p), 'utf8');
    const profile = parseStadtteilProfile(read(hamburgFiles.profile), { bezirke: namedFeatures(read(hamburgFiles.bezirke)).map((b) => b.name) });
    const expected = hamburgIndexFromRecords(loadCatalogue(hamburgIndicatorCataloguePath), hamburgRecords(profile, statisticalUnits(profile, namedFeatures(read(hamburgFiles.stadtteile)))));
    type Answer = { indexValues: { area: { code: string; name: string }; class: string | null; score: number | null; scored: boolean }[] };
    const r = await gql<Answer>(d.tenantUrl('hamburg'), `{ indexValues(index: "statusindex_soziale_lage", level: STADTTEIL, period: "2013") { area { code name } class score scored } }`);
    expect(r.errors).toBeUndefined();
    const scored = r.data!.indexValues.filter((x) => x.scored);
    expect(scored).toHaveLength(95);
    for (const e of expected.areas.filter((a) => a.scored)) {
      const got = scored.find((x) => x.area.code === e.areaCode);
      expect(got?.class, e.areaCode).toBe(e.classLabel);
      expect(got!.score!).toBeCloseTo(e.value!, 6);
    }
    expect(scored.find((x) => x.area.name === 'Billstedt')?.class).toBe('Status sehr niedrig');
  });

  it("attributes Hamburg's datasets and boundaries to their publishers, not to Köln's", async () => {
    type Answer = { sources: { code: string; licence: string; attribution: string }[] };
    const r = await gql<Answer>(d.tenantUrl('hamburg'), '{ sources { code licence attribution } }');
    expect(r.errors).toBeUndefined();
    const by = new Map(r.data!.sources.map((x) => [x.code, x]));
    expect(by.get('bevoelkerung')).toMatchObject({ licence: 'dl-de/by-2-0', attribution: 'Statistikamt Nord, Hamburger Stadtteil-Profile 2014 (dl-de/by-2-0)' });
    expect(by.get('gebietsgliederung')?.attribution).toMatch(/^Freie und Hansestadt Hamburg, Landesbetrieb Geoinformation und Vermessung/);
    expect(JSON.stringify(r.data!.sources)).not.toMatch(/Köln/);
    const koeln = await gql<Answer>(d.url, '{ sources { code licence attribution } }');
    expect(koeln.data!.sources.find((x) => x.code === 'bevoelkerung')?.attribution).toMatch(/Stadt Köln/);
  });

  it("writes Hamburg-Altstadt's Gebietsprofil at /t/hamburg/reports/…: Hamburg's figures, parent and publishers, nothing of Köln", async () => {
    const res = await fetch(`${d.tenantUrl('hamburg')}/reports/gebietsprofil/STADTTEIL/0101.pdf?period=2013`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/pdf/);
    const file = join(tempDir('sp-hamburg-report-'), 'profil.pdf');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' });
    expect(text).toContain('Hamburg-Altstadt');
    expect(text).toContain('Hamburg-Mitte');
    expect(text).toContain('Statistikamt Nord');
    expect(text).not.toMatch(/Köln/);
    // a Köln area is unknown there
    expect((await fetch(`${d.tenantUrl('hamburg')}/reports/gebietsprofil/STADTTEIL/609.pdf`)).status).toBe(404);
  }, 120_000);

  it("names Hamburg's Ämter as its feed catalogue does, not as Köln's", async () => {
    type Answer = { authorities: { code: string; name: string }[] };
    const hamburg = await gql<Answer>(d.tenantUrl('hamburg'), '{ authorities { code name } }');
    expect(hamburg.errors).toBeUndefined();
    expect(hamburg.data!.authorities.find((a) => a.code === 'statistik')?.name).toBe('Statistisches Amt für Hamburg und Schleswig-Holstein (Statistikamt Nord)');
    expect(JSON.stringify(hamburg.data!.authorities)).not.toMatch(/Köln/);
    const koeln = await gql<Answer>(d.url, '{ authorities { code name } }');
    expect(koeln.data!.authorities.find((a) => a.code === 'jobcenter')?.name).toBe('Jobcenter Köln');
    expect(koeln.data!.authorities.find((a) => a.code === 'statistik')?.name).toBe('Amt für Stadtentwicklung und Statistik');
  });

  it('answers as Köln at /graphql, which knows no Hamburg Stadtteil', async () => {
    type Answer = { areas: { code: string; name: string }[] };
    const koeln = await gql<Answer>(d.url, '{ areas(level: STADTTEIL) { code name } }');
    expect(koeln.errors).toBeUndefined();
    expect(koeln.data!.areas).toHaveLength(86);
    expect(koeln.data!.areas.some((a) => a.name === 'Hamburg-Altstadt')).toBe(false);
    const hamburg = await gql<Answer>(d.tenantUrl('hamburg'), '{ areas(level: STADTTEIL) { code name } }');
    expect(hamburg.data!.areas).toHaveLength(104);
  });
});
