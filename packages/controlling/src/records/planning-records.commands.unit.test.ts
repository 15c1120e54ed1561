import { describe, expect, it } from 'vitest';
import { fold } from '../decider.js';
import { goalHistory } from '../goal/goal.decider.js';
import { measureDecider, measureFacts, type ExistingMeasure, type MeasureFacts } from '../measure/measure.decider.js';
import { PlanningDomainError, type PlanningErrorCode } from '../planning.errors.js';
import { goalRecords } from './goal.record-mapping.js';
import { measureRecords } from './measure.record-mapping.js';
import { milestoneRecords } from './milestone.record-mapping.js';
import { eventsFromRecords, noLookups, parsePlanningRecord, type RecordContext, type RecordLookups } from './record-mapping.js';
import { statusReportRecords } from './status-report.record-mapping.js';
import type { GoalRecord, MeasureRecord, MilestoneRecord, StatusReportRecord } from './planning-records.schema.js';

const ctx = (n: number, at = '2025-03-01T09:00:00Z'): RecordContext => ({ deliveryId: `d-${n}`, actor: 'amt-51', at });

function expectCode(fn: () => unknown, code: PlanningErrorCode): PlanningDomainError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(PlanningDomainError);
    expect((e as PlanningDomainError).code).toBe(code);
    return e as PlanningDomainError;
  }
  throw new Error(`expected ${code}`);
}
const types = (events: readonly { type: string }[]) => events.map((e) => e.type);
/** Lookups that know one measure's facts (whatever key is asked). */
const knowing = (facts: MeasureFacts | undefined): RecordLookups => ({ ...noLookups, measure: () => facts });

const goal = (over: Partial<GoalRecord> = {}): GoalRecord => ({
  key: 'ziel:kalk:sgb2',
  version: 1,
  title: 'SGB-II-Quote in Kalk senken',
  areas: [{ level: 'STADTTEIL', code: '802' }],
  targetGroups: ['familien'],
  indicator: 'sgb2_quote',
  targetValue: 18,
  deadline: '2027-12-31',
  status: 'draft',
  example: true,
  ...over,
});
const adoption = { body: 'Bezirksvertretung Kalk', decision: 'AN/0215/2017', date: '2017-06-22' };

describe('goal records → events', () => {
  it('creates and adopts a goal delivered as adopted, with deterministic event ids and delivery metadata', () => {
    const { events, state } = eventsFromRecords(goalRecords, undefined, goal({ status: 'adopted', adoptedBy: adoption }), ctx(1));
    expect(types(events)).toEqual(['GoalDrafted', 'GoalAdopted']);
    expect(events.map((e) => e.metadata.eventId)).toEqual(['goal:ziel:kalk:sgb2:1:0', 'goal:ziel:kalk:sgb2:1:1']);
    expect(events[1]?.metadata).toMatchObject({ deliveryId: 'd-1', actor: 'amt-51', recordVersion: 1 });
    expect(state.status).toBe('adopted');
  });
  it('rejects a version that adopts a goal without indicator', () => {
    const v1 = goal({ indicator: undefined });
    expectCode(() => eventsFromRecords(goalRecords, v1, { ...v1, version: 2, status: 'adopted', adoptedBy: adoption }, ctx(2)), 'GOAL_INDICATOR_MISSING');
  });
  it('turns a revised version into a revision, keeping all versions in the history', () => {
    const v1 = goal({ status: 'adopted', adoptedBy: adoption });
    const first = eventsFromRecords(goalRecords, undefined, v1, ctx(1));
    const v2 = { ...v1, version: 2, status: 'revised' as const, targetValue: 19, revisionReason: 'Zuzug Geflüchteter 2022' };
    const { events, state } = eventsFromRecords(goalRecords, v1, v2, ctx(2), { state: first.state });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'GoalRevised', data: { reason: 'Zuzug Geflüchteter 2022', content: { targetValue: 19 } } });
    expect(goalHistory(state).map((v) => [v.version, v.status, v.content.targetValue])).toEqual([
      [1, 'adopted', 18],
      [2, 'revised', 19],
    ]);
  });
  it('rejects a changed target value on an adopted goal without revision', () => {
    const v1 = goal({ status: 'adopted', adoptedBy: adoption });
    expectCode(() => eventsFromRecords(goalRecords, v1, { ...v1, version: 2, targetValue: 15 }, ctx(2)), 'GOAL_CHANGE_REQUIRES_REVISION');
  });
  it('rejects a revision without reason', () => {
    const v1 = goal({ status: 'adopted', adoptedBy: adoption });
    expectCode(() => eventsFromRecords(goalRecords, v1, { ...v1, version: 2, status: 'revised', targetValue: 15 }, ctx(2)), 'GOAL_REVISION_REASON_MISSING');
  });
  it('rejects going back to draft', () => {
    const v1 = goal({ status: 'adopted', adoptedBy: adoption });
    expectCode(() => eventsFromRecords(goalRecords, v1, { ...v1, version: 2, status: 'draft' }, ctx(2)), 'GOAL_ILLEGAL_TRANSITION');
  });
  it('marks a goal missed only after its deadline', () => {
    const v1 = goal({ status: 'adopted', adoptedBy: adoption });
    const v2 = { ...v1, version: 2, status: 'missed' as const };
    expectCode(() => eventsFromRecords(goalRecords, v1, v2, ctx(2, '2027-06-01T00:00:00Z')), 'GOAL_MISSED_BEFORE_DEADLINE');
    expect(types(eventsFromRecords(goalRecords, v1, v2, ctx(2, '2028-01-15T00:00:00Z')).events)).toEqual(['GoalMissed']);
  });
  it('checks key and version, and ignores an unchanged re-delivery', () => {
    const v1 = goal();
    expect(eventsFromRecords(goalRecords, v1, v1, ctx(2)).events).toEqual([]);
    expectCode(() => eventsFromRecords(goalRecords, v1, { ...v1, title: 'x' }, ctx(2)), 'RECORD_VERSION_NOT_NEWER');
    expectCode(() => eventsFromRecords(goalRecords, v1, { ...v1, key: 'other', version: 2 }, ctx(2)), 'RECORD_KEY_MISMATCH');
  });
});

