import { strictRecordSchemas } from '@sp/events';
import { describe, expect, it } from 'vitest';
import { ageBands } from './age-bands.js';
import { ape, mean, median } from './backtest.js';
import type { Calibration } from './calibration.model.js';
import { DEFAULT_METHOD } from './calibration.model.js';
import type { ProjectedYear } from './cohort-component.model.js';
import { BASE_SCENARIO, outputLike, prognoseDataset, prognoseRecords, prognoseRun } from './prognose.dataset.js';

const bands = ageBands(['0-1', '1+']);
const year = (y: number, m: number[], f: number[], netMigration: number): ProjectedYear => ({ year: y, population: { m, f }, births: 3, deaths: 2, netMigration, migrationClamped: 0 });
const calibration = { options: { ...DEFAULT_METHOD, from: 2005, to: 2009 }, bands, areas: new Map(), effectiveTfr: 1.2 } as Calibration;
const run = prognoseRun({
  scenario: BASE_SCENARIO,
  version: 2,
  areaLevel: 'STADTTEIL',
  calibration,
  standard: 'de-2008-2010',
  areas: new Map([
    ['102', [year(2010, [1, 2, 3], [1, 1, 1], 4), year(2011, [1, 2, 4], [1, 1, 2], -1.5)]],
    ['101', [year(2010, [0.5, 1, 1], [0.5, 1, 1], 0)]],
  ]),
});
const mapping = {
  dataset: 'bevoelkerung',
  areaLevel: 'STADTTEIL',
  total: { measure: 'einwohner' },
  age: { measure: 'einwohner_alter', dimension: 'alter' },
  sex: { measure: 'einwohner_geschlecht', dimension: 'geschlecht', male: 'm', female: 'w' },
};
const out = outputLike(mapping, bands);
const records = prognoseRecords(run, out);

describe('Prognose dataset', () => {
  it('is the scenario’s own dataset, labelled Prognose with the scenario, versioned per run', () => {
    expect(prognoseDataset(run, out)).toMatchObject({
      dataset: 'bevoelkerungsprognose_basis',
      label: 'Prognose – Basisszenario',
      kind: 'prognose',
      version: 2,
      baseYear: 2009,
      periods: { from: '2010', to: '2011' },
      method: { model: 'kohorten-komponenten', standard: 'de-2008-2010', calibration: { from: 2005, to: 2009 } },
    });
  });

  it('gives one area-statistic record per area and year that the record schema accepts', () => {
    expect(records.map((r) => r.key)).toEqual(['bevoelkerungsprognose_basis|STADTTEIL|101|2010', 'bevoelkerungsprognose_basis|STADTTEIL|102|2010', 'bevoelkerungsprognose_basis|STADTTEIL|102|2011']);
    for (const r of records) {
      expect(strictRecordSchemas['area-statistic'].safeParse(r).success).toBe(true);
      expect(r).toMatchObject({ version: 2, synthetic: false });
      expect(r.source).toMatch(/^Prognose – Basisszenario \(Kohorten-Komponenten-Modell v1, Basisjahr 2009, Stützzeitraum 2005–2009/);
      for (const o of r.observations) expect(o.value).toBeGreaterThanOrEqual(0);
    }
  });

  it('names measures and dimensions like the observed dataset, with the components of change', () => {
    const r = records[2]!; // 102, 2011: m 1,2,4  f 1,1,2
    const v = (measure: string, dimensions: Record<string, string> = {}) => r.observations.find((o) => o.measure === measure && JSON.stringify(o.dimensions) === JSON.stringify(dimensions))?.value;
    expect(v('einwohner')).toBe(11);
    expect(v('einwohner_alter', { alter: '0-1' })).toBe(2);
    expect(v('einwohner_alter', { alter: '1+' })).toBe(9);
    expect(v('einwohner_geschlecht', { geschlecht: 'm' })).toBe(7);
    expect(v('einwohner_geschlecht', { geschlecht: 'w' })).toBe(4);
    expect([v('geburten'), v('sterbefaelle'), v('wanderungsgewinn'), v('wanderungsverlust')]).toEqual([3, 2, 0, 1.5]);
  });

  it('refuses a scenario code that cannot name a dataset and a version below 1', () => {
    expect(() => prognoseRun({ scenario: { code: 'Neubau Nord', label: 'x' }, version: 1, areaLevel: 'STADTTEIL', calibration, standard: 's', areas: new Map() })).toThrow(/lower case/);
    expect(() => prognoseRun({ scenario: BASE_SCENARIO, version: 0, areaLevel: 'STADTTEIL', calibration, standard: 's', areas: new Map() })).toThrow(/version 0/);
  });
});

describe('error measures', () => {
  it('APE, mean and median by hand; an observed 0 is left out', () => {
    expect(ape(110, 100)).toBeCloseTo(10, 12);
    expect(ape(90, 100)).toBeCloseTo(10, 12);
    expect(ape(5, 0)).toBeNull();
    expect(mean([10, 20, null])).toBe(15);
    expect(median([3, 1, 2, null])).toBe(2);
    expect(median([4, 1, 2, 3])).toBe(2.5);
    expect(median([])).toBeNaN();
  });
});
