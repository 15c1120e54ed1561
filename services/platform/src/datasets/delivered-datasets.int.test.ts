// Issue 15, deliver 3 (datasets), on the one-process platform (embedded log, PGlite, chDB): a town's
// statistics office declares a dataset of its own with its feed grant as a `dataset` record; from
// the next request on a delivered indicator may read it and the granted Amt may deliver counts of
// it, while another Amt is refused 403; its indicator is read through GraphQL, protected while the
// dataset is confidential and exact once a new version makes it public. Invalid declarations are
// refused with 4xx naming field and what is accepted, and change nothing. The datasets survive a
// restart, and a rebuild from the log after their read model was lost gives the same.
import { tempDir, eventually } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startPlatform, type Platform } from '../platform.js';
import { tenantPacks } from '../tenants/tenant-packs.js';

type Gql = { data?: Record<string, any> | null; errors?: { message: string; extensions?: Record<string, unknown> }[] };

const kitaV1 = {
  code: 'kitaplaetze',
  version: 1,
  label: 'Genehmigte Kita-Plätze',
  periodicity: 'year',
  synthetic: true,
  confidentiality: 'confidential',
  stichtag: '01.03.',
  levels: ['SOZIALRAUM'],
  measures: { plaetze: { kind: 'count', dimensions: { alter: ['u3', 'ue3'] } } },
  amts: ['jugendamt'],
  source: 'Jugendamt Musterstadt, Kita-Bedarfsplanung',
};
/** version 2: published by the office itself, and the statistics office may deliver it too */
const kitaV2 = { ...kitaV1, version: 2, confidentiality: 'public', amts: ['jugendamt', 'statistik'] };
const kitaU3 = {
  code: 'kitaplaetze_u3',
  version: 1,
  kind: 'count',
  name: 'Kita-Plätze unter 3',
  definition: 'genehmigte Plätze für Kinder unter 3 Jahren am 01.03.',
  unit: 'Plätze',
  amt: 'jugendamt',
  polarity: 1,
  updateInterval: 'jährlich',
  synthetic: true,
  dataset: 'kitaplaetze',
  measure: 'plaetze',
  dimensions: { alter: ['u3'] },
  sourceLevel: 'SOZIALRAUM',
};

