// Measure (Maßnahme): an integrated measure across Ämter and Träger serving one or more goals in some
// areas. Lifecycle proposed → decided → in_progress → completed, or cancelled from any open state;
// budget planned, approved and spent per year. Milestones and status reports refer to it (see MeasureFacts).
// An Amt may withdraw a measure it delivered by mistake; a later version proposes it afresh.
import { assertNever, eventMetadata, withdrawalOf, type Decider, type PlanningCommand, type PlanningEvent, type Withdrawal } from '../decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import type { MeasureRecord, MeasureStatus } from '../records/planning-records.schema.js';

/** What is planned: everything of the record except identity, lifecycle, actual dates and budget. */
export type MeasurePlan = Omit<MeasureRecord, 'key' | 'version' | 'status' | 'actualStart' | 'actualEnd' | 'budget'>;

export type MeasureCommand =
  | PlanningCommand<'ProposeMeasure', { measureKey: string; plan: MeasurePlan }>
  | PlanningCommand<'UpdateMeasurePlan', { measureKey: string; plan: MeasurePlan }>
  | PlanningCommand<'DecideMeasure', { measureKey: string }>
  | PlanningCommand<'StartMeasure', { measureKey: string; actualStart: string | undefined }>
  | PlanningCommand<'CompleteMeasure', { measureKey: string; actualEnd: string | undefined }>
  | PlanningCommand<'CancelMeasure', { measureKey: string; reason: string | undefined }>
  | PlanningCommand<'CorrectMeasureActualDates', { measureKey: string; actualStart: string | undefined; actualEnd: string | undefined }>
  | PlanningCommand<'PlanBudget', { measureKey: string; year: number; planned: number }>
  | PlanningCommand<'RecordSpending', { measureKey: string; year: number; spent: number }>
  /** the amount approved (bewilligt) for a year; undefined takes an approval back */
  | PlanningCommand<'ApproveBudget', { measureKey: string; year: number; approved: number | undefined }>
  | PlanningCommand<'WithdrawMeasure', { measureKey: string }>;

export type MeasureEvent =
  | PlanningEvent<'MeasureProposed', { measureKey: string; plan: MeasurePlan }>
  | PlanningEvent<'MeasurePlanUpdated', { measureKey: string; plan: MeasurePlan }>
  | PlanningEvent<'MeasureDecided', { measureKey: string }>
  | PlanningEvent<'MeasureStarted', { measureKey: string; actualStart: string }>
  | PlanningEvent<'MeasureCompleted', { measureKey: string; actualEnd: string }>
  | PlanningEvent<'MeasureCancelled', { measureKey: string; reason?: string }>
  | PlanningEvent<'MeasureActualDatesCorrected', { measureKey: string; actualStart?: string; actualEnd?: string }>
  | PlanningEvent<'BudgetPlanned', { measureKey: string; year: number; planned: number }>
  | PlanningEvent<'SpendingRecorded', { measureKey: string; year: number; spent: number }>
  | PlanningEvent<'BudgetApproved', { measureKey: string; year: number; approved: number | null }>
  | PlanningEvent<'MeasureWithdrawn', { measureKey: string }>;

export type MeasureEventType = MeasureEvent['type'];

export interface BudgetYear {
  readonly planned: number;
  readonly spent: number;
  /** approved (bewilligt) for the year; absent = not approved */
  readonly approved?: number;
}

export interface ExistingMeasure {
  readonly status: MeasureStatus;
  readonly key: string;
  readonly plan: MeasurePlan;
  readonly actualStart?: string;
  readonly actualEnd?: string;
  /** by year; a year with nothing planned and nothing spent has no entry */
  readonly budget: Readonly<Record<number, BudgetYear>>;
  readonly cancelReason?: string;
}
/** A measure its Amt withdrew: gone from every view with its budget, milestones and reports; `last` keeps what it was. */
export interface WithdrawnMeasure {
  readonly status: 'withdrawn';
  readonly key: string;
  readonly withdrawal: Withdrawal;
  readonly last: ExistingMeasure;
}
export type MeasureState = { readonly status: 'none' } | ExistingMeasure | WithdrawnMeasure;

