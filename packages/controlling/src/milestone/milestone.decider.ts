// Milestone (Meilenstein) of a measure, like a work package in a work plan: planned for a date or a
// quarter, later reached on an actual date. Reaching one needs the measure to have begun by then, so
// the command carries the measure's facts (the decider stays pure; the caller looks them up). A
// withdrawn milestone is planned afresh by its next version.
import { assertNever, eventMetadata, withdrawalOf, type Decider, type PlanningCommand, type PlanningEvent, type Withdrawal } from '../decider.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { PlanningDomainError } from '../planning.errors.js';

/** Exactly one of date (ISO date) or quarter ("2025-Q3"). */
export type PlannedWhen = { readonly date: string; readonly quarter?: undefined } | { readonly quarter: string; readonly date?: undefined };

export type MilestoneCommand =
  | PlanningCommand<'PlanMilestone', { milestoneKey: string; measureKey: string; title: string; planned: { date?: string; quarter?: string } }>
  | PlanningCommand<'ReplanMilestone', { milestoneKey: string; measureKey: string; title: string; planned: { date?: string; quarter?: string } }>
  | PlanningCommand<'ReachMilestone', { milestoneKey: string; actualDate: string; measure: MeasureFacts | undefined }>
  | PlanningCommand<'RevokeMilestoneReached', { milestoneKey: string }>
  | PlanningCommand<'WithdrawMilestone', { milestoneKey: string }>;

export type MilestoneEvent =
  | PlanningEvent<'MilestonePlanned', { milestoneKey: string; measureKey: string; title: string; planned: PlannedWhen }>
  | PlanningEvent<'MilestoneReplanned', { milestoneKey: string; title: string; planned: PlannedWhen }>
  | PlanningEvent<'MilestoneReached', { milestoneKey: string; actualDate: string }>
  | PlanningEvent<'MilestoneReachedRevoked', { milestoneKey: string }>
  | PlanningEvent<'MilestoneWithdrawn', { milestoneKey: string; measureKey: string }>;

export type MilestoneEventType = MilestoneEvent['type'];

export interface ExistingMilestone {
  readonly status: 'open' | 'reached';
  readonly key: string;
  readonly measureKey: string;
  readonly title: string;
  readonly planned: PlannedWhen;
  readonly actualDate?: string;
}
export interface WithdrawnMilestone {
  readonly status: 'withdrawn';
  readonly key: string;
  readonly withdrawal: Withdrawal;
  readonly last: ExistingMilestone;
}
export type MilestoneState = { readonly status: 'none' } | ExistingMilestone | WithdrawnMilestone;

const initialState = (): MilestoneState => ({ status: 'none' });

function requireExisting(state: MilestoneState, key: string): ExistingMilestone {
  if (state.status === 'none') throw new PlanningDomainError('MILESTONE_NOT_FOUND', 'no such milestone; the first version must create it', { key });
  if (state.status === 'withdrawn') throw new PlanningDomainError('MILESTONE_NOT_FOUND', `the milestone was withdrawn (version ${state.withdrawal.version}); a new version plans it afresh`, { key });
  return state;
}

function plannedWhen(key: string, planned: { date?: string; quarter?: string }): PlannedWhen {
  if (planned.date !== undefined && planned.quarter === undefined) return { date: planned.date };
  if (planned.quarter !== undefined && planned.date === undefined) return { quarter: planned.quarter };
  throw new PlanningDomainError('MILESTONE_PLANNED_INVALID', 'give exactly one of plannedDate (ISO date) or plannedQuarter ("2025-Q3")', {
    key,
    field: 'plannedDate',
  });
}

