import { describe, expect, it } from 'vitest';
import { deciderSpec, meta } from '../decider.spec-helper.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { milestoneDecider, type MilestoneCommand, type MilestoneEvent } from './milestone.decider.js';

const spec = deciderSpec(milestoneDecider);
const milestoneKey = 'meilenstein:kalk:familienzentrum:eroeffnung';
const measureKey = 'massnahme:kalk:familienzentrum';
const running: MeasureFacts = { measureKey, status: 'in_progress', actualStart: '2023-03-01' };

const planned: MilestoneEvent = { type: 'MilestonePlanned', data: { milestoneKey, measureKey, title: 'Eröffnung', planned: { quarter: '2023-Q3' } }, metadata: meta(1) };
const reached: MilestoneEvent = { type: 'MilestoneReached', data: { milestoneKey, actualDate: '2023-10-05' }, metadata: meta(2) };
const history = { none: [] as MilestoneEvent[], open: [planned], reached: [planned, reached] };

const m = meta(9);
const plan = (p: { date?: string; quarter?: string } = { quarter: '2023-Q3' }): MilestoneCommand => ({
  type: 'PlanMilestone',
  data: { milestoneKey, measureKey, title: 'Eröffnung', planned: p },
  metadata: m,
});
const replan = (p: { date?: string; quarter?: string } = { date: '2023-12-15' }, mk = measureKey): MilestoneCommand => ({
  type: 'ReplanMilestone',
  data: { milestoneKey, measureKey: mk, title: 'Eröffnung Familienzentrum', planned: p },
  metadata: m,
});
const reach = (...a: [actualDate?: string, measure?: MeasureFacts | undefined]): MilestoneCommand => ({
  type: 'ReachMilestone',
  data: { milestoneKey, actualDate: a[0] ?? '2023-10-05', measure: a.length > 1 ? a[1] : running },
  metadata: m,
});
const revoke: MilestoneCommand = { type: 'RevokeMilestoneReached', data: { milestoneKey }, metadata: m };

