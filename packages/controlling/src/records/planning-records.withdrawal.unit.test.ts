// Withdrawals (tombstones) of planning records: the mapping to Withdraw commands and events, what is a
// no-op, what is refused, and how the next version of a withdrawn record is decided; through the
// in-memory replay and the ingestion's transition check.
import { describe, expect, it } from 'vitest';
import { goalHistory } from '../goal/goal.decider.js';
import { goalRecords } from './goal.record-mapping.js';
import { measureRecords } from './measure.record-mapping.js';
import { eventsFromRecords, eventsFromWithdrawal, noLookups, type RecordContext, type RecordLookups, stateFromRecord } from './record-mapping.js';
import { replayPlanningRecords, type PlanningDelivery } from './planning-records.replay.js';
import type { GoalRecord, MeasureRecord, MilestoneRecord, StatusReportRecord } from './planning-records.schema.js';
import { decidePlanningRecord } from './planning-transition.check.js';

/** Lookups that name the measures serving a goal. */
const serving = (keys: readonly string[]): RecordLookups => ({ ...noLookups, servingMeasures: () => keys });

const ctx: RecordContext = { deliveryId: 'd-w', actor: 'amt-51', at: '2025-04-01T09:00:00Z' };
const goal: GoalRecord = {
  key: 'ziel:kalk:sgb2',
  version: 1,
  title: 'SGB-II-Quote in Kalk senken',
  areas: [{ level: 'STADTTEIL', code: '802' }],
  targetGroups: [],
  indicator: 'sgb2_quote',
  targetValue: 18,
  status: 'adopted',
  adoptedBy: { body: 'BV Kalk', decision: 'AN/1', date: '2020-01-01' },
  example: true,
};
const measure: MeasureRecord = {
  key: 'massnahme:kalk:familienzentrum',
  version: 1,
  title: 'Familienzentrum',
  goalKeys: [goal.key],
  areas: [{ level: 'STADTTEIL', code: '802' }],
  targetGroups: [],
  leadAmt: '51',
  participants: [],
  budget: [{ year: 2024, planned: 100_000, spent: 40_000 }],
  plannedStart: '2024-01-01',
  plannedEnd: '2025-12-31',
  actualStart: '2024-02-01',
  status: 'in_progress',
  example: true,
};
const milestone: MilestoneRecord = { key: 'ms:eroeffnung', version: 1, measureKey: measure.key, title: 'Eröffnung', plannedDate: '2024-06-01', reached: false, example: false };
const report: StatusReportRecord = {
  key: 'bericht:2024-1',
  version: 1,
  measureKey: measure.key,
  reportedBy: 'Amt 51',
  reportedAt: '2024-06-30T12:00:00Z',
  progressPercent: 30,
  narrative: 'läuft',
  example: false,
};

let n = 0;
const deliver = (recordType: PlanningDelivery['recordType'], record: unknown): PlanningDelivery => ({ recordType, deliveryId: `d-${++n}`, actor: 'amt-51', at: '2025-01-01T00:00:00Z', record });
const withdraw = (recordType: PlanningDelivery['recordType'], key: string, version: number): PlanningDelivery => ({
  recordType,
  deliveryId: `d-${++n}`,
  actor: 'amt-51',
  at: '2025-02-01T00:00:00Z',
  record: null,
  withdrawal: { key, version },
});
const types = (events: readonly { type: string }[]) => events.map((e) => e.type);

