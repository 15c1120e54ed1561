// Calibration: the rates of each area from its own observed years, by the residual method.
// - Deaths: the standard life table (no area differences: deaths are not published per area).
// - Births: the standard schedule's shape, its level fitted per area so that the births it gives
//   the area's women equal the children observed in the first age band (child–woman ratio).
// - Net migration by age band: what the observed change of each band leaves after ageing, deaths
//   and births, year by year over the window, pooled (Σ migrants / Σ closed population) and drawn
//   towards the rate of all areas by `shrinkage` person-years, so a small area's noise does not
//   become its future.
// The base population is the last observed year, split into sexes and single years of age.
import { type AgeBand, bandOfAge } from './age-bands.js';
import { splitByAgeAndSex } from './age-sex-split.model.js';
import { splitCohorts } from './cohort-split.model.js';
import { type AreaRates, closedYear, type MigrationAssumption, type Population, type ProjectedYear, projectArea } from './cohort-component.model.js';
import { SEXES, type Sex } from './life-table.model.js';
import type { ObservedPopulation } from './observed.parser.js';
import type { StandardSchedules } from './standards.data.js';

export type MigrationModel = 'net-rate' | 'net-count';

export interface CalibrationOptions {
  /** first and last observed year used; the last one is the base year of the projection */
  from: number;
  to: number;
  migration: MigrationModel;
  /** the fertility level is fitted on the last this many years of the window (the current level) */
  fertilityYears: number;
  /** person-years of the all-area rate added to each area's own exposure (net-rate only) */
  shrinkage: number;
  /**
   * How persons are spread over the single years inside a band: `stationary` in proportion to the
   * life table's stationary population; `cohorts` by following the cohorts of all areas together
   * through the observed years (cohort-split.model.ts), with the stationary shape as a prior of
   * weight `priorWeight`.
   */
  withinBand: { kind: 'stationary' } | { kind: 'cohorts'; priorWeight: number };
}

export interface AreaCalibration {
  areaCode: string;
  /** the observed base year, by sex and single year of age */
  base: Population;
  /** the area's fertility relative to the standard schedule */
  fertilityFactor: number;
  rates: AreaRates;
  /** per band: mean residual net migration per year over the window, and the mean closed population */
  residual: { migrantsPerYear: number[]; closedPerYear: number[] };
}

export interface Calibration {
  options: CalibrationOptions;
  bands: AgeBand[];
  areas: Map<string, AreaCalibration>;
  /** the standard TFR × the fertility factor of all areas together */
  effectiveTfr: number;
}

export class CalibrationError extends Error {
  override readonly name = 'CalibrationError';
  constructor(
    readonly code: 'WINDOW' | 'YEAR_MISSING',
    message: string,
  ) {
    super(message);
  }
}

const sum = (xs: readonly number[]) => xs.reduce((a, v) => a + v, 0);

/** Persons alive at the end of year k (k = 0, 1, …) of those born in a year, both sexes. */
function childSurvival(s: StandardSchedules, ages: number): number {
  let total = 0;
  for (const sex of SEXES) {
    const share = sex === 'm' ? s.maleShareAtBirth : 1 - s.maleShareAtBirth;
    let surv = s.survival[sex].births;
    for (let k = 0; k < ages; k++) {
      total += share * surv;
      surv *= s.survival[sex].s[k]!;
    }
  }
  return total;
}

