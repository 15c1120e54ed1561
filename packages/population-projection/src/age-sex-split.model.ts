// From what small-area statistics publish (persons by age band, persons by sex) to what the model
// needs (persons by sex and single year of age): iterative proportional fitting of a standard
// age–sex structure to the observed margins. The standard (the life table's stationary
// population) supplies only what the data lack: the shape within each band and the sex ratio by
// age; both observed margins are met exactly.
import type { AgeBand } from './age-bands.js';
import { bandOfAge } from './age-bands.js';
import type { Population } from './cohort-component.model.js';
import { SEXES, type Sex } from './life-table.model.js';

export interface ObservedMargins {
  /** persons per age band, in the order of `bands` */
  bands: readonly number[];
  /** persons per sex; null when the area publishes no sex totals (the standard's sex ratio is kept) */
  sex: Record<Sex, number> | null;
}

/**
 * Fits `seed` (by sex and single year, ω+1 ages) to the margins. Band and sex totals must agree
 * (the observed-data parser checks it); converges in a few sweeps because the margins are
 * consistent and the seed is positive.
 */
export function splitByAgeAndSex(margins: ObservedMargins, bands: readonly AgeBand[], seed: Record<Sex, readonly number[]>, tolerance = 1e-9): Population {
  const omega = seed.m.length - 1;
  const band = bandOfAge(bands, omega);
  const p: Population = { m: [...seed.m], f: [...seed.f] };
  for (let sweep = 0; sweep < 200; sweep++) {
    const sums = bands.map(() => 0);
    for (const sex of SEXES) for (let x = 0; x <= omega; x++) sums[band[x]!]! += p[sex][x]!;
    for (const sex of SEXES) for (let x = 0; x <= omega; x++) p[sex][x] = sums[band[x]!]! > 0 ? (p[sex][x]! * margins.bands[band[x]!]!) / sums[band[x]!]! : 0;
    if (!margins.sex) return p;
    let off = 0;
    for (const sex of SEXES) {
      const sum = p[sex].reduce((a, v) => a + v, 0);
      const target = margins.sex[sex];
      off = Math.max(off, Math.abs(sum - target));
      for (let x = 0; x <= omega; x++) p[sex][x] = sum > 0 ? (p[sex][x]! * target) / sum : 0;
    }
    if (off <= tolerance * Math.max(1, bandTotal(margins))) break;
  }
  return p;
}

const bandTotal = (m: ObservedMargins) => m.bands.reduce((a, v) => a + v, 0);
