import { computeCompositeIndex, parseCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { IndexProjector } from './index-projector.js';
import { planResolverFromCatalogue } from './indicator-plan.js';
import { migrateWarehouse } from './migrations.js';
import { IndicatorProjector, loadAreaMap, type AreaStatisticEvent } from './projector.js';
import { recordingQueries, sgbCatalogueYaml, statisticEvents, stadtteilAreaMap } from './testing/index.js';
import { WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

// A yearly population and a monthly count; two versions of an index over the monthly rate, the
// second also over its change to the same month a year before.
const catalogue = parseCatalogue(
  sgbCatalogueYaml({
    sgbPeriodicity: 'month',
    change12m: true,
    indices: [
      { code: 'index_a', version: 1, inputs: ['sgb_quote'] },
      { code: 'index_a', version: 2, inputs: ['sgb_quote', 'sgb_quote_12m'] },
    ],
  }),
);

const areas = ['101', '102', '103'];
const record = statisticEvents();

describe('index projector on chDB', () => {
  let wh: Warehouse;
  let reader: WarehouseIndicatorReader;
  let indices: IndexProjector;
  const stored = () => wh.query(`SELECT definition_version, area_code, score, class, computed_from_ms FROM index_values FINAL ORDER BY definition_version, area_code`);

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-index-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, stadtteilAreaMap(areas));
    const events = areas.flatMap((a, i) => [
      record('bev', a, '2011', { einwohner: 1000 + 100 * i }),
      record('bev', a, '2012', { einwohner: 1010 + 100 * i }),
      record('sgb', a, '2011-12', { sgb_personen: 100 + 7 * i * i }),
      record('sgb', a, '2012-06', { sgb_personen: 50 + 3 * i }),
      record('sgb', a, '2012-12', { sgb_personen: 110 + 5 * i * i }),
    ]);
    await new IndicatorProjector(wh, { recordKeySecret: 'index-projector-test-record-keys' }).apply(events);
    reader = new WarehouseIndicatorReader(wh, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] });
    indices = new IndexProjector(wh, reader, catalogue);
  });
  afterAll(async () => wh?.close());

  it('names the periods a read depends on: the monthly December, the yearly population, a change n months back', () => {
    expect(reader.readPeriods('sgb_quote', ['2012-12']).sort()).toEqual(['2012', '2012-12']);
    expect(reader.readPeriods('sgb_quote_12m', ['2012-12']).sort()).toEqual(['2011', '2011-12', '2012', '2012-12']);
    expect(reader.readPeriods('einwohner', ['2012'])).toEqual(['2012']);
  });

  it('skips a year none of whose read periods was touched, and reads each input once per call', async () => {
    const values = vi.spyOn(reader, 'indexInputs');
    // a month the yearly index does not read (it reads December): nothing to recompute, nothing read
    expect(await indices.recompute(['2012-06'])).toBe(0);
    expect(values).not.toHaveBeenCalled();
    expect(await stored()).toEqual([]);

    // December: both versions for every area, exact and public; sgb_quote and einwohner are shared,
    // so read once per variant, each with every period the due years read (one query for all years
    // of a rebuild). 2013's change input reads 2012-12 too: 2013 has no population yet, so it
    // scores nothing
    expect(await indices.recompute(['2012-12'])).toBe(2 * 2 * areas.length);
    const reads = ['einwohner@2012,2013', 'sgb_quote@2012-12,2013-12', 'sgb_quote_12m@2012-12,2013-12'];
    expect(values.mock.calls.map(([q]) => `${q.indicator}@${q.periods!.join()} ${q.privileged}`).sort()).toEqual([...reads.map((r) => `${r} false`), ...reads.map((r) => `${r} true`)].sort());
    const first = await stored();
    expect(first).toHaveLength(2 * areas.length);
    expect(first.every((r) => r.score !== null)).toBe(true);
    // the public variant is the index of the inputs as the public sees them
    const def = catalogue.resolveIndex('index_a');
    const publicInput = async (indicator: string, period: string) => new Map((await reader.values({ indicator, level: 'STADTTEIL', periods: [period] })).map((v) => [v.areaCode, v.value]));
    const expected = computeCompositeIndex(def, {
      inputs: Object.fromEntries(await Promise.all(def.inputs.map(async (i) => [i.indicator, await publicInput(i.indicator, '2012-12')] as const))),
      population: await publicInput(def.population, '2012'),
    });
    const published = await reader.indexValues({ index: 'index_a', level: 'STADTTEIL', period: '2012' });
    const exact = await reader.indexValues({ index: 'index_a', level: 'STADTTEIL', period: '2012', privileged: true });
    expect(published).toHaveLength(areas.length);
    for (const p of published) expect(p.score).toBeCloseTo(expected.areas.find((a) => a.areaCode === p.areaCode)!.value!, 9);
    expect(published.map((p) => p.score)).not.toEqual(exact.map((p) => p.score));

    // the population year is read too, so touching it recomputes the same rows (and checks 2013)
    values.mockClear();
    expect(await indices.recompute(['2012'])).toBe(2 * 2 * areas.length);
    expect(values).toHaveBeenCalledTimes(6);
    expect(await stored()).toEqual(first);
    values.mockRestore();
  });

  it('recomputes the year a change reaches back into (2011-12 is read by the 2011 index)', async () => {
    expect(await indices.recompute(['2011-12'])).toBeGreaterThan(0);
    expect(await indices.recompute(['2011-06'])).toBe(0);
  });

  it('recomputes the next year when a December it compares with is corrected (Dynamikindex of 2012 reads 2011-12)', async () => {
    const scores2012 = async (version: number) =>
      (
        await wh.query<{ area_code: string; score: number }>(
          `SELECT area_code, score FROM index_values FINAL WHERE index_code = 'index_a' AND period = '2012' AND definition_version = {v:UInt32} ORDER BY area_code`,
          { v: version },
        )
      ).map((r) => r.score);
    await indices.recompute(['2012-12']);
    const before = { v1: await scores2012(1), v2: await scores2012(2) };
    expect(before.v2).toHaveLength(3);

    // correction of December 2011 in 101: 100 → 70 persons; only the change input of 2012 reads it
    const correction = { ...record('sgb', '101', '2011-12', { sgb_personen: 70 }), version: 2 };
    const { touchedPeriods } = await new IndicatorProjector(wh).apply([correction]);
    expect(touchedPeriods).toEqual(['2011-12']);
    await indices.recompute(touchedPeriods);

    // by hand (docs/indicators.md §4): quote = persons / residents × 100; change = quote 2012-12 −
    // quote 2011-12; both inputs and the index have polarity −1, so each contributes +z; the sum
    // is standardised again (unweighted mean, population SD)
    const standardise = (xs: number[]) => {
      const mean = xs.reduce((a, x) => a + x, 0) / xs.length;
      const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / xs.length);
      return xs.map((x) => (x - mean) / sd);
    };
    const quote2012 = [(110 / 1010) * 100, (115 / 1110) * 100, (130 / 1210) * 100];
    const quote2011 = [(70 / 1000) * 100, (107 / 1100) * 100, (128 / 1200) * 100];
    const change = quote2012.map((q, i) => q - quote2011[i]!);
    const zQuote = standardise(quote2012);
    const zChange = standardise(change);
    const expected = standardise(zQuote.map((z, i) => z + zChange[i]!));

    const after = await scores2012(2);
    expect(after).not.toEqual(before.v2);
    after.forEach((score, i) => {
      expect(score).toBeCloseTo(expected[i]!, 9);
    });
    // version 1 reads 2012-12 only: unchanged
    expect(await scores2012(1)).toEqual(before.v1);
  });

  it('replaces every row of a recomputed year, also when a withdrawal leaves its inputs older than before', async () => {
    const v1 = async () =>
      wh.query<{ area_code: string; score: number | null; scored: number }>(
        `SELECT area_code, score, scored FROM index_values FINAL WHERE index_code = 'index_a' AND period = '2012' AND definition_version = 1 ORDER BY area_code`,
      );
    await indices.recompute(['2012-12']);
    expect((await v1()).map((r) => r.scored)).toEqual([1, 1, 1]);

    // 103's December 2012 is withdrawn: the newest input of the year is gone, so what is left is
    // known from an earlier time than the rows written before
    const withdrawal: AreaStatisticEvent = { ...record('sgb', '103', '2012-12', { sgb_personen: 0 }), version: 2, tombstone: true };
    delete (withdrawal as { payload?: unknown }).payload;
    const { touchedPeriods } = await new IndicatorProjector(wh).apply([withdrawal]);
    await indices.recompute(touchedPeriods);

    // two areas left: their quotes standardise to +1 and −1 (population SD); 101's quote
    // (110 / 1010) is above 102's (115 / 1110), and input and index share polarity −1 (+z)
    const rows = await v1();
    expect(rows.find((r) => r.area_code === '103')).toMatchObject({ score: null, scored: 0 });
    const left = rows.filter((r) => r.area_code !== '103').map((r) => r.score!);
    left.forEach((score, i) => {
      expect(score).toBeCloseTo([1, -1][i]!, 9);
    });

    // and when an area's population goes too, its row does not keep an old score
    const gone: AreaStatisticEvent = { ...record('bev', '102', '2012', { einwohner: 0 }), version: 2, tombstone: true };
    delete (gone as { payload?: unknown }).payload;
    await indices.recompute((await new IndicatorProjector(wh).apply([gone])).touchedPeriods);
    const after = await v1();
    expect(after.find((r) => r.area_code === '102')).toMatchObject({ score: null, scored: 0 });
  });
});

