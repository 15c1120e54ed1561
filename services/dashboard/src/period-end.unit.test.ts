// The map of a period shows the areas valid on the period's last day (a boundary reform: the ended
// areas up to it, their successors after it); periodEnd gives that day for the API's `at`.
import { describe, expect, it } from 'vitest';
import { periodEnd } from '../public/js/format.js';

describe('periodEnd', () => {
  it('gives the last day of a year, a quarter and a month', () => {
    expect(periodEnd('2019')).toBe('2019-12-31');
    expect(periodEnd('2023-Q1')).toBe('2023-03-31');
    expect(periodEnd('2023-Q2')).toBe('2023-06-30');
    expect(periodEnd('2023-Q4')).toBe('2023-12-31');
    expect(periodEnd('2023-12')).toBe('2023-12-31');
    expect(periodEnd('2023-04')).toBe('2023-04-30');
    expect(periodEnd('2024-02')).toBe('2024-02-29');
    expect(periodEnd('2023-02')).toBe('2023-02-28');
  });

  it('gives null for no period or one it does not know (the map then shows the areas valid today)', () => {
    for (const p of [null, undefined, '', '2023-13', '2023-Q5', '19', '2023-1', 'latest']) expect(periodEnd(p)).toBeNull();
  });
});
