// A housing area adds its movers in the completion year and lets them age with the area's rates;
// the other areas and the years before stay as they were; bad input names the field.
import { describe, expect, it } from 'vitest';
import { ageBands, toBands } from './age-bands.js';
import { type AreaCalibration } from './calibration.model.js';
import { type Population, projectArea, totalOf } from './cohort-component.model.js';
import { housingAreaSchema, housingMovers, withHousingArea } from './housing-area.scenario.js';
import { GERMANY_2008_2010, standardSchedules } from './standards.data.js';

const s = standardSchedules(GERMANY_2008_2010, 100);
const bands = ageBands(['0-20', '20+']);
const rates = { survival: s.survival, fertility: s.fertility, maleShareAtBirth: s.maleShareAtBirth, migration: { kind: 'net-rate' as const, bands, rates: [0, 0] } };
const base: Population = { m: s.stationary.m.map((v) => v * 10), f: s.stationary.f.map((v) => v * 10) };
const calibration = new Map<string, AreaCalibration>(
  ['a', 'b'].map((code) => [code, { areaCode: code, base, fertilityFactor: 1, rates, residual: { migrantsPerYear: [0, 0], closedPerYear: [0, 0] } }]),
);
const areas = new Map([...calibration].map(([code, c]) => [code, projectArea(c.base, 2012, 2022, c.rates)]));
const housing = { areaCode: 'a', dwellings: 400, occupancy: 2.5, completionYear: 2016, ageProfile: { '0-6': 0.2, '6-18': 0.1, '25-45': 0.6, '45-65': 0.1 } };
const children3to6 = (p: Population) =>
  toBands(
    p.m.map((v, x) => v + p.f[x]!),
    ageBands(['0-3', '3-6', '6+']),
  )[1]!;

describe('a new housing area', () => {
  it('spreads dwellings × occupancy movers over the age profile, both sexes alike', () => {
    const movers = housingMovers(housingAreaSchema.parse(housing), 100);
    expect(totalOf(movers)).toBeCloseTo(1000, 9);
    expect(children3to6(movers)).toBeCloseTo((1000 * 0.2 * 3) / 6, 9);
    expect(movers.m).toEqual(movers.f);
  });

  it('adds the movers in the completion year and projects them on with the area’s rates; other areas and earlier years unchanged', () => {
    const out = withHousingArea(areas, calibration, 2012, housing);
    expect(out.get('b')).toEqual(areas.get('b'));
    const before = areas.get('a')!;
    const after = out.get('a')!;
    expect(after.map((y) => y.year)).toEqual(before.map((y) => y.year));
    for (const y of [2013, 2014, 2015]) expect(after.find((x) => x.year === y)).toEqual(before.find((x) => x.year === y));
    const at = (ys: typeof before, year: number) => ys.find((y) => y.year === year)!.population;
    expect(totalOf(at(after, 2016)) - totalOf(at(before, 2016))).toBeCloseTo(1000, 6);
    // the movers' children and the movers themselves are still there (and have aged) years later
    expect(totalOf(at(after, 2022)) - totalOf(at(before, 2022))).toBeGreaterThan(950);
    expect(children3to6(at(after, 2020))).toBeGreaterThan(children3to6(at(before, 2020)));
  });

  it('refuses bad input naming the field and what is accepted', () => {
    expect(() => withHousingArea(areas, calibration, 2012, { ...housing, areaCode: 'x' })).toThrow(/area "x" is not in the projection/);
    expect(() => withHousingArea(areas, calibration, 2012, { ...housing, completionYear: 2030 })).toThrow(/accepted: 2013…2022/);
    expect(housingAreaSchema.safeParse({ ...housing, ageProfile: { '0-6': 0.5 } }).error?.issues[0]).toMatchObject({ path: ['ageProfile'], message: expect.stringMatching(/add up to 0.5/) });
    expect(housingAreaSchema.safeParse({ ...housing, ageProfile: { kinder: 1 } }).error?.issues[0]?.path).toEqual(['ageProfile', 'kinder']);
    expect(housingAreaSchema.safeParse({ ...housing, dwellings: 0 }).success).toBe(false);
    expect(housingAreaSchema.safeParse({ ...housing, occupancy: 0 }).success).toBe(false);
  });
});
