import { describe, expect, it } from 'vitest';
import { fold } from '../decider.js';
import { deciderSpec, meta } from '../decider.spec-helper.js';
import { measureDecider, measureFacts, type ExistingMeasure, type MeasureCommand, type MeasureEvent, type MeasurePlan } from './measure.decider.js';

const spec = deciderSpec(measureDecider);
const measureKey = 'massnahme:kalk:familienzentrum';
const plan = (over: Partial<MeasurePlan> = {}): MeasurePlan => ({
  title: 'Familienzentrum Kalk-Nord',
  goalKeys: ['ziel:kalk:sgb2'],
  areas: [{ level: 'STADTTEIL', code: '802' }],
  targetGroups: ['familien'],
  leadAmt: '51',
  participants: ['50', 'Träger: AWO'],
  plannedStart: '2023-01-01',
  plannedEnd: '2025-12-31',
  fundingSource: 'Landesprogramm',
  example: true,
  ...over,
});

const proposed: MeasureEvent = { type: 'MeasureProposed', data: { measureKey, plan: plan() }, metadata: meta(1) };
const decided: MeasureEvent = { type: 'MeasureDecided', data: { measureKey }, metadata: meta(2) };
const started: MeasureEvent = { type: 'MeasureStarted', data: { measureKey, actualStart: '2023-03-01' }, metadata: meta(3) };
const completed: MeasureEvent = { type: 'MeasureCompleted', data: { measureKey, actualEnd: '2025-12-01' }, metadata: meta(4) };
const cancelled: MeasureEvent = { type: 'MeasureCancelled', data: { measureKey }, metadata: meta(4) };
const planned2023: MeasureEvent = { type: 'BudgetPlanned', data: { measureKey, year: 2023, planned: 100_000 }, metadata: meta(3) };
const spent2023: MeasureEvent = { type: 'SpendingRecorded', data: { measureKey, year: 2023, spent: 40_000 }, metadata: meta(3) };

const history = {
  none: [] as MeasureEvent[],
  proposed: [proposed],
  decided: [proposed, decided],
  in_progress: [proposed, decided, started],
  completed: [proposed, decided, started, completed],
  cancelled: [proposed, decided, cancelled],
  cancelledAfterStart: [proposed, decided, started, planned2023, spent2023, cancelled],
};
type Status = 'proposed' | 'decided' | 'in_progress' | 'completed' | 'cancelled';

const m = meta(9);
const propose = (p = plan()): MeasureCommand => ({ type: 'ProposeMeasure', data: { measureKey, plan: p }, metadata: m });
const updatePlan = (p = plan({ title: 'Familienzentrum Kalk' })): MeasureCommand => ({ type: 'UpdateMeasurePlan', data: { measureKey, plan: p }, metadata: m });
const decide: MeasureCommand = { type: 'DecideMeasure', data: { measureKey }, metadata: m };
const start = (...a: [string | undefined] | []): MeasureCommand => ({ type: 'StartMeasure', data: { measureKey, actualStart: a.length ? a[0] : '2023-03-01' }, metadata: m });
const complete = (...a: [string | undefined] | []): MeasureCommand => ({ type: 'CompleteMeasure', data: { measureKey, actualEnd: a.length ? a[0] : '2025-12-01' }, metadata: m });
const cancel: MeasureCommand = { type: 'CancelMeasure', data: { measureKey, reason: 'Förderung entfallen' }, metadata: m };
const correct = (actualStart?: string, actualEnd?: string): MeasureCommand => ({ type: 'CorrectMeasureActualDates', data: { measureKey, actualStart, actualEnd }, metadata: m });
const planBudget = (year: number, planned: number): MeasureCommand => ({ type: 'PlanBudget', data: { measureKey, year, planned }, metadata: m });
const spend = (year: number, spent: number): MeasureCommand => ({ type: 'RecordSpending', data: { measureKey, year, spent }, metadata: m });
const approve = (year: number, approved: number | undefined): MeasureCommand => ({ type: 'ApproveBudget', data: { measureKey, year, approved }, metadata: m });
const approved2023: MeasureEvent = { type: 'BudgetApproved', data: { measureKey, year: 2023, approved: 90_000 }, metadata: meta(3) };

