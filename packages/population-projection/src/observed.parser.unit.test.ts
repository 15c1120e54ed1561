import { describe, expect, it } from 'vitest';
import { ObservedPopulationError, observedFromAreaStatistics, type PopulationMapping } from './observed.parser.js';

const mapping: PopulationMapping = {
  dataset: 'pop',
  areaLevel: 'DISTRICT',
  total: { measure: 'residents' },
  age: { measure: 'residents_age', dimension: 'age' },
  sex: { measure: 'residents_sex', dimension: 'sex', male: 'M', female: 'F' },
};
const record = (areaCode: string, period: string, ages: Record<string, number>, sex: [number, number] | null = null, extra: object = {}) => ({
  dataset: 'pop',
  areaLevel: 'DISTRICT',
  areaCode,
  period,
  observations: [
    { measure: 'residents', dimensions: {}, value: Object.values(ages).reduce((a, v) => a + v, 0) },
    ...Object.entries(ages).map(([age, value]) => ({ measure: 'residents_age', dimensions: { age }, value })),
    ...(sex
      ? [
          { measure: 'residents_sex', dimensions: { sex: 'M' }, value: sex[0] },
          { measure: 'residents_sex', dimensions: { sex: 'F' }, value: sex[1] },
        ]
      : []),
    { measure: 'other', dimensions: {}, value: 7 },
  ],
  ...extra,
});
const issuesOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ObservedPopulationError) return e.issues;
    throw e;
  }
  throw new Error('no error');
};

describe('observed population from area statistics', () => {
  it('reads bands and sex totals per area and year through the mapping, skipping other datasets', () => {
    const o = observedFromAreaStatistics(
      [
        record('1', '2010', { '0-5': 3, '5+': 7 }, [4, 6]),
        record('1', '2011', { '5+': 8, '0-5': 2 }, [5, 5]),
        record('2', '2010', { '0-5': 1, '5+': 1 }),
        { ...record('9', '2010', { x: 1 }), dataset: 'other' },
      ],
      mapping,
    );
    expect(o.bands.map((b) => b.label)).toEqual(['0-5', '5+']);
    expect(o.areas.get('1')!.get(2011)).toEqual({ bands: [2, 8], sex: { m: 5, f: 5 } });
    expect(o.areas.get('2')!.get(2010)).toEqual({ bands: [1, 1], sex: null });
    expect(o.areas.has('9')).toBe(false);
  });

  it('lists every problem with its record and what is accepted, and returns nothing', () => {
    const issues = issuesOf(() =>
      observedFromAreaStatistics(
        [
          record('1', '2010', { '0-5': 3, '5+': 7 }, [4, 5]),
          { ...record('4', '2010', { '0-5': 3, '5+': 7 }), observations: [{ measure: 'residents', dimensions: {}, value: 11 }, ...record('4', '2010', { '0-5': 3, '5+': 7 }).observations.slice(1)] },
          record('1', '2011-07', { '0-5': 3, '5+': 7 }),
          record('2', '2010', { '0-4': 3, '4+': 7 }),
          record('3', '2010', { '0-5': -1, '5+': 7 }),
          { dataset: 'pop', areaLevel: 'DISTRICT', period: '2010', observations: [] },
        ],
        mapping,
      ),
    );
    expect(issues.map((i) => `${i.code} ${i.where}`).sort()).toEqual(
      ['COUNT_INVALID 3|2010', 'RECORD_INVALID record 5', 'PERIOD_NOT_ANNUAL 1|2011-07', 'SEX_TOTAL_MISMATCH 1|2010', 'BANDS_DIFFER 2|2010', 'BANDS_DIFFER 3|2010', 'TOTAL_MISMATCH 4|2010'].sort(),
    );
    expect(issues.find((i) => i.code === 'PERIOD_NOT_ANNUAL')!.message).toMatch(/accepted: a year "YYYY"/);
  });

  it('rejects bands that do not cover every age and says so', () => {
    const issues = issuesOf(() => observedFromAreaStatistics([record('1', '2010', { '0-5': 3, '6+': 7 })], mapping));
    expect(issues[0]).toMatchObject({ code: 'BANDS', where: '1|2010' });
    expect(issuesOf(() => observedFromAreaStatistics([], mapping))[0]!.code).toBe('NO_DATA');
  });
});
