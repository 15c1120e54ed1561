import { describe, expect, it } from 'vitest';
import { fold } from '../decider.js';
import { deciderSpec, meta } from '../decider.spec-helper.js';
import { goalDecider, goalHistory, type GoalCommand, type GoalContent, type GoalEvent, type ExistingGoal } from './goal.decider.js';

const spec = deciderSpec(goalDecider);
const goalKey = 'ziel:kalk:sgb2';
const adoption = { body: 'Bezirksvertretung Kalk', decision: 'AN/0215/2017', date: '2017-06-22' };
const content = (over: Partial<GoalContent> = {}): GoalContent => ({
  title: 'SGB-II-Quote in Kalk senken',
  areas: [{ level: 'STADTTEIL', code: '802' }],
  targetGroups: ['familien'],
  indicator: 'sgb2_quote',
  baselineValue: 21.4,
  baselinePeriod: '2016',
  targetValue: 18,
  deadline: '2024-12-31',
  example: true,
  ...over,
});

// events (the history a test is given)
const drafted = (c = content()): GoalEvent => ({ type: 'GoalDrafted', data: { goalKey, content: c }, metadata: meta(1) });
const adopted: GoalEvent = { type: 'GoalAdopted', data: { goalKey, adoptedBy: adoption }, metadata: meta(2) };
const revised: GoalEvent = {
  type: 'GoalRevised',
  data: { goalKey, content: content({ targetValue: 19 }), reason: 'Zuzug', adoptedBy: adoption },
  metadata: meta(3),
};
const achieved: GoalEvent = { type: 'GoalAchieved', data: { goalKey }, metadata: meta(3) };
const missed: GoalEvent = { type: 'GoalMissed', data: { goalKey }, metadata: meta(3, '2025-02-01T00:00:00Z') };
const retired: GoalEvent = { type: 'GoalRetired', data: { goalKey }, metadata: meta(4) };

const history = {
  none: [] as GoalEvent[],
  draft: [drafted()],
  adopted: [drafted(), adopted],
  revised: [drafted(), adopted, revised],
  achieved: [drafted(), adopted, achieved],
  missed: [drafted(), adopted, missed],
  retired: [drafted(), retired],
};

// commands
const m = meta(9, '2025-03-01T09:00:00Z');
const draft = (c = content()): GoalCommand => ({ type: 'DraftGoal', data: { goalKey, content: c }, metadata: m });
const update = (c = content({ title: 'neu' })): GoalCommand => ({ type: 'UpdateGoalDraft', data: { goalKey, content: c }, metadata: m });
const adopt = (...args: [adoptedBy?: typeof adoption | undefined]): GoalCommand => ({
  type: 'AdoptGoal',
  data: { goalKey, adoptedBy: args.length ? args[0] : adoption },
  metadata: m,
});
const revise = (...args: [reason?: string | undefined, c?: GoalContent, adoptedBy?: typeof adoption]): GoalCommand => ({
  type: 'ReviseGoal',
  data: { goalKey, content: args[1] ?? content({ targetValue: 17 }), reason: args.length ? args[0] : 'neue Datenlage', adoptedBy: args[2] },
  metadata: m,
});
const achieve: GoalCommand = { type: 'MarkGoalAchieved', data: { goalKey }, metadata: m };
const miss = (at = '2025-03-01T09:00:00Z'): GoalCommand => ({ type: 'MarkGoalMissed', data: { goalKey }, metadata: meta(9, at) });
const retire: GoalCommand = { type: 'RetireGoal', data: { goalKey, reason: 'Programm beendet' }, metadata: m };