describe('withdrawals of planning records', () => {
  it('a tombstone becomes the Withdrawn event of its aggregate, with delivery, actor, time, key and version', () => {
    const { events, state } = eventsFromWithdrawal(measureRecords, measure, { key: measure.key, version: 2 }, ctx);
    expect(events).toEqual([
      {
        type: 'MeasureWithdrawn',
        data: { measureKey: measure.key },
        metadata: { eventId: `measure:${measure.key}:2:0`, deliveryId: 'd-w', actor: 'amt-51', at: ctx.at, recordKey: measure.key, recordVersion: 2 },
      },
    ]);
    expect(state.status).toBe('withdrawn');
  });

  it('withdrawing again is a no-op; a tombstone older than the stored version is refused', () => {
    const withdrawn = stateFromRecord(measureRecords, measure, { version: 2, at: ctx.at, actor: 'amt-51', deliveryId: 'd-w' });
    expect(eventsFromWithdrawal(measureRecords, measure, { key: measure.key, version: 3 }, ctx, { state: withdrawn }).events).toEqual([]);
    expect(() => eventsFromWithdrawal(measureRecords, { ...measure, version: 4 }, { key: measure.key, version: 4 }, ctx)).toThrow(expect.objectContaining({ code: 'RECORD_VERSION_NOT_NEWER' }));
  });

  it("withdrawing a record never delivered is the decider's NOT_FOUND", () => {
    expect(() => eventsFromWithdrawal(goalRecords, undefined, { key: goal.key, version: 1 }, ctx, { lookups: serving([]) })).toThrow(expect.objectContaining({ code: 'GOAL_NOT_FOUND' }));
  });

  it('the next version of a withdrawn measure is proposed afresh from the record alone; an older version is refused', () => {
    const withdrawn = stateFromRecord(measureRecords, measure, { version: 2, at: ctx.at, actor: 'amt-51', deliveryId: 'd-w' });
    const back = { ...measure, version: 3 };
    const r = eventsFromRecords(measureRecords, measure, back, ctx, { state: withdrawn });
    expect(types(r.events)).toEqual(['MeasureProposed', 'MeasureDecided', 'MeasureStarted', 'BudgetPlanned', 'SpendingRecorded']);
    expect(r.state).toMatchObject({ status: 'in_progress', budget: { 2024: { planned: 100_000, spent: 40_000 } } });
    expect(() => eventsFromRecords(measureRecords, measure, { ...measure, version: 2 }, ctx, { state: withdrawn })).toThrow(expect.objectContaining({ code: 'RECORD_VERSION_NOT_NEWER' }));
  });

  it('replays withdrawals: a withdrawn measure is unknown to its milestones, and comes back with a later version', () => {
    const replay = replayPlanningRecords([
      deliver('goal', goal),
      deliver('measure', measure),
      deliver('milestone', milestone),
      deliver('status-report', report),
      withdraw('milestone', milestone.key, 2),
      withdraw('status-report', report.key, 2),
      withdraw('measure', measure.key, 2),
      withdraw('measure', measure.key, 3), // again: no-op
      deliver('milestone', { ...milestone, key: 'ms:neu', reached: true, actualDate: '2024-05-01' }), // its measure is withdrawn
      deliver('measure', { ...measure, version: 4 }),
      deliver('milestone', { ...milestone, version: 3, title: 'Eröffnung (neu)' }),
    ]);
    expect(types(replay.events).filter((t) => t.endsWith('Withdrawn'))).toEqual(['MilestoneWithdrawn', 'StatusReportWithdrawn', 'MeasureWithdrawn']);
    expect(replay.rejected.map((r) => r.error.code)).toEqual(['MILESTONE_MEASURE_UNKNOWN']);
    expect(replay.measures.get(measure.key)?.state.status).toBe('in_progress');
    expect(replay.milestones.get(milestone.key)?.state).toMatchObject({ status: 'open', title: 'Eröffnung (neu)' });
    expect(replay.statusReports.get(report.key)?.state.status).toBe('withdrawn');
  });

  it('refuses to withdraw a goal that a measure not withdrawn still serves, naming the measure; allows it once the measure is withdrawn', () => {
    const refused = replayPlanningRecords([deliver('goal', goal), deliver('measure', measure), withdraw('goal', goal.key, 2)]);
    expect(refused.rejected.map((r) => [r.error.code, r.error.message])).toEqual([['GOAL_HAS_MEASURES', expect.stringContaining(measure.key)]]);
    const accepted = replayPlanningRecords([
      deliver('goal', goal),
      deliver('measure', measure),
      withdraw('measure', measure.key, 2),
      withdraw('goal', goal.key, 2),
      deliver('goal', { ...goal, version: 3, status: 'draft', adoptedBy: undefined }),
    ]);
    expect(accepted.rejected).toEqual([]);
    const state = accepted.goals.get(goal.key)!.state;
    expect(state.status).toBe('draft');
    expect(goalHistory(state).map((v) => [v.version, v.status])).toEqual([
      [1, 'adopted'],
      [3, 'draft'],
    ]);
  });

  it('the ingestion check decides a withdrawal: refused with the serving measures, accepted without', () => {
    const input = { recordType: 'goal' as const, previous: goal, next: null, withdrawal: { key: goal.key, version: 2 }, ...ctx };
    expect(
      decidePlanningRecord(
        input,
        () => undefined,
        () => [measure.key],
      ).issues,
    ).toEqual([{ field: null, code: 'GOAL_HAS_MEASURES', message: expect.stringContaining(measure.key) }]);
    expect(
      types(
        decidePlanningRecord(
          input,
          () => undefined,
          () => [],
        ).events,
      ),
    ).toEqual(['GoalWithdrawn']);
    // without a lookup (the projection) it is not checked
    expect(types(decidePlanningRecord(input, () => undefined).events)).toEqual(['GoalWithdrawn']);
    expect(decidePlanningRecord({ ...input, withdrawal: undefined }, () => undefined).issues[0]?.code).toBe('RECORD_INVALID');
  });

  it('the check decides the next version against a withdrawn snapshot like a first version', () => {
    const previousWithdrawal = { version: 2, at: ctx.at, actor: 'amt-51', deliveryId: 'd-w' };
    const r = decidePlanningRecord({ recordType: 'measure', previous: measure, previousWithdrawal, next: { ...measure, version: 3, status: 'proposed', budget: [] }, ...ctx }, () => undefined);
    expect(r.issues).toEqual([]);
    expect(types(r.events)).toEqual(['MeasureProposed']);
  });
});