const measure = (over: Partial<MeasureRecord> = {}): MeasureRecord => ({
  key: 'massnahme:kalk:familienzentrum',
  version: 1,
  title: 'Familienzentrum Kalk-Nord',
  goalKeys: ['ziel:kalk:sgb2'],
  areas: [{ level: 'STADTTEIL', code: '802' }],
  targetGroups: ['familien'],
  leadAmt: '51',
  participants: ['50'],
  budget: [{ year: 2024, planned: 100_000, spent: 0 }],
  plannedStart: '2024-01-01',
  plannedEnd: '2025-12-31',
  status: 'proposed',
  example: true,
  ...over,
});

describe('measure records → events', () => {
  it('follows proposed → decided → in_progress → completed over four versions', () => {
    const v1 = measure();
    const v2 = { ...v1, version: 2, status: 'decided' as const };
    const v3 = { ...v2, version: 3, status: 'in_progress' as const, actualStart: '2024-02-01', budget: [{ year: 2024, planned: 100_000, spent: 30_000 }] };
    const v4 = { ...v3, version: 4, status: 'completed' as const, actualEnd: '2025-11-30', budget: [{ year: 2024, planned: 100_000, spent: 95_000 }] };
    let state = measureDecider.initialState();
    const all: string[][] = [];
    let previous: MeasureRecord | undefined;
    for (const [i, next] of [v1, v2, v3, v4].entries()) {
      const out = eventsFromRecords(measureRecords, previous, next, ctx(i + 1), { state: state });
      all.push(types(out.events));
      state = out.state;
      previous = next;
    }
    expect(all).toEqual([['MeasureProposed', 'BudgetPlanned'], ['MeasureDecided'], ['MeasureStarted', 'SpendingRecorded'], ['SpendingRecorded', 'MeasureCompleted']]);
    expect(state).toMatchObject({ status: 'completed', actualStart: '2024-02-01', actualEnd: '2025-11-30', budget: { 2024: { planned: 100_000, spent: 95_000 } } });
  });
  it('fills the implied steps of a first version that is already in progress', () => {
    const { events } = eventsFromRecords(measureRecords, undefined, measure({ status: 'in_progress', actualStart: '2024-02-01' }), ctx(1));
    expect(types(events)).toEqual(['MeasureProposed', 'MeasureDecided', 'MeasureStarted', 'BudgetPlanned']);
  });
  it('rejects completing a measure that never started', () => {
    const v1 = measure({ status: 'decided' });
    expectCode(() => eventsFromRecords(measureRecords, v1, { ...v1, version: 2, status: 'completed', actualEnd: '2025-01-01' }, ctx(2)), 'MEASURE_NOT_STARTED');
  });
  it('rejects spending on a cancelled measure', () => {
    const v1 = measure({ status: 'in_progress', actualStart: '2024-02-01', budget: [{ year: 2024, planned: 100_000, spent: 10_000 }] });
    const v2 = { ...v1, version: 2, status: 'cancelled' as const };
    const state = eventsFromRecords(measureRecords, v1, v2, ctx(2)).state;
    expect(state.status).toBe('cancelled');
    const v3 = { ...v2, version: 3, budget: [{ year: 2024, planned: 100_000, spent: 12_000 }] };
    expectCode(() => eventsFromRecords(measureRecords, v2, v3, ctx(3), { state: state }), 'MEASURE_CANCELLED_NO_SPENDING');
  });
  it('turns an approved amount (measure v2) into its own ApproveBudget → BudgetApproved, after the decision of the same version', () => {
    const v1 = measure();
    const v2 = { ...v1, version: 2, status: 'decided' as const, budget: [{ year: 2024, planned: 100_000, spent: 0, approved: 80_000 }] };
    const { events, state } = eventsFromRecords(measureRecords, v1, v2, ctx(2));
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['MeasureDecided', { measureKey: v1.key }],
      ['BudgetApproved', { measureKey: v1.key, year: 2024, approved: 80_000 }],
    ]);
    expect((state as ExistingMeasure).budget[2024]).toEqual({ planned: 100_000, spent: 0, approved: 80_000 });
    // a version without the amount takes the approval back; one that repeats it changes nothing
    const v3 = { ...v2, version: 3, budget: [{ year: 2024, planned: 100_000, spent: 0 }] };
    expect(eventsFromRecords(measureRecords, v2, v3, ctx(3), { state }).events.map((e) => [e.type, e.data])).toEqual([['BudgetApproved', { measureKey: v1.key, year: 2024, approved: null }]]);
    expect(eventsFromRecords(measureRecords, v2, { ...v2, version: 3, title: 'Familienzentrum Kalk' }, ctx(3), { state }).events.map((e) => e.type)).toEqual(['MeasurePlanUpdated']);
  });
  it('rejects approving money for a measure that is only proposed, at the budget line', () => {
    const e = expectCode(
      () => eventsFromRecords(measureRecords, undefined, measure({ budget: [{ year: 2024, planned: 100_000, spent: 0, approved: 100_000 }] }), ctx(1)),
      'MEASURE_NOT_DECIDED_NO_APPROVAL',
    );
    expect(e.details.field).toBe('budget[2024].approved');
  });
  it('rejects negative spending', () => {
    const v1 = measure({ status: 'in_progress', actualStart: '2024-02-01' });
    expectCode(() => eventsFromRecords(measureRecords, v1, { ...v1, version: 2, budget: [{ year: 2024, planned: 100_000, spent: -5 }] }, ctx(2)), 'BUDGET_SPENT_NEGATIVE');
  });
  it('rejects a step backwards', () => {
    const v1 = measure({ status: 'in_progress', actualStart: '2024-02-01' });
    expectCode(() => eventsFromRecords(measureRecords, v1, { ...v1, version: 2, status: 'decided' }, ctx(2)), 'MEASURE_ILLEGAL_TRANSITION');
    expectCode(() => eventsFromRecords(measureRecords, v1, { ...v1, version: 2, status: 'proposed' }, ctx(2)), 'MEASURE_ILLEGAL_TRANSITION');
    const done = { ...v1, status: 'completed' as const, actualEnd: '2024-12-01' };
    expectCode(() => eventsFromRecords(measureRecords, done, { ...done, version: 2, status: 'in_progress' }, ctx(2)), 'MEASURE_ILLEGAL_TRANSITION');
  });
  it('turns a changed actual start into a correction, and a removed budget year into zero', () => {
    const v1 = measure({ status: 'in_progress', actualStart: '2024-02-01' });
    const { events, state } = eventsFromRecords(measureRecords, v1, { ...v1, version: 2, actualStart: '2024-01-15', budget: [] }, ctx(2));
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['MeasureActualDatesCorrected', { measureKey: v1.key, actualStart: '2024-01-15' }],
      ['BudgetPlanned', { measureKey: v1.key, year: 2024, planned: 0 }],
    ]);
    expect((state as ExistingMeasure).budget).toEqual({});
  });
  it('cancels a proposed measure without inventing a decision', () => {
    const v1 = measure();
    expect(types(eventsFromRecords(measureRecords, v1, { ...v1, version: 2, status: 'cancelled' }, ctx(2)).events)).toEqual(['MeasureCancelled']);
  });
});

