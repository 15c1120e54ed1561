// The in-memory replay keeps the goal system a tree as the ingestion does: a goal whose new parent
// would close a cycle, over two levels or three, is rejected with the ingestion's code, chain and
// message and changes nothing; a goal moved under another branch is accepted; and a withdrawal counts
// where it stands in the list (a withdrawn goal has no parent, until it comes back).
import { describe, expect, it } from 'vitest';
import { goalCycleMessage } from '../goal/goal-hierarchy.js';
import { PlanningDomainError } from '../planning.errors.js';
import { replayPlanningRecords, type PlanningDelivery } from './planning-records.replay.js';
import type { GoalRecord } from './planning-records.schema.js';

const draft = (key: string, version: number, parentKey?: string): GoalRecord => ({
  key,
  version,
  ...(parentKey ? { parentKey } : {}),
  title: `Ziel ${key}`,
  areas: [{ level: 'STADTTEIL', code: '802' }],
  targetGroups: [],
  status: 'draft',
  example: false,
});

let n = 0;
const deliver = (record: GoalRecord): PlanningDelivery => ({ recordType: 'goal', deliveryId: `d-${++n}`, actor: 'amt-51', at: '2025-01-01T00:00:00Z', record });
const withdraw = (key: string, version: number): PlanningDelivery => ({
  recordType: 'goal',
  deliveryId: `d-${++n}`,
  actor: 'amt-51',
  at: '2025-02-01T00:00:00Z',
  record: null,
  withdrawal: { key, version },
});

/** the parent each replayed goal stands under now */
const parents = (replay: ReturnType<typeof replayPlanningRecords>) => Object.fromEntries([...replay.goals].map(([key, g]) => [key, g.record.parentKey ?? null]));

describe('replay of goal deliveries: the goal system stays a tree', () => {
  it('rejects a goal put under its own child (A → B → A) with the ingestion’s code, chain and message; A keeps its parent and yields no events', () => {
    const replay = replayPlanningRecords([deliver(draft('goal:a', 1)), deliver(draft('goal:b', 1, 'goal:a')), deliver(draft('goal:a', 2, 'goal:b'))]);
    expect(replay.rejected).toHaveLength(1);
    const { delivery, error } = replay.rejected[0]!;
    expect(delivery.deliveryId).toBe(`d-${n}`);
    expect(error).toBeInstanceOf(PlanningDomainError);
    expect(error.code).toBe('GOAL_PARENT_CYCLE');
    expect(error.details).toEqual({ key: 'goal:a', field: 'parentKey' });
    expect(error.message).toBe(`goal:a (parentKey): ${goalCycleMessage(['goal:a', 'goal:b', 'goal:a'])}`);
    expect(replay.goals.get('goal:a')?.record.version).toBe(1);
    expect(parents(replay)).toEqual({ 'goal:a': null, 'goal:b': 'goal:a' });
    expect(replay.events.map((e) => e.type)).toEqual(['GoalDrafted', 'GoalDrafted']);
  });

  it('rejects a cycle over three levels (top → low → mid → top), naming the chain as the ingestion does', () => {
    const replay = replayPlanningRecords([
      deliver(draft('goal:top', 1)),
      deliver(draft('goal:mid', 1, 'goal:top')),
      deliver(draft('goal:low', 1, 'goal:mid')),
      deliver(draft('goal:top', 2, 'goal:low')),
    ]);
    expect(replay.rejected.map((r) => [r.error.code, r.error.message])).toEqual([
      ['GOAL_PARENT_CYCLE', expect.stringContaining('the parent goals would form a cycle: goal:top → goal:low → goal:mid → goal:top')],
    ]);
    expect(parents(replay)).toEqual({ 'goal:top': null, 'goal:mid': 'goal:top', 'goal:low': 'goal:mid' });
  });

  it('accepts a goal moved under another branch, and a later version of a goal under the same parent', () => {
    const replay = replayPlanningRecords([
      deliver(draft('goal:root', 1)),
      deliver(draft('goal:left', 1, 'goal:root')),
      deliver(draft('goal:right', 1, 'goal:root')),
      deliver(draft('goal:leaf', 1, 'goal:left')),
      deliver(draft('goal:leaf', 2, 'goal:right')),
      deliver(draft('goal:left', 2, 'goal:leaf')), // left under leaf under right: a chain, no cycle
      deliver({ ...draft('goal:right', 2, 'goal:root'), title: 'Ziel rechts' }),
    ]);
    expect(replay.rejected).toEqual([]);
    expect(parents(replay)).toEqual({ 'goal:root': null, 'goal:left': 'goal:leaf', 'goal:right': 'goal:root', 'goal:leaf': 'goal:right' });
    expect(replay.events.map((e) => e.type)).toEqual(['GoalDrafted', 'GoalDrafted', 'GoalDrafted', 'GoalDrafted', 'GoalDraftUpdated', 'GoalDraftUpdated', 'GoalDraftUpdated']);
  });

  it('counts a withdrawal where it stands: A under B is refused while B stands under A, accepted once B is withdrawn; B back under A is refused then', () => {
    const a1 = deliver(draft('goal:a', 1));
    const b1 = deliver(draft('goal:b', 1, 'goal:a'));
    const aUnderB = deliver(draft('goal:a', 2, 'goal:b'));
    const withdrawB = withdraw('goal:b', 2);
    const before = replayPlanningRecords([a1, b1, aUnderB, withdrawB]);
    expect(before.rejected.map((r) => [r.delivery.deliveryId, r.error.code])).toEqual([[aUnderB.deliveryId, 'GOAL_PARENT_CYCLE']]);
    expect(before.goals.get('goal:a')?.record.parentKey).toBeUndefined();

    const bBack = deliver(draft('goal:b', 3, 'goal:a'));
    const after = replayPlanningRecords([a1, b1, withdrawB, aUnderB, bBack]);
    expect(after.rejected.map((r) => [r.delivery.deliveryId, r.error.code, r.error.message])).toEqual([[bBack.deliveryId, 'GOAL_PARENT_CYCLE', expect.stringContaining('goal:b → goal:a → goal:b')]]);
    expect(after.goals.get('goal:a')?.record.parentKey).toBe('goal:b');
    expect(after.goals.get('goal:b')?.state.status).toBe('withdrawn');
  });
});
