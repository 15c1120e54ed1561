// The dashboard's class breaks (public/js/classify.js, loaded by the browser as is).
import { describe, expect, it } from 'vitest';
import { classify, classOf, jenksBreaks, methods } from '../public/js/classify.js';

const skewed = [1, 2, 2, 3, 3, 3, 4, 10, 11, 12, 30, 31, 32, 100];

describe('classify', () => {
  it('quantiles put (about) the same number of areas in each class', () => {
    const values = Array.from({ length: 100 }, (_, i) => i + 1);
    const { bounds } = classify(values, 'quantile', 4);
    expect(bounds).toEqual([1, 25.75, 50.5, 75.25, 100]);
    const counts = [0, 0, 0, 0];
    for (const v of values) counts[classOf(v, bounds)]!++;
    expect(counts).toEqual([25, 25, 25, 25]);
  });

  it('equal intervals split the range evenly', () => {
    expect(classify([0, 3, 10], 'equal', 5).bounds).toEqual([0, 2, 4, 6, 8, 10]);
  });

  it('natural breaks find the gaps between clusters', () => {
    const { bounds } = classify(skewed, 'jenks', 4);
    expect(bounds).toEqual([1, 4, 12, 32, 100]);
    expect(classOf(4, bounds)).toBe(0);
    expect(classOf(10, bounds)).toBe(1);
    expect(classOf(100, bounds)).toBe(3);
  });

  it('natural breaks agree with brute force on every 3-class split', () => {
    const values = [5, 1, 9, 2, 14, 15, 7, 3, 22, 8, 30].sort((a, b) => a - b);
    const ssd = (xs: number[]) => {
      const m = xs.reduce((a, b) => a + b, 0) / xs.length;
      return xs.reduce((a, b) => a + (b - m) ** 2, 0);
    };
    let best = Infinity;
    let bestBreaks: number[] = [];
    for (let i = 1; i < values.length - 1; i++) {
      for (let j = i + 1; j < values.length; j++) {
        const c = ssd(values.slice(0, i)) + ssd(values.slice(i, j)) + ssd(values.slice(j));
        if (c < best - 1e-9) {
          best = c;
          bestBreaks = [values[i - 1]!, values[j - 1]!];
        }
      }
    }
    expect(jenksBreaks(values, 3)).toEqual(bestBreaks);
  });

  it('standard deviation classes are one SD wide around the mean', () => {
    const values = [2, 4, 4, 4, 5, 5, 7, 9]; // mean 5, sd 2
    const c = classify(values, 'stddev', 4);
    expect(c.mean).toBe(5);
    expect(c.sd).toBe(2);
    expect(c.bounds).toEqual([2, 3, 5, 7, 9]);
    // odd k centres a class on the mean; breaks beyond min/max are dropped
    expect(classify(values, 'stddev', 5).bounds).toEqual([2, 4, 6, 8, 9]);
  });

  it('gives fewer classes when the values do not allow more, and none without values', () => {
    expect(classify([3, 3, 3, 3, 3, 8], 'quantile', 5).bounds).toEqual([3, 8]);
    expect(classify([7, 7], 'jenks', 5).bounds).toEqual([7, 7]);
    expect(classOf(7, [7, 7])).toBe(0);
    expect(classify([], 'equal', 5).bounds).toEqual([]);
    expect(classOf(null, [0, 1])).toBe(-1);
    expect(classOf(Number.NaN, [0, 1])).toBe(-1);
  });

  it('ignores non-finite values and rejects unknown methods with the accepted ones', () => {
    expect(classify([1, Number.NaN, 3, Infinity], 'equal', 2).bounds).toEqual([1, 2, 3]);
    expect(() => classify([1, 2], 'median' as never, 3)).toThrow(/quantile, equal, jenks, stddev/);
    expect(methods.map((m) => m.code)).toEqual(['quantile', 'equal', 'jenks', 'stddev']);
  });
});
