// Goal (Ziel): one node of a goal system, e.g. a Sozialraum goal under a goal of "Kölner Perspektiven
// 2030+". Drafted, adopted by a body (Rat, Bezirksvertretung) with indicator and target value, then
// achieved, missed, revised (new version with a reason) or retired. The state keeps every version.
// An Amt may withdraw a goal it delivered by mistake (WithdrawGoal); a later version brings it back as a
// fresh draft whose history continues the withdrawn one.
import { assertNever, eventMetadata, withdrawalOf, type Decider, type PlanningCommand, type PlanningEvent, type Withdrawal } from '../decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import type { Adoption, GoalRecord, GoalStatus } from '../records/planning-records.schema.js';

/** What a goal says; everything of the record except identity, lifecycle and adoption. */
export type GoalContent = Omit<GoalRecord, 'key' | 'version' | 'status' | 'revisionReason' | 'adoptedBy'>;

export type GoalCommand =
  | PlanningCommand<'DraftGoal', { goalKey: string; content: GoalContent }>
  | PlanningCommand<'UpdateGoalDraft', { goalKey: string; content: GoalContent }>
  | PlanningCommand<'AdoptGoal', { goalKey: string; adoptedBy: Adoption | undefined }>
  | PlanningCommand<'ReviseGoal', { goalKey: string; content: GoalContent; reason: string | undefined; adoptedBy: Adoption | undefined }>
  | PlanningCommand<'MarkGoalAchieved', { goalKey: string }>
  | PlanningCommand<'MarkGoalMissed', { goalKey: string }>
  | PlanningCommand<'RetireGoal', { goalKey: string; reason: string | undefined }>
  /**
   * `servingMeasures`: keys of the measures not withdrawn that still name the goal, looked up by the
   * caller; a goal with such measures cannot be withdrawn. undefined = not checked (the projection
   * applies what ingestion accepted; topics are not ordered against each other).
   */
  | PlanningCommand<'WithdrawGoal', { goalKey: string; servingMeasures: readonly string[] | undefined }>;

export type GoalEvent =
  | PlanningEvent<'GoalDrafted', { goalKey: string; content: GoalContent }>
  | PlanningEvent<'GoalDraftUpdated', { goalKey: string; content: GoalContent }>
  | PlanningEvent<'GoalAdopted', { goalKey: string; adoptedBy: Adoption }>
  | PlanningEvent<'GoalRevised', { goalKey: string; content: GoalContent; reason: string; adoptedBy: Adoption }>
  | PlanningEvent<'GoalAchieved', { goalKey: string }>
  | PlanningEvent<'GoalMissed', { goalKey: string }>
  | PlanningEvent<'GoalRetired', { goalKey: string; reason?: string }>
  | PlanningEvent<'GoalWithdrawn', { goalKey: string }>;

export type GoalEventType = GoalEvent['type'];

/** One accepted version of the goal (one record version), as the history shows it. */
export interface GoalVersion {
  readonly version: number;
  readonly status: GoalStatus;
  readonly content: GoalContent;
  readonly adoptedBy?: Adoption;
  readonly revisionReason?: string;
  readonly at: string;
  readonly actor: string;
}

export interface ExistingGoal {
  readonly status: GoalStatus;
  readonly key: string;
  readonly content: GoalContent;
  readonly adoptedBy?: Adoption;
  readonly revisionReason?: string;
  readonly history: readonly GoalVersion[];
}
/** A goal its Amt withdrew: gone from every view, `last` keeps what it was (and its history). */
export interface WithdrawnGoal {
  readonly status: 'withdrawn';
  readonly key: string;
  readonly withdrawal: Withdrawal;
  readonly last: ExistingGoal;
}
export type GoalState = { readonly status: 'none' } | ExistingGoal | WithdrawnGoal;

/** Every accepted version of the goal, oldest first; a withdrawn goal keeps the history it had. */
export function goalHistory(state: GoalState): readonly GoalVersion[] {
  if (state.status === 'none') return [];
  return state.status === 'withdrawn' ? state.last.history : state.history;
}

const initialState = (): GoalState => ({ status: 'none' });

function illegal(key: string, from: GoalStatus, action: string, accepted: string): PlanningDomainError {
  return new PlanningDomainError('GOAL_ILLEGAL_TRANSITION', `cannot ${action} a goal that is ${from}; accepted only when ${accepted}`, {
    key,
    field: 'status',
  });
}

