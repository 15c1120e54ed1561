import { describe, expect, it } from 'vitest';
import { meta } from '../decider.spec-helper.js';
import type { GoalEvent } from '../goal/goal.decider.js';
import type { MilestoneEvent } from '../milestone/milestone.decider.js';
import { aggregateKeyOf, aggregateTypeOf, projectGoal, projectMeasure, projectMilestone, projectStatusReport } from './planning.projection.js';

const at = (n: number) => ({ ...meta(n), recordKey: 'k', recordVersion: n });

describe('record snapshots from events', () => {
  it('moves a milestone through reached and revoked, dropping the actual date again', () => {
    const planned: MilestoneEvent = { type: 'MilestonePlanned', data: { milestoneKey: 'k', measureKey: 'm', title: 't', planned: { quarter: '2025-Q1' } }, metadata: at(1) };
    const s1 = projectMilestone(undefined, planned);
    expect(s1).toEqual({ key: 'k', version: 1, measureKey: 'm', title: 't', plannedQuarter: '2025-Q1', reached: false, example: false });
    const s2 = projectMilestone(s1, { type: 'MilestoneReached', data: { milestoneKey: 'k', actualDate: '2025-02-01' }, metadata: at(2) });
    expect(s2).toMatchObject({ version: 2, reached: true, actualDate: '2025-02-01' });
    const s3 = projectMilestone(s2, { type: 'MilestoneReachedRevoked', data: { milestoneKey: 'k' }, metadata: at(3) });
    expect(s3).toEqual({ ...s1, version: 3 });
    const s4 = projectMilestone(s3, { type: 'MilestoneReplanned', data: { milestoneKey: 'k', title: 't2', planned: { date: '2025-05-01' } }, metadata: at(4) });
    expect(s4).toEqual({ key: 'k', version: 4, measureKey: 'm', title: 't2', plannedDate: '2025-05-01', reached: false, example: false });
  });

  it('replaces goal content on revision and keeps a retire reason', () => {
    const content = { title: 'a', description: 'weg', areas: [], targetGroups: [], indicator: 'sgb2_quote', targetValue: 1, example: true };
    const drafted: GoalEvent = { type: 'GoalDrafted', data: { goalKey: 'k', content }, metadata: at(1) };
    const g1 = projectGoal(undefined, drafted);
    const { description: _d, ...withoutDescription } = content;
    const adoptedBy = { body: 'Rat', decision: 'X', date: '2020-01-01' };
    const g2 = projectGoal(g1, { type: 'GoalRevised', data: { goalKey: 'k', content: withoutDescription, reason: 'r', adoptedBy }, metadata: at(2) });
    expect(g2).toEqual({ key: 'k', version: 2, ...withoutDescription, status: 'revised', adoptedBy, revisionReason: 'r' });
    expect(projectGoal(g2, { type: 'GoalRetired', data: { goalKey: 'k', reason: 'Ende' }, metadata: at(3) })).toMatchObject({ status: 'retired', revisionReason: 'Ende', version: 3 });
  });

  it('has nothing to apply to before the creating event', () => {
    expect(projectGoal(undefined, { type: 'GoalAchieved', data: { goalKey: 'k' }, metadata: at(1) })).toBeUndefined();
    expect(projectMeasure(undefined, { type: 'MeasureDecided', data: { measureKey: 'k' }, metadata: at(1) })).toBeUndefined();
    const report = { measureKey: 'm', reportedBy: 'x', reportedAt: '2025-01-01T00:00:00Z', progressPercent: 1, narrative: '' };
    expect(projectStatusReport(undefined, { type: 'StatusReportCorrected', data: { reportKey: 'k', report }, metadata: at(1) })).toBeUndefined();
  });

  it('names aggregate type and key of every event', () => {
    const e: MilestoneEvent = { type: 'MilestoneReached', data: { milestoneKey: 'ms', actualDate: '2025-01-01' }, metadata: at(1) };
    expect([aggregateTypeOf(e), aggregateKeyOf(e)]).toEqual(['milestone', 'ms']);
  });
});
