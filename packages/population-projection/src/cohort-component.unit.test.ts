// One step by hand: ages 0, 1, 2+ (ω = 2); survival 0→1 0.9, into 2+ 0.5, births to year end 0.95;
// one birth per woman aged 1; half of the births boys.
import { describe, expect, it } from 'vitest';
import { ageBands } from './age-bands.js';
import { type AreaRates, projectArea, projectStep } from './cohort-component.model.js';

const survival = { s: [0.9], open: 0.5, births: 0.95 };
const bands = ageBands(['0-1', '1+']);
const rates = (migration: AreaRates['migration']): AreaRates => ({ survival: { m: survival, f: survival }, fertility: [0, 1, 0], maleShareAtBirth: 0.5, migration });
const start = () => ({ m: [10, 20, 30], f: [10, 20, 30] });

describe('cohort-component step', () => {
  it('ages, kills, bears and adds net migrants by rate', () => {
    // closed: age 1 = 10·0.9 = 9, age 2+ = (20+30)·0.5 = 25; migrants +10 % of ages 1+: 0.9 and 2.5
    // women aged 1 at the end 9.9 → births = 1·(20 + 9.9)/2 = 14.95 → age 0 = 14.95·½·0.95 = 7.10125 per sex
    const r = projectStep(start(), rates({ kind: 'net-rate', bands, rates: [0, 0.1] }));
    for (const sex of ['m', 'f'] as const) {
      expect(r.population[sex][0]).toBeCloseTo(7.10125, 12);
      expect(r.population[sex][1]).toBeCloseTo(9.9, 12);
      expect(r.population[sex][2]).toBeCloseTo(27.5, 12);
    }
    expect(r.births).toBeCloseTo(14.95, 12);
    expect(r.netMigration).toBeCloseTo(6.8, 12);
    // deaths = 120 + 14.95 − (2·7.10125 + 2·9 + 2·25)
    expect(r.deaths).toBeCloseTo(52.7475, 12);
    expect(r.migrationClamped).toBe(0);
  });

  it('spreads net counts over a band in proportion to the closed population and never below zero', () => {
    // band 1+: closed 68 persons, −100 asked → all 68 leave, 32 not applied; births = 1·(20 + 0)/2 = 10
    // → closed age 0 = 10·½·0.95 = 4.75 per sex; band 0–1 gets +2, one per sex
    const r = projectStep(start(), rates({ kind: 'net-count', bands, counts: [2, -100] }));
    expect(r.population.m).toEqual([expect.closeTo(5.75, 12), 0, 0]);
    expect(r.population.f).toEqual([expect.closeTo(5.75, 12), 0, 0]);
    expect(r.migrationClamped).toBeCloseTo(32, 12);
    expect(r.netMigration).toBeCloseTo(2 - 68, 12);
  });

  it('chains years and keeps the balance: P(t+1) = P(t) + births − deaths + migration', () => {
    const years = projectArea(start(), 2020, 2025, rates({ kind: 'net-rate', bands, rates: [0.02, -0.01] }));
    expect(years.map((y) => y.year)).toEqual([2021, 2022, 2023, 2024, 2025]);
    let before = 120;
    for (const y of years) {
      const after = [...y.population.m, ...y.population.f].reduce((a, v) => a + v, 0);
      expect(after).toBeCloseTo(before + y.births - y.deaths + y.netMigration, 9);
      before = after;
    }
  });
});
