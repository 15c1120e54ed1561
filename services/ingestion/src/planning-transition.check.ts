// The port through which the ingestion service has new versions of planning records (goal, measure,
// milestone, status report) checked against their previous versions — illegal transitions are
// rejected with 422 INVALID_TRANSITION — and the port of the look-ups such a check needs. The
// composition root injects the check (@sp/controlling's deciders: planning-check.adapter.ts); the
// service hands it look-ups over the ingestion's own tables, inside the delivery's transaction.
import type { AnyRecord, Measure, PlanningRecordType } from '@sp/events';

/** One issue the check found with one change. */
export interface PlanningIssue {
  field: string | null;
  /** the check's own code, e.g. MEASURE_NOT_STARTED */
  code: string;
  message: string;
  accepted?: string;
}

/** A new version (or a withdrawal) of one planning record. */
export interface PlanningChange {
  row: number | null;
  key: string;
  version: number;
  /** the latest version before this one; undefined when there is none or it is withdrawn */
  previous: AnyRecord | undefined;
  /** null: a withdrawal of `previous` */
  next: AnyRecord | null;
}

/** What a check may look up beyond the changes themselves. */
export interface PlanningLookups {
  /** current measures (not withdrawn) by key; keys without one are absent */
  measures(keys: readonly string[]): Promise<ReadonlyMap<string, Measure>>;
  /** for each goal key, the keys of the current measures that name it in goalKeys */
  measuresServingGoals(goalKeys: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
  /**
   * for each goal among the keys, every parent it may have: its current version's (not withdrawn)
   * and that of a version another delivery has reserved but not yet appended; none: no parent
   */
  goalParents(goalKeys: readonly string[]): Promise<ReadonlyMap<string, readonly string[]>>;
}

export interface PlanningCheckInput {
  recordType: PlanningRecordType;
  changes: readonly PlanningChange[];
  deliveryId: string;
  /** the API key id of the delivery */
  actor: string;
  /** ISO time of the delivery */
  at: string;
}

export interface PlanningFinding {
  change: PlanningChange;
  issue: PlanningIssue;
}

export type PlanningTransitionCheck = (input: PlanningCheckInput, lookups: PlanningLookups) => Promise<readonly PlanningFinding[]>;
