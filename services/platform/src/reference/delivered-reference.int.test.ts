// Issue 15, deliver 2, on the one-process platform (embedded log, PGlite, chDB): a town's statistics
// office delivers its spatial reference through the ingestion API — levels with its own names, areas
// with validFrom/validTo, one Sozialraum split in a boundary reform (2 ends 2019-12-31, 21 and 22 begin
// 2020-01-01), boundaries as GeoJSON, one area without a boundary — and GraphQL answers with the
// areas valid at each date: the ended area is still there at its time, with its boundary, and
// figures delivered before and after the reform roll up to the town with the areas valid then.
import { tempDir, eventually } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startPlatform, type Platform } from '../platform.js';
import { tenantPacks } from '../tenants/tenant-packs.js';

type Gql = { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

/** a square of 0.01° with its south-west corner at (lon, lat), as GeoJSON */
const square = (lon: number, lat: number, w = 0.01) => ({
  type: 'Polygon',
  coordinates: [
    [
      [lon, lat],
      [lon + w, lat],
      [lon + w, lat + 0.01],
      [lon, lat + 0.01],
      [lon, lat],
    ],
  ],
});

describe('the spatial reference as delivered data (levels, areas, a boundary reform)', () => {
  const dataDir = tempDir('sp-delivered-reference-');
  const config = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0' });
  let engines: Engines;
  let platform: Platform;
  let key: string;

  const gql = async (query: string): Promise<Gql> => {
    const res = await fetch(`${platform.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await res.json()) as Gql;
  };
  const deliver = async (recordType: string, contentType: string, body: string) => {
    const res = await fetch(`${platform.url}/v1/deliveries/${recordType}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  /** projections are asynchronous: ask until the answer shows what was delivered */
  const codesAt = async (at?: string) => ((await gql(`{ areas(level: SOZIALRAUM${at ? `, at: "${at}"` : ''}) { code } }`)).data?.areas as { code: string }[] | undefined)?.map((a) => a.code);
  const einwohner = async (level: string, period: string, areas: string[]) => {
    const r = await gql(`{ indicatorValues(indicator: "einwohner", level: ${level}, period: "${period}", areas: ${JSON.stringify(areas)}) { area { code } value } }`);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return (r.data?.indicatorValues as { area: { code: string }; value: number | null }[] | undefined)?.map((v) => ({ areaCode: v.area.code, value: v.value }));
  };

  beforeAll(async () => {
    engines = await openEngines(config);
    const pack = tenantPacks.musterstadt!;
    // created with the Musterstadt pack (SOZIALRAUM, WOHNPLATZ, FOERDERGEBIET): the delivery replaces it
    platform = await startPlatform(config, engines, { tenant: { reference: pack.reference(), feeds: pack.feeds()!, catalogue: pack.catalogue()!, extraSources: [] } });
    key = platform.keys.keys.statistik!;
  }, 180_000);

  afterAll(async () => {
    await platform?.close();
    await engines?.close();
  });

  it('refuses an area of a level never delivered, naming the levels it knows', async () => {
    const res = await deliver('area', 'application/json', JSON.stringify({ records: [{ version: 1, level: 'ORTSTEIL', code: '1', name: 'Nirgendwo', parent: '0', validFrom: '2000-01-01' }] }));
    expect(res.status).toBe(422);
    expect(res.body.errors[0]).toMatchObject({ field: 'level', code: 'UNKNOWN_AREA_LEVEL' });
    expect(res.body.errors[0].accepted).toContain('SOZIALRAUM');
  });

  it('takes levels, then areas as CSV and GeoJSON, and serves them in place of the pack', async () => {
    const levels = await deliver(
      'area-level',
      'application/json',
      JSON.stringify({
        records: [
          { version: 1, level: 'GEMEINDE', label: 'Gemeinde', parentLevel: null, kind: 'hierarchy', coverage: 'complete' },
          { version: 1, level: 'SOZIALRAUM', label: 'Sozialraum', parentLevel: 'GEMEINDE', kind: 'hierarchy', coverage: 'complete' },
        ],
      }),
    );
    expect(levels.status).toBe(200);
    // the root without a boundary (tables only), as CSV
    const root = await deliver('area', 'text/csv', 'version,level,code,name,parent,members,validFrom,validTo,geometry,source\n1,GEMEINDE,0,Musterstadt,,,2000-01-01,,,Amt für Statistik\n');
    expect(root.status, JSON.stringify(root.body)).toBe(200);
    expect(root.body.records[0].key).toBe('GEMEINDE|0|2000-01-01');
    // the Sozialräume with boundaries, as GeoJSON: 2 is split into 21 and 22 on 2020-01-01
    const feature = (props: Record<string, unknown>, geometry: unknown) => ({ type: 'Feature', properties: { version: 1, level: 'SOZIALRAUM', parent: '0', ...props }, geometry });
    const areas = await deliver(
      'area',
      'application/geo+json',
      JSON.stringify({
        type: 'FeatureCollection',
        features: [
          feature({ code: '1', name: 'Nord', validFrom: '2000-01-01' }, square(7.0, 51.2)),
          feature({ code: '2', name: 'Süd', validFrom: '2000-01-01', validTo: '2019-12-31' }, square(7.0, 51.19, 0.02)),
          feature({ code: '21', name: 'Süd-West', validFrom: '2020-01-01' }, square(7.0, 51.19)),
          feature({ code: '22', name: 'Süd-Ost', validFrom: '2020-01-01' }, square(7.01, 51.19)),
        ],
      }),
    );
    expect(areas.status, JSON.stringify(areas.body)).toBe(200);
    expect(areas.body.records.map((r: { key: string }) => r.key)).toEqual(['SOZIALRAUM|1|2000-01-01', 'SOZIALRAUM|2|2000-01-01', 'SOZIALRAUM|21|2020-01-01', 'SOZIALRAUM|22|2020-01-01']);

    const levelsNow = async () => (await gql('{ areaLevels { name label parentLevel hasGeometry basis } }')).data?.areaLevels as { name: string }[] | undefined;
    await eventually(levelsNow, (l) => l?.[0]?.name === 'GEMEINDE', 'the delivered levels');
    // the areas land in the log's partitions by key, and each partition's batch is projected on its own
    await eventually(
      () => codesAt(),
      (c) => c?.join() === '1,21,22',
      'the areas valid today',
    );
    await eventually(
      () => codesAt('2019-06-30'),
      (c) => c?.join() === '1,2',
      'the areas of 2019',
    );
    // the pack's WOHNPLATZ and FOERDERGEBIET are gone: the delivered reference replaced it as a whole.
    // Asked once the Sozialräume are there: right after the root's batch, SOZIALRAUM has no boundary yet
    expect(await levelsNow()).toEqual([
      { name: 'GEMEINDE', label: 'Gemeinde', parentLevel: null, hasGeometry: false, basis: false },
      { name: 'SOZIALRAUM', label: 'Sozialraum', parentLevel: 'GEMEINDE', hasGeometry: true, basis: true },
    ]);
  });

  it('answers each date with the areas valid then; the ended area stays queryable at its time', async () => {
    expect(await codesAt('2019-06-30')).toEqual(['1', '2']);
    expect(await codesAt('2020-01-01')).toEqual(['1', '21', '22']);
    expect(await codesAt()).toEqual(['1', '21', '22']);
    const before = await gql('{ area(level: SOZIALRAUM, code: "2", at: "2019-12-31") { name validFrom validTo parent { code name } geometry } }');
    expect(before.data?.area).toMatchObject({ name: 'Süd', validFrom: '2000-01-01', validTo: '2019-12-31', parent: { code: '0', name: 'Musterstadt' } });
    // its own boundary of then, not its successors'
    expect(before.data?.area.geometry).toEqual({ type: 'MultiPolygon', coordinates: [square(7.0, 51.19, 0.02).coordinates] });
    expect((await gql('{ area(level: SOZIALRAUM, code: "2", at: "2020-01-01") { code } }')).data?.area).toBeNull();
    // the root has no boundary: no map, tables only
    expect((await gql('{ area(level: GEMEINDE, code: "0") { geometry children(level: SOZIALRAUM) { code } } }')).data?.area).toEqual({
      geometry: null,
      children: [{ code: '1' }, { code: '21' }, { code: '22' }],
    });
    expect((await gql('{ areas(level: GEMEINDE, at: "2019-06-30") { children { code } } }')).data?.areas).toEqual([{ children: [{ code: '1' }, { code: '2' }] }]);
    const bad = await gql('{ areas(level: SOZIALRAUM, at: "2019") { code } }');
    expect(bad.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'at' });
  });

  it('validates figures against the areas of their period and rolls them up with the areas valid then', async () => {
    const figure = (code: string, period: string, value: number) => ({
      version: 1,
      dataset: 'bevoelkerung',
      areaLevel: 'SOZIALRAUM',
      areaCode: code,
      period,
      observations: [{ measure: 'einwohner', dimensions: {}, value }],
      synthetic: true,
    });
    // Sozialraum 2 did not exist in 2020
    const refused = await deliver('area-statistic', 'application/json', JSON.stringify({ records: [figure('2', '2020', 900)] }));
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ code: 'AREA_NOT_VALID', value: '2' });
    const ok = await deliver(
      'area-statistic',
      'application/json',
      JSON.stringify({ records: [figure('1', '2019', 1000), figure('2', '2019', 900), figure('1', '2020', 1010), figure('21', '2020', 500), figure('22', '2020', 420)] }),
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    // the two partitions' figures are projected one after the other: wait for the sum, not the first value
    const town2019 = await eventually(
      () => einwohner('GEMEINDE', '2019', ['0']),
      (v) => v?.[0]?.value === 1900,
      'the town in 2019',
    );
    expect(town2019).toEqual([{ areaCode: '0', value: 1900 }]);
    expect(
      await eventually(
        () => einwohner('GEMEINDE', '2020', ['0']),
        (v) => v?.[0]?.value === 1930,
        'the town in 2020',
      ),
    ).toEqual([{ areaCode: '0', value: 1930 }]);
    expect(await einwohner('SOZIALRAUM', '2019', ['2'])).toEqual([{ areaCode: '2', value: 900 }]);
    expect(await einwohner('SOZIALRAUM', '2020', ['21', '22'])).toEqual([
      { areaCode: '21', value: 500 },
      { areaCode: '22', value: 420 },
    ]);
  });

  it('keeps the delivered reference over a restart', async () => {
    await platform.close();
    platform = await startPlatform(config, engines, {
      tenant: { reference: tenantPacks.musterstadt!.reference(), feeds: tenantPacks.musterstadt!.feeds()!, catalogue: tenantPacks.musterstadt!.catalogue()!, extraSources: [] },
    });
    expect(await codesAt('2019-06-30')).toEqual(['1', '2']);
    expect(await codesAt()).toEqual(['1', '21', '22']);
  }, 120_000);
});
