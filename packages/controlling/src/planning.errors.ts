// Expected errors of the planning domain: an illegal transition or an invalid value that a user (an Amt
// delivering a record) can cause. Each carries a machine-readable code, the record key and field it is
// about, and a message that says what would be accepted.

export type PlanningErrorCode =
  // records
  | 'RECORD_KEY_MISMATCH'
  | 'RECORD_VERSION_NOT_NEWER'
  | 'RECORD_INVALID'
  // goal
  | 'GOAL_ALREADY_EXISTS'
  | 'GOAL_NOT_FOUND'
  | 'GOAL_PARENT_IS_SELF'
  | 'GOAL_PARENT_CYCLE'
  | 'GOAL_INDICATOR_MISSING'
  | 'GOAL_TARGET_VALUE_MISSING'
  | 'GOAL_ADOPTION_MISSING'
  | 'GOAL_ILLEGAL_TRANSITION'
  | 'GOAL_CHANGE_REQUIRES_REVISION'
  | 'GOAL_REVISION_REASON_MISSING'
  | 'GOAL_MISSED_BEFORE_DEADLINE'
  | 'GOAL_HAS_MEASURES'
  // measure
  | 'MEASURE_ALREADY_EXISTS'
  | 'MEASURE_NOT_FOUND'
  | 'MEASURE_PLANNED_END_BEFORE_START'
  | 'MEASURE_ILLEGAL_TRANSITION'
  | 'MEASURE_NOT_STARTED'
  | 'MEASURE_ACTUAL_START_MISSING'
  | 'MEASURE_ACTUAL_END_MISSING'
  | 'MEASURE_ACTUAL_END_BEFORE_START'
  | 'MEASURE_ACTUAL_DATES_NOT_SET'
  | 'MEASURE_CLOSED'
  | 'MEASURE_CANCELLED_NO_SPENDING'
  | 'MEASURE_NOT_DECIDED_NO_SPENDING'
  | 'MEASURE_NOT_DECIDED_NO_APPROVAL'
  | 'BUDGET_PLANNED_NEGATIVE'
  | 'BUDGET_APPROVED_NEGATIVE'
  | 'BUDGET_SPENT_NEGATIVE'
  // milestone
  | 'MILESTONE_ALREADY_EXISTS'
  | 'MILESTONE_NOT_FOUND'
  | 'MILESTONE_PLANNED_INVALID'
  | 'MILESTONE_MEASURE_CHANGED'
  | 'MILESTONE_MEASURE_UNKNOWN'
  | 'MILESTONE_ALREADY_REACHED'
  | 'MILESTONE_NOT_REACHED'
  | 'MILESTONE_BEFORE_MEASURE_START'
  // status report
  | 'STATUS_REPORT_ALREADY_EXISTS'
  | 'STATUS_REPORT_NOT_FOUND'
  | 'STATUS_REPORT_MEASURE_CHANGED'
  | 'STATUS_REPORT_MEASURE_UNKNOWN'
  | 'STATUS_REPORT_MEASURE_NOT_DECIDED'
  | 'STATUS_REPORT_PROGRESS_OUT_OF_RANGE'
  // theme (Sozialraum topic)
  | 'THEME_ALREADY_EXISTS'
  | 'THEME_NOT_FOUND'
  | 'THEME_NOT_ASSESSED'
  | 'THEME_ALREADY_DECIDED'
  | 'THEME_DATE_BEFORE_FOUND'
  | 'THEME_DECISION_BEFORE_ASSESSMENT'
  | 'THEME_MEASURE_KEY_MISSING'
  | 'THEME_MEASURE_UNKNOWN'
  | 'THEME_PROJECT_TITLE_MISSING'
  | 'THEME_CLOSE_REASON_MISSING'
  | 'THEME_OUTCOME_FIELD_NOT_EXPECTED'
  | 'THEME_ASSESSMENT_REMOVED'
  // evaluation
  | 'EVALUATION_NO_AREAS'
  | 'EVALUATION_COMPARISON_OVERLAPS_TREATED'
  | 'EVALUATION_VALUE_MISSING'
  | 'EVALUATION_VALUE_KIND_MISMATCH'
  | 'EVALUATION_DENOMINATOR_ZERO';

export class PlanningDomainError extends Error {
  override readonly name = 'PlanningDomainError';
  constructor(
    readonly code: PlanningErrorCode,
    message: string,
    /** What the error is about: record key (goal/measure/… key) and the field, where there is one. */
    readonly details: { readonly key?: string; readonly field?: string } = {},
  ) {
    super(details.key ? `${details.key}${details.field ? ` (${details.field})` : ''}: ${message}` : message);
  }
}

export function isPlanningDomainError(e: unknown): e is PlanningDomainError {
  return e instanceof PlanningDomainError;
}
