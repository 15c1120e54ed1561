import { describe, expect, it } from 'vitest';
import { classOf, equalIntervalBreaks, jenksBreaks, quantileBreaks, standardDeviationBreaks } from './class-breaks.js';

/** Brute force: try every placement of k−1 cuts in the sorted data and keep the least within-class SSD. */
function bruteForceJenks(values: number[], k: number): number[] {
  const s = [...values].sort((a, b) => a - b);
  const ssd = (xs: number[]) => {
    const m = xs.reduce((a, v) => a + v, 0) / xs.length;
    return xs.reduce((a, v) => a + (v - m) ** 2, 0);
  };
  let best = Infinity,
    bestCuts: number[] = [];
  const rec = (start: number, left: number, cuts: number[]) => {
    if (left === 1) {
      const all = [...cuts, s.length];
      let cost = 0,
        from = 0;
      for (const c of all) {
        cost += ssd(s.slice(from, c));
        from = c;
      }
      if (cost < best - 1e-12) {
        best = cost;
        bestCuts = all;
      }
      return;
    }
    for (let c = start + 1; c <= s.length - left + 1; c++) rec(c, left - 1, [...cuts, c]);
  };
  rec(0, k, []);
  return [s[0]!, ...bestCuts.map((c) => s[c - 1]!)];
}

describe('jenksBreaks', () => {
  it('separates obvious clusters', () => {
    expect(jenksBreaks([1, 1.1, 1.2, 5, 5.1, 5.2, 10, 10.2], 3)).toEqual([1, 1.2, 5.2, 10.2]);
  });

  it('finds the known optimum of a textbook example', () => {
    // 3 classes of [1,2,4,5,7,9,10,20]: {1,2,4,5} {7,9,10} {20} has SSD 10 + 4.667 + 0 (least possible)
    expect(jenksBreaks([4, 20, 1, 9, 2, 7, 5, 10], 3)).toEqual([1, 5, 10, 20]);
  });

  it('equals a brute-force optimum on random data', () => {
    let seed = 7;
    const rnd = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
    for (let run = 0; run < 25; run++) {
      const data = Array.from({ length: 9 + (run % 4) }, () => Math.round(rnd() * 1000) / 10);
      const k = 2 + (run % 3);
      expect(jenksBreaks(data, k)).toEqual(bruteForceJenks(data, k));
    }
  });

  it('copes with fewer values than classes and ignores non-finite values', () => {
    expect(jenksBreaks([3, 1], 5)).toEqual([1, 1, 3]);
    expect(jenksBreaks([Number.NaN, 2, 1, 3], 1)).toEqual([1, 3]);
    expect(jenksBreaks([], 3)).toEqual([]);
  });
});

describe('other class breaks', () => {
  it('quantiles interpolate between order statistics', () => {
    expect(quantileBreaks([1, 2, 3, 4, 5, 6, 7, 8, 9], 4)).toEqual([1, 3, 5, 7, 9]);
    expect(quantileBreaks([10, 20], 2)).toEqual([10, 15, 20]);
  });

  it('equal intervals split the range evenly', () => {
    expect(equalIntervalBreaks([0, 3, 10], 5)).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('standard deviations place bounds at mean ± j·SD (population SD)', () => {
    // 2,4,4,4,5,5,7,9: mean 5, population SD 2
    expect(standardDeviationBreaks([2, 4, 4, 4, 5, 5, 7, 9])).toEqual([2, 3, 5, 7, 9]);
    expect(standardDeviationBreaks([2, 4, 4, 4, 5, 5, 7, 9], 0.5)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
    expect(standardDeviationBreaks([4, 4])).toEqual([4, 4]);
  });

  it('classOf puts values on a bound into the lower class', () => {
    const b = [0, 2, 4, 6];
    expect([0, 1, 2, 2.01, 6].map((v) => classOf(v, b))).toEqual([0, 0, 0, 1, 2]);
    expect(classOf(-1, b)).toBe(-1);
  });
});