/** What milestones and status reports need to know about their measure (passed into their commands). */
export interface MeasureFacts {
  readonly measureKey: string;
  readonly status: MeasureStatus;
  readonly actualStart?: string;
}

/** A withdrawn measure has no facts: for milestones and status reports it is unknown. */
export function measureFacts(state: MeasureState): MeasureFacts | undefined {
  if (state.status === 'none' || state.status === 'withdrawn') return undefined;
  return { measureKey: state.key, status: state.status, ...(state.actualStart ? { actualStart: state.actualStart } : {}) };
}

const initialState = (): MeasureState => ({ status: 'none' });

function illegal(key: string, from: MeasureStatus, action: string, accepted: string): PlanningDomainError {
  return new PlanningDomainError('MEASURE_ILLEGAL_TRANSITION', `cannot ${action} a measure that is ${from}; accepted only when ${accepted}`, {
    key,
    field: 'status',
  });
}

function requireExisting(state: MeasureState, key: string): ExistingMeasure {
  if (state.status === 'none') throw new PlanningDomainError('MEASURE_NOT_FOUND', 'no such measure; the first version must create it', { key });
  if (state.status === 'withdrawn')
    throw new PlanningDomainError('MEASURE_NOT_FOUND', `the measure was withdrawn (version ${state.withdrawal.version}); a new version brings it back as a fresh proposal`, { key });
  return state;
}

function checkPlannedDates(key: string, plan: MeasurePlan): void {
  if (plan.plannedEnd < plan.plannedStart)
    throw new PlanningDomainError('MEASURE_PLANNED_END_BEFORE_START', `plannedEnd ${plan.plannedEnd} lies before plannedStart ${plan.plannedStart}; give an end on or after the start`, {
      key,
      field: 'plannedEnd',
    });
}

function checkActualOrder(key: string, start: string | undefined, end: string | undefined): void {
  if (start !== undefined && end !== undefined && end < start)
    throw new PlanningDomainError('MEASURE_ACTUAL_END_BEFORE_START', `actualEnd ${end} lies before actualStart ${start}; give an end on or after the start`, {
      key,
      field: 'actualEnd',
    });
}

const closed: readonly MeasureStatus[] = ['completed', 'cancelled'];

