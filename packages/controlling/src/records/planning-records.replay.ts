// Runs an ordered list of planning record deliveries through the deciders in memory, keeping the
// previous snapshot and state of every key and the facts of every measure. Used to load the demo, in
// tests, and by anything that rebuilds the planning events from stored records. A delivery with
// `withdrawal` is a tombstone: the record is withdrawn (a goal only when no live measure names it).
import { z } from 'zod';
import { measureFacts, type MeasureState } from '../measure/measure.decider.js';
import { goalDecider, type GoalState } from '../goal/goal.decider.js';
import { measureDecider } from '../measure/measure.decider.js';
import { milestoneDecider, type MilestoneState } from '../milestone/milestone.decider.js';
import { isPlanningDomainError, type PlanningDomainError } from '../planning.errors.js';
import type { PlanningDomainEvent } from '../projection/planning.projection.js';
import { statusReportDecider, type StatusReportState } from '../status-report/status-report.decider.js';
import {
  goalEventsFromRecords,
  goalEventsFromWithdrawal,
  measureEventsFromRecords,
  measureEventsFromWithdrawal,
  milestoneEventsFromRecords,
  milestoneEventsFromWithdrawal,
  parsePlanningRecord,
  statusReportEventsFromRecords,
  statusReportEventsFromWithdrawal,
  type RecordContext,
} from './planning-records.commands.js';
import { isoDateTimeSchema, planningRecordTypes, type GoalRecord, type MeasureRecord, type MilestoneRecord, type StatusReportRecord } from './planning-records.schema.js';

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

export interface PlanningReplay {
  readonly events: PlanningDomainEvent[];
  readonly rejected: { readonly delivery: PlanningDelivery; readonly error: PlanningDomainError }[];
  readonly goals: Map<string, { record: GoalRecord; state: GoalState }>;
  readonly measures: Map<string, { record: MeasureRecord; state: MeasureState }>;
  readonly milestones: Map<string, { record: MilestoneRecord; state: MilestoneState }>;
  readonly statusReports: Map<string, { record: StatusReportRecord; state: StatusReportState }>;
}

/** A delivery that breaks a domain rule is collected in `rejected` and changes nothing; others throw. */
export function replayPlanningRecords(deliveries: readonly PlanningDelivery[]): PlanningReplay {
  const out: PlanningReplay = { events: [], rejected: [], goals: new Map(), measures: new Map(), milestones: new Map(), statusReports: new Map() };
  for (const delivery of deliveries) {
    const ctx: RecordContext = { deliveryId: delivery.deliveryId, actor: delivery.actor, at: delivery.at };
    try {
      if (delivery.withdrawal) {
        withdraw(out, delivery.recordType, delivery.withdrawal, ctx);
        continue;
      }
      switch (delivery.recordType) {
        case 'goal': {
          const next = parsePlanningRecord('goal', delivery.record);
          const prev = out.goals.get(next.key);
          const r = goalEventsFromRecords(prev?.record, next, ctx, prev?.state ?? goalDecider.initialState());
          out.goals.set(next.key, { record: next, state: r.state });
          out.events.push(...r.events);
          break;
        }
        case 'measure': {
          const next = parsePlanningRecord('measure', delivery.record);
          const prev = out.measures.get(next.key);
          const r = measureEventsFromRecords(prev?.record, next, ctx, prev?.state ?? measureDecider.initialState());
          out.measures.set(next.key, { record: next, state: r.state });
          out.events.push(...r.events);
          break;
        }
        case 'milestone': {
          const next = parsePlanningRecord('milestone', delivery.record);
          const prev = out.milestones.get(next.key);
          const measure = out.measures.get(next.measureKey);
          const facts = measure ? measureFacts(measure.state) : undefined;
          const r = milestoneEventsFromRecords(prev?.record, next, ctx, facts, prev?.state ?? milestoneDecider.initialState());
          out.milestones.set(next.key, { record: next, state: r.state });
          out.events.push(...r.events);
          break;
        }
        case 'status-report': {
          const next = parsePlanningRecord('status-report', delivery.record);
          const prev = out.statusReports.get(next.key);
          const measure = out.measures.get(next.measureKey);
          const facts = measure ? measureFacts(measure.state) : undefined;
          const r = statusReportEventsFromRecords(prev?.record, next, ctx, facts, prev?.state ?? statusReportDecider.initialState());
          out.statusReports.set(next.key, { record: next, state: r.state });
          out.events.push(...r.events);
          break;
        }
      }
    } catch (error) {
      if (!isPlanningDomainError(error)) throw error;
      out.rejected.push({ delivery, error });
    }
  }
  return out;
}

function withdraw(out: PlanningReplay, recordType: PlanningDelivery['recordType'], withdrawal: { key: string; version: number }, ctx: RecordContext): void {
  switch (recordType) {
    case 'goal': {
      const prev = out.goals.get(withdrawal.key);
      const serving = [...out.measures.values()].filter((m) => measureFacts(m.state) !== undefined && m.record.goalKeys.includes(withdrawal.key)).map((m) => m.record.key);
      const r = goalEventsFromWithdrawal(prev?.record, withdrawal, ctx, serving, prev?.state);
      if (prev) out.goals.set(withdrawal.key, { record: prev.record, state: r.state });
      out.events.push(...r.events);
      return;
    }
    case 'measure': {
      const prev = out.measures.get(withdrawal.key);
      const r = measureEventsFromWithdrawal(prev?.record, withdrawal, ctx, prev?.state);
      if (prev) out.measures.set(withdrawal.key, { record: prev.record, state: r.state });
      out.events.push(...r.events);
      return;
    }
    case 'milestone': {
      const prev = out.milestones.get(withdrawal.key);
      const r = milestoneEventsFromWithdrawal(prev?.record, withdrawal, ctx, prev?.state);
      if (prev) out.milestones.set(withdrawal.key, { record: prev.record, state: r.state });
      out.events.push(...r.events);
      return;
    }
    case 'status-report': {
      const prev = out.statusReports.get(withdrawal.key);
      const r = statusReportEventsFromWithdrawal(prev?.record, withdrawal, ctx, prev?.state);
      if (prev) out.statusReports.set(withdrawal.key, { record: prev.record, state: r.state });
      out.events.push(...r.events);
      return;
    }
  }
}
