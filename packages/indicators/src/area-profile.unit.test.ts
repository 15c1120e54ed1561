import { describe, expect, it } from 'vitest';
import { ProfileError, similarAreas, standardiseProfiles } from './area-profile.js';

// four Stadtteile, two indicators (a share in %, a rate per 1,000)
const profiles = [
  { code: '101', values: [10, 50] },
  { code: '102', values: [12, 52] },
  { code: '103', values: [30, 50] },
  { code: '104', values: [28, 90] },
];

describe('standardiseProfiles', () => {
  it('given values 10, 12, 30, 28, then mean 20 and population SD 9.055 per indicator, z = (v − mean) / SD', () => {
    const s = standardiseProfiles(profiles);
    expect(s.stats[0]!.mean).toBe(20);
    expect(s.stats[0]!.sd).toBeCloseTo(Math.sqrt(82), 10);
    expect(s.z.get('101')![0]).toBeCloseTo(-10 / Math.sqrt(82), 10);
    expect(s.codes).toEqual(['101', '102', '103', '104']);
  });
  it('given an indicator equal in every area, then its z is 0 everywhere (it separates no areas)', () => {
    const s = standardiseProfiles([
      { code: 'a', values: [1, 5] },
      { code: 'b', values: [2, 5] },
    ]);
    expect(s.z.get('a')![1]).toBe(0);
    expect(s.stats[1]).toEqual({ mean: 5, sd: 0 });
  });
  it('refuses fewer than two areas, profiles of different length and non-finite values, naming the area', () => {
    expect(() => standardiseProfiles([{ code: 'a', values: [1] }])).toThrow(ProfileError);
    expect(() =>
      standardiseProfiles([
        { code: 'a', values: [1] },
        { code: 'b', values: [1, 2] },
      ]),
    ).toThrow(/area b: 2 values, expected 1/);
    expect(() =>
      standardiseProfiles([
        { code: 'a', values: [1] },
        { code: 'b', values: [Number.NaN] },
      ]),
    ).toThrow(/area b/);
  });
});

describe('similarAreas', () => {
  it('given 101, then 102 is the most similar, and the indicators’ squared z-differences add up to distance²', () => {
    const { similar, standardised } = similarAreas(profiles, '101', 3);
    expect(similar.map((s) => s.code)).toEqual(['102', '103', '104']);
    const [first] = similar;
    const z = (c: string) => standardised.z.get(c)!;
    const expected = Math.hypot(z('102')[0]! - z('101')[0]!, z('102')[1]! - z('101')[1]!);
    expect(first!.distance).toBeCloseTo(expected, 12);
    for (const s of similar) {
      expect(s.contributions.reduce((a, c) => a + c.squared, 0)).toBeCloseTo(s.distance ** 2, 12);
      expect(s.contributions.reduce((a, c) => a + c.share, 0)).toBeCloseTo(1, 12);
    }
  });
  it('given 103, then its distance to 101 comes only from the first indicator (same second value)', () => {
    const { similar } = similarAreas(profiles, '103', 3);
    const to101 = similar.find((s) => s.code === '101')!;
    expect(to101.contributions[1]!.share).toBe(0);
    expect(to101.contributions[0]!.share).toBe(1);
  });
  it('limits to `first`, excludes the area itself and refuses an area without a profile', () => {
    expect(similarAreas(profiles, '104', 1).similar).toHaveLength(1);
    expect(similarAreas(profiles, '104', 10).similar.map((s) => s.code)).not.toContain('104');
    expect(() => similarAreas(profiles, '999', 3)).toThrow(/area 999 has no complete profile/);
  });
});