const milestone = (over: Partial<MilestoneRecord> = {}): MilestoneRecord => ({
  key: 'meilenstein:kalk:eroeffnung',
  version: 1,
  measureKey: 'massnahme:kalk:familienzentrum',
  title: 'Eröffnung',
  plannedQuarter: '2024-Q2',
  reached: false,
  example: true,
  ...over,
});

describe('milestone records → events', () => {
  const running = measureFacts(eventsFromRecords(measureRecords, undefined, measure({ status: 'in_progress', actualStart: '2024-02-01' }), ctx(1)).state);
  it('plans, then reaches a milestone', () => {
    const v1 = milestone();
    expect(types(eventsFromRecords(milestoneRecords, undefined, v1, ctx(1), { lookups: knowing(running) }).events)).toEqual(['MilestonePlanned']);
    const { events, state } = eventsFromRecords(milestoneRecords, v1, { ...v1, version: 2, reached: true, actualDate: '2024-05-10' }, ctx(2), { lookups: knowing(running) });
    expect(types(events)).toEqual(['MilestoneReached']);
    expect(state).toMatchObject({ status: 'reached', actualDate: '2024-05-10' });
  });
  it('rejects a milestone reached before its measure began', () => {
    const v1 = milestone();
    expectCode(() => eventsFromRecords(milestoneRecords, v1, { ...v1, version: 2, reached: true, actualDate: '2024-01-10' }, ctx(2), { lookups: knowing(running) }), 'MILESTONE_BEFORE_MEASURE_START');
  });
  it('rejects reaching a milestone of a measure that is only decided', () => {
    const decided = measureFacts(eventsFromRecords(measureRecords, undefined, measure({ status: 'decided' }), ctx(1)).state);
    expectCode(() => eventsFromRecords(milestoneRecords, undefined, milestone({ reached: true, actualDate: '2024-05-10' }), ctx(1), { lookups: knowing(decided) }), 'MILESTONE_BEFORE_MEASURE_START');
  });
  it('moves the actual date by revoking and reaching again', () => {
    const v1 = milestone({ reached: true, actualDate: '2024-05-10' });
    expect(types(eventsFromRecords(milestoneRecords, v1, { ...v1, version: 2, actualDate: '2024-05-12' }, ctx(2), { lookups: knowing(running) }).events)).toEqual([
      'MilestoneReachedRevoked',
      'MilestoneReached',
    ]);
  });
  it('rejects replanning a reached milestone', () => {
    const v1 = milestone({ reached: true, actualDate: '2024-05-10' });
    expectCode(() => eventsFromRecords(milestoneRecords, v1, { ...v1, version: 2, plannedQuarter: '2024-Q3' }, ctx(2), { lookups: knowing(running) }), 'MILESTONE_ALREADY_REACHED');
  });
});

