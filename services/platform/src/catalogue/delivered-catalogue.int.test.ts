// Issue 15, deliver 3, on the one-process platform (embedded log, PGlite, chDB): a town's statistics
// office delivers indicator and composite-index definitions through the ingestion API as versioned
// records. A delivered count, a ratio over it and an index with the town's own classes at two
// levels are computed; a second version of the count recomputes the count, the ratio over it and
// the index without a restart, while the values of version 1 stay queryable and say so; a second
// version of the index keeps the scores of the first. Invalid definitions are refused with 422 (or
// 409 for another definition under an existing version) naming code and field, and change nothing.
// The definitions survive a restart, and a rebuild from the log gives the same catalogue.
import { tempDir, eventually } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startPlatform, type Platform } from '../platform.js';
import { tenantPacks } from '../tenants/tenant-packs.js';

type Gql = { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

const common = { amt: 'statistik', polarity: 0, updateInterval: 'jährlich', synthetic: true } as const;
const kinderV1 = {
  ...common,
  code: 'kinder',
  version: 1,
  kind: 'count',
  name: 'Kinder unter 3',
  definition: 'Einwohner im Alter 0 bis unter 3',
  unit: 'Personen',
  dataset: 'bevoelkerung',
  measure: 'einwohner_alter',
  dimensions: { alter: ['0-3'] },
  sourceLevel: 'SOZIALRAUM',
};
const kinderV2 = { ...kinderV1, version: 2, name: 'Kinder unter 6', definition: 'Einwohner im Alter 0 bis unter 6', dimensions: { alter: ['0-3', '3-6'] } };
const kinderanteil = {
  ...common,
  code: 'kinderanteil',
  version: 1,
  kind: 'ratio',
  name: 'Anteil der Kinder',
  definition: 'kinder / einwohner × 100',
  unit: '%',
  numerator: 'kinder',
  denominator: 'einwohner',
  factor: 100,
};
const classesV1 = [
  { code: 'wenige', label: 'Wenige Kinder', from: null },
  { code: 'mittel', label: 'Durchschnittlich', from: -0.5 },
  { code: 'viele', label: 'Viele Kinder', from: 0.5 },
];
const indexV1 = {
  ...common,
  code: 'index_familie',
  version: 1,
  kind: 'index',
  polarity: 1,
  name: 'Familienindex',
  definition: 'z-standardisierter Kinderanteil',
  unit: 'Standardabweichungen',
  inputs: [{ indicator: 'kinderanteil', polarity: 1 }],
  population: 'einwohner',
  minPopulation: 0,
  classes: classesV1,
  levels: ['SOZIALRAUM', 'FOERDERGEBIET'],
};
const indexV2 = {
  ...indexV1,
  version: 2,
  classes: [
    { code: 'unten', label: 'Unterdurchschnittlich', from: null },
    { code: 'oben', label: 'Überdurchschnittlich', from: 0 },
  ],
};

describe('indicator and index definitions as delivered data', () => {
  const dataDir = tempDir('sp-delivered-catalogue-');
  const config = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0' });
  const pack = tenantPacks.musterstadt!;
  const start = (e: Engines) => startPlatform(config, e, { tenant: { reference: pack.reference(), feeds: pack.feeds()!, catalogue: pack.catalogue()!, extraSources: [] } });
  let engines: Engines;
  let platform: Platform;
  let codes: string[];

  const gql = async (query: string): Promise<Gql> => {
    const res = await fetch(`${platform.url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await res.json()) as Gql;
  };
  const data = async (query: string) => {
    const r = await gql(query);
    if (r.errors) throw new Error(JSON.stringify(r.errors));
    return r.data!;
  };
  const deliver = async (recordType: string, records: unknown[], amt = 'statistik') => {
    const res = await fetch(`${platform.url}/v1/deliveries/${recordType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.keys.keys[amt]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };
  const versions = async (code: string) => {
    const d = await data('{ indicators { code versions } indices { code versions } }');
    return [...d.indicators, ...d.indices].find((i: { code: string }) => i.code === code)?.versions as number[] | undefined;
  };
  const values = async (indicator: string, period: string, version?: number) =>
    (await data(`{ indicatorValues(indicator: "${indicator}", level: SOZIALRAUM, period: "${period}"${version ? `, definitionVersion: ${version}` : ''}) { area { code } value definitionVersion } }`))
      .indicatorValues as { area: { code: string }; value: number | null; definitionVersion: number }[];
  const index = async (level: string, period: string, version?: number) =>
    (
      await data(
        `{ indexValues(index: "index_familie", level: ${level}, period: "${period}"${version ? `, definitionVersion: ${version}` : ''}) { area { code } score class scored definitionVersion } }`,
      )
    ).indexValues as { area: { code: string }; score: number | null; class: string | null; scored: boolean; definitionVersion: number }[];
  /** the counts of each Sozialraum: Einwohner, children 0–3 and 3–6, different shares per area */
  const counts = (i: number) => ({ einwohner: 1000 + 100 * i, u3: 20 + 7 * i, u6: 60 - 6 * i });

  beforeAll(async () => {
    engines = await openEngines(config);
    platform = await start(engines);
    codes = ((await data('{ areas(level: SOZIALRAUM) { code } }')).areas as { code: string }[]).map((a) => a.code);
    const figures = codes.map((code, i) => {
      const c = counts(i);
      return {
        version: 1,
        dataset: 'bevoelkerung',
        areaLevel: 'SOZIALRAUM',
        areaCode: code,
        period: '2020',
        observations: [
          { measure: 'einwohner', dimensions: {}, value: c.einwohner },
          { measure: 'einwohner_alter', dimensions: { alter: '0-3' }, value: c.u3 },
          { measure: 'einwohner_alter', dimensions: { alter: '3-6' }, value: c.u6 },
        ],
        synthetic: true,
      };
    });
    const res = await deliver('area-statistic', figures);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await platform?.close();
    await engines?.close();
  });

  it('refuses invalid definitions with 4xx naming code and field, and stores nothing', async () => {
    const refusals: [unknown, number, Record<string, unknown>][] = [
      // a ratio over an indicator the catalogue does not have
      [{ ...kinderanteil, numerator: 'kinder' }, 422, { field: 'numerator', code: 'UNKNOWN_INDICATOR', value: 'kinder' }],
      // a ratio over a ratio
      [{ ...kinderanteil, numerator: 'anteil_u18' }, 422, { field: 'numerator', code: 'WRONG_KIND' }],
      // an index at a level the town does not have
      [{ ...indexV1, inputs: [{ indicator: 'anteil_u18', polarity: 1 }], levels: ['ORTSTEIL'] }, 422, { field: 'levels[0]', code: 'UNKNOWN_AREA_LEVEL', value: 'ORTSTEIL' }],
      // the catalogue's schema: a ratio needs its factor
      [{ ...kinderanteil, factor: undefined, numerator: 'einwohner_u18' }, 422, { field: 'factor', code: 'MISSING_FIELD' }],
      // a new code starts at version 1
      [{ ...kinderV1, version: 3 }, 422, { field: 'version', code: 'VERSION_GAP', accepted: 'version 1' }],
      // another definition under a version the pack has
      [{ ...kinderV1, code: 'einwohner', dimensions: {}, measure: 'einwohner', sourceLevel: 'SOZIALRAUM', name: 'Alle' }, 409, { field: 'version', code: 'VERSION_CONFLICT' }],
    ];
    for (const [record, status, error] of refusals) {
      const res = await deliver('indicator-definition', [record]);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.errors[0]).toMatchObject({ row: 0, ...error });
      expect(res.body.errors[0].accepted).toBeTruthy();
    }
    // an Amt not allowed the record type
    const jobcenter = await deliver('indicator-definition', [kinderV1], 'jobcenter');
    expect(jobcenter.status).toBe(403);
    expect(jobcenter.body.errors[0]).toMatchObject({ code: 'RECORD_TYPE_NOT_ALLOWED' });
    // nothing of it became part of the catalogue, nothing was stored
    expect(await versions('kinder')).toBeUndefined();
    expect(await versions('einwohner')).toEqual([1]);
    expect((await engines.database.query('SELECT count(*)::int AS n FROM ingest_records WHERE record_type = $1', ['indicator-definition'])).rows).toEqual([{ n: 0 }]);
  });

  it('computes a delivered count, a ratio over it and an index with its own classes at every level it names', async () => {
    // one delivery: the index after the ratio after the count, each reading the one before
    const res = await deliver('indicator-definition', [kinderV1, kinderanteil, indexV1]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.records.map((r: { key: string; version: number }) => `${r.key}@${r.version}`)).toEqual(['kinder@1', 'kinderanteil@1', 'index_familie@1']);

    await eventually(
      () => versions('index_familie'),
      (v) => v?.join() === '1',
      'the delivered index',
    );
    // the counts were delivered a moment ago too
    const kinder = await eventually(
      () => values('kinder', '2020'),
      (v) => v.length === codes.length,
      'the counts',
    );
    expect(kinder.map((v) => v.value)).toEqual(codes.map((_, i) => counts(i).u3));
    expect(kinder.every((v) => v.definitionVersion === 1)).toBe(true);
    const anteil = await values('kinderanteil', '2020');
    expect(anteil.map((v) => v.value)).toEqual(codes.map((_, i) => (counts(i).u3 / counts(i).einwohner) * 100));

    const scored = await eventually(
      () => index('SOZIALRAUM', '2020'),
      (v) => v.length === codes.length && v.every((x) => x.scored),
      'the index at SOZIALRAUM',
    );
    expect(new Set(scored.map((v) => v.class))).toEqual(new Set(classesV1.map((c) => c.label)));
    expect(scored.every((v) => v.definitionVersion === 1)).toBe(true);
    // the shares rise with i: the first area has the fewest children, the last the most
    expect(scored[0]!.class).toBe('Wenige Kinder');
    expect(scored.at(-1)!.class).toBe('Viele Kinder');
    // the planning level the definition names too, standardised across its own areas
    const planning = await eventually(
      () => index('FOERDERGEBIET', '2020'),
      (v) => v.some((x) => x.scored),
      'the index at FOERDERGEBIET',
    );
    expect(planning.filter((x) => x.scored).every((x) => classesV1.some((c) => c.label === x.class))).toBe(true);
  }, 120_000);

  it('recomputes what depends on a new version without a restart; the results of version 1 stay queryable', async () => {
    const before = await index('SOZIALRAUM', '2020');
    const res = await deliver('indicator-definition', [kinderV2]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await eventually(
      () => versions('kinder'),
      (v) => v?.join() === '1,2',
      'kinder v2',
    );
    // the count: version 2 by default, version 1 when asked, each saying which
    const v2 = await values('kinder', '2020');
    expect(v2.map((v) => [v.value, v.definitionVersion])).toEqual(codes.map((_, i) => [counts(i).u3 + counts(i).u6, 2]));
    const v1 = await values('kinder', '2020', 1);
    expect(v1.map((v) => [v.value, v.definitionVersion])).toEqual(codes.map((_, i) => [counts(i).u3, 1]));
    // the ratio over it follows
    expect((await values('kinderanteil', '2020')).map((v) => v.value)).toEqual(codes.map((_, i) => ((counts(i).u3 + counts(i).u6) / counts(i).einwohner) * 100));
    // and the index over the ratio is recomputed: under 6 the shares fall with i, so the classes turn round
    const after = await eventually(
      () => index('SOZIALRAUM', '2020'),
      (v) => v[0]?.class === 'Viele Kinder',
      'the recomputed index',
    );
    expect(after.at(-1)!.class).toBe('Wenige Kinder');
    expect(after.map((v) => v.score)).not.toEqual(before.map((v) => v.score));
    // beside them, the scores the same index version made from kinder 1 stay, saying so (docs/indicators.md §8)
    const old = (
      await data('{ indexValues(index: "index_familie", level: SOZIALRAUM, period: "2020", inputVersions: [{ indicator: "kinder", version: 1 }]) { score inputVersions { indicatorCode version } } }')
    ).indexValues as { score: number | null; inputVersions: { indicatorCode: string; version: number }[] }[];
    expect(old.map((v) => v.score)).toEqual(before.map((v) => v.score));
    expect(old.every((v) => v.inputVersions.some((i) => i.indicatorCode === 'kinder' && i.version === 1))).toBe(true);

    // a second version of the index: its own classes; the scores of version 1 stay
    const idx = await deliver('indicator-definition', [indexV2]);
    expect(idx.status, JSON.stringify(idx.body)).toBe(200);
    const latest = await eventually(
      () => index('SOZIALRAUM', '2020'),
      (v) => v[0]?.definitionVersion === 2,
      'index_familie v2',
    );
    expect(new Set(latest.map((v) => v.class))).toEqual(new Set(['Unterdurchschnittlich', 'Überdurchschnittlich']));
    const first = await index('SOZIALRAUM', '2020', 1);
    expect(first.map((v) => [v.class, v.definitionVersion])).toEqual(after.map((v) => [v.class, 1]));
    // a version that does not exist is named
    const none = await gql('{ indicatorValues(indicator: "kinder", level: SOZIALRAUM, period: "2020", definitionVersion: 7) { value } }');
    expect(none.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument: 'definitionVersion' });
    expect(none.errors?.[0]?.message).toContain('accepted: 1, 2');
    // the same version again, identical: unchanged
    const again = await deliver('indicator-definition', [kinderV2]);
    expect(again.status).toBe(200);
    expect(again.body.records[0]).toMatchObject({ key: 'kinder', status: 'unchanged' });
  }, 120_000);

  it('keeps the delivered definitions over a restart, and a rebuild from the log gives the same', async () => {
    const expected = { kinder: await values('kinder', '2020'), kinderV1: await values('kinder', '2020', 1), index: await index('SOZIALRAUM', '2020') };
    await platform.close();
    platform = await start(engines);
    expect(await versions('kinder')).toEqual([1, 2]);
    expect(await versions('index_familie')).toEqual([1, 2]);
    expect(await values('kinder', '2020')).toEqual(expected.kinder);
    expect(await values('kinder', '2020', 1)).toEqual(expected.kinderV1);

    // the read model lost, the platform started on the pack alone: the rebuild replays the definitions
    await platform.close();
    await engines.database.exec('DELETE FROM delivered_indicator_definitions');
    platform = await start(engines);
    expect(await versions('kinder')).toBeUndefined();
    const projections = await eventually(
      async () => platform.projections.current(),
      (p) => p !== undefined,
      'the projections',
    );
    await projections!.rebuild();
    expect(await versions('kinder')).toEqual([1, 2]);
    expect(await values('kinder', '2020')).toEqual(expected.kinder);
    expect(await values('kinder', '2020', 1)).toEqual(expected.kinderV1);
    expect(await index('SOZIALRAUM', '2020')).toEqual(expected.index);
  }, 240_000);
});