function checkParent(key: string, content: GoalContent): void {
  if (content.parentKey === key)
    throw new PlanningDomainError('GOAL_PARENT_IS_SELF', 'a goal cannot be its own parent; give the key of a superordinate goal or none', {
      key,
      field: 'parentKey',
    });
}

/** Adoption (and every revision) needs something measurable: an indicator and a target value. */
function checkMeasurable(key: string, content: GoalContent, action: string): void {
  if (content.indicator === undefined)
    throw new PlanningDomainError('GOAL_INDICATOR_MISSING', `cannot ${action} a goal without an indicator; give an indicator code such as "sgb2_quote"`, {
      key,
      field: 'indicator',
    });
  if (content.targetValue === undefined)
    throw new PlanningDomainError('GOAL_TARGET_VALUE_MISSING', `cannot ${action} a goal without a target value; give targetValue for indicator "${content.indicator}"`, {
      key,
      field: 'targetValue',
    });
}

function requireExisting(state: GoalState, key: string): ExistingGoal {
  if (state.status === 'none') throw new PlanningDomainError('GOAL_NOT_FOUND', 'no such goal; the first version must create it', { key });
  if (state.status === 'withdrawn') throw new PlanningDomainError('GOAL_NOT_FOUND', `the goal was withdrawn (version ${state.withdrawal.version}); a new version brings it back as a draft`, { key });
  return state;
}

const revisable: readonly GoalStatus[] = ['adopted', 'revised', 'missed'];
const inForce: readonly GoalStatus[] = ['adopted', 'revised'];

function decide(command: GoalCommand, state: GoalState): GoalEvent[] {
  const metadata = eventMetadata(command);
  const key = command.data.goalKey;
  switch (command.type) {
    case 'DraftGoal': {
      // a withdrawn goal is drafted afresh by its next version (its history continues)
      if (state.status !== 'none' && state.status !== 'withdrawn') throw new PlanningDomainError('GOAL_ALREADY_EXISTS', 'a goal with this key exists; deliver a new version instead', { key });
      checkParent(key, command.data.content);
      return [{ type: 'GoalDrafted', data: { goalKey: key, content: command.data.content }, metadata }];
    }
    case 'UpdateGoalDraft': {
      const goal = requireExisting(state, key);
      if (goal.status === 'draft') {
        checkParent(key, command.data.content);
        return [{ type: 'GoalDraftUpdated', data: { goalKey: key, content: command.data.content }, metadata }];
      }
      if (revisable.includes(goal.status))
        throw new PlanningDomainError('GOAL_CHANGE_REQUIRES_REVISION', `the goal is ${goal.status}; its content can only change by a revision (status "revised" with a revisionReason)`, {
          key,
          field: 'status',
        });
      throw illegal(key, goal.status, 'change', 'the goal is a draft, or revised when adopted or missed');
    }
    case 'AdoptGoal': {
      const goal = requireExisting(state, key);
      if (goal.status !== 'draft') throw illegal(key, goal.status, 'adopt', 'the goal is a draft');
      checkMeasurable(key, goal.content, 'adopt');
      if (command.data.adoptedBy === undefined)
        throw new PlanningDomainError('GOAL_ADOPTION_MISSING', 'an adopted goal names the adopting body, decision and date in adoptedBy', {
          key,
          field: 'adoptedBy',
        });
      return [{ type: 'GoalAdopted', data: { goalKey: key, adoptedBy: command.data.adoptedBy }, metadata }];
    }
    case 'ReviseGoal': {
      const goal = requireExisting(state, key);
      if (!revisable.includes(goal.status)) throw illegal(key, goal.status, 'revise', 'the goal is adopted, revised or missed');
      const reason = command.data.reason?.trim();
      if (!reason)
        throw new PlanningDomainError('GOAL_REVISION_REASON_MISSING', 'a revision says why the goal changes; give revisionReason', {
          key,
          field: 'revisionReason',
        });
      checkParent(key, command.data.content);
      checkMeasurable(key, command.data.content, 'revise');
      // A revision confirmed by a new decision carries it; otherwise the earlier adoption stays in force.
      const adoptedBy = command.data.adoptedBy ?? goal.adoptedBy;
      if (adoptedBy === undefined)
        throw new PlanningDomainError('GOAL_ADOPTION_MISSING', 'a revised goal names the adopting body, decision and date in adoptedBy', {
          key,
          field: 'adoptedBy',
        });
      return [{ type: 'GoalRevised', data: { goalKey: key, content: command.data.content, reason, adoptedBy }, metadata }];
    }
    case 'MarkGoalAchieved': {
      const goal = requireExisting(state, key);
      if (!inForce.includes(goal.status)) throw illegal(key, goal.status, 'mark as achieved', 'the goal is adopted or revised');
      return [{ type: 'GoalAchieved', data: { goalKey: key }, metadata }];
    }
    case 'MarkGoalMissed': {
      const goal = requireExisting(state, key);
      if (!inForce.includes(goal.status)) throw illegal(key, goal.status, 'mark as missed', 'the goal is adopted or revised');
      const deadline = goal.content.deadline;
      if (deadline !== undefined && command.metadata.at.slice(0, 10) < deadline)
        throw new PlanningDomainError(
          'GOAL_MISSED_BEFORE_DEADLINE',
          `the deadline ${deadline} has not passed on ${command.metadata.at.slice(0, 10)}; a goal is missed only after its deadline (revise it instead)`,
          { key, field: 'status' },
        );
      return [{ type: 'GoalMissed', data: { goalKey: key }, metadata }];
    }
    case 'RetireGoal': {
      const goal = requireExisting(state, key);
      if (goal.status === 'retired') throw illegal(key, goal.status, 'retire', 'the goal is not retired yet');
      return [
        {
          type: 'GoalRetired',
          data: command.data.reason ? { goalKey: key, reason: command.data.reason } : { goalKey: key },
          metadata,
        },
      ];
    }
    case 'WithdrawGoal': {
      // withdrawing a withdrawn goal again changes nothing (a repeated tombstone)
      if (state.status === 'withdrawn') return [];
      requireExisting(state, key);
      const serving = command.data.servingMeasures ?? [];
      if (serving.length > 0)
        throw new PlanningDomainError('GOAL_HAS_MEASURES', `measures still serve the goal: ${serving.join(', ')}; withdraw them or deliver versions without this goal in goalKeys first`, { key });
      return [{ type: 'GoalWithdrawn', data: { goalKey: key }, metadata }];
    }
    default:
      return assertNever(command, 'goal command');
  }
}

