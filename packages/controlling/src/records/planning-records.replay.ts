// Runs an ordered list of planning record deliveries through the deciders in memory, keeping the
// previous snapshot and state of every key and the facts of every measure. Used to load the demo, in
// tests, and by anything that rebuilds the planning events from stored records. A delivery with
// `withdrawal` is a tombstone: the record is withdrawn (a goal only when no live measure names it).
// A goal whose new parent would close a cycle is refused as the ingestion refuses it
// (GOAL_PARENT_CYCLE, planning-check.adapter.ts): a list the ingestion would not have accepted must not
// replay into a goal system that is no longer a tree.
import { z } from 'zod';
import { assertNever } from '../decider.js';
import type { GoalState } from '../goal/goal.decider.js';
import { goalCycleMessage, goalParentCycles } from '../goal/goal-hierarchy.js';
import { measureFacts, type MeasureState } from '../measure/measure.decider.js';
import type { MilestoneState } from '../milestone/milestone.decider.js';
import { isPlanningDomainError, PlanningDomainError } from '../planning.errors.js';
import type { PlanningDomainEvent } from '../projection/planning.projection.js';
import type { StatusReportState } from '../status-report/status-report.decider.js';
import { goalRecords } from './goal.record-mapping.js';
import { measureRecords } from './measure.record-mapping.js';
import { milestoneRecords } from './milestone.record-mapping.js';
import { isoDateTimeSchema, planningRecordTypes, type GoalRecord, type MeasureRecord, type MilestoneRecord, type StatusReportRecord, type ThemeRecord } from './planning-records.schema.js';
import { eventsFromRecords, eventsFromWithdrawal, type Keyed, type RecordContext, type RecordLookups, type RecordMapping, type Stated } from './record-mapping.js';
import { statusReportRecords } from './status-report.record-mapping.js';
import { themeRecords } from './theme.record-mapping.js';
import type { ThemeState } from '../theme/theme.decider.js';

export const planningDeliverySchema = z.object({
  recordType: z.enum(planningRecordTypes),
  deliveryId: z.string().min(1),
  actor: z.string().min(1),
  at: isoDateTimeSchema,
  /** the record version; absent or null for a withdrawal */
  record: z.unknown(),
  /** a tombstone: the key withdrawn and the tombstone's version */
  withdrawal: z.object({ key: z.string().min(1), version: z.number().int().positive() }).optional(),
});
export type PlanningDelivery = z.infer<typeof planningDeliverySchema>;

/** The latest record version of a key and the aggregate's state after it. */
type Replayed<R, S> = Map<string, { record: R; state: S }>;

export interface PlanningReplay {
  readonly events: PlanningDomainEvent[];
  readonly rejected: { readonly delivery: PlanningDelivery; readonly error: PlanningDomainError }[];
  readonly goals: Replayed<GoalRecord, GoalState>;
  readonly measures: Replayed<MeasureRecord, MeasureState>;
  readonly milestones: Replayed<MilestoneRecord, MilestoneState>;
  readonly statusReports: Replayed<StatusReportRecord, StatusReportState>;
  readonly themes: Replayed<ThemeRecord, ThemeState>;
}

/**
 * One delivery of one record type: its events are decided on the replayed state of its key. `admit`
 * checks a new version against the other records once its own decider has accepted it (the order the
 * ingestion reports its findings in) and throws to refuse it; nothing is kept then.
 */
function replayOne<R extends Keyed, S extends Stated, C, E extends PlanningDomainEvent>(
  mapping: RecordMapping<R, S, C, E>,
  replayed: Replayed<R, S>,
  delivery: PlanningDelivery,
  ctx: RecordContext,
  lookups: RecordLookups,
  admit?: (next: R) => void,
): readonly E[] {
  if (delivery.withdrawal) {
    const prev = replayed.get(delivery.withdrawal.key);
    const r = eventsFromWithdrawal(mapping, prev?.record, delivery.withdrawal, ctx, { lookups, ...(prev ? { state: prev.state } : {}) });
    if (prev) replayed.set(delivery.withdrawal.key, { record: prev.record, state: r.state });
    return r.events;
  }
  const next = mapping.parse(delivery.record);
  const prev = replayed.get(next.key);
  const r = eventsFromRecords(mapping, prev?.record, next, ctx, { lookups, state: prev?.state ?? mapping.decider.initialState() });
  admit?.(next);
  replayed.set(next.key, { record: next, state: r.state });
  return r.events;
}

function replayDelivery(out: PlanningReplay, delivery: PlanningDelivery, ctx: RecordContext, lookups: RecordLookups): readonly PlanningDomainEvent[] {
  switch (delivery.recordType) {
    case 'goal':
      return replayOne(goalRecords, out.goals, delivery, ctx, lookups, (next) => refuseGoalParentCycle(out.goals, next));
    case 'measure':
      return replayOne(measureRecords, out.measures, delivery, ctx, lookups);
    case 'milestone':
      return replayOne(milestoneRecords, out.milestones, delivery, ctx, lookups);
    case 'status-report':
      return replayOne(statusReportRecords, out.statusReports, delivery, ctx, lookups);
    case 'theme':
      return replayOne(themeRecords, out.themes, delivery, ctx, lookups);
    default:
      return assertNever(delivery.recordType, 'planning record type');
  }
}

/**
 * The ingestion's rule on the replay's goals: the new version's parent, and above it each goal's current
 * parent (a withdrawn goal has none), must not lead back to the goal. Same chain, code and message.
 */
function refuseGoalParentCycle(goals: Replayed<GoalRecord, GoalState>, next: GoalRecord): void {
  const parentKey = next.parentKey;
  if (parentKey === undefined) return;
  const parentsOf = (key: string): readonly string[] => {
    if (key === next.key) return [parentKey];
    const goal = goals.get(key);
    return goal && goal.state.status !== 'withdrawn' && goal.record.parentKey !== undefined ? [goal.record.parentKey] : [];
  };
  const chain = goalParentCycles([next.key], parentsOf).get(next.key);
  if (chain) throw new PlanningDomainError('GOAL_PARENT_CYCLE', goalCycleMessage(chain), { key: next.key, field: 'parentKey' });
}

/** A delivery that breaks a domain rule is collected in `rejected` and changes nothing; others throw. */
export function replayPlanningRecords(deliveries: readonly PlanningDelivery[]): PlanningReplay {
  const out: PlanningReplay = { events: [], rejected: [], goals: new Map(), measures: new Map(), milestones: new Map(), statusReports: new Map(), themes: new Map() };
  // facts of the replay so far: a measure's, and the live measures serving a goal
  const lookups: RecordLookups = {
    measure: (measureKey) => {
      const m = out.measures.get(measureKey);
      return m ? measureFacts(m.state) : undefined;
    },
    servingMeasures: (goalKey) => [...out.measures.values()].filter((m) => measureFacts(m.state) !== undefined && m.record.goalKeys.includes(goalKey)).map((m) => m.record.key),
  };
  for (const delivery of deliveries) {
    const ctx: RecordContext = { deliveryId: delivery.deliveryId, actor: delivery.actor, at: delivery.at };
    try {
      out.events.push(...replayDelivery(out, delivery, ctx, lookups));
    } catch (error) {
      if (!isPlanningDomainError(error)) throw error;
      out.rejected.push({ delivery, error });
    }
  }
  return out;
}
