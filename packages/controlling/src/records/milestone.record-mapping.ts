// Milestone records → milestone commands: planned, replanned, reached, or reached revoked. Reaching
// one needs its measure's facts, which the caller looks up (RecordLookups.measure).
import { fold, type PlanningMetadata } from '../decider.js';
import { milestoneDecider, type MilestoneCommand, type MilestoneEvent, type MilestoneState } from '../milestone/milestone.decider.js';
import type { MilestoneRecord } from './planning-records.schema.js';
import { omitUndefined, parsePlanningRecord, type RecordLookups, type RecordMapping, sameValue, snapshotMetadata } from './record-mapping.js';

function plannedOf(r: MilestoneRecord): { date?: string; quarter?: string } {
  return omitUndefined({ date: r.plannedDate, quarter: r.plannedQuarter });
}

function milestoneCommands(previous: MilestoneRecord | undefined, next: MilestoneRecord, metadata: () => PlanningMetadata, lookups: RecordLookups): MilestoneCommand[] {
  const milestoneKey = next.key;
  const commands: MilestoneCommand[] = [];
  const reach = (): MilestoneCommand => ({ type: 'ReachMilestone', data: { milestoneKey, actualDate: next.actualDate ?? '', measure: lookups.measure(next.measureKey) }, metadata: metadata() });
  if (previous === undefined) {
    commands.push({ type: 'PlanMilestone', data: { milestoneKey, measureKey: next.measureKey, title: next.title, planned: plannedOf(next) }, metadata: metadata() });
    if (next.reached) commands.push(reach());
    return commands;
  }
  const reachedMoved = previous.reached && next.reached && previous.actualDate !== next.actualDate;
  if ((previous.reached && !next.reached) || reachedMoved) commands.push({ type: 'RevokeMilestoneReached', data: { milestoneKey }, metadata: metadata() });
  if (previous.measureKey !== next.measureKey || previous.title !== next.title || !sameValue(plannedOf(previous), plannedOf(next)))
    commands.push({ type: 'ReplanMilestone', data: { milestoneKey, measureKey: next.measureKey, title: next.title, planned: plannedOf(next) }, metadata: metadata() });
  if ((next.reached && !previous.reached) || reachedMoved) commands.push(reach());
  return commands;
}

/** A stored milestone as it stands (reaching it again would ask for its measure, which a snapshot does not need). */
function milestoneStateOf(record: MilestoneRecord): MilestoneState {
  const planned: MilestoneEvent = {
    type: 'MilestonePlanned',
    data: { milestoneKey: record.key, measureKey: record.measureKey, title: record.title, planned: record.plannedDate ? { date: record.plannedDate } : { quarter: record.plannedQuarter ?? '' } },
    metadata: snapshotMetadata(record),
  };
  const reached: MilestoneEvent[] =
    record.reached && record.actualDate ? [{ type: 'MilestoneReached', data: { milestoneKey: record.key, actualDate: record.actualDate }, metadata: snapshotMetadata(record) }] : [];
  return fold(milestoneDecider, [planned, ...reached]);
}

export const milestoneRecords: RecordMapping<MilestoneRecord, MilestoneState, MilestoneCommand, MilestoneEvent> = {
  recordType: 'milestone',
  decider: milestoneDecider,
  parse: (raw) => parsePlanningRecord('milestone', raw),
  commands: milestoneCommands,
  stateOf: milestoneStateOf,
  withdraw: (milestoneKey, metadata) => ({ type: 'WithdrawMilestone', data: { milestoneKey }, metadata }),
};
