import { describe, expect, it } from 'vitest';
import { ageBands } from './age-bands.js';
import { splitByAgeAndSex } from './age-sex-split.model.js';
import { splitCohorts } from './cohort-split.model.js';

const bands = ageBands(['0-2', '2+']);

describe('age–sex split (IPF)', () => {
  it('keeps a seed that already fits the margins', () => {
    // seed m 1,1,1  f 1,1,3 times band factors 2 and 1 gives bands 8 and 4, men 5, women 7
    const p = splitByAgeAndSex({ bands: [8, 4], sex: { m: 5, f: 7 } }, bands, { m: [1, 1, 1], f: [1, 1, 3] });
    expect(p.m.map((v) => +v.toFixed(9))).toEqual([2, 2, 1]);
    expect(p.f.map((v) => +v.toFixed(9))).toEqual([2, 2, 3]);
  });

  it('fits both margins from a flat seed: the log-linear solution by hand', () => {
    // P = a_sex·b_band: a_m/a_f = 5/7 and b = 4 for both bands → men 5/3 at every age, women 7/3
    const p = splitByAgeAndSex({ bands: [8, 4], sex: { m: 5, f: 7 } }, bands, { m: [1, 1, 1], f: [1, 1, 1] });
    for (const v of p.m) expect(v).toBeCloseTo(5 / 3, 9);
    for (const v of p.f) expect(v).toBeCloseTo(7 / 3, 9);
  });

  it('without sex totals keeps the seed’s sex ratio inside each band', () => {
    const p = splitByAgeAndSex({ bands: [8, 4], sex: null }, bands, { m: [1, 1, 1], f: [1, 1, 3] });
    expect(p.m).toEqual([2, 2, 1]);
    expect(p.f).toEqual([2, 2, 3]);
  });
});

describe('single years from bands over several years (cohort split)', () => {
  // ten ages 0..9+, nobody dies or moves, 10 births a year; a small cohort (2) is at age 3 in year 0.
  // Bands 0–5 and 5+: the small cohort crosses 5 between years 1 and 2, so the 5+ band grows by 2 instead of 10.
  const truth: number[][] = [];
  let p = [10, 10, 10, 2, 10, 10, 10, 10, 10, 10];
  for (let y = 0; y < 4; y++) {
    truth.push(p);
    p = [10, ...p.slice(0, 8), p[8]! + p[9]!];
  }
  const b = ageBands(['0-5', '5+']);
  const observed = truth.map((t) => [t.slice(0, 5).reduce((a, v) => a + v, 0), t.slice(5).reduce((a, v) => a + v, 0)]);
  const split = splitCohorts(observed, b, { survival: { s: new Array(8).fill(1), open: 1 }, prior: new Array(10).fill(1), priorWeight: 0.01 });

  it('meets every band total of every year', () => {
    split.populations.forEach((pop, y) => {
      expect(pop.slice(0, 5).reduce((a, v) => a + v, 0)).toBeCloseTo(observed[y]![0]!, 6);
      expect(pop.slice(5).reduce((a, v) => a + v, 0)).toBeCloseTo(observed[y]![1]!, 6);
    });
  });

  it('follows the small cohort along its diagonal and reads no migration into it', () => {
    // the prior alone would spread each band evenly (≈ 8–10 per age); the split puts the minimum of
    // ages 1–8 on the small cohort (age 3 + year) in every year, at about half its neighbours
    split.populations.forEach((pop, y) => {
      const inner = pop.slice(1, 9);
      expect(inner.indexOf(Math.min(...inner)) + 1).toBe(3 + y);
      expect(pop[3 + y]!).toBeLessThan(6);
    });
    for (const r of split.migrationRates) expect(Math.abs(r)).toBeLessThan(0.05);
  });
});