describe('Measure decider', () => {
  describe('ProposeMeasure', () => {
    it('proposes a measure', () => {
      const state = spec
        .given([])
        .when(propose())
        .then({ type: 'MeasureProposed', data: { measureKey, plan: plan() }, metadata: m });
      expect(state).toEqual({ status: 'proposed', key: measureKey, plan: plan(), budget: {} });
    });
    it('rejects a planned end before the planned start', () => {
      spec
        .given([])
        .when(propose(plan({ plannedEnd: '2022-12-31' })))
        .thenThrows('MEASURE_PLANNED_END_BEFORE_START', /2022-12-31/);
    });
    it('rejects proposing an existing measure', () => {
      spec.given(history.proposed).when(propose()).thenThrows('MEASURE_ALREADY_EXISTS');
    });
  });

  it.each([updatePlan(), decide, start(), complete(), cancel, correct('2023-01-01'), planBudget(2023, 1), spend(2023, 1), approve(2023, 1)])('rejects $type on an unknown measure', (command) => {
    spec.given(history.none).when(command).thenThrows('MEASURE_NOT_FOUND');
  });

  describe('UpdateMeasurePlan', () => {
    it.each(['proposed', 'decided', 'in_progress'] as const)('changes the plan of a %s measure', (status) => {
      const state = spec
        .given(history[status])
        .when(updatePlan())
        .then({ type: 'MeasurePlanUpdated', data: { measureKey, plan: plan({ title: 'Familienzentrum Kalk' }) }, metadata: m });
      expect((state as ExistingMeasure).plan.title).toBe('Familienzentrum Kalk');
      expect(state.status).toBe(status);
    });
    it('rejects a planned end before the planned start', () => {
      spec
        .given(history.decided)
        .when(updatePlan(plan({ plannedStart: '2026-01-01' })))
        .thenThrows('MEASURE_PLANNED_END_BEFORE_START');
    });
    it.each(['completed', 'cancelled'] as const)('rejects changing a %s measure', (status) => {
      spec.given(history[status]).when(updatePlan()).thenThrows('MEASURE_CLOSED');
    });
  });

  describe('DecideMeasure', () => {
    it('decides a proposed measure', () => {
      expect(spec.given(history.proposed).when(decide).then({ type: 'MeasureDecided', data: { measureKey }, metadata: m }).status).toBe('decided');
    });
    it.each(['decided', 'in_progress', 'completed', 'cancelled'] as const)('rejects deciding a %s measure', (status) => {
      spec
        .given(history[status])
        .when(decide)
        .thenThrows('MEASURE_ILLEGAL_TRANSITION', new RegExp(`is ${status}`));
    });
  });

  describe('StartMeasure', () => {
    it('starts a decided measure', () => {
      const state = spec
        .given(history.decided)
        .when(start())
        .then({ type: 'MeasureStarted', data: { measureKey, actualStart: '2023-03-01' }, metadata: m });
      expect(state).toMatchObject({ status: 'in_progress', actualStart: '2023-03-01' });
    });
    it('needs the actual start date', () => {
      spec.given(history.decided).when(start(undefined)).thenThrows('MEASURE_ACTUAL_START_MISSING');
    });
    it.each(['proposed', 'in_progress', 'completed', 'cancelled'] as const)('rejects starting a %s measure', (status: Status) => {
      spec.given(history[status]).when(start()).thenThrows('MEASURE_ILLEGAL_TRANSITION');
    });
  });

  describe('CompleteMeasure', () => {
    it('completes a measure in progress', () => {
      const state = spec
        .given(history.in_progress)
        .when(complete())
        .then({ type: 'MeasureCompleted', data: { measureKey, actualEnd: '2025-12-01' }, metadata: m });
      expect(state).toMatchObject({ status: 'completed', actualStart: '2023-03-01', actualEnd: '2025-12-01' });
    });
    it.each(['proposed', 'decided'] as const)('rejects completing a measure never started (%s)', (status) => {
      spec
        .given(history[status])
        .when(complete())
        .thenThrows('MEASURE_NOT_STARTED', /never started/);
    });
    it.each(['completed', 'cancelled'] as const)('rejects completing a %s measure', (status) => {
      spec.given(history[status]).when(complete()).thenThrows('MEASURE_ILLEGAL_TRANSITION');
    });
    it('needs the actual end date', () => {
      spec.given(history.in_progress).when(complete(undefined)).thenThrows('MEASURE_ACTUAL_END_MISSING');
    });
    it('rejects an actual end before the actual start', () => {
      spec.given(history.in_progress).when(complete('2023-02-28')).thenThrows('MEASURE_ACTUAL_END_BEFORE_START');
    });
  });

  describe('CancelMeasure', () => {
    it.each(['proposed', 'decided', 'in_progress'] as const)('cancels a %s measure', (status) => {
      const state = spec
        .given(history[status])
        .when(cancel)
        .then({ type: 'MeasureCancelled', data: { measureKey, reason: 'Förderung entfallen' }, metadata: m });
      expect(state).toMatchObject({ status: 'cancelled', cancelReason: 'Förderung entfallen' });
    });
    it.each(['completed', 'cancelled'] as const)('rejects cancelling a %s measure', (status) => {
      spec.given(history[status]).when(cancel).thenThrows('MEASURE_ILLEGAL_TRANSITION');
    });
  });

  describe('CorrectMeasureActualDates', () => {
    it('corrects the start of a running measure', () => {
      const state = spec
        .given(history.in_progress)
        .when(correct('2023-02-15'))
        .then({ type: 'MeasureActualDatesCorrected', data: { measureKey, actualStart: '2023-02-15' }, metadata: m });
      expect((state as ExistingMeasure).actualStart).toBe('2023-02-15');
    });
    it('corrects the end of a completed measure', () => {
      const state = spec
        .given(history.completed)
        .when(correct(undefined, '2025-11-30'))
        .then({ type: 'MeasureActualDatesCorrected', data: { measureKey, actualEnd: '2025-11-30' }, metadata: m });
      expect(state).toMatchObject({ actualStart: '2023-03-01', actualEnd: '2025-11-30' });
    });
    it('rejects setting a start by correction on a measure not started', () => {
      spec.given(history.decided).when(correct('2023-02-15')).thenThrows('MEASURE_ACTUAL_DATES_NOT_SET');
    });
    it('rejects setting an end by correction on a measure not completed', () => {
      spec.given(history.in_progress).when(correct(undefined, '2025-01-01')).thenThrows('MEASURE_ACTUAL_DATES_NOT_SET');
    });
    it('rejects a corrected start after the end', () => {
      spec.given(history.completed).when(correct('2026-01-01')).thenThrows('MEASURE_ACTUAL_END_BEFORE_START');
    });
  });

  describe('PlanBudget', () => {
    it.each(['proposed', 'decided', 'in_progress'] as const)('plans budget for a %s measure', (status) => {
      const state = spec
        .given(history[status])
        .when(planBudget(2024, 50_000))
        .then({ type: 'BudgetPlanned', data: { measureKey, year: 2024, planned: 50_000 }, metadata: m });
      expect((state as ExistingMeasure).budget[2024]).toEqual({ planned: 50_000, spent: 0 });
    });
    it('rejects a negative planned budget', () => {
      spec.given(history.decided).when(planBudget(2024, -1)).thenThrows('BUDGET_PLANNED_NEGATIVE', />= 0/);
    });
    it.each(['completed', 'cancelled'] as const)('rejects planning budget for a %s measure', (status) => {
      spec.given(history[status]).when(planBudget(2024, 1)).thenThrows('MEASURE_CLOSED');
    });
  });

  describe('RecordSpending', () => {
    it.each(['decided', 'in_progress', 'completed'] as const)('records spending on a %s measure', (status) => {
      const state = spec
        .given([...history[status], planned2023])
        .when(spend(2023, 75_000))
        .then({ type: 'SpendingRecorded', data: { measureKey, year: 2023, spent: 75_000 }, metadata: m });
      expect((state as ExistingMeasure).budget[2023]).toEqual({ planned: 100_000, spent: 75_000 });
    });
    it('rejects negative spending', () => {
      spec.given(history.in_progress).when(spend(2023, -10)).thenThrows('BUDGET_SPENT_NEGATIVE', /-10/);
    });
    it('rejects spending on a cancelled measure', () => {
      spec
        .given(history.cancelledAfterStart)
        .when(spend(2023, 40_001))
        .thenThrows('MEASURE_CANCELLED_NO_SPENDING', /cancelled/);
    });
    it('accepts a downward correction on a cancelled measure (refund)', () => {
      spec
        .given(history.cancelledAfterStart)
        .when(spend(2023, 30_000))
        .then({ type: 'SpendingRecorded', data: { measureKey, year: 2023, spent: 30_000 }, metadata: m });
    });
    it('rejects spending before the measure is decided', () => {
      spec.given(history.proposed).when(spend(2023, 1)).thenThrows('MEASURE_NOT_DECIDED_NO_SPENDING');
    });
  });

  describe('ApproveBudget', () => {
    it.each(['decided', 'in_progress'] as const)('approves budget for a year of a %s measure, beside what is planned and spent', (status) => {
      const state = spec
        .given([...history[status], planned2023])
        .when(approve(2023, 90_000))
        .then({ type: 'BudgetApproved', data: { measureKey, year: 2023, approved: 90_000 }, metadata: m });
      expect((state as ExistingMeasure).budget[2023]).toEqual({ planned: 100_000, spent: 0, approved: 90_000 });
    });
    it('approves a year nothing is planned for yet (the line exists by its approval)', () => {
      const state = spec
        .given(history.decided)
        .when(approve(2024, 20_000))
        .then({ type: 'BudgetApproved', data: { measureKey, year: 2024, approved: 20_000 }, metadata: m });
      expect((state as ExistingMeasure).budget).toEqual({ 2024: { planned: 0, spent: 0, approved: 20_000 } });
    });
    it('changes an approval and takes it back (null in the event); the line goes once nothing is left', () => {
      const changed = spec
        .given([...history.in_progress, planned2023, approved2023])
        .when(approve(2023, 120_000))
        .then({ type: 'BudgetApproved', data: { measureKey, year: 2023, approved: 120_000 }, metadata: m });
      expect((changed as ExistingMeasure).budget[2023]).toEqual({ planned: 100_000, spent: 0, approved: 120_000 });
      const takenBack = spec
        .given([...history.in_progress, planned2023, approved2023])
        .when(approve(2023, undefined))
        .then({ type: 'BudgetApproved', data: { measureKey, year: 2023, approved: null }, metadata: m });
      expect((takenBack as ExistingMeasure).budget[2023]).toEqual({ planned: 100_000, spent: 0 });
      const onlyApproved = fold(measureDecider, [...history.decided, { ...approved2023, data: { measureKey, year: 2025, approved: 5_000 } }]);
      const gone = spec
        .given([...history.decided, { ...approved2023, data: { measureKey, year: 2025, approved: 5_000 } }])
        .when(approve(2025, undefined))
        .then({ type: 'BudgetApproved', data: { measureKey, year: 2025, approved: null }, metadata: m });
      expect((onlyApproved as ExistingMeasure).budget).toEqual({ 2025: { planned: 0, spent: 0, approved: 5_000 } });
      expect((gone as ExistingMeasure).budget).toEqual({});
    });
    it('changes nothing when the same amount is approved again, or an approval that does not exist is taken back', () => {
      spec
        .given([...history.in_progress, planned2023, approved2023])
        .when(approve(2023, 90_000))
        .thenNothingHappened();
      spec.given(history.in_progress).when(approve(2023, undefined)).thenNothingHappened();
    });
    it('approves 0 EUR (an application turned down) as an approval, not as none', () => {
      const state = spec
        .given([...history.decided, planned2023])
        .when(approve(2023, 0))
        .then({ type: 'BudgetApproved', data: { measureKey, year: 2023, approved: 0 }, metadata: m });
      expect((state as ExistingMeasure).budget[2023]).toEqual({ planned: 100_000, spent: 0, approved: 0 });
    });
    it('rejects a negative approval, naming the year', () => {
      spec
        .given(history.decided)
        .when(approve(2023, -1))
        .thenThrows('BUDGET_APPROVED_NEGATIVE', /2023.*>= 0/);
      spec.given(history.decided).when(approve(2023, Number.NaN)).thenThrows('BUDGET_APPROVED_NEGATIVE');
    });
    it('rejects approving money before the measure is decided; a refusal (0 EUR) may come before', () => {
      const error = spec
        .given(history.proposed)
        .when(approve(2023, 1))
        .thenThrows('MEASURE_NOT_DECIDED_NO_APPROVAL', /only proposed/);
      expect(error.details).toEqual({ key: measureKey, field: 'budget[2023].approved' });
      spec
        .given(history.proposed)
        .when(approve(2023, 0))
        .then({ type: 'BudgetApproved', data: { measureKey, year: 2023, approved: 0 }, metadata: m });
    });
    it.each(['completed', 'cancelled'] as const)('rejects changing the approval of a %s measure', (status) => {
      spec
        .given(history[status])
        .when(approve(2023, 1))
        .thenThrows('MEASURE_CLOSED', /approved budget/);
    });
  });

  it('drops a budget year once nothing is planned or spent for it', () => {
    const zero: MeasureEvent = { type: 'BudgetPlanned', data: { measureKey, year: 2023, planned: 0 }, metadata: meta(5) };
    const state = fold(measureDecider, [...history.in_progress, planned2023, zero]) as ExistingMeasure;
    expect(state.budget).toEqual({});
  });

  it('exposes the facts milestones and status reports need', () => {
    expect(measureFacts(fold(measureDecider, history.in_progress))).toEqual({ measureKey, status: 'in_progress', actualStart: '2023-03-01' });
    expect(measureFacts(fold(measureDecider, history.proposed))).toEqual({ measureKey, status: 'proposed' });
    expect(measureFacts(fold(measureDecider, []))).toBeUndefined();
  });
});

