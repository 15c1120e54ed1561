// Issue 15, deliver 3: a new version of an indicator a composite index reads recomputes the index
// under its unchanged definition version into rows of their own (input_versions); the rows made
// from the old version stay, keep their scores and say which versions made them. The default read
// answers the current input versions; the public reads every set only in its protected variant.
import { type InputVersion, parseCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IndexProjector } from './index-projector.js';
import { planResolverFromCatalogue } from './indicator-plan.js';
import { migrateWarehouse } from './migrations.js';
import { IndicatorProjector, loadAreaMap } from './projector.js';
import { sgbCatalogueYaml, sgbQuoteYaml, statisticEvents } from './testing/index.js';
import { WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

const yaml = sgbCatalogueYaml({ sgbPeriodicity: 'year', publicPopulation: true, children: true, indices: [{ code: 'index_a', inputs: ['sgb_quote'] }] });
/** version 2 of the ratio the index reads: the children's quote, which orders the areas the other way round */
const quoteV2 = `${sgbQuoteYaml({ version: 2, numerator: 'sgb_kinder' })}\n`;

const areas = ['101', '102', '103', '104'];
const record = statisticEvents();
const v1Inputs: InputVersion[] = [
  { indicator: 'einwohner', version: 1 },
  { indicator: 'sgb_personen', version: 1 },
  { indicator: 'sgb_quote', version: 1 },
];
const v2Inputs: InputVersion[] = [
  { indicator: 'einwohner', version: 1 },
  { indicator: 'sgb_kinder', version: 1 },
  { indicator: 'sgb_quote', version: 2 },
];

describe('index results of each input version on chDB', () => {
  let wh: Warehouse;
  const catalogue = parseCatalogue(yaml);
  let reader: WarehouseIndicatorReader;
  let indices: IndexProjector;
  const read = async (privileged: boolean, inputVersions?: InputVersion[]) =>
    reader.indexValues({ index: 'index_a', level: 'STADTTEIL', period: '2012', privileged, ...(inputVersions ? { inputVersions } : {}) });
  const scores = (values: { score: number | null }[]) => values.map((v) => v.score);

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-index-versions-') });
    await migrateWarehouse(wh);
    await loadAreaMap(
      wh,
      areas.map((a) => ({ childLevel: 'STADTTEIL', childCode: a, level: 'STADTTEIL', code: a })),
    );
    // persons rise with the area, children fall: the two quotes order the areas the opposite way;
    // small counts, so that the public's protected inputs differ from the true ones
    const events = areas.flatMap((a, i) => [record('bev', a, '2012', { einwohner: 1000 }), record('sgb', a, '2012', { sgb_personen: 10 + 5 * i, sgb_kinder: 12 - 3 * i })]);
    await new IndicatorProjector(wh, { recordKeySecret: 'index-versions-test-record-keys' }).apply(events);
    reader = new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADTTEIL'] });
    indices = new IndexProjector(wh, reader, catalogue, { levels: ['STADTTEIL'] });
  });
  afterAll(async () => wh?.close());

  it('keeps the scores of the old input version beside those of the new one, each saying which versions made it', async () => {
    expect(await indices.recompute(['2012'])).toBe(2 * areas.length);
    const before = { exact: await read(true), published: await read(false) };
    expect(before.exact.map((v) => v.inputVersions)).toEqual(areas.map(() => v1Inputs));
    expect(scores(before.exact).every((s) => s !== null)).toBe(true);
    // the public's scores are those of the protected inputs, not the true ones
    expect(scores(before.published)).not.toEqual(scores(before.exact));

    // version 2 of the ratio: the index definition (version 1) is unchanged, its scores are not
    catalogue.replaceWith(parseCatalogue(yaml + quoteV2));
    expect(await indices.recompute(['2012'])).toBe(2 * areas.length);
    const stored = await wh.query<{ input_versions: string; n: string }>(
      `SELECT input_versions, count() AS n FROM index_values FINAL WHERE index_code = 'index_a' AND definition_version = 1 GROUP BY input_versions ORDER BY input_versions`,
    );
    expect(stored.map((r) => Number(r.n))).toEqual([areas.length, areas.length]);

    // the default read: the new input versions, the areas' order turned round
    const now = { exact: await read(true), published: await read(false) };
    expect(now.exact.map((v) => [v.definitionVersion, v.inputVersions])).toEqual(areas.map(() => [1, v2Inputs]));
    expect(now.published.map((v) => v.inputVersions)).toEqual(areas.map(() => v2Inputs));
    expect(Math.sign(now.exact[0]!.score!)).toBe(-Math.sign(before.exact[0]!.score!));

    // the old results, asked for by their input versions (in any order): as they were, labelled
    const old = { exact: await read(true, [...v1Inputs].reverse()), published: await read(false, v1Inputs) };
    expect(old.exact).toEqual(before.exact);
    expect(old.published).toEqual(before.published);
    // the public gets the protected variant of the old set too, never the exact one
    expect(scores(old.published)).not.toEqual(scores(old.exact));
    // input versions never computed: nothing
    expect(await read(true, [{ indicator: 'sgb_quote', version: 7 }])).toEqual([]);

    // the sets there are, and which one the default read answers, the same in both variants
    for (const privileged of [true, false]) {
      const results = await reader.indexResults({ index: 'index_a', privileged });
      expect(results).toHaveLength(2);
      expect(results).toContainEqual({ definitionVersion: 1, inputVersions: v1Inputs, current: false, periods: ['2012'] });
      expect(results).toContainEqual({ definitionVersion: 1, inputVersions: v2Inputs, current: true, periods: ['2012'] });
    }
  });

  it('recomputes only the current input versions after a correction; the old results stay as computed last', async () => {
    const before = { current: await read(true), old: await read(true, v1Inputs) };
    // 101's children corrected: only the new ratio reads them
    const correction = { ...record('sgb', '101', '2012', { sgb_personen: 10, sgb_kinder: 2 }), version: 2 };
    const { touchedPeriods } = await new IndicatorProjector(wh, { recordKeySecret: 'index-versions-test-record-keys' }).apply([correction]);
    await indices.recompute(touchedPeriods);
    expect(scores(await read(true))).not.toEqual(scores(before.current));
    expect(await read(true, v1Inputs)).toEqual(before.old);
  });

  it('keeps the version of a year whose period another dataset delivered to (a measure no definition reads)', async () => {
    const version = async () =>
      (await wh.query<{ v: string }>(`SELECT max(computed_from_ms) AS v FROM index_values FINAL WHERE index_code = 'index_a' AND period = '2012'`)).map((r) => Number(r.v))[0];
    const before = { version: await version(), scores: scores(await read(true)) };
    expect(before.version).toBeGreaterThan(0);
    // delivered after every input of 2012, at the same period: the year is recomputed (its period was touched)
    const other = { ...record('wohnen', '101', '2012', { wohnungen: 480 }), deliveredAt: Date.UTC(2030, 0, 1) };
    const { touchedPeriods } = await new IndicatorProjector(wh, { recordKeySecret: 'index-versions-test-record-keys' }).apply([other]);
    expect(touchedPeriods).toEqual(['2012']);
    expect(await indices.recompute(touchedPeriods)).toBeGreaterThan(0);
    // the scores were computed from the same inputs: the version says so, not the unrelated cell's time
    expect(scores(await read(true))).toEqual(before.scores);
    expect(await version()).toBe(before.version);
  });

  it('answers a year stored before input versions were recorded until it is recomputed', async () => {
    const legacy = areas.map((a, i) => ({
      index_code: 'index_a',
      definition_version: 1,
      area_level: 'STADTTEIL',
      area_code: a,
      period: '2010',
      score: i - 1.5,
      class: 'lo',
      scored: 1,
      computed_from_ms: 1,
    }));
    await wh.insert('index_values', legacy);
    const values = await reader.indexValues({ index: 'index_a', level: 'STADTTEIL', period: '2010', privileged: true });
    expect(values.map((v) => [v.score, v.inputVersions])).toEqual(legacy.map((r) => [r.score, []]));
    expect((await reader.indexResults({ index: 'index_a', privileged: true }))[0]).toEqual({ definitionVersion: 1, inputVersions: [], current: false, periods: ['2010'] });
  });
});