/** Each record version becomes one history entry; several events of the same version update that entry. */
function withVersion(goal: Omit<ExistingGoal, 'history'>, previous: readonly GoalVersion[], event: GoalEvent): ExistingGoal {
  const entry: GoalVersion = {
    version: event.metadata.recordVersion,
    status: goal.status,
    content: goal.content,
    ...(goal.adoptedBy ? { adoptedBy: goal.adoptedBy } : {}),
    ...(goal.revisionReason ? { revisionReason: goal.revisionReason } : {}),
    at: event.metadata.at,
    actor: event.metadata.actor,
  };
  const last = previous[previous.length - 1];
  const history = last && last.version === entry.version ? [...previous.slice(0, -1), entry] : [...previous, entry];
  return { ...goal, history };
}

function evolve(state: GoalState, event: GoalEvent): GoalState {
  if (event.type === 'GoalDrafted') {
    const before = state.status === 'withdrawn' ? state.last.history : [];
    return withVersion({ status: 'draft', key: event.data.goalKey, content: event.data.content }, before, event);
  }
  if (state.status === 'none' || state.status === 'withdrawn') return state; // events only follow GoalDrafted; decide guarantees it
  if (event.type === 'GoalWithdrawn') return { status: 'withdrawn', key: state.key, withdrawal: withdrawalOf(event.metadata), last: state };
  const { history, ...goal } = state;
  switch (event.type) {
    case 'GoalDraftUpdated':
      return withVersion({ ...goal, content: event.data.content }, history, event);
    case 'GoalAdopted':
      return withVersion({ ...goal, status: 'adopted', adoptedBy: event.data.adoptedBy }, history, event);
    case 'GoalRevised':
      return withVersion({ ...goal, status: 'revised', content: event.data.content, adoptedBy: event.data.adoptedBy, revisionReason: event.data.reason }, history, event);
    case 'GoalAchieved':
      return withVersion({ ...goal, status: 'achieved' }, history, event);
    case 'GoalMissed':
      return withVersion({ ...goal, status: 'missed' }, history, event);
    case 'GoalRetired':
      return withVersion({ ...goal, status: 'retired' }, history, event);
    default:
      return assertNever(event, 'goal event');
  }
}

export const goalDecider: Decider<GoalState, GoalCommand, GoalEvent> = { decide, evolve, initialState };