function decide(command: MeasureCommand, state: MeasureState): MeasureEvent[] {
  const metadata = eventMetadata(command);
  const key = command.data.measureKey;
  switch (command.type) {
    case 'ProposeMeasure': {
      // a withdrawn measure is proposed afresh by its next version
      if (state.status !== 'none' && state.status !== 'withdrawn') throw new PlanningDomainError('MEASURE_ALREADY_EXISTS', 'a measure with this key exists; deliver a new version instead', { key });
      checkPlannedDates(key, command.data.plan);
      return [{ type: 'MeasureProposed', data: { measureKey: key, plan: command.data.plan }, metadata }];
    }
    case 'UpdateMeasurePlan': {
      const m = requireExisting(state, key);
      if (closed.includes(m.status)) throw new PlanningDomainError('MEASURE_CLOSED', `the measure is ${m.status}; its plan can no longer change`, { key, field: 'status' });
      checkPlannedDates(key, command.data.plan);
      return [{ type: 'MeasurePlanUpdated', data: { measureKey: key, plan: command.data.plan }, metadata }];
    }
    case 'DecideMeasure': {
      const m = requireExisting(state, key);
      if (m.status !== 'proposed') throw illegal(key, m.status, 'decide', 'it is proposed');
      return [{ type: 'MeasureDecided', data: { measureKey: key }, metadata }];
    }
    case 'StartMeasure': {
      const m = requireExisting(state, key);
      if (m.status !== 'decided') throw illegal(key, m.status, 'start', 'it is decided');
      if (command.data.actualStart === undefined)
        throw new PlanningDomainError('MEASURE_ACTUAL_START_MISSING', 'a measure in progress needs its actualStart (ISO date)', { key, field: 'actualStart' });
      return [{ type: 'MeasureStarted', data: { measureKey: key, actualStart: command.data.actualStart }, metadata }];
    }
    case 'CompleteMeasure': {
      const m = requireExisting(state, key);
      if (m.status === 'proposed' || m.status === 'decided')
        throw new PlanningDomainError('MEASURE_NOT_STARTED', `cannot complete a measure that never started (it is ${m.status}); give actualStart and status in_progress first`, {
          key,
          field: 'status',
        });
      if (m.status !== 'in_progress') throw illegal(key, m.status, 'complete', 'it is in_progress');
      if (command.data.actualEnd === undefined) throw new PlanningDomainError('MEASURE_ACTUAL_END_MISSING', 'a completed measure needs its actualEnd (ISO date)', { key, field: 'actualEnd' });
      checkActualOrder(key, m.actualStart, command.data.actualEnd);
      return [{ type: 'MeasureCompleted', data: { measureKey: key, actualEnd: command.data.actualEnd }, metadata }];
    }
    case 'CancelMeasure': {
      const m = requireExisting(state, key);
      if (closed.includes(m.status)) throw illegal(key, m.status, 'cancel', 'it is proposed, decided or in_progress');
      return [
        {
          type: 'MeasureCancelled',
          data: command.data.reason ? { measureKey: key, reason: command.data.reason } : { measureKey: key },
          metadata,
        },
      ];
    }
    case 'CorrectMeasureActualDates': {
      const m = requireExisting(state, key);
      const { actualStart, actualEnd } = command.data;
      if (actualStart !== undefined && m.actualStart === undefined)
        throw new PlanningDomainError('MEASURE_ACTUAL_DATES_NOT_SET', 'the measure has not started; set actualStart together with status in_progress', {
          key,
          field: 'actualStart',
        });
      if (actualEnd !== undefined && m.actualEnd === undefined)
        throw new PlanningDomainError('MEASURE_ACTUAL_DATES_NOT_SET', 'the measure is not completed; set actualEnd together with status completed', {
          key,
          field: 'actualEnd',
        });
      checkActualOrder(key, actualStart ?? m.actualStart, actualEnd ?? m.actualEnd);
      return [
        {
          type: 'MeasureActualDatesCorrected',
          data: { measureKey: key, ...(actualStart !== undefined ? { actualStart } : {}), ...(actualEnd !== undefined ? { actualEnd } : {}) },
          metadata,
        },
      ];
    }
    case 'PlanBudget': {
      const m = requireExisting(state, key);
      const { year, planned } = command.data;
      if (!(planned >= 0)) throw new PlanningDomainError('BUDGET_PLANNED_NEGATIVE', `planned budget for ${year} is ${planned}; give an amount >= 0 EUR`, { key, field: `budget[${year}].planned` });
      if (closed.includes(m.status)) throw new PlanningDomainError('MEASURE_CLOSED', `the measure is ${m.status}; its planned budget can no longer change`, { key, field: `budget[${year}].planned` });
      return [{ type: 'BudgetPlanned', data: { measureKey: key, year, planned }, metadata }];
    }
    case 'RecordSpending': {
      const m = requireExisting(state, key);
      const { year, spent } = command.data;
      if (!(spent >= 0))
        throw new PlanningDomainError('BUDGET_SPENT_NEGATIVE', `spent for ${year} is ${spent}; give an amount >= 0 EUR (refunds lower it, never below 0)`, {
          key,
          field: `budget[${year}].spent`,
        });
      const before = m.budget[year]?.spent ?? 0;
      // Lowering spending (a correction or refund) stays possible; new spending needs a live measure.
      if (spent > before && m.status === 'cancelled')
        throw new PlanningDomainError('MEASURE_CANCELLED_NO_SPENDING', `the measure is cancelled; spending for ${year} cannot rise from ${before} to ${spent}`, {
          key,
          field: `budget[${year}].spent`,
        });
      if (spent > before && m.status === 'proposed')
        throw new PlanningDomainError('MEASURE_NOT_DECIDED_NO_SPENDING', `the measure is only proposed; nothing can be spent for ${year} before it is decided`, {
          key,
          field: `budget[${year}].spent`,
        });
      return [{ type: 'SpendingRecorded', data: { measureKey: key, year, spent }, metadata }];
    }
    case 'ApproveBudget': {
      const m = requireExisting(state, key);
      const { year, approved } = command.data;
      if (approved !== undefined && !(approved >= 0))
        throw new PlanningDomainError('BUDGET_APPROVED_NEGATIVE', `approved budget for ${year} is ${approved}; give an amount >= 0 EUR`, { key, field: `budget[${year}].approved` });
      if (closed.includes(m.status))
        throw new PlanningDomainError('MEASURE_CLOSED', `the measure is ${m.status}; its approved budget can no longer change`, { key, field: `budget[${year}].approved` });
      // money is approved (bewilligt) for a measure the council or Amt has decided; taking an approval back is always possible
      if (approved !== undefined && approved > 0 && m.status === 'proposed')
        throw new PlanningDomainError('MEASURE_NOT_DECIDED_NO_APPROVAL', `the measure is only proposed; no budget for ${year} can be approved before it is decided`, {
          key,
          field: `budget[${year}].approved`,
        });
      // the same approval again changes nothing
      if (m.budget[year]?.approved === approved) return [];
      return [{ type: 'BudgetApproved', data: { measureKey: key, year, approved: approved ?? null }, metadata }];
    }
    case 'WithdrawMeasure': {
      // withdrawing a withdrawn measure again changes nothing (a repeated tombstone)
      if (state.status === 'withdrawn') return [];
      requireExisting(state, key); // any status: a record delivered by mistake is withdrawn whatever it says
      return [{ type: 'MeasureWithdrawn', data: { measureKey: key }, metadata }];
    }
    default:
      return assertNever(command, 'measure command');
  }
}