export function calibrate(observed: ObservedPopulation, s: StandardSchedules, options: CalibrationOptions): Calibration {
  if (!(options.to > options.from)) throw new CalibrationError('WINDOW', `calibration window ${options.from}–${options.to}: needs at least two observed years`);
  const { bands } = observed;
  const omega = s.omega;
  const band = bandOfAge(bands, omega);
  const first = bands[0]!;
  const childYears = childSurvival(s, first.to ?? omega);
  const years = Array.from({ length: options.to - options.from + 1 }, (_, i) => options.from + i);
  const seeds = withinBandSeeds(observed, s, years, options);

  const perArea = [...observed.areas].map(([areaCode, byYear]) => {
    const split = years.map((y) => {
      const m = byYear.get(y);
      if (!m) throw new CalibrationError('YEAR_MISSING', `area ${areaCode} has no observed population for ${y}; accepted: every year of the window ${options.from}–${options.to}`);
      return { margins: m, population: splitByAgeAndSex(m, bands, seeds[y - options.from]!) };
    });
    // child–woman ratio: births per year implied by the first band, over births the standard gives
    const recent = split.slice(-Math.max(1, Math.min(options.fertilityYears, split.length)));
    const impliedBirths = sum(recent.map((y) => y.margins.bands[0]! / childYears));
    const standardBirths = sum(recent.map((y) => sum(y.population.f.map((w, x) => w * s.fertility[x]!))));
    const fertilityFactor = standardBirths > 0 ? impliedBirths / standardBirths : 0;
    const fertility = s.fertility.map((f) => f * fertilityFactor);
    const migrants = bands.map(() => 0);
    const closedSum = bands.map(() => 0);
    for (let i = 0; i + 1 < split.length; i++) {
      const end = split[i + 1]!;
      const { closed } = closedYear(split[i]!.population, { survival: s.survival, fertility, maleShareAtBirth: s.maleShareAtBirth }, () => end.population.f);
      const closedBands = bands.map(() => 0);
      for (const sex of SEXES) for (let x = 0; x <= omega; x++) closedBands[band[x]!]! += closed[sex][x]!;
      bands.forEach((_, g) => {
        migrants[g]! += end.margins.bands[g]! - closedBands[g]!;
        closedSum[g]! += closedBands[g]!;
      });
    }
    return { areaCode, base: split[split.length - 1]!.population, fertilityFactor, fertility, migrants, closedSum, impliedBirths, standardBirths };
  });

  const intervals = years.length - 1;
  const allRates = bands.map((_, g) => {
    const c = sum(perArea.map((a) => a.closedSum[g]!));
    return c > 0 ? sum(perArea.map((a) => a.migrants[g]!)) / c : 0;
  });
  const areas = new Map<string, AreaCalibration>();
  for (const a of perArea) {
    const migration: MigrationAssumption =
      options.migration === 'net-rate'
        ? { kind: 'net-rate', bands, rates: bands.map((_, g) => (a.migrants[g]! + options.shrinkage * allRates[g]!) / (a.closedSum[g]! + options.shrinkage || 1)) }
        : { kind: 'net-count', bands, counts: a.migrants.map((m) => m / intervals) };
    areas.set(a.areaCode, {
      areaCode: a.areaCode,
      base: a.base,
      fertilityFactor: a.fertilityFactor,
      rates: { survival: s.survival, fertility: a.fertility, maleShareAtBirth: s.maleShareAtBirth, migration },
      residual: { migrantsPerYear: a.migrants.map((m) => m / intervals), closedPerYear: a.closedSum.map((c) => c / intervals) },
    });
  }
  const standardTfr = sum(s.fertility);
  const effectiveTfr = (standardTfr * sum(perArea.map((a) => a.impliedBirths))) / sum(perArea.map((a) => a.standardBirths));
  return { options, bands, areas, effectiveTfr };
}

/**
 * The seed of the age–sex split per window year: the stationary population, or the cohort-consistent
 * single years of all areas together with the stationary sex ratio by age.
 */
function withinBandSeeds(observed: ObservedPopulation, s: StandardSchedules, years: number[], options: CalibrationOptions): Record<Sex, number[]>[] {
  if (options.withinBand.kind === 'stationary') return years.map(() => s.stationary);
  const omega = s.omega;
  const both = s.stationary.m.map((v, x) => v + s.stationary.f[x]!);
  const series = years.map((y) => {
    const total = observed.bands.map(() => 0);
    for (const [areaCode, byYear] of observed.areas) {
      const m = byYear.get(y);
      if (!m) throw new CalibrationError('YEAR_MISSING', `area ${areaCode} has no observed population for ${y}; accepted: every year of the window ${options.from}–${options.to}`);
      m.bands.forEach((v, g) => {
        total[g]! += v;
      });
    }
    return total;
  });
  const survival = { s: Array.from({ length: omega - 1 }, (_, x) => both[x + 1]! / both[x]!), open: both[omega]! / (both[omega]! + both[omega - 1]!) };
  const split = splitCohorts(series, observed.bands, { survival, prior: both, priorWeight: options.withinBand.priorWeight });
  return split.populations.map((p) => ({ m: p.map((v, x) => (v * s.stationary.m[x]!) / both[x]!), f: p.map((v, x) => (v * s.stationary.f[x]!) / both[x]!) }));
}

/** Every calibrated area projected from the base year to `toYear` with constant rates. */
export function projectCalibrated(c: Calibration, toYear: number): Map<string, ProjectedYear[]> {
  return new Map([...c.areas].map(([code, a]) => [code, projectArea(a.base, c.options.to, toYear, a.rates)]));
}

/**
 * The method as backtested: net migration rates drawn towards the all-area rate by 1,000
 * person-years, the fertility level of the last three observed years, single years inside the
 * bands by following the cohorts. How each setting was chosen, and which were looked at on the
 * backtest years: docs/projection.md §3.6.
 */
export const DEFAULT_METHOD: Omit<CalibrationOptions, 'from' | 'to'> = {
  migration: 'net-rate',
  shrinkage: 1000,
  fertilityYears: 3,
  withinBand: { kind: 'cohorts', priorWeight: 0.01 },
};