describe('status report records → events', () => {
  const report: StatusReportRecord = {
    key: 'bericht:kalk:2024-1',
    version: 1,
    measureKey: 'massnahme:kalk:familienzentrum',
    reportedBy: 'Sozialraumkoordination Kalk',
    reportedAt: '2024-06-30T12:00:00+02:00',
    progressPercent: 40,
    narrative: 'läuft',
    example: true,
  };
  const decided = measureFacts(fold(measureDecider, eventsFromRecords(measureRecords, undefined, measure({ status: 'decided' }), ctx(1)).events));
  it('submits, corrects, and ignores a new version without change', () => {
    expect(types(eventsFromRecords(statusReportRecords, undefined, report, ctx(1), { lookups: knowing(decided) }).events)).toEqual(['StatusReportSubmitted']);
    expect(types(eventsFromRecords(statusReportRecords, report, { ...report, version: 2, progressPercent: 45 }, ctx(2), { lookups: knowing(decided) }).events)).toEqual(['StatusReportCorrected']);
    expect(eventsFromRecords(statusReportRecords, report, { ...report, version: 2 }, ctx(2), { lookups: knowing(decided) }).events).toEqual([]);
  });
  it('rejects a report on a proposed measure', () => {
    const proposed = measureFacts(eventsFromRecords(measureRecords, undefined, measure(), ctx(1)).state);
    expectCode(() => eventsFromRecords(statusReportRecords, undefined, report, ctx(1), { lookups: knowing(proposed) }), 'STATUS_REPORT_MEASURE_NOT_DECIDED');
  });
});

describe('parsePlanningRecord', () => {
  it('accepts Avro-style nulls for optional fields', () => {
    const parsed = parsePlanningRecord('goal', { ...goal(), parentKey: null, indicator: null });
    expect(parsed.indicator).toBeUndefined();
  });
  it('names the field of an invalid record', () => {
    const e = expectCode(() => parsePlanningRecord('measure', { ...measure(), plannedStart: '2024-13-01' }), 'RECORD_INVALID');
    expect(e.details).toEqual({ key: 'massnahme:kalk:familienzentrum', field: 'plannedStart' });
  });
  it('rejects two budget lines for one year', () => {
    const e = expectCode(
      () =>
        parsePlanningRecord('measure', {
          ...measure(),
          budget: [
            { year: 2024, planned: 1, spent: 0 },
            { year: 2024, planned: 2, spent: 0 },
          ],
        }),
      'RECORD_INVALID',
    );
    expect(e.details.field).toBe('budget.1.year');
  });
  it('rejects a milestone with both planned date and quarter, or reached without date', () => {
    expectCode(() => parsePlanningRecord('milestone', { ...milestone(), plannedDate: '2024-05-01' }), 'RECORD_INVALID');
    expectCode(() => parsePlanningRecord('milestone', { ...milestone(), reached: true }), 'RECORD_INVALID');
  });
});
