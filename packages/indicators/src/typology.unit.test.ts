import { describe, expect, it } from 'vitest';
import { ProfileError } from './area-profile.js';
import { typology } from './typology.js';

// two evident groups of Stadtteile: low/low and high/high, plus some spread
const groups = [
  { code: '101', values: [5, 100] },
  { code: '102', values: [6, 110] },
  { code: '103', values: [4, 90] },
  { code: '201', values: [25, 400] },
  { code: '202', values: [27, 420] },
  { code: '203', values: [26, 380] },
];

describe('typology (k-means, k-means++ seeding)', () => {
  it('given two evident groups and k = 2, then it finds them, numbered by their first area', () => {
    const t = typology(groups, 2);
    expect(t.clusters.map((c) => c.members)).toEqual([
      ['101', '102', '103'],
      ['201', '202', '203'],
    ]);
    expect(t.assignment.get('101')).toBe(1);
    expect(t.assignment.get('203')).toBe(2);
  });

  it('gives the centres in original units (the members’ means) and the within-cluster sum of squares in z units', () => {
    const t = typology(groups, 2);
    expect(t.clusters[0]!.centre).toEqual([5, 100]);
    expect(t.clusters[1]!.centre).toEqual([26, 400]);
    // z of indicator 1: mean 15.5, SD √(110.25 + 2/3·…): recompute from the stats it reports
    const [s0, s1] = t.stats;
    const within = (vals: number[][], centre: number[]) => vals.reduce((a, v) => a + ((v[0]! - centre[0]!) / s0!.sd) ** 2 + ((v[1]! - centre[1]!) / s1!.sd) ** 2, 0);
    const expected =
      within(
        groups.slice(0, 3).map((g) => [...g.values]),
        [5, 100],
      ) +
      within(
        groups.slice(3).map((g) => [...g.values]),
        [26, 400],
      );
    expect(t.withinSs).toBeCloseTo(expected, 10);
    expect(t.totalSs).toBeCloseTo(12, 10); // 6 areas × 2 indicators, z-standardised
    expect(t.withinSs / t.totalSs).toBeLessThan(0.05);
  });

  it('is deterministic: the same types whatever the order of the input, run after run', () => {
    const spread = Array.from({ length: 40 }, (_, i) => ({ code: String(100 + i), values: [Math.sin(i) * 10, Math.cos(i * 1.7) * 5, (i % 7) * 2] }));
    const a = typology(spread, 4);
    const b = typology([...spread].reverse(), 4);
    expect([...b.assignment]).toEqual([...a.assignment]);
    expect(b.withinSs).toBe(a.withinSs);
    expect(typology(spread, 4).withinSs).toBe(a.withinSs);
    expect(a.clusters).toHaveLength(4);
    expect(a.clusters.every((c) => c.members.length > 0)).toBe(true);
  });

  it('more types never fit worse on evident data (k = 3 below k = 2)', () => {
    expect(typology(groups, 3).withinSs).toBeLessThanOrEqual(typology(groups, 2).withinSs);
  });

  it('refuses k outside 2 … 10 or above the number of areas, saying what is accepted', () => {
    expect(() => typology(groups, 1)).toThrow(/accepted: a whole number from 2 to 10/);
    expect(() => typology(groups, 11)).toThrow(ProfileError);
    expect(() => typology(groups, 2.5)).toThrow(ProfileError);
    expect(() => typology(groups, 7)).toThrow(/k = 7 types for 6 areas; accepted: at most 6/);
  });
});
