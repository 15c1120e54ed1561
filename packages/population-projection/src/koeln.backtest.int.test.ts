// The Köln backtest on the real population 2005–2012 (Offene Daten Köln): calibrate on 2005–2009,
// project 2010–2012, compare with what was observed, and write bench/projection/README.md. The
// bounds below are ones a broken model fails: it must beat "no change since 2009" on the same
// cells, keep the city total within 3 %, and following the cohorts must beat the stationary shape.
// No engines: reads the shared data files, writes the report.
import { writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { POPULATION_SOURCE, populationRecords } from '@sp/demo';
import { beforeAll, describe, expect, it } from 'vitest';
import { ape, type BacktestResult, median, projectedInBands, runBacktest } from './backtest.js';
import { backtestJson, backtestReport, type FinerBandCheck } from './backtest.report.js';
import { type CalibrationOptions, DEFAULT_METHOD } from './calibration.model.js';
import { observedFromAreaStatistics, type PopulationMapping } from './observed.parser.js';
import { GERMANY_2008_2010, standardSchedules } from './standards.data.js';

// Köln's catalogue names (demo data); the package itself knows none of them
const KOELN: PopulationMapping = {
  dataset: 'bevoelkerung',
  areaLevel: 'STADTTEIL',
  total: { measure: 'einwohner' },
  age: { measure: 'einwohner_alter', dimension: 'alter' },
  sex: { measure: 'einwohner_geschlecht', dimension: 'geschlecht', male: 'm', female: 'w' },
};
const KOELN_2012_FINER: PopulationMapping = { ...KOELN, total: null, sex: null, age: { measure: 'einwohner_altersgruppe', dimension: 'alter' } };
const METHOD: CalibrationOptions = { ...DEFAULT_METHOD, from: 2005, to: 2009 };
const TARGETS = [2010, 2011, 2012];
const REPORT = resolve(dirname(fileURLToPath(import.meta.url)), '../../../bench/projection/README.md');

let main: BacktestResult;
let ablation: BacktestResult;
let finer: FinerBandCheck;
let report: string;

beforeAll(() => {
  const records = populationRecords();
  const observed = observedFromAreaStatistics(records, KOELN);
  const schedules = standardSchedules(GERMANY_2008_2010);
  main = runBacktest(observed, schedules, { ...METHOD, targets: TARGETS });
  ablation = runBacktest(observed, schedules, { ...METHOD, withinBand: { kind: 'stationary' }, targets: TARGETS });
  const observed2012 = observedFromAreaStatistics(
    records.filter((r) => r.period === '2012'),
    KOELN_2012_FINER,
  );
  const projected = projectedInBands(main.calibration, 2012, observed2012.bands);
  const cityObs = observed2012.bands.map(() => 0);
  const cityProj = observed2012.bands.map(() => 0);
  const perArea: (number | null)[][] = observed2012.bands.map(() => []);
  for (const [code, years] of observed2012.areas) {
    const obs = years.get(2012)!.bands;
    const proj = projected.get(code)!;
    obs.forEach((v, g) => {
      cityObs[g]! += v;
      cityProj[g]! += proj[g]!;
      perArea[g]!.push(ape(proj[g]!, v));
    });
  }
  finer = { year: 2012, bands: observed2012.bands.map((b, g) => ({ label: b.label, city: ape(cityProj[g]!, cityObs[g]!) ?? Number.NaN, areasMedian: median(perArea[g]!) })) };
  report = backtestReport({
    title: 'Population projection backtest: Köln Stadtteile, 2005–2009 → 2010–2012',
    command: 'pnpm vitest run packages/population-projection/src/koeln.backtest.int.test.ts',
    data: `${POPULATION_SOURCE}, Bevölkerung 2005–2012 by Stadtteil (13 age bands, sex totals) and Einwohner nach Altersgruppen 2012`,
    standard: GERMANY_2008_2010.label,
    method: METHOD,
    main,
    ablation,
    finer,
  });
  writeFileSync(REPORT, report);
});

describe('Köln backtest 2005–2009 → 2010–2012', () => {
  it('projects all 86 Stadtteile and keeps the city total within 3 % in every year', () => {
    for (const y of main.years) {
      expect(y.areas).toHaveLength(86);
      expect(Math.abs(y.city.errorPercent.model)).toBeLessThan(3);
    }
  });

  it('beats "no change since 2009" on the age structure: city bands, median Stadtteil and all cells, at horizon 2 and 3', () => {
    for (const y of main.years.filter((y) => y.horizon >= 2)) {
      expect(y.city.bandsMape.model).toBeLessThan(y.city.bandsMape.naive);
      expect(y.medianArea.bands.model).toBeLessThan(y.medianArea.bands.naive);
      expect(y.cells.model).toBeLessThan(y.cells.naive);
    }
  });

  it('stays within a few percent per Stadtteil and band in 2012 (median Stadtteil MAPE below 7 %)', () => {
    const y2012 = main.years.find((y) => y.year === 2012)!;
    expect(y2012.medianArea.bands.model).toBeLessThan(7);
    expect(y2012.city.bandsMape.model).toBeLessThan(5);
  });

  it('following the cohorts inside bands beats the stationary shape (same run)', () => {
    const a = main.years.at(-1)!;
    const b = ablation.years.at(-1)!;
    expect(a.city.bandsMape.model).toBeLessThan(b.city.bandsMape.model);
    expect(a.cells.model).toBeLessThan(b.cells.model);
  });

  it('puts single years where the finer 2012 bands find them (80+ and 18–21 within 10 % city-wide)', () => {
    const band = (label: string) => finer.bands.find((b) => b.label === label)!;
    expect(band('80+').city).toBeLessThan(10);
    expect(band('18-21').city).toBeLessThan(10);
  });

  it('wrote the report with its JSON line', () => {
    expect(report).toContain(JSON.stringify(backtestJson({ title: '', command: '', data: '', standard: '', method: METHOD, main, ablation, finer })));
  });
});
