// The backtest: calibrate on observed years, project the years after, compare with what was
// observed then. Errors are absolute percentage errors (APE = |projected − observed| / observed ×
// 100) per area and age band, summarised as means (MAPE) and medians, for the model and for the
// naive forecast "no change since the base year" computed on the same cells.
import { type AgeBand, toBands } from './age-bands.js';
import { type Calibration, type CalibrationOptions, calibrate, projectCalibrated } from './calibration.model.js';
import { SEXES } from './life-table.model.js';
import type { ObservedPopulation } from './observed.parser.js';
import type { StandardSchedules } from './standards.data.js';

export const ape = (projected: number, observed: number): number | null => (observed > 0 ? (Math.abs(projected - observed) / observed) * 100 : null);

export function mean(xs: readonly (number | null)[]): number {
  const v = xs.filter((x): x is number => x !== null);
  return v.length ? v.reduce((a, b) => a + b, 0) / v.length : Number.NaN;
}

export function median(xs: readonly (number | null)[]): number {
  const v = xs.filter((x): x is number => x !== null).sort((a, b) => a - b);
  if (v.length === 0) return Number.NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid]! : (v[mid - 1]! + v[mid]!) / 2;
}

/** Model and naive side by side. */
export interface Pair {
  model: number;
  naive: number;
}

export interface AreaError {
  areaCode: string;
  observedTotal: number;
  /** APE of the area's total */
  total: Pair;
  /** MAPE over the area's age bands */
  bands: Pair;
}

export interface BandError {
  label: string;
  /** APE of the band's city-wide sum */
  city: Pair;
  /** MAPE over the areas */
  areasMean: Pair;
  /** median APE over the areas */
  areasMedian: Pair;
}

export interface YearError {
  year: number;
  horizon: number;
  city: { observed: number; projected: number; naive: number; errorPercent: Pair; bandsMape: Pair };
  areas: AreaError[];
  /** median over the areas of the APE of the area's total, and of the area's MAPE over bands */
  medianArea: { total: Pair; bands: Pair };
  /** MAPE over every area × band cell */
  cells: Pair;
  /** cells with observed 0, left out of every percentage */
  cellsSkipped: number;
  bands: BandError[];
}

export interface BacktestResult {
  calibration: Calibration;
  years: YearError[];
  /** the projection in bands per target year: areaCode → year → band values */
  projected: Map<string, Map<number, number[]>>;
}

const pair = (f: (which: 'model' | 'naive') => number): Pair => ({ model: f('model'), naive: f('naive') });

export function runBacktest(observed: ObservedPopulation, s: StandardSchedules, options: CalibrationOptions & { targets: number[] }): BacktestResult {
  const calibration = calibrate(observed, s, options);
  const horizon = Math.max(...options.targets);
  const runs = projectCalibrated(calibration, horizon);
  const bands: AgeBand[] = observed.bands;
  const projected = new Map<string, Map<number, number[]>>();
  for (const [code, years] of runs) {
    projected.set(
      code,
      new Map(
        years.map((y) => [
          y.year,
          toBands(
            y.population.m.map((v, x) => v + y.population.f[x]!),
            bands,
          ),
        ]),
      ),
    );
  }
  const years = options.targets.map((year): YearError => {
    const cells: Record<'model' | 'naive', (number | null)[]> = { model: [], naive: [] };
    let cellsSkipped = 0;
    const cityBands = { observed: bands.map(() => 0), model: bands.map(() => 0), naive: bands.map(() => 0) };
    const areas: AreaError[] = [];
    const perBand: Record<'model' | 'naive', (number | null)[][]> = { model: bands.map(() => []), naive: bands.map(() => []) };
    for (const [code, byYear] of observed.areas) {
      const obs = byYear.get(year)?.bands;
      const base = byYear.get(options.to)?.bands;
      const proj = projected.get(code)?.get(year);
      if (!obs || !base || !proj) continue;
      const forecast = { model: proj, naive: base };
      const bandApe = { model: [] as (number | null)[], naive: [] as (number | null)[] };
      bands.forEach((_, g) => {
        cityBands.observed[g]! += obs[g]!;
        for (const k of ['model', 'naive'] as const) {
          cityBands[k][g]! += forecast[k][g]!;
          const e = ape(forecast[k][g]!, obs[g]!);
          bandApe[k].push(e);
          cells[k].push(e);
          perBand[k][g]!.push(e);
        }
        if (obs[g]! <= 0) cellsSkipped++;
      });
      const sumOf = (xs: readonly number[]) => xs.reduce((a, v) => a + v, 0);
      areas.push({
        areaCode: code,
        observedTotal: sumOf(obs),
        total: pair((k) => ape(sumOf(forecast[k]), sumOf(obs)) ?? Number.NaN),
        bands: pair((k) => mean(bandApe[k])),
      });
    }
    const total = (xs: number[]) => xs.reduce((a, v) => a + v, 0);
    const cityObserved = total(cityBands.observed);
    return {
      year,
      horizon: year - options.to,
      city: {
        observed: cityObserved,
        projected: total(cityBands.model),
        naive: total(cityBands.naive),
        errorPercent: pair((k) => ((total(cityBands[k]) - cityObserved) / cityObserved) * 100),
        bandsMape: pair((k) => mean(bands.map((_, g) => ape(cityBands[k][g]!, cityBands.observed[g]!)))),
      },
      areas,
      medianArea: { total: pair((k) => median(areas.map((a) => a.total[k]))), bands: pair((k) => median(areas.map((a) => a.bands[k]))) },
      cells: pair((k) => mean(cells[k])),
      cellsSkipped,
      bands: bands.map((b, g) => ({
        label: b.label,
        city: pair((k) => ape(cityBands[k][g]!, cityBands.observed[g]!) ?? Number.NaN),
        areasMean: pair((k) => mean(perBand[k][g]!)),
        areasMedian: pair((k) => median(perBand[k][g]!)),
      })),
    };
  });
  return { calibration, years, projected };
}

/** Persons by sex and band of a projected year, for checks against finer published bands. */
export function projectedInBands(calibration: Calibration, year: number, bands: readonly AgeBand[]): Map<string, number[]> {
  const runs = projectCalibrated(calibration, year);
  return new Map(
    [...runs].map(([code, years]) => {
      const y = years.find((p) => p.year === year)!;
      return [
        code,
        toBands(
          SEXES.reduce((acc, sex) => acc.map((v, x) => v + y.population[sex][x]!), new Array(y.population.m.length).fill(0) as number[]),
          bands,
        ),
      ];
    }),
  );
}