describe('Goal decider', () => {
  describe('DraftGoal', () => {
    it('drafts a new goal', () => {
      const state = spec
        .given([])
        .when(draft())
        .then({ type: 'GoalDrafted', data: { goalKey, content: content() }, metadata: m });
      expect(state).toMatchObject({ status: 'draft', key: goalKey, history: [{ version: 9, status: 'draft' }] });
    });
    it('rejects a goal that is its own parent', () => {
      spec
        .given([])
        .when(draft(content({ parentKey: goalKey })))
        .thenThrows('GOAL_PARENT_IS_SELF', /own parent/);
    });
    it('rejects a second draft for an existing key', () => {
      spec.given(history.draft).when(draft()).thenThrows('GOAL_ALREADY_EXISTS');
    });
  });

  it.each([update(), adopt(), revise(), achieve, miss(), retire])('rejects $type on an unknown goal', (command) => {
    spec.given(history.none).when(command).thenThrows('GOAL_NOT_FOUND');
  });

  describe('UpdateGoalDraft', () => {
    it('changes a draft', () => {
      const state = spec
        .given(history.draft)
        .when(update())
        .then({ type: 'GoalDraftUpdated', data: { goalKey, content: content({ title: 'neu' }) }, metadata: m });
      expect((state as ExistingGoal).content.title).toBe('neu');
    });
    it('rejects a draft update that makes the goal its own parent', () => {
      spec
        .given(history.draft)
        .when(update(content({ parentKey: goalKey })))
        .thenThrows('GOAL_PARENT_IS_SELF');
    });
    it.each(['adopted', 'revised', 'missed'] as const)('requires a revision once the goal is %s', (status) => {
      spec
        .given(history[status])
        .when(update())
        .thenThrows('GOAL_CHANGE_REQUIRES_REVISION', /revisionReason/);
    });
    it.each(['achieved', 'retired'] as const)('rejects changes to a goal that is %s', (status) => {
      spec.given(history[status]).when(update()).thenThrows('GOAL_ILLEGAL_TRANSITION');
    });
  });

  describe('AdoptGoal', () => {
    it('adopts a draft with indicator, target value and adopting body', () => {
      const state = spec
        .given(history.draft)
        .when(adopt())
        .then({ type: 'GoalAdopted', data: { goalKey, adoptedBy: adoption }, metadata: m });
      expect(state).toMatchObject({ status: 'adopted', adoptedBy: adoption });
    });
    it('rejects adopting a goal without indicator', () => {
      spec
        .given([drafted(content({ indicator: undefined }))])
        .when(adopt())
        .thenThrows('GOAL_INDICATOR_MISSING', /indicator/);
    });
    it('rejects adopting a goal without target value', () => {
      spec
        .given([drafted(content({ targetValue: undefined }))])
        .when(adopt())
        .thenThrows('GOAL_TARGET_VALUE_MISSING', /target value/);
    });
    it('rejects adopting without naming body and decision', () => {
      spec.given(history.draft).when(adopt(undefined)).thenThrows('GOAL_ADOPTION_MISSING');
    });
    it.each(['adopted', 'revised', 'achieved', 'missed', 'retired'] as const)('rejects adopting a goal that is %s', (status) => {
      spec
        .given(history[status])
        .when(adopt())
        .thenThrows('GOAL_ILLEGAL_TRANSITION', new RegExp(`is ${status}`));
    });
  });

  describe('ReviseGoal', () => {
    it.each(['adopted', 'revised', 'missed'] as const)('revises a goal that is %s, keeping the adoption', (status) => {
      const state = spec
        .given(history[status])
        .when(revise())
        .then({ type: 'GoalRevised', data: { goalKey, content: content({ targetValue: 17 }), reason: 'neue Datenlage', adoptedBy: adoption }, metadata: m });
      expect(state).toMatchObject({ status: 'revised', revisionReason: 'neue Datenlage', content: { targetValue: 17 } });
    });
    it('takes a new adoption when the revision was decided again', () => {
      const again = { body: 'Rat der Stadt Köln', decision: 'AN/1000/2023', date: '2023-05-04' };
      spec
        .given(history.adopted)
        .when(revise('Ratsbeschluss', content(), again))
        .then({ type: 'GoalRevised', data: { goalKey, content: content(), reason: 'Ratsbeschluss', adoptedBy: again }, metadata: m });
    });
    it.each([undefined, '  '])('rejects a revision without reason (%j)', (reason) => {
      spec.given(history.adopted).when(revise(reason)).thenThrows('GOAL_REVISION_REASON_MISSING');
    });
    it('rejects a revision that drops the indicator', () => {
      spec
        .given(history.adopted)
        .when(revise('x', content({ indicator: undefined })))
        .thenThrows('GOAL_INDICATOR_MISSING');
    });
    it('rejects a revision that drops the target value', () => {
      spec
        .given(history.adopted)
        .when(revise('x', content({ targetValue: undefined })))
        .thenThrows('GOAL_TARGET_VALUE_MISSING');
    });
    it('rejects a revision that makes the goal its own parent', () => {
      spec
        .given(history.adopted)
        .when(revise('x', content({ parentKey: goalKey })))
        .thenThrows('GOAL_PARENT_IS_SELF');
    });
    it.each(['draft', 'achieved', 'retired'] as const)('rejects revising a goal that is %s', (status) => {
      spec.given(history[status]).when(revise()).thenThrows('GOAL_ILLEGAL_TRANSITION');
    });
  });

  describe('MarkGoalAchieved', () => {
    it.each(['adopted', 'revised'] as const)('marks a goal that is %s as achieved', (status) => {
      const state = spec.given(history[status]).when(achieve).then({ type: 'GoalAchieved', data: { goalKey }, metadata: m });
      expect(state.status).toBe('achieved');
    });
    it.each(['draft', 'achieved', 'missed', 'retired'] as const)('rejects it for a goal that is %s', (status) => {
      spec.given(history[status]).when(achieve).thenThrows('GOAL_ILLEGAL_TRANSITION');
    });
  });

  describe('MarkGoalMissed', () => {
    it('marks an adopted goal as missed after its deadline', () => {
      const state = spec
        .given(history.adopted)
        .when(miss('2025-01-01T00:00:00Z'))
        .then({ type: 'GoalMissed', data: { goalKey }, metadata: meta(9, '2025-01-01T00:00:00Z') });
      expect(state.status).toBe('missed');
    });
    it('marks a revised goal as missed', () => {
      spec
        .given(history.revised)
        .when(miss())
        .then({ type: 'GoalMissed', data: { goalKey }, metadata: meta(9, '2025-03-01T09:00:00Z') });
    });
    it('rejects missing a goal before its deadline', () => {
      spec
        .given(history.adopted)
        .when(miss('2024-12-30T23:00:00Z'))
        .thenThrows('GOAL_MISSED_BEFORE_DEADLINE', /2024-12-31/);
    });
    it.each(['draft', 'achieved', 'missed', 'retired'] as const)('rejects it for a goal that is %s', (status) => {
      spec.given(history[status]).when(miss()).thenThrows('GOAL_ILLEGAL_TRANSITION');
    });
  });

  describe('RetireGoal', () => {
    it.each(['draft', 'adopted', 'revised', 'achieved', 'missed'] as const)('retires a goal that is %s', (status) => {
      const state = spec
        .given(history[status])
        .when(retire)
        .then({ type: 'GoalRetired', data: { goalKey, reason: 'Programm beendet' }, metadata: m });
      expect(state.status).toBe('retired');
    });
    it('rejects retiring twice', () => {
      spec.given(history.retired).when(retire).thenThrows('GOAL_ILLEGAL_TRANSITION');
    });
  });

  it('keeps every version in the history, with status, content and reason of each', () => {
    const state = fold(goalDecider, [...history.revised, { ...achieved, metadata: meta(4) }]) as ExistingGoal;
    expect(state.history.map((v) => [v.version, v.status, v.content.targetValue, v.revisionReason])).toEqual([
      [1, 'draft', 18, undefined],
      [2, 'adopted', 18, undefined],
      [3, 'revised', 19, 'Zuzug'],
      [4, 'achieved', 19, 'Zuzug'],
    ]);
  });

  it('merges several events of one record version into one history entry', () => {
    const state = fold(goalDecider, [drafted(), { ...adopted, metadata: meta(5, undefined, 1) }]) as ExistingGoal;
    expect(state.history).toHaveLength(1);
    expect(state.history[0]).toMatchObject({ version: 1, status: 'adopted' });
  });
});