describe('Measure decider: withdrawal', () => {
  const withdraw: MeasureCommand = { type: 'WithdrawMeasure', data: { measureKey }, metadata: meta(5) };
  const withdrawn: MeasureEvent = { type: 'MeasureWithdrawn', data: { measureKey }, metadata: meta(5) };

  it.each(['proposed', 'decided', 'in_progress', 'completed', 'cancelled', 'cancelledAfterStart'] as const)('withdraws a %s measure, keeping its last state', (h) => {
    const state = spec.given(history[h]).when(withdraw).then(withdrawn);
    expect(state).toEqual({ status: 'withdrawn', key: measureKey, withdrawal: { version: 5, at: meta(5).at, actor: meta(5).actor, deliveryId: 'delivery-5' }, last: fold(measureDecider, history[h]) });
    // milestones and status reports no longer see it
    expect(measureFacts(state)).toBeUndefined();
  });
  it('rejects withdrawing a measure never delivered', () => {
    spec.given(history.none).when(withdraw).thenThrows('MEASURE_NOT_FOUND');
  });
  it('changes nothing when a withdrawn measure is withdrawn again', () => {
    const state = spec
      .given([...history.in_progress, withdrawn])
      .when(withdraw)
      .thenNothingHappened();
    expect(state).toMatchObject({ status: 'withdrawn', withdrawal: { version: 5 } });
  });
  it.each([updatePlan(), decide, start(), complete(), cancel, correct('2023-01-01'), planBudget(2023, 1), spend(2023, 1)])('rejects $type on a withdrawn measure', (command) => {
    spec
      .given([...history.in_progress, withdrawn])
      .when(command)
      .thenThrows('MEASURE_NOT_FOUND', /withdrawn/);
  });
  it('a later version proposes a withdrawn measure afresh, without its old budget', () => {
    const state = spec
      .given([...history.cancelledAfterStart, withdrawn])
      .when(propose(plan({ title: 'neu' })))
      .then({ type: 'MeasureProposed', data: { measureKey, plan: plan({ title: 'neu' }) }, metadata: m });
    expect(state).toEqual({ status: 'proposed', key: measureKey, plan: plan({ title: 'neu' }), budget: {} });
  });
});
