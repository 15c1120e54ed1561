import { describe, expect, it } from 'vitest';
import { alignPeriod, periodicityOf, periodRange, shiftPeriod, periodStart } from './periods.js';

describe('periods', () => {
  it('recognises and shifts years, quarters and months across year ends', () => {
    expect(periodicityOf('2012')).toBe('year');
    expect(periodicityOf('2012-Q3')).toBe('quarter');
    expect(periodicityOf('2012-07')).toBe('month');
    expect(periodicityOf('2012-13')).toBeUndefined();
    expect(shiftPeriod('2012-01', -1)).toBe('2011-12');
    expect(shiftPeriod('2012-07', -12)).toBe('2011-07');
    expect(shiftPeriod('2012-Q1', -2)).toBe('2011-Q3');
    expect(shiftPeriod('2012', 5)).toBe('2017');
    expect(() => shiftPeriod('2012/07', 1)).toThrow(/accepted/);
  });

  it('aligns a period to a dataset of another periodicity (Stichtag 31.12. for finer data)', () => {
    expect(alignPeriod('2012-07', 'year')).toBe('2012');
    expect(alignPeriod('2012-07', 'quarter')).toBe('2012-Q3');
    expect(alignPeriod('2012', 'month')).toBe('2012-12');
    expect(alignPeriod('2012-Q2', 'month')).toBe('2012-06');
    expect(alignPeriod('2012', 'year')).toBe('2012');
  });

  it('lists ranges inclusively', () => {
    expect(periodRange('2011-11', '2012-02')).toEqual(['2011-11', '2011-12', '2012-01', '2012-02']);
  });
});

describe('periodStart', () => {
  it('gives the first day of a year, quarter or month', () => {
    expect(periodStart('2012')).toBe('2012-01-01');
    expect(periodStart('2012-Q3')).toBe('2012-07-01');
    expect(periodStart('2012-12')).toBe('2012-12-01');
    expect(() => periodStart('2012-13')).toThrow(RangeError);
  });
});
