// The check the ingestion service runs on a new planning record version before accepting it: parse,
// then previous snapshot + new snapshot through the decider. Returns issues instead of throwing, in the
// shape of the ingestion service's PlanningIssue. Milestones and status reports need their measure's
// facts; resolveMeasure supplies them (e.g. measureFactsFromRecord of the stored measure record).
import type { MeasureFacts } from '../measure/measure.decider.js';
import { isPlanningDomainError } from '../planning.errors.js';
import {
  goalEventsFromRecords,
  measureEventsFromRecords,
  milestoneEventsFromRecords,
  parsePlanningRecord,
  statusReportEventsFromRecords,
  type RecordContext,
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
  readonly previous: unknown;
  readonly next: unknown;
  readonly deliveryId: string;
  readonly actor: string;
  readonly at: string;
}

/** The facts of a measure as its latest record states them. */
export function measureFactsFromRecord(record: Pick<MeasureRecord, 'key' | 'status' | 'actualStart'>): MeasureFacts {
  return { measureKey: record.key, status: record.status, ...(record.actualStart ? { actualStart: record.actualStart } : {}) };
}

/** The events a new version yields, or the issue that rejects it. */
export function decidePlanningRecord(
  input: PlanningTransitionInput,
  resolveMeasure: (measureKey: string) => MeasureFacts | undefined,
): { events: readonly PlanningDomainEvent[]; issues: PlanningIssue[] } {
  const ctx: RecordContext = { deliveryId: input.deliveryId, actor: input.actor, at: input.at };
  try {
    switch (input.recordType) {
      case 'goal': {
        const previous = input.previous == null ? undefined : parsePlanningRecord('goal', input.previous);
        return { events: goalEventsFromRecords(previous, parsePlanningRecord('goal', input.next), ctx).events, issues: [] };
      }
      case 'measure': {
        const previous = input.previous == null ? undefined : parsePlanningRecord('measure', input.previous);
        return { events: measureEventsFromRecords(previous, parsePlanningRecord('measure', input.next), ctx).events, issues: [] };
      }
      case 'milestone': {
        const previous = input.previous == null ? undefined : parsePlanningRecord('milestone', input.previous);
        const next = parsePlanningRecord('milestone', input.next);
        return { events: milestoneEventsFromRecords(previous, next, ctx, resolveMeasure(next.measureKey)).events, issues: [] };
      }
      case 'status-report': {
        const previous = input.previous == null ? undefined : parsePlanningRecord('status-report', input.previous);
        const next = parsePlanningRecord('status-report', input.next);
        return { events: statusReportEventsFromRecords(previous, next, ctx, resolveMeasure(next.measureKey)).events, issues: [] };
      }
    }
  } catch (error) {
    if (!isPlanningDomainError(error)) throw error;
    return { events: [], issues: [{ field: error.details.field ?? null, code: error.code, message: error.message }] };
  }
}

/** A synchronous PlanningTransitionCheck for the ingestion service. */
export function createPlanningTransitionCheck(resolveMeasure: (measureKey: string) => MeasureFacts | undefined) {
  return (input: PlanningTransitionInput): PlanningIssue[] => decidePlanningRecord(input, resolveMeasure).issues;
}
