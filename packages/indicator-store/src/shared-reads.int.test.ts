// SharedReads, the composite indices' reads: the components of one dataset at several measures and
// breakdowns (the population and its age bands; SGB II persons under 15 and under 65,
// Bedarfsgemeinschaften and those of single parents) are read in one statement per dataset — the
// true sums and the protected ones (the public's values of a confidential dataset) side by side
// when both are asked —, and every call gets exactly the values a read of its own gives, privileged
// and public, with an area that lacks some breakdowns and one outside the area map.
import { loadCatalogue } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planResolverFromCatalogue } from './indicator-plan.js';
import { migrateWarehouse } from './migrations.js';
import { IndicatorProjector, loadAreaMap, type AreaStatisticEvent } from './projector.js';
import { recordingQueries, stadtteilAreaMap } from './testing/index.js';
import { SharedReads, WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

const catalogue = loadCatalogue();
const areas = ['101', '102', '103', '104'];
const ages = ['0-3', '3-6', '6-10', '10-15', '15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65', '65-75', '75+'];
const sgbAges = ['u15', '15-65', '65+'];
/** read together, as a recomputation of the indices asks: four breakdowns of einwohner_alter, two of sgb2_personen, the rates over them, and a share of two other SGB II measures */
const indicators = ['einwohner_u6', 'einwohner_u15', 'einwohner_u18', 'einwohner_u65', 'sgb2_personen_u15', 'sgb2_quote', 'sgb2_quote_u15', 'einwohner', 'sgb2_anteil_alleinerziehende'];

let seq = 0;
function event(dataset: string, area: string, period: string, observations: { measure: string; dimensions: Record<string, string>; value: number }[]): AreaStatisticEvent {
  seq += 1;
  return {
    key: `${dataset}|STADTTEIL|${area}|${period}`,
    version: 1,
    tombstone: false,
    deliveredAt: Date.UTC(2025, 0, 1) + seq,
    amt: dataset === 'sgb2' ? 'jobcenter' : 'statistik',
    deliveryId: `d-${seq}`,
    payload: { dataset, areaLevel: 'STADTTEIL', areaCode: area, period, synthetic: false, observations },
  };
}

describe('shared reads of one dataset at several measures and breakdowns', () => {
  let wh: Warehouse;
  let statements: string[] = [];
  let countReads: () => string[] = () => [];
  let counted: Warehouse;

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-shared-reads-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, stadtteilAreaMap(areas));
    // 105 delivered but not in the area map (no validity): left out of every read, shared or not
    const events = [...areas, '105'].flatMap((area, i) =>
      ['2011', '2012'].flatMap((year, k) => [
        event('bevoelkerung', area, year, [
          { measure: 'einwohner', dimensions: {}, value: 5000 + 100 * i + k },
          // area 104 has no counts of its youngest: the breakdowns that read only those have no row there
          ...ages.filter((age) => area !== '104' || !['0-3', '3-6'].includes(age)).map((age, j) => ({ measure: 'einwohner_alter', dimensions: { alter: age }, value: 200 + 13 * i + 7 * j + k })),
        ]),
        event('sgb2', area, `${year}-12`, [
          ...sgbAges.map((age, j) => ({ measure: 'sgb2_personen', dimensions: { alter: age }, value: area === '102' && age === 'u15' ? 2 : 40 + 11 * i + 5 * j + k })),
          // area 103 has no single parents' count: the share has no row there
          { measure: 'sgb2_bedarfsgemeinschaften', dimensions: {}, value: 30 + 7 * i + k },
          ...(area === '103' ? [] : [{ measure: 'sgb2_bg_alleinerziehend', dimensions: {}, value: 6 + 2 * i + k }]),
        ]),
      ]),
    );
    await new IndicatorProjector(wh, { recordKeySecret: 'shared-reads-test-record-keys' }).apply(events);
    ({ warehouse: counted, statements, countReads } = recordingQueries(wh));
  });
  afterAll(async () => wh?.close());

  const options = { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: ['STADT', 'STADTBEZIRK', 'STADTTEIL', 'STADTVIERTEL'] };
  const ask = (indicator: string, privileged: boolean) => ({ indicator, level: 'STADTTEIL', periods: indicator.startsWith('sgb2') ? ['2011-12', '2012-12'] : ['2011', '2012'], privileged });

  it.each([true, false])('gives each call the values of its own read (privileged: %s), one statement per dataset', async (privileged) => {
    const alone = new WarehouseIndicatorReader(counted, options);
    statements.length = 0;
    const own = [];
    for (const indicator of indicators) own.push(await alone.values(ask(indicator, privileged)));
    const ownReads = countReads().length;

    const reader = new WarehouseIndicatorReader(counted, options);
    const shared = new SharedReads();
    statements.length = 0;
    // asked in one turn, as IndexProjector.prefetch asks them
    const together = await Promise.all(indicators.map((indicator) => reader.values(ask(indicator, privileged), shared)));
    const reads = countReads();

    expect(together).toEqual(own);
    expect(own.flat().length).toBeGreaterThan(30);
    // what the data was built to show: an area without some breakdowns
    expect(own[0]!.some((v) => v.areaCode === '104')).toBe(false);
    expect(own[1]!.some((v) => v.areaCode === '104')).toBe(true);
    expect(own.flat().some((v) => v.areaCode === '105')).toBe(false);
    // the public's SGB II counts are their protected values (the cell-key method), read with the protected sums
    if (!privileged) expect(own[4]!.every((v) => v.perturbed && v.knownAt === null)).toBe(true);
    expect(own[8]!.some((v) => v.areaCode === '103')).toBe(false);
    expect(own[8]!.filter((v) => v.value !== null).length).toBeGreaterThan(3);
    // einwohner and einwohner_alter (4 breakdowns); sgb2_personen (2), the Bedarfsgemeinschaften and those of single parents: one statement each
    const datasets = reads.map((s) => /"dataset":"([^"]+)"/.exec(s)?.[1]);
    expect(datasets.sort()).toEqual(['bevoelkerung', 'sgb2']);
    expect(ownReads).toBeGreaterThan(reads.length);
    // what the indices read of each figure (indexInputs) is what values() gives: its value, and its knownAt (none for the public's protected figures)
    const inputs = await Promise.all(indicators.map((indicator) => reader.indexInputs(ask(indicator, privileged), new SharedReads())));
    expect(inputs).toEqual(own.map((values) => values.map((v) => ({ areaCode: v.areaCode, period: v.period, value: v.value, knownAtMs: v.knownAt ? Date.parse(v.knownAt) : 0 }))));
  });

  it('reads the true and the protected sums of a dataset in one statement when both are asked in one turn', async () => {
    const alone = new WarehouseIndicatorReader(counted, options);
    const own = [];
    for (const privileged of [true, false]) for (const indicator of indicators) own.push(await alone.indexInputs(ask(indicator, privileged)));

    const reader = new WarehouseIndicatorReader(counted, options);
    const shared = new SharedReads();
    statements.length = 0;
    // both variants of the indices in one turn, as IndexProjector.prefetch asks them
    const together = await Promise.all([true, false].flatMap((privileged) => indicators.map((indicator) => reader.indexInputs(ask(indicator, privileged), shared))));
    const reads = countReads();

    expect(together).toEqual(own);
    // the public's SGB II figures differ from the true ones (protected values), so both sums were read and kept apart
    const sgb2 = indicators.indexOf('sgb2_personen_u15');
    expect(own[indicators.length + sgb2]).not.toEqual(own[sgb2]);
    const datasets = reads.map((s) => /"dataset":"([^"]+)"/.exec(s)?.[1]);
    expect(datasets.sort()).toEqual(['bevoelkerung', 'sgb2']);
  });
});