// issue 17.1: a rebuild recomputes every index year at its end, and its reads were mostly the same
// statements again — a public population read for both variants, a denominator shared by several
// inputs. Each distinct statement now runs once per recompute() call, with the same rows written.
describe('index projector: shared reads', () => {
  const shared = parseCatalogue(
    sgbCatalogueYaml({
      sgbPeriodicity: 'month',
      change12m: true,
      publicPopulation: true,
      indices: [{ code: 'index_a', version: 1, inputs: ['sgb_quote', 'sgb_quote_12m'] }],
    }),
  );
  /** every query statement with its parameters, as run */
  let statements: string[] = [];
  let countReads: () => string[] = () => [];
  let wh: Warehouse;
  let counted: Warehouse;
  const rows = (table: string) => wh.query(`SELECT * FROM ${table} FINAL ORDER BY ALL`);

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-index-shared-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, stadtteilAreaMap(areas));
    const events = areas.flatMap((a, i) =>
      ['2011', '2012'].flatMap((y, k) => [record('bev', a, y, { einwohner: 1000 + 100 * i + k }), record('sgb', a, `${y}-12`, { sgb_personen: 100 + 7 * i * i + 3 * k })]),
    );
    await new IndicatorProjector(wh, { recordKeySecret: 'index-projector-test-record-keys' }).apply(events);
    ({ warehouse: counted, statements, countReads } = recordingQueries(wh));
  });
  afterAll(async () => wh?.close());

  it('runs each distinct read once and writes what reads of their own write', async () => {
    const options = { plans: planResolverFromCatalogue(shared), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] };
    const reader = new WarehouseIndicatorReader(counted, options);
    expect(reader.samePublicValues('einwohner')).toBe(true); // a count of a public dataset
    expect(reader.samePublicValues('sgb_quote')).toBe(false); // its numerator is confidential
    statements.length = 0;
    const written = await new IndexProjector(wh, reader, shared).recompute(['2011', '2011-12', '2012', '2012-12']);
    expect(written).toBeGreaterThan(0);
    const reads = countReads();
    expect(reads.length).toBeGreaterThan(0);
    // one statement per component read (true or protected), with every period asked of it: the
    // share's numerator is asked for each year and again for its change over 12 months
    const withoutPeriods = reads.map((s) => s.replace(/"periods":\[[^\]]*\]/, ''));
    expect(new Set(withoutPeriods).size).toBe(reads.length);
    const sharedRows = { exact: await rows('index_values'), public: await rows('protected_index_values') };
    expect(sharedRows.exact.some((r) => r.scored === 1)).toBe(true);

    // the same recomputation with every read its own (as before): the same rows
    class OwnReads extends WarehouseIndicatorReader {
      override indexInputs(q: Parameters<WarehouseIndicatorReader['indexInputs']>[0]) {
        return super.indexInputs(q);
      }
      override samePublicValues() {
        return false;
      }
    }
    await wh.command('TRUNCATE TABLE index_values');
    await wh.command('TRUNCATE TABLE protected_index_values');
    statements.length = 0;
    expect(await new IndexProjector(wh, new OwnReads(counted, options), shared).recompute(['2011', '2011-12', '2012', '2012-12'])).toBe(written);
    const own = countReads();
    expect(own.length).toBeGreaterThan(reads.length);
    expect({ exact: await rows('index_values'), public: await rows('protected_index_values') }).toEqual(sharedRows);
  });
});