function setBudget(budget: Readonly<Record<number, BudgetYear>>, year: number, change: Partial<BudgetYear>): Record<number, BudgetYear> {
  const merged = { planned: 0, spent: 0, ...budget[year], ...change };
  const { approved, ...rest } = merged;
  const line: BudgetYear = approved === undefined ? rest : merged;
  const next: Record<number, BudgetYear> = { ...budget };
  if (line.planned === 0 && line.spent === 0 && line.approved === undefined) delete next[year];
  else next[year] = line;
  return next;
}

function evolve(state: MeasureState, event: MeasureEvent): MeasureState {
  if (event.type === 'MeasureProposed') return { status: 'proposed', key: event.data.measureKey, plan: event.data.plan, budget: {} };
  if (state.status === 'none' || state.status === 'withdrawn') return state; // decide guarantees MeasureProposed comes first
  if (event.type === 'MeasureWithdrawn') return { status: 'withdrawn', key: state.key, withdrawal: withdrawalOf(event.metadata), last: state };
  switch (event.type) {
    case 'MeasurePlanUpdated':
      return { ...state, plan: event.data.plan };
    case 'MeasureDecided':
      return { ...state, status: 'decided' };
    case 'MeasureStarted':
      return { ...state, status: 'in_progress', actualStart: event.data.actualStart };
    case 'MeasureCompleted':
      return { ...state, status: 'completed', actualEnd: event.data.actualEnd };
    case 'MeasureCancelled':
      return { ...state, status: 'cancelled', ...(event.data.reason ? { cancelReason: event.data.reason } : {}) };
    case 'MeasureActualDatesCorrected':
      return {
        ...state,
        ...(event.data.actualStart !== undefined ? { actualStart: event.data.actualStart } : {}),
        ...(event.data.actualEnd !== undefined ? { actualEnd: event.data.actualEnd } : {}),
      };
    case 'BudgetPlanned':
      return { ...state, budget: setBudget(state.budget, event.data.year, { planned: event.data.planned }) };
    case 'SpendingRecorded':
      return { ...state, budget: setBudget(state.budget, event.data.year, { spent: event.data.spent }) };
    case 'BudgetApproved':
      return { ...state, budget: setBudget(state.budget, event.data.year, { approved: event.data.approved ?? undefined }) };
    default:
      return assertNever(event, 'measure event');
  }
}

export const measureDecider: Decider<MeasureState, MeasureCommand, MeasureEvent> = { decide, evolve, initialState };