describe('Goal decider: withdrawal', () => {
  const withdraw = (servingMeasures: readonly string[] | undefined = []): GoalCommand => ({ type: 'WithdrawGoal', data: { goalKey, servingMeasures }, metadata: meta(5) });
  const withdrawn: GoalEvent = { type: 'GoalWithdrawn', data: { goalKey }, metadata: meta(5) };
  const withdrawal = { version: 5, at: meta(5).at, actor: meta(5).actor, deliveryId: 'delivery-5' };

  it.each(['draft', 'adopted', 'revised', 'achieved', 'missed', 'retired'] as const)('withdraws a %s goal, keeping what it was', (status) => {
    const state = spec.given(history[status]).when(withdraw()).then(withdrawn);
    expect(state).toEqual({ status: 'withdrawn', key: goalKey, withdrawal, last: fold(goalDecider, history[status]) });
    expect(goalHistory(state)).toEqual(goalHistory(fold(goalDecider, history[status])));
  });
  it('withdraws without the check when the caller did not look up measures (projection)', () => {
    spec.given(history.adopted).when(withdraw(undefined)).then(withdrawn);
  });
  it('refuses a goal that measures still serve, naming them', () => {
    spec
      .given(history.adopted)
      .when(withdraw(['massnahme:a', 'massnahme:b']))
      .thenThrows('GOAL_HAS_MEASURES', /massnahme:a, massnahme:b/);
  });
  it('rejects withdrawing a goal never delivered', () => {
    spec.given(history.none).when(withdraw()).thenThrows('GOAL_NOT_FOUND');
  });
  it('changes nothing when a withdrawn goal is withdrawn again, whatever serves it now', () => {
    const state = spec
      .given([...history.adopted, withdrawn])
      .when(withdraw())
      .thenNothingHappened();
    expect(state).toMatchObject({ status: 'withdrawn', withdrawal: { version: 5 } });
    spec
      .given([...history.adopted, withdrawn])
      .when(withdraw(['massnahme:a']))
      .thenNothingHappened();
  });
  it.each([update(), adopt(), revise(), achieve, miss(), retire])('rejects $type on a withdrawn goal', (command) => {
    spec
      .given([...history.adopted, withdrawn])
      .when(command)
      .thenThrows('GOAL_NOT_FOUND', /withdrawn/);
  });
  it('a later version drafts a withdrawn goal afresh; its history continues', () => {
    const redraft: GoalCommand = { type: 'DraftGoal', data: { goalKey, content: content({ title: 'wieder da' }) }, metadata: meta(6) };
    const state = spec
      .given([...history.adopted, withdrawn])
      .when(redraft)
      .then({ type: 'GoalDrafted', data: { goalKey, content: content({ title: 'wieder da' }) }, metadata: meta(6) });
    expect(state.status).toBe('draft');
    expect(goalHistory(state).map((v) => [v.version, v.status])).toEqual([
      [1, 'draft'],
      [2, 'adopted'],
      [6, 'draft'],
    ]);
  });
});