function decide(command: MilestoneCommand, state: MilestoneState): MilestoneEvent[] {
  const metadata = eventMetadata(command);
  const key = command.data.milestoneKey;
  switch (command.type) {
    case 'PlanMilestone': {
      if (state.status !== 'none' && state.status !== 'withdrawn')
        throw new PlanningDomainError('MILESTONE_ALREADY_EXISTS', 'a milestone with this key exists; deliver a new version instead', { key });
      const { measureKey, title } = command.data;
      return [{ type: 'MilestonePlanned', data: { milestoneKey: key, measureKey, title, planned: plannedWhen(key, command.data.planned) }, metadata }];
    }
    case 'ReplanMilestone': {
      const m = requireExisting(state, key);
      if (command.data.measureKey !== m.measureKey)
        throw new PlanningDomainError('MILESTONE_MEASURE_CHANGED', `the milestone belongs to measure ${m.measureKey}; create a new milestone for ${command.data.measureKey}`, {
          key,
          field: 'measureKey',
        });
      // The plan of a reached milestone is what its slippage is measured against; it stays fixed.
      if (m.status === 'reached')
        throw new PlanningDomainError('MILESTONE_ALREADY_REACHED', `the milestone was reached on ${m.actualDate}; its plan can no longer change`, {
          key,
          field: 'plannedDate',
        });
      return [{ type: 'MilestoneReplanned', data: { milestoneKey: key, title: command.data.title, planned: plannedWhen(key, command.data.planned) }, metadata }];
    }
    case 'ReachMilestone': {
      const m = requireExisting(state, key);
      if (m.status === 'reached') throw new PlanningDomainError('MILESTONE_ALREADY_REACHED', `the milestone was already reached on ${m.actualDate}`, { key, field: 'reached' });
      const measure = command.data.measure;
      if (measure === undefined || measure.measureKey !== m.measureKey)
        throw new PlanningDomainError('MILESTONE_MEASURE_UNKNOWN', `measure ${m.measureKey} is not known; deliver the measure before reaching its milestones`, {
          key,
          field: 'measureKey',
        });
      const actualDate = command.data.actualDate;
      if (measure.actualStart === undefined)
        throw new PlanningDomainError('MILESTONE_BEFORE_MEASURE_START', `measure ${m.measureKey} has not begun (it is ${measure.status}); a milestone is reached only after its measure started`, {
          key,
          field: 'actualDate',
        });
      if (actualDate < measure.actualStart)
        throw new PlanningDomainError('MILESTONE_BEFORE_MEASURE_START', `actualDate ${actualDate} lies before measure ${m.measureKey} began on ${measure.actualStart}; give a date on or after it`, {
          key,
          field: 'actualDate',
        });
      return [{ type: 'MilestoneReached', data: { milestoneKey: key, actualDate }, metadata }];
    }
    case 'RevokeMilestoneReached': {
      const m = requireExisting(state, key);
      if (m.status !== 'reached') throw new PlanningDomainError('MILESTONE_NOT_REACHED', 'the milestone is not reached; there is nothing to revoke', { key, field: 'reached' });
      return [{ type: 'MilestoneReachedRevoked', data: { milestoneKey: key }, metadata }];
    }
    case 'WithdrawMilestone': {
      // withdrawing a withdrawn milestone again changes nothing (a repeated tombstone)
      if (state.status === 'withdrawn') return [];
      const m = requireExisting(state, key);
      return [{ type: 'MilestoneWithdrawn', data: { milestoneKey: key, measureKey: m.measureKey }, metadata }];
    }
    default:
      return assertNever(command, 'milestone command');
  }
}

function evolve(state: MilestoneState, event: MilestoneEvent): MilestoneState {
  if (event.type === 'MilestonePlanned') {
    const { milestoneKey, measureKey, title, planned } = event.data;
    return { status: 'open', key: milestoneKey, measureKey, title, planned };
  }
  if (state.status === 'none' || state.status === 'withdrawn') return state;
  if (event.type === 'MilestoneWithdrawn') return { status: 'withdrawn', key: state.key, withdrawal: withdrawalOf(event.metadata), last: state };
  switch (event.type) {
    case 'MilestoneReplanned':
      return { ...state, title: event.data.title, planned: event.data.planned };
    case 'MilestoneReached':
      return { ...state, status: 'reached', actualDate: event.data.actualDate };
    case 'MilestoneReachedRevoked': {
      const { actualDate: _dropped, ...rest } = state;
      return { ...rest, status: 'open' };
    }
    default:
      return assertNever(event, 'milestone event');
  }
}

export const milestoneDecider: Decider<MilestoneState, MilestoneCommand, MilestoneEvent> = { decide, evolve, initialState };
