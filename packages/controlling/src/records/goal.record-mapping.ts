// Goal records → goal commands. A first version describes the goal as it stands (a goal delivered
// "adopted" was drafted and adopted before); later versions map their status change to the command of
// the target status, and changed content to a draft update or (status "revised") a revision.
import type { PlanningMetadata } from '../decider.js';
import { goalDecider, type GoalCommand, type GoalContent, type GoalEvent, type GoalState } from '../goal/goal.decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import type { GoalRecord } from './planning-records.schema.js';
import { omitUndefined, parsePlanningRecord, sameValue, type RecordMapping } from './record-mapping.js';

export function goalContent(r: GoalRecord): GoalContent {
  const { key: _k, version: _v, status: _s, revisionReason: _r, adoptedBy: _a, ...content } = r;
  return omitUndefined(content);
}

function goalCommands(previous: GoalRecord | undefined, next: GoalRecord, metadata: () => PlanningMetadata): GoalCommand[] {
  const goalKey = next.key;
  const content = goalContent(next);
  const commands: GoalCommand[] = [];
  const adopt = (): GoalCommand => ({ type: 'AdoptGoal', data: { goalKey, adoptedBy: next.adoptedBy }, metadata: metadata() });
  const revise = (): GoalCommand => ({
    type: 'ReviseGoal',
    data: { goalKey, content, reason: next.revisionReason, adoptedBy: next.adoptedBy },
    metadata: metadata(),
  });
  const achieved = (): GoalCommand => ({ type: 'MarkGoalAchieved', data: { goalKey }, metadata: metadata() });
  const missed = (): GoalCommand => ({ type: 'MarkGoalMissed', data: { goalKey }, metadata: metadata() });
  const retire = (): GoalCommand => ({ type: 'RetireGoal', data: { goalKey, reason: next.revisionReason }, metadata: metadata() });
  /** the command that brings an existing goal to a status */
  const toStatus = { adopted: adopt, achieved, missed, retired: retire };
  if (previous === undefined) {
    // A first version describes a goal as it stands today, possibly adopted long before it was
    // delivered: a goal in any status but draft and retired was adopted first.
    commands.push({ type: 'DraftGoal', data: { goalKey, content }, metadata: metadata() });
    if (next.status === 'draft') return commands;
    if (next.status !== 'retired') commands.push(adopt());
    if (next.status === 'revised') commands.push(revise());
    else if (next.status !== 'adopted') commands.push(toStatus[next.status]());
    return commands;
  }
  const contentChanged = !sameValue(goalContent(previous), content);
  const adoptionChanged = !sameValue(previous.adoptedBy, next.adoptedBy);
  if (next.status === 'revised') {
    if (previous.status !== 'revised' || contentChanged || adoptionChanged || previous.revisionReason !== next.revisionReason) commands.push(revise());
    return commands;
  }
  if (contentChanged || (adoptionChanged && previous.status !== 'draft')) commands.push({ type: 'UpdateGoalDraft', data: { goalKey, content }, metadata: metadata() });
  if (next.status !== previous.status) {
    if (next.status === 'draft')
      throw new PlanningDomainError('GOAL_ILLEGAL_TRANSITION', `a goal that is ${previous.status} cannot return to draft; revise or retire it`, {
        key: goalKey,
        field: 'status',
      });
    commands.push(toStatus[next.status]());
  }
  return commands;
}

export const goalRecords: RecordMapping<GoalRecord, GoalState, GoalCommand, GoalEvent> = {
  recordType: 'goal',
  decider: goalDecider,
  parse: (raw) => parsePlanningRecord('goal', raw),
  commands: goalCommands,
  // a goal is withdrawn only when no measure serves it any more (when the caller looks them up)
  withdraw: (goalKey, metadata, lookups) => ({ type: 'WithdrawGoal', data: { goalKey, servingMeasures: lookups.servingMeasures(goalKey) }, metadata }),
};
