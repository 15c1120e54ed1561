// Whether a goal's target value for one area and year is on track: the indicator's actual value (as
// the caller may read it, e.g. protected for the public) against the target, in the direction the
// goal wants the indicator to move. Pure; the caller looks the actual value up.
import type { GoalRecord, GoalTarget, TargetDirection } from '../records/planning-records.schema.js';

/** The actual figure the caller found for a target: the value of `period` (null: withheld or missing). */
export interface TargetActual {
  readonly period: string;
  readonly value: number | null;
}

export interface TargetProgress {
  readonly target: GoalTarget;
  /** the direction used: the goal's own, else from baseline → target value, else undefined */
  readonly direction: TargetDirection | undefined;
  readonly actual: TargetActual | undefined;
  /** actual − target (positive = above the target); null without an actual value */
  readonly gap: number | null;
  /**
   * true: the actual value has reached the target in the goal's direction (≤ for decrease, ≥ for
   * increase); false: not (yet); null: no actual value to judge, or no direction known.
   */
  readonly onTrack: boolean | null;
}

/** The goal's direction: as given, or implied by baseline and the overall target value when they differ. */
export function targetDirectionOf(goal: Pick<GoalRecord, 'targetDirection' | 'baselineValue' | 'targetValue'>): TargetDirection | undefined {
  if (goal.targetDirection) return goal.targetDirection;
  if (goal.baselineValue === undefined || goal.targetValue === undefined || goal.baselineValue === goal.targetValue) return undefined;
  return goal.targetValue < goal.baselineValue ? 'decrease' : 'increase';
}

export function targetProgress(goal: Pick<GoalRecord, 'targetDirection' | 'baselineValue' | 'targetValue'>, target: GoalTarget, actual: TargetActual | undefined): TargetProgress {
  const direction = targetDirectionOf(goal);
  const value = actual?.value ?? null;
  const gap = value === null ? null : value - target.value;
  const onTrack = gap === null || direction === undefined ? null : direction === 'decrease' ? gap <= 0 : gap >= 0;
  return { target, direction, actual, gap, onTrack };
}

/**
 * The period to judge a target with, from the indicator's published periods: the target's year, else
 * the latest year before it (a target for 2030 is judged by the latest figure so far). Whole years
 * ("2024") come first; an indicator published only by month or quarter (the SGB-II-Quote follows its
 * monthly numerator: "2023-12") is judged by its latest period in or before the target year. undefined
 * when there is none.
 */
export function actualPeriodFor(year: number, periods: readonly string[]): string | undefined {
  const years = periods.filter((p) => /^\d{4}$/.test(p) && Number(p) <= year).sort();
  if (years.length > 0) return years.at(-1);
  const within = periods.filter((p) => /^\d{4}-(Q[1-4]|\d{2})$/.test(p) && Number(p.slice(0, 4)) <= year).sort();
  return within.at(-1);
}
