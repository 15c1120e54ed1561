// The cohort-component step: one calendar year for one area, population by sex and single year of
// age 0..ω (ω = open age, "ω and older") at 31 December. Survivors age by one year, births come
// from women by age of mother, net migration by age band is added at the end of the year.
// Pure arithmetic; where the rates come from is calibration.model.ts.
import type { AgeBand } from './age-bands.js';
import { bandOfAge } from './age-bands.js';
import { SEXES, type Sex, type SurvivalRatios } from './life-table.model.js';

/** Persons by sex and single year of age; index = age, the last index is the open age ω+. */
export type Population = Record<Sex, number[]>;

export const emptyPopulation = (omega: number): Population => ({ m: new Array(omega + 1).fill(0), f: new Array(omega + 1).fill(0) });
export const totalOf = (p: Population): number => SEXES.reduce((s, sex) => s + p[sex].reduce((a, v) => a + v, 0), 0);

/**
 * Net migration by age band, per year. `net-rate`: migrants per person of the band alive at the end
 * of the year before migration (the closed population). `net-count`: persons per year, spread over
 * the band's ages and both sexes in proportion to the closed population.
 */
export type MigrationAssumption = { kind: 'net-rate'; bands: readonly AgeBand[]; rates: readonly number[] } | { kind: 'net-count'; bands: readonly AgeBand[]; counts: readonly number[] };

export interface AreaRates {
  survival: Record<Sex, SurvivalRatios>;
  /** births per woman by single year of age of the mother, per year (already at the area's level) */
  fertility: readonly number[];
  maleShareAtBirth: number;
  migration: MigrationAssumption;
}

export interface StepResult {
  population: Population;
  /** the population at the end of the year without migration */
  closed: Population;
  births: number;
  deaths: number;
  netMigration: number;
  /** negative migration that would have made an age negative and was not applied */
  migrationClamped: number;
}

/** Survivors at the end of the year, aged one more year; age 0 is left for the births. */
function survive(p: Population, survival: Record<Sex, SurvivalRatios>): Population {
  const omega = p.m.length - 1;
  const out = emptyPopulation(omega);
  for (const sex of SEXES) {
    const { s, open } = survival[sex];
    for (let x = 0; x <= omega - 2; x++) out[sex][x + 1] = p[sex][x]! * s[x]!;
    out[sex][omega] = (p[sex][omega - 1]! + p[sex][omega]!) * open;
  }
  return out;
}

/** Migrants by sex and age for a closed population. */
function migrants(closed: Population, m: MigrationAssumption): { flows: Population; clamped: number } {
  const omega = closed.m.length - 1;
  const band = bandOfAge(m.bands, omega);
  const flows = emptyPopulation(omega);
  let clamped = 0;
  if (m.kind === 'net-rate') {
    for (const sex of SEXES) for (let x = 0; x <= omega; x++) flows[sex][x] = closed[sex][x]! * m.rates[band[x]!]!;
    return { flows, clamped };
  }
  const bandTotal = m.bands.map(() => 0);
  for (const sex of SEXES) for (let x = 0; x <= omega; x++) bandTotal[band[x]!]! += closed[sex][x]!;
  m.bands.forEach((_, g) => {
    const ages = Array.from({ length: omega + 1 }, (_, x) => x).filter((x) => band[x] === g);
    const count = m.counts[g]!;
    const applied = count < 0 ? Math.max(count, -bandTotal[g]!) : count;
    clamped += applied - count;
    for (const sex of SEXES) for (const x of ages) flows[sex][x] = bandTotal[g]! > 0 ? (applied * closed[sex][x]!) / bandTotal[g]! : applied / (2 * ages.length);
  });
  return { flows, clamped };
}

/**
 * The year without migration: survivors aged by one year, and at age 0 the year's births alive at
 * its end. Births are counted on the mean of the women at the start and at the end of the year.
 */
export function closedYear(
  p: Population,
  r: Pick<AreaRates, 'survival' | 'fertility' | 'maleShareAtBirth'>,
  womenAtEnd: (closed: Population) => readonly number[],
): { closed: Population; births: number } {
  const closed = survive(p, r.survival);
  const end = womenAtEnd(closed);
  let births = 0;
  for (let x = 0; x < p.f.length; x++) births += r.fertility[x]! * ((p.f[x]! + end[x]!) / 2);
  closed.m[0] = births * r.maleShareAtBirth * r.survival.m.births;
  closed.f[0] = births * (1 - r.maleShareAtBirth) * r.survival.f.births;
  return { closed, births };
}

/**
 * One year. The women at the end of the year include migration, and in `net-count` the migration
 * of the band holding age 0 depends on the births, so the year is solved twice (exact for
 * `net-rate`, where migrants are proportional to the closed population age by age).
 */
export function projectStep(p: Population, r: AreaRates): StepResult {
  const omega = p.m.length - 1;
  const first = migrants(closedYear(p, r, (c) => c.f).closed, r.migration).flows;
  const year = closedYear(p, r, (c) => c.f.map((v, x) => v + first.f[x]!));
  const { flows, clamped } = migrants(year.closed, r.migration);
  const { closed, births } = year;
  const population = emptyPopulation(omega);
  for (const sex of SEXES) for (let x = 0; x <= omega; x++) population[sex][x] = Math.max(0, closed[sex][x]! + flows[sex][x]!);
  return { population, closed, births, deaths: totalOf(p) + births - totalOf(closed), netMigration: totalOf(flows), migrationClamped: clamped };
}

export interface ProjectedYear {
  year: number;
  population: Population;
  births: number;
  deaths: number;
  netMigration: number;
  migrationClamped: number;
}

/** Years baseYear+1 … toYear, each from the one before, with constant rates. */
export function projectArea(base: Population, baseYear: number, toYear: number, rates: AreaRates): ProjectedYear[] {
  const out: ProjectedYear[] = [];
  let p = base;
  for (let year = baseYear + 1; year <= toYear; year++) {
    const step = projectStep(p, rates);
    out.push({ year, population: step.population, births: step.births, deaths: step.deaths, netMigration: step.netMigration, migrationClamped: step.migrationClamped });
    p = step.population;
  }
  return out;
}
