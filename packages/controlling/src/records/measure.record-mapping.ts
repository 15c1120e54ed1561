// Measure records → measure commands, in the order a measure lives: its plan, lifecycle steps up to
// in_progress, corrections of actual dates, budget per year, then completion or cancellation. A status
// change maps to the command of the target status, filling in the steps the record's data vouches for.
import type { PlanningMetadata } from '../decider.js';
import { measureDecider, type MeasureCommand, type MeasureEvent, type MeasurePlan, type MeasureState } from '../measure/measure.decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import type { MeasureRecord, MeasureStatus } from './planning-records.schema.js';
import { omitUndefined, parsePlanningRecord, sameValue, type RecordMapping } from './record-mapping.js';

export function measurePlan(r: MeasureRecord): MeasurePlan {
  const { key: _k, version: _v, status: _s, actualStart: _as, actualEnd: _ae, budget: _b, ...plan } = r;
  return omitUndefined(plan);
}

const stageOf = { proposed: 0, decided: 1, in_progress: 2, completed: 3 } as const;

/**
 * Which lifecycle commands a status change implies. Steps the record's data vouches for are filled in
 * (a first version "in_progress" was decided before; "cancelled" with an actualStart had started). A
 * step backwards yields the command for the target status, so the decider names the illegal transition.
 */
function lifecycleSteps(from: MeasureStatus | undefined, next: MeasureRecord): { early: ('DecideMeasure' | 'StartMeasure')[]; closing?: 'CompleteMeasure' | 'CancelMeasure' } {
  const to = next.status;
  if (from === to) return { early: [] };
  if (to === 'proposed') {
    if (from === undefined) return { early: [] };
    throw new PlanningDomainError('MEASURE_ILLEGAL_TRANSITION', `a measure that is ${from} cannot return to proposed; cancel it instead`, {
      key: next.key,
      field: 'status',
    });
  }
  const closing = to === 'completed' ? 'CompleteMeasure' : to === 'cancelled' ? 'CancelMeasure' : undefined;
  const fromStage = from === undefined ? 0 : from === 'cancelled' ? Number.POSITIVE_INFINITY : stageOf[from];
  const targetStage = to === 'cancelled' ? (next.actualStart !== undefined ? 2 : next.budget.some((b) => b.spent > 0) ? 1 : 0) : stageOf[to];
  if (to !== 'cancelled' && targetStage <= fromStage) {
    if (to === 'decided') return { early: ['DecideMeasure'] };
    if (to === 'in_progress') return { early: ['StartMeasure'] };
    return closing ? { early: [], closing } : { early: [] };
  }
  const early: ('DecideMeasure' | 'StartMeasure')[] = [];
  if (fromStage < 1 && targetStage >= 1) early.push('DecideMeasure');
  // A completed record without actualStart gets no start: completing then fails with MEASURE_NOT_STARTED.
  if (fromStage < 2 && targetStage >= 2 && !(to === 'completed' && next.actualStart === undefined)) early.push('StartMeasure');
  return closing ? { early, closing } : { early };
}

function measureCommands(previous: MeasureRecord | undefined, next: MeasureRecord, metadata: () => PlanningMetadata): MeasureCommand[] {
  const measureKey = next.key;
  const plan = measurePlan(next);
  const commands: MeasureCommand[] = [];
  const steps = lifecycleSteps(previous?.status, next);

  // 1. the plan
  if (previous === undefined) commands.push({ type: 'ProposeMeasure', data: { measureKey, plan }, metadata: metadata() });
  else if (!sameValue(measurePlan(previous), plan)) commands.push({ type: 'UpdateMeasurePlan', data: { measureKey, plan }, metadata: metadata() });

  // 2. lifecycle steps up to in_progress (money is spent and milestones reached while it runs)
  for (const step of steps.early) {
    if (step === 'DecideMeasure') commands.push({ type: 'DecideMeasure', data: { measureKey }, metadata: metadata() });
    else commands.push({ type: 'StartMeasure', data: { measureKey, actualStart: next.actualStart }, metadata: metadata() });
  }

  // 3. corrections of actual dates set by earlier versions
  if (previous !== undefined) {
    const startChanged = previous.actualStart !== undefined && next.actualStart !== undefined && next.actualStart !== previous.actualStart;
    const endChanged = previous.actualEnd !== undefined && next.actualEnd !== undefined && next.actualEnd !== previous.actualEnd;
    if (startChanged || endChanged)
      commands.push({
        type: 'CorrectMeasureActualDates',
        data: { measureKey, actualStart: startChanged ? next.actualStart : undefined, actualEnd: endChanged ? next.actualEnd : undefined },
        metadata: metadata(),
      });
  }

  // 4. budget per year (a year missing from the new version counts as 0 planned, 0 spent, nothing approved)
  const prevBudget = new Map((previous?.budget ?? []).map((b) => [b.year, b]));
  const nextBudget = new Map(next.budget.map((b) => [b.year, b]));
  const years = [...new Set([...prevBudget.keys(), ...nextBudget.keys()])].sort((a, b) => a - b);
  for (const year of years) {
    const before = prevBudget.get(year) ?? { planned: 0, spent: 0 };
    const after = nextBudget.get(year) ?? { planned: 0, spent: 0 };
    if (before.planned !== after.planned) commands.push({ type: 'PlanBudget', data: { measureKey, year, planned: after.planned }, metadata: metadata() });
    if (before.spent !== after.spent) commands.push({ type: 'RecordSpending', data: { measureKey, year, spent: after.spent }, metadata: metadata() });
    const approvedBefore = 'approved' in before ? before.approved : undefined;
    const approvedAfter = 'approved' in after ? after.approved : undefined;
    if (approvedBefore !== approvedAfter) commands.push({ type: 'ApproveBudget', data: { measureKey, year, approved: approvedAfter }, metadata: metadata() });
  }

  // 5. closing
  if (steps.closing === 'CompleteMeasure') commands.push({ type: 'CompleteMeasure', data: { measureKey, actualEnd: next.actualEnd }, metadata: metadata() });
  if (steps.closing === 'CancelMeasure') commands.push({ type: 'CancelMeasure', data: { measureKey, reason: undefined }, metadata: metadata() });
  return commands;
}

export const measureRecords: RecordMapping<MeasureRecord, MeasureState, MeasureCommand, MeasureEvent> = {
  recordType: 'measure',
  decider: measureDecider,
  parse: (raw) => parsePlanningRecord('measure', raw),
  commands: measureCommands,
  withdraw: (measureKey, metadata) => ({ type: 'WithdrawMeasure', data: { measureKey }, metadata }),
};