describe('Milestone decider', () => {
  describe('PlanMilestone', () => {
    it.each([{ quarter: '2023-Q3' }, { date: '2023-09-15' }])('plans a milestone for %j', (p) => {
      const state = spec
        .given([])
        .when(plan(p))
        .then({ type: 'MilestonePlanned', data: { milestoneKey, measureKey, title: 'Eröffnung', planned: p }, metadata: m });
      expect(state).toEqual({ status: 'open', key: milestoneKey, measureKey, title: 'Eröffnung', planned: p });
    });
    it.each([{}, { date: '2023-09-15', quarter: '2023-Q3' }])('needs exactly one of date or quarter (%j)', (p) => {
      spec.given([]).when(plan(p)).thenThrows('MILESTONE_PLANNED_INVALID');
    });
    it('rejects planning an existing milestone', () => {
      spec.given(history.open).when(plan()).thenThrows('MILESTONE_ALREADY_EXISTS');
    });
  });

  it.each([replan(), reach(), revoke])('rejects $type on an unknown milestone', (command) => {
    spec.given(history.none).when(command).thenThrows('MILESTONE_NOT_FOUND');
  });

  describe('ReplanMilestone', () => {
    it('moves an open milestone', () => {
      const state = spec
        .given(history.open)
        .when(replan())
        .then({ type: 'MilestoneReplanned', data: { milestoneKey, title: 'Eröffnung Familienzentrum', planned: { date: '2023-12-15' } }, metadata: m });
      expect(state).toMatchObject({ planned: { date: '2023-12-15' }, title: 'Eröffnung Familienzentrum' });
    });
    it('rejects moving it to another measure', () => {
      spec.given(history.open).when(replan(undefined, 'massnahme:andere')).thenThrows('MILESTONE_MEASURE_CHANGED');
    });
    it('rejects replanning a reached milestone', () => {
      spec.given(history.reached).when(replan()).thenThrows('MILESTONE_ALREADY_REACHED');
    });
    it('rejects an invalid plan', () => {
      spec.given(history.open).when(replan({})).thenThrows('MILESTONE_PLANNED_INVALID');
    });
  });

  describe('ReachMilestone', () => {
    it('reaches a milestone after its measure began', () => {
      const state = spec
        .given(history.open)
        .when(reach())
        .then({ type: 'MilestoneReached', data: { milestoneKey, actualDate: '2023-10-05' }, metadata: m });
      expect(state).toMatchObject({ status: 'reached', actualDate: '2023-10-05' });
    });
    it('accepts the measure start day itself', () => {
      spec
        .given(history.open)
        .when(reach('2023-03-01'))
        .then({ type: 'MilestoneReached', data: { milestoneKey, actualDate: '2023-03-01' }, metadata: m });
    });
    it('rejects a milestone reached before its measure began', () => {
      spec
        .given(history.open)
        .when(reach('2023-02-28'))
        .thenThrows('MILESTONE_BEFORE_MEASURE_START', /2023-03-01/);
    });
    it.each(['proposed', 'decided'] as const)('rejects a milestone of a measure that has not begun (%s)', (status) => {
      spec.given(history.open).when(reach('2023-10-05', { measureKey, status })).thenThrows('MILESTONE_BEFORE_MEASURE_START', new RegExp(status));
    });
    it('rejects it when the measure is unknown', () => {
      spec.given(history.open).when(reach('2023-10-05', undefined)).thenThrows('MILESTONE_MEASURE_UNKNOWN');
    });
    it('rejects facts of another measure', () => {
      spec
        .given(history.open)
        .when(reach('2023-10-05', { ...running, measureKey: 'x' }))
        .thenThrows('MILESTONE_MEASURE_UNKNOWN');
    });
    it('rejects reaching it twice', () => {
      spec.given(history.reached).when(reach()).thenThrows('MILESTONE_ALREADY_REACHED');
    });
  });

  describe('RevokeMilestoneReached', () => {
    it('reopens a reached milestone (correction)', () => {
      const state = spec.given(history.reached).when(revoke).then({ type: 'MilestoneReachedRevoked', data: { milestoneKey }, metadata: m });
      expect(state).toEqual({ status: 'open', key: milestoneKey, measureKey, title: 'Eröffnung', planned: { quarter: '2023-Q3' } });
    });
    it('rejects revoking an open milestone', () => {
      spec.given(history.open).when(revoke).thenThrows('MILESTONE_NOT_REACHED');
    });
  });
});

describe('Milestone decider: withdrawal', () => {
  const withdraw: MilestoneCommand = { type: 'WithdrawMilestone', data: { milestoneKey }, metadata: meta(5) };
  const withdrawn: MilestoneEvent = { type: 'MilestoneWithdrawn', data: { milestoneKey, measureKey }, metadata: meta(5) };

  it.each(['open', 'reached'] as const)('withdraws a %s milestone, naming its measure', (h) => {
    const state = spec.given(history[h]).when(withdraw).then(withdrawn);
    expect(state).toMatchObject({ status: 'withdrawn', key: milestoneKey, withdrawal: { version: 5, deliveryId: 'delivery-5' }, last: { status: h, measureKey } });
  });
  it('rejects withdrawing a milestone never delivered', () => {
    spec.given(history.none).when(withdraw).thenThrows('MILESTONE_NOT_FOUND');
  });
  it('changes nothing when a withdrawn milestone is withdrawn again', () => {
    const state = spec
      .given([...history.open, withdrawn])
      .when(withdraw)
      .thenNothingHappened();
    expect(state.status).toBe('withdrawn');
  });
  it.each([replan(), reach(), revoke])('rejects $type on a withdrawn milestone', (command) => {
    spec
      .given([...history.reached, withdrawn])
      .when(command)
      .thenThrows('MILESTONE_NOT_FOUND', /withdrawn/);
  });
  it('a later version plans a withdrawn milestone afresh', () => {
    const state = spec
      .given([...history.reached, withdrawn])
      .when(plan({ date: '2024-01-15' }))
      .then({
        type: 'MilestonePlanned',
        data: { milestoneKey, measureKey, title: 'Eröffnung', planned: { date: '2024-01-15' } },
        metadata: m,
      });
    expect(state).toEqual({ status: 'open', key: milestoneKey, measureKey, title: 'Eröffnung', planned: { date: '2024-01-15' } });
  });
});
