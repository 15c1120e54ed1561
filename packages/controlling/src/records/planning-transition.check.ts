// The check the ingestion service runs on a new planning record version before accepting it: parse,
// then previous snapshot + new snapshot through the decider. Returns issues instead of throwing, in the
// shape of the ingestion service's PlanningIssue. Milestones and status reports need their measure's
// facts; resolveMeasure supplies them (e.g. measureFactsFromRecord of the stored measure record).
// A withdrawal (next = null, with `withdrawal`) is decided too: a goal that measures still serve is
// refused (GOAL_HAS_MEASURES) when resolveServingMeasures is given.
import { assertNever, type Withdrawal } from '../decider.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { isPlanningDomainError, PlanningDomainError } from '../planning.errors.js';
import type { PlanningDomainEvent } from '../projection/planning.projection.js';
import { goalRecords } from './goal.record-mapping.js';
import { measureRecords } from './measure.record-mapping.js';
import { milestoneRecords } from './milestone.record-mapping.js';
import type { MeasureRecord, PlanningRecordType } from './planning-records.schema.js';
import {
  eventsFromRecords,
  eventsFromWithdrawal,
  type Keyed,
  type RecordContext,
  type RecordLookups,
  type RecordMapping,
  type Stated,
  type RecordWithdrawal,
  stateFromRecord,
} from './record-mapping.js';
import { statusReportRecords } from './status-report.record-mapping.js';
import { themeRecords } from './theme.record-mapping.js';

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
  const lookups: RecordLookups = { measure: resolveMeasure, servingMeasures: (goalKey) => resolveServingMeasures?.(goalKey) };
  try {
    if (input.next === null && input.withdrawal === undefined)
      throw new PlanningDomainError('RECORD_INVALID', 'a withdrawal names the key and version of the record it withdraws', { field: 'withdrawal' });
    return { events: eventsOf(input, ctx, lookups), issues: [] };
  } catch (error) {
    if (!isPlanningDomainError(error)) throw error;
    return { events: [], issues: [{ field: error.details.field ?? null, code: error.code, message: error.message }] };
  }
}

/** Each record type decides its own aggregate's events. */
function eventsOf(input: PlanningTransitionInput, ctx: RecordContext, lookups: RecordLookups): readonly PlanningDomainEvent[] {
  switch (input.recordType) {
    case 'goal':
      return decideWith(goalRecords, input, ctx, lookups);
    case 'measure':
      return decideWith(measureRecords, input, ctx, lookups);
    case 'milestone':
      return decideWith(milestoneRecords, input, ctx, lookups);
    case 'status-report':
      return decideWith(statusReportRecords, input, ctx, lookups);
    case 'theme':
      return decideWith(themeRecords, input, ctx, lookups);
    default:
      return assertNever(input.recordType, 'planning record type');
  }
}

/** The stored snapshot (withdrawn since, or not) against the new version or the tombstone. */
function decideWith<R extends Keyed, S extends Stated, C, E extends PlanningDomainEvent>(
  mapping: RecordMapping<R, S, C, E>,
  input: PlanningTransitionInput,
  ctx: RecordContext,
  lookups: RecordLookups,
): readonly E[] {
  const previous = input.previous == null ? undefined : mapping.parse(input.previous);
  const options = { lookups, ...(previous ? { state: stateFromRecord(mapping, previous, input.previousWithdrawal) } : {}) };
  if (input.next === null && input.withdrawal) return eventsFromWithdrawal(mapping, previous, input.withdrawal, ctx, options).events;
  return eventsFromRecords(mapping, previous, mapping.parse(input.next), ctx, options).events;
}

/** A synchronous PlanningTransitionCheck for the ingestion service. */
export function createPlanningTransitionCheck(resolveMeasure: (measureKey: string) => MeasureFacts | undefined, resolveServingMeasures?: (goalKey: string) => readonly string[]) {
  return (input: PlanningTransitionInput): PlanningIssue[] => decidePlanningRecord(input, resolveMeasure, resolveServingMeasures).issues;
}
