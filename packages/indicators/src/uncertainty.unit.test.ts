import { describe, expect, it } from 'vitest';
import { defaultUncertaintySettings, rateUncertainty, smallNumberReasons, uncertaintySettingsSchema, wilsonInterval, zQuantile } from './uncertainty.js';

describe('zQuantile', () => {
  it('gives the two-sided 90, 95 and 99 % quantiles of the standard normal', () => {
    expect(zQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(zQuantile(0.95)).toBeCloseTo(1.644854, 6);
    expect(zQuantile(0.995)).toBeCloseTo(2.575829, 6);
    expect(zQuantile(0.025)).toBeCloseTo(-1.959964, 6);
  });
  it('refuses p outside (0, 1)', () => {
    expect(() => zQuantile(1)).toThrow(RangeError);
  });
});

describe('wilsonInterval', () => {
  it('given 5 of 20, when asked at 95 %, then 0.1119 … 0.4687 (textbook value)', () => {
    const w = wilsonInterval(5, 20)!;
    expect(w.lower).toBeCloseTo(0.11186, 4);
    expect(w.upper).toBeCloseTo(0.46871, 4);
  });
  it('given 0 of 10, then 0 … 0.2775: not empty, lower bound exactly 0', () => {
    const w = wilsonInterval(0, 10)!;
    expect(w.lower).toBe(0);
    expect(w.upper).toBeCloseTo(0.27753, 4);
  });
  it('given 10 of 10, then 0.7225 … 1 (mirror of 0 of 10)', () => {
    const w = wilsonInterval(10, 10)!;
    expect(w.upper).toBe(1);
    expect(w.lower).toBeCloseTo(0.72247, 4);
  });
  it('given a large sample, then close to the Wald interval (500 of 10,000: 0.0459 … 0.0544)', () => {
    const w = wilsonInterval(500, 10000)!;
    expect(w.lower).toBeCloseTo(0.04589, 4);
    expect(w.upper).toBeCloseTo(0.05445, 4);
  });
  it('given a 90 % level, then a narrower interval than at 95 %', () => {
    const w90 = wilsonInterval(5, 20, 0.9)!;
    const w95 = wilsonInterval(5, 20)!;
    expect(w90.lower).toBeGreaterThan(w95.lower);
    expect(w90.upper).toBeLessThan(w95.upper);
  });
  it('given no trials or not a share, then none', () => {
    expect(wilsonInterval(0, 0)).toBeUndefined();
    expect(wilsonInterval(12, 10)).toBeUndefined();
    expect(wilsonInterval(-1, 10)).toBeUndefined();
  });
});

describe('smallNumberReasons', () => {
  const t = { minNumerator: 20, minDenominator: 100 };
  it('flags a numerator or a denominator below its threshold, not one at it', () => {
    expect(smallNumberReasons(19, 100, t)).toEqual(['NUMERATOR']);
    expect(smallNumberReasons(20, 99, t)).toEqual(['DENOMINATOR']);
    expect(smallNumberReasons(3, 50, t)).toEqual(['NUMERATOR', 'DENOMINATOR']);
    expect(smallNumberReasons(20, 100, t)).toEqual([]);
  });
});

describe('rateUncertainty', () => {
  it('given a shown share in %, when asked, then the Wilson interval × factor and the flag', () => {
    const u = rateUncertainty({ value: 25, numerator: 5, denominator: 20, suppressed: false }, 100)!;
    expect(u.interval).toMatchObject({ level: 0.95, method: 'WILSON' });
    expect(u.interval!.lower).toBeCloseTo(11.186, 2);
    expect(u.interval!.upper).toBeCloseTo(46.871, 2);
    expect(u).toMatchObject({ smallNumber: true, smallNumberReasons: ['NUMERATOR', 'DENOMINATOR'] });
  });
  it('given a withheld ("geschützt") figure, then nothing — no interval, no flag', () => {
    expect(rateUncertainty({ value: null, numerator: null, denominator: null, suppressed: true }, 100)).toBeUndefined();
  });
  it('given a count or a change (no factor), then nothing', () => {
    expect(rateUncertainty({ value: 7, numerator: 7, denominator: null, suppressed: false }, null)).toBeUndefined();
  });
  it('given a ratio that is not a share (numerator above denominator), then the flag but no interval', () => {
    const u = rateUncertainty({ value: 1200, numerator: 12, denominator: 10, suppressed: false }, 1000)!;
    expect(u).toEqual({ interval: null, smallNumber: true, smallNumberReasons: ['NUMERATOR', 'DENOMINATOR'] });
  });
  it('given configured thresholds and level, then they are used', () => {
    const settings = uncertaintySettingsSchema.parse({ level: 0.9, minNumerator: 3, minDenominator: 10 });
    const u = rateUncertainty({ value: 25, numerator: 5, denominator: 20, suppressed: false }, 100, settings)!;
    expect(u.smallNumber).toBe(false);
    expect(u.interval!.level).toBe(0.9);
  });
  it('uses the documented defaults (95 %, 20 cases, 100 persons)', () => {
    expect(defaultUncertaintySettings).toEqual({ level: 0.95, minNumerator: 20, minDenominator: 100 });
  });
});
