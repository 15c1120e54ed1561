import { describe, expect, it } from 'vitest';
import { actualPeriodFor, targetDirectionOf, targetProgress } from './goal-targets.compute.js';

const chorweiler = { area: { level: 'STADTTEIL', code: '609' }, year: 2025, value: 20 };

describe('goal targets per area and year', () => {
  it('takes the direction as given, else from baseline → target value, else none', () => {
    expect(targetDirectionOf({ targetDirection: 'increase', baselineValue: 30, targetValue: 20 })).toBe('increase');
    expect(targetDirectionOf({ baselineValue: 30, targetValue: 20 })).toBe('decrease');
    expect(targetDirectionOf({ baselineValue: 20, targetValue: 30 })).toBe('increase');
    expect(targetDirectionOf({ baselineValue: 20, targetValue: 20 })).toBeUndefined();
    expect(targetDirectionOf({ targetValue: 20 })).toBeUndefined();
  });
  it('a decrease goal is on track at or below the target, an increase goal at or above', () => {
    const down = { targetDirection: 'decrease' as const };
    expect(targetProgress(down, chorweiler, { period: '2024', value: 19.5 })).toMatchObject({ direction: 'decrease', gap: -0.5, onTrack: true });
    expect(targetProgress(down, chorweiler, { period: '2024', value: 20 })).toMatchObject({ gap: 0, onTrack: true });
    expect(targetProgress(down, chorweiler, { period: '2024', value: 23 })).toMatchObject({ gap: 3, onTrack: false });
    expect(targetProgress({ targetDirection: 'increase' }, chorweiler, { period: '2024', value: 23 })).toMatchObject({ gap: 3, onTrack: true });
  });
  it('judges nothing without an actual value (none, or withheld) or without a direction, but still gives the gap it can', () => {
    expect(targetProgress({ targetDirection: 'decrease' }, chorweiler, undefined)).toMatchObject({ gap: null, onTrack: null });
    expect(targetProgress({ targetDirection: 'decrease' }, chorweiler, { period: '2024', value: null })).toMatchObject({ gap: null, onTrack: null });
    expect(targetProgress({}, chorweiler, { period: '2024', value: 25 })).toMatchObject({ direction: undefined, gap: 5, onTrack: null });
  });
  it('judges a target by its own year, else the latest whole year before it', () => {
    const periods = ['2021', '2022', '2023', '2023-Q4', '2024-06-30'];
    expect(actualPeriodFor(2022, periods)).toBe('2022');
    expect(actualPeriodFor(2030, periods)).toBe('2023');
    expect(actualPeriodFor(2020, periods)).toBeUndefined();
    expect(actualPeriodFor(2030, [])).toBeUndefined();
  });
  it('judges an indicator published only by month or quarter by its latest period in or before the target year', () => {
    const months = ['2022-11', '2022-12', '2023-01', '2023-02'];
    expect(actualPeriodFor(2022, months)).toBe('2022-12');
    expect(actualPeriodFor(2030, months)).toBe('2023-02');
    expect(actualPeriodFor(2021, months)).toBeUndefined();
    expect(actualPeriodFor(2024, ['2023-Q3', '2023-Q4', '2025-Q1'])).toBe('2023-Q4');
  });
});
