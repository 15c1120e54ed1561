// The check the ingestion service runs on a new planning record version before accepting it: parse,
// then previous snapshot + new snapshot through the decider. Returns issues instead of throwing, in the
// shape of the ingestion service's PlanningIssue. Milestones and status reports need their measure's
// facts; resolveMeasure supplies them (e.g. measureFactsFromRecord of the stored measure record).
// A withdrawal (next = null, with `withdrawal`) is decided too: a goal that measures still serve is
// refused (GOAL_HAS_MEASURES) when resolveServingMeasures is given.
import type { Withdrawal } from '../decider.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { isPlanningDomainError, PlanningDomainError } from '../planning.errors.js';
import {
  goalEventsFromRecords,
  goalEventsFromWithdrawal,
  goalStateFromRecord,
  measureEventsFromRecords,
  measureEventsFromWithdrawal,
  measureStateFromRecord,
  milestoneEventsFromRecords,
  milestoneEventsFromWithdrawal,
  milestoneStateFromRecord,
  parsePlanningRecord,
  statusReportEventsFromRecords,
  statusReportEventsFromWithdrawal,
  statusReportStateFromRecord,
  type RecordContext,
  type RecordWithdrawal,
} from './planning-records.commands.js';
import type { MeasureRecord, PlanningRecordType } from './planning-records.schema.js';
import type { PlanningDomainEvent } from '../projection/planning.projection.js';

export interface PlanningIssue {
  field: string | null;
  /** the decider's code, e.g. MEASURE_NOT_STARTED */
  code: string;
  message: string;
}

export interface PlanningTransitionInput {
  readonly recordType: PlanningRecordType;
  /** the stored snapshot (null/undefined: none) */
  readonly previous: unknown;
  /** the new version's payload; null for a withdrawal (then `withdrawal` names key and version) */
  readonly next: unknown;
  /** the tombstone: which record is withdrawn, with which version */
  readonly withdrawal?: RecordWithdrawal;
  /** `previous` is the last snapshot of a record withdrawn since (the read model keeps both) */
  readonly previousWithdrawal?: Withdrawal;
  readonly deliveryId: string;
  readonly actor: string;
  readonly at: string;
}

/** The facts of a measure as its latest record states them. */
export function measureFactsFromRecord(record: Pick<MeasureRecord, 'key' | 'status' | 'actualStart'>): MeasureFacts {
  return { measureKey: record.key, status: record.status, ...(record.actualStart ? { actualStart: record.actualStart } : {}) };
}

/**
 * The events a new version (or a withdrawal) yields, or the issue that rejects it. `resolveServingMeasures`
 * lists the measures not withdrawn that name a goal; without it a goal's withdrawal is not checked
 * against them (the projection, which applies what ingestion accepted).
 */
export function decidePlanningRecord(
  input: PlanningTransitionInput,
  resolveMeasure: (measureKey: string) => MeasureFacts | undefined,
  resolveServingMeasures?: (goalKey: string) => readonly string[],
): { events: readonly PlanningDomainEvent[]; issues: PlanningIssue[] } {
  const ctx: RecordContext = { deliveryId: input.deliveryId, actor: input.actor, at: input.at };
  const w = input.previousWithdrawal;
  try {
    const withdrawal = input.next === null ? input.withdrawal : undefined;
    if (input.next === null && withdrawal === undefined) throw new PlanningDomainError('RECORD_INVALID', 'a withdrawal names the key and version of the record it withdraws', { field: 'withdrawal' });
    switch (input.recordType) {
      case 'goal': {
        const previous = input.previous == null ? undefined : parsePlanningRecord('goal', input.previous);
        const state = previous ? goalStateFromRecord(previous, w) : undefined;
        if (withdrawal) return { events: goalEventsFromWithdrawal(previous, withdrawal, ctx, resolveServingMeasures?.(withdrawal.key), state).events, issues: [] };
        return { events: goalEventsFromRecords(previous, parsePlanningRecord('goal', input.next), ctx, state).events, issues: [] };
      }
      case 'measure': {
        const previous = input.previous == null ? undefined : parsePlanningRecord('measure', input.previous);
        const state = previous ? measureStateFromRecord(previous, w) : undefined;
        if (withdrawal) return { events: measureEventsFromWithdrawal(previous, withdrawal, ctx, state).events, issues: [] };
        return { events: measureEventsFromRecords(previous, parsePlanningRecord('measure', input.next), ctx, state).events, issues: [] };
      }
      case 'milestone': {
        const previous = input.previous == null ? undefined : parsePlanningRecord('milestone', input.previous);
        const state = previous ? milestoneStateFromRecord(previous, w) : undefined;
        if (withdrawal) return { events: milestoneEventsFromWithdrawal(previous, withdrawal, ctx, state).events, issues: [] };
        const next = parsePlanningRecord('milestone', input.next);
        return { events: milestoneEventsFromRecords(previous, next, ctx, resolveMeasure(next.measureKey), state).events, issues: [] };
      }
      case 'status-report': {
        const previous = input.previous == null ? undefined : parsePlanningRecord('status-report', input.previous);
        const state = previous ? statusReportStateFromRecord(previous, w) : undefined;
        if (withdrawal) return { events: statusReportEventsFromWithdrawal(previous, withdrawal, ctx, state).events, issues: [] };
        const next = parsePlanningRecord('status-report', input.next);
        return { events: statusReportEventsFromRecords(previous, next, ctx, resolveMeasure(next.measureKey), state).events, issues: [] };
      }
    }
  } catch (error) {
    if (!isPlanningDomainError(error)) throw error;
    return { events: [], issues: [{ field: error.details.field ?? null, code: error.code, message: error.message }] };
  }
}

/** A synchronous PlanningTransitionCheck for the ingestion service. */
export function createPlanningTransitionCheck(resolveMeasure: (measureKey: string) => MeasureFacts | undefined, resolveServingMeasures?: (goalKey: string) => readonly string[]) {
  return (input: PlanningTransitionInput): PlanningIssue[] => decidePlanningRecord(input, resolveMeasure, resolveServingMeasures).issues;
}
