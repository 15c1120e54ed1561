import { describe, expect, it } from 'vitest';
import { fertilitySchedule, meanAgeOf } from './fertility.model.js';
import { fitGompertzMakeham, lifeTableFromQ, stationaryPopulation, survivalRatios } from './life-table.model.js';
import { demographicStandardSchema, GERMANY_2008_2010 } from './standards.data.js';

describe('life table from q', () => {
  // q = 0.1, 0.2, 1; deaths in mid-year (a0 = ½ here): l = 1, .9, .72; L = .95, .81, .36; T = 2.12, 1.17, .36
  const t = lifeTableFromQ([0.1, 0.2, 1], 0.5);

  it('computes l, L, T and e by hand', () => {
    expect(t.l).toEqual([1, 0.9, expect.closeTo(0.72, 12)]);
    expect(t.L.map((v) => +v.toFixed(12))).toEqual([0.95, 0.81, 0.36]);
    expect(t.T.map((v) => +v.toFixed(12))).toEqual([2.12, 1.17, 0.36]);
    expect(t.e.map((v) => +v.toFixed(12))).toEqual([2.12, 1.3, 0.5]);
  });

  it('gives the survival ratios of a one-year step with open age 2', () => {
    const r = survivalRatios(t, 2);
    expect(r.s).toEqual([expect.closeTo(0.81 / 0.95, 12)]);
    expect(r.open).toBeCloseTo(0.36 / 1.17, 12);
    expect(r.births).toBeCloseTo(0.95, 12);
    expect(stationaryPopulation(t, 2).map((v) => +v.toFixed(12))).toEqual([0.95, 0.81, 0.36]);
  });

  it('rejects a q outside [0, 1] and a table that does not close', () => {
    expect(() => lifeTableFromQ([0.1, 1.2, 1])).toThrow(expect.objectContaining({ code: 'Q_RANGE' }));
    expect(() => lifeTableFromQ([0.1, 0.2])).toThrow(expect.objectContaining({ code: 'Q_NOT_CLOSED' }));
  });
});

describe('model life table for Germany 2008/2010', () => {
  // Destatis, Sterbetafel 2008/2010: e0 77.51 / 82.59; e65 17 y 4 m / 20 y 7 m; 89 % of men and 94 % of
  // women reach 60; every second man reaches 80, every second woman 85; "knapp 1 %" of men reach 100.
  const m = fitGompertzMakeham(GERMANY_2008_2010.mortality.m).table;
  const f = fitGompertzMakeham(GERMANY_2008_2010.mortality.f).table;

  it('meets the published life expectancies it is fitted to', () => {
    expect(m.e[0]).toBeCloseTo(77.51, 2);
    expect(f.e[0]).toBeCloseTo(82.59, 2);
    expect(m.e[65]).toBeCloseTo(17 + 4 / 12, 2);
    expect(f.e[65]).toBeCloseTo(20 + 7 / 12, 2);
  });

  it('reproduces the published survival figures it was not fitted to', () => {
    expect(m.l[60]).toBeGreaterThan(0.88);
    expect(m.l[60]).toBeLessThan(0.9);
    expect(f.l[60]).toBeGreaterThan(0.93);
    expect(f.l[60]).toBeLessThan(0.95);
    expect(m.l[80]).toBeGreaterThanOrEqual(0.5);
    expect(m.l[82]).toBeLessThan(0.5);
    expect(f.l[85]).toBeGreaterThanOrEqual(0.5);
    expect(f.l[87]).toBeLessThan(0.5);
    expect(m.l[100]).toBeLessThan(0.01);
  });

  it('checks a standard at the boundary', () => {
    expect(demographicStandardSchema.safeParse({ ...GERMANY_2008_2010, sexRatioAtBirth: 3 }).success).toBe(false);
    expect(demographicStandardSchema.safeParse({ ...GERMANY_2008_2010, fertility: { ...GERMANY_2008_2010.fertility, meanAge: 52 } }).success).toBe(false);
  });
});

describe('fertility schedule', () => {
  it('sums to the TFR, is zero outside 15–49 and has the given mean age', () => {
    const f = fertilitySchedule({ tfr: 1.36, meanAge: 30.5, sd: 5.3, minAge: 15, maxAge: 49 }, 100);
    expect(f.reduce((a, v) => a + v, 0)).toBeCloseTo(1.36, 12);
    expect(f.slice(0, 15).every((v) => v === 0) && f.slice(50).every((v) => v === 0)).toBe(true);
    expect(meanAgeOf(f)).toBeCloseTo(30.5, 0);
  });
});