describe('datasets and their feed grant as delivered data', () => {
  const dataDir = tempDir('sp-delivered-datasets-');
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
  const values = async (period: string) =>
    (await data(`{ indicatorValues(indicator: "kitaplaetze_u3", level: SOZIALRAUM, period: "${period}") { area { code } value confidential perturbed } }`)).indicatorValues as {
      area: { code: string };
      value: number | null;
      confidential: boolean;
      perturbed: boolean;
    }[];
  const hasIndicator = async () => ((await data('{ indicators { code } }')).indicators as { code: string }[]).some((i) => i.code === 'kitaplaetze_u3');
  /** places per Sozialraum: under 3 and from 3, different per area, large enough to be shown */
  const places = (i: number) => ({ u3: 40 + 11 * i, ue3: 120 + 5 * i });
  const figures = (period: string, factor = 1) =>
    codes.map((code, i) => ({
      version: 1,
      dataset: 'kitaplaetze',
      areaLevel: 'SOZIALRAUM',
      areaCode: code,
      period,
      observations: [
        { measure: 'plaetze', dimensions: { alter: 'u3' }, value: places(i).u3 * factor },
        { measure: 'plaetze', dimensions: { alter: 'ue3' }, value: places(i).ue3 * factor },
      ],
      synthetic: true,
    }));

  beforeAll(async () => {
    engines = await openEngines(config);
    platform = await start(engines);
    codes = ((await data('{ areas(level: SOZIALRAUM) { code } }')).areas as { code: string }[]).map((a) => a.code);
  }, 180_000);

  afterAll(async () => {
    await platform?.close();
    await engines?.close();
  });

  it('refuses invalid declarations with 4xx naming field and what is accepted, and stores nothing', async () => {
    const refusals: [unknown, number, Record<string, unknown>][] = [
      [{ ...kitaV1, levels: ['STADTTEIL'] }, 422, { field: 'levels[0]', code: 'UNKNOWN_AREA_LEVEL', value: 'STADTTEIL', accepted: expect.stringContaining('SOZIALRAUM') }],
      [{ ...kitaV1, amts: ['kitaamt'] }, 422, { field: 'amts[0]', code: 'UNKNOWN_AMT', value: 'kitaamt', accepted: expect.stringContaining('jugendamt') }],
      [{ ...kitaV1, version: 2 }, 422, { field: 'version', code: 'VERSION_GAP', accepted: 'version 1' }],
      [{ ...kitaV1, measures: { plaetze: { kind: 'anzahl' } } }, 422, { field: 'measures.plaetze.kind', code: 'INVALID_VALUE' }],
      // the pack's Einwohner without the measure its indicators read
      [{ ...kitaV1, code: 'bevoelkerung', synthetic: true, amts: ['statistik'] }, 422, { field: 'measures', code: 'INVALID_VALUE' }],
    ];
    for (const [record, status, error] of refusals) {
      const res = await deliver('dataset', [record]);
      expect(res.status, JSON.stringify(res.body)).toBe(status);
      expect(res.body.errors[0]).toMatchObject({ row: 0, ...error });
      expect(res.body.errors[0].accepted).toBeTruthy();
    }
    // only the statistics office declares datasets
    const jugendamt = await deliver('dataset', [kitaV1], 'jugendamt');
    expect(jugendamt.status).toBe(403);
    expect(jugendamt.body.errors[0]).toMatchObject({ code: 'RECORD_TYPE_NOT_ALLOWED', field: 'recordType', accepted: expect.not.stringContaining('dataset') });
    // a dataset is never withdrawn
    const withdrawn = await fetch(`${platform.url}/v1/deliveries/dataset/withdrawals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.keys.keys.statistik}`, 'content-type': 'application/json' },
      body: JSON.stringify({ withdrawals: [{ key: 'kitaplaetze', version: 1 }] }),
    });
    expect(withdrawn.status).toBe(403);
    expect(((await withdrawn.json()) as { errors: unknown[] }).errors[0]).toMatchObject({ code: 'RECORD_TYPE_NOT_ALLOWED', accepted: expect.stringContaining('new version') });
    // nothing was stored: counts of it are refused, a definition cannot read it
    expect((await engines.database.query('SELECT count(*)::int AS n FROM ingest_records WHERE record_type = $1', ['dataset'])).rows).toEqual([{ n: 0 }]);
    const counts = await deliver('area-statistic', figures('2020'), 'jugendamt');
    expect(counts.status).toBeGreaterThanOrEqual(403);
    const definition = await deliver('indicator-definition', [kitaU3]);
    expect(definition.status).toBe(422);
    expect(definition.body.errors[0]).toMatchObject({ field: 'dataset', code: 'UNKNOWN_DATASET', value: 'kitaplaetze' });
  });

  it('a delivered dataset: a definition reads it and the granted Amt delivers it from the next request on; another Amt is refused 403', async () => {
    const res = await deliver('dataset', [kitaV1]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.records[0]).toMatchObject({ key: 'kitaplaetze', version: 1, status: 'created' });
    // the same version with another confidentiality is a conflict: a change is a new version
    const conflict = await deliver('dataset', [{ ...kitaV1, confidentiality: 'public' }]);
    expect(conflict.status).toBe(409);
    expect(conflict.body.errors[0]).toMatchObject({ field: 'version', code: 'VERSION_CONFLICT' });

    const definition = await deliver('indicator-definition', [kitaU3]);
    expect(definition.status, JSON.stringify(definition.body)).toBe(200);
    const counts = await deliver('area-statistic', figures('2020'), 'jugendamt');
    expect(counts.status, JSON.stringify(counts.body)).toBe(200);
    expect(counts.body.created).toBe(codes.length);
    // the Jobcenter and the statistics office are not granted it
    for (const amt of ['jobcenter', 'statistik']) {
      const other = await deliver('area-statistic', figures('2021'), amt);
      expect(other.status, `${amt}: ${JSON.stringify(other.body)}`).toBe(403);
      expect(other.body.errors[0]).toMatchObject({ field: 'dataset', code: 'DATASET_NOT_ALLOWED', value: 'kitaplaetze' });
    }
    // a measure or dimension value the declaration does not have
    const wrong = await deliver('area-statistic', [{ ...figures('2021')[0]!, observations: [{ measure: 'plaetze', dimensions: { alter: 'hort' }, value: 3 }] }], 'jugendamt');
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors[0].accepted).toContain('u3');

    // the projection made it part of the tenant's catalogues
    await eventually(
      () => Promise.resolve(platform.feeds.datasetsOf('jugendamt')),
      (d) => d.includes('kitaplaetze'),
      'the feed grant',
    );
    expect(platform.feeds.dataset('kitaplaetze')).toMatchObject({ label: 'Genehmigte Kita-Plätze', levels: ['SOZIALRAUM'] });
    // and the gateway lists it among the sources
    expect((await data('{ sources { code name synthetic } }')).sources).toContainEqual({ code: 'kitaplaetze', name: 'Genehmigte Kita-Plätze', synthetic: true });
    // confidential: the public sees it protected
    const protectedValues = await eventually(
      () => values('2020'),
      (v) => v.length === codes.length,
      'the confidential values',
    );
    expect(protectedValues.every((v) => v.confidential && v.perturbed)).toBe(true);
  }, 120_000);

  it('a new version makes it public and grants the statistics office too, without a restart', async () => {
    const res = await deliver('dataset', [kitaV2]);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // the next request: the statistics office may deliver it now
    const statistik = await deliver('area-statistic', figures('2021', 2), 'statistik');
    expect(statistik.status, JSON.stringify(statistik.body)).toBe(200);
    const exact = await eventually(
      () => values('2020'),
      (v) => v.length === codes.length && v.every((x) => !x.confidential),
      'the public values',
    );
    expect(exact.map((v) => [v.area.code, v.value, v.perturbed])).toEqual(codes.map((c, i) => [c, places(i).u3, false]));
    const later = await eventually(
      () => values('2021'),
      (v) => v.length === codes.length,
      "the statistics office's values",
    );
    expect(later.map((v) => v.value)).toEqual(codes.map((_, i) => places(i).u3 * 2));
    expect((await data('{ indicators { code } }')).indicators).toContainEqual({ code: 'kitaplaetze_u3' });
  }, 120_000);

  it('keeps the delivered datasets over a restart, and a rebuild from the log gives the same', async () => {
    const expected = { v2020: await values('2020'), v2021: await values('2021') };
    await platform.close();
    platform = await start(engines);
    expect(platform.feeds.datasetsOf('statistik')).toContain('kitaplaetze');
    expect(await hasIndicator()).toBe(true);
    expect(await values('2020')).toEqual(expected.v2020);
    // the grant holds after the restart: the Jobcenter still refused, the Jugendamt accepted
    expect((await deliver('area-statistic', figures('2022'), 'jobcenter')).status).toBe(403);
    expect((await deliver('area-statistic', figures('2019'), 'jugendamt')).status).toBe(200);

    // the read model lost, the platform started on the pack's datasets: the definition on it is
    // left out until the rebuild replays the datasets and overlays the definitions on them again
    await platform.close();
    await engines.database.exec('DELETE FROM delivered_datasets');
    platform = await start(engines);
    expect(platform.feeds.hasDataset('kitaplaetze')).toBe(false);
    expect(await hasIndicator()).toBe(false);
    const projections = await eventually(
      async () => platform.projections.current(),
      (p) => p !== undefined,
      'the projections',
    );
    await projections!.rebuild();
    expect(platform.feeds.datasetsOf('statistik')).toContain('kitaplaetze');
    expect(await hasIndicator()).toBe(true);
    expect(await values('2020')).toEqual(expected.v2020);
    expect(await values('2021')).toEqual(expected.v2021);
  }, 240_000);
});
