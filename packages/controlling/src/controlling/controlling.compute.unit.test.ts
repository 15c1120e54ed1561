// Hand-computed fixture: reference date 2025-06-30, milestones "due" within 90 days (until 2025-09-28).
// Every expected number below was worked out by hand from the fixture (calendar days, sums, shares).
import { describe, expect, it } from 'vitest';
import type { GoalRecord, MeasureRecord, MilestoneRecord, StatusReportRecord } from '../records/planning-records.schema.js';
import { budgetUse, controllingForArea, controllingForGoal, daysBetween, measureControlling, quarterEnd, type ControllingData } from './controlling.compute.js';

const kalk = { level: 'SOZIALRAUM', code: 'kalk' };
const hv = { level: 'SOZIALRAUM', code: 'hoehenberg-vingst' };
const stt802 = { level: 'STADTTEIL', code: '802' };

const goal = (key: string, areas: GoalRecord['areas'], parentKey?: string): GoalRecord => ({
  key,
  version: 1,
  ...(parentKey ? { parentKey } : {}),
  title: key,
  areas,
  targetGroups: [],
  indicator: 'sgb2_quote',
  targetValue: 15,
  status: 'adopted',
  adoptedBy: { body: 'Rat', decision: 'AN/0215/2017', date: '2017-06-22' },
  example: true,
});
const measure = (over: Partial<MeasureRecord> & Pick<MeasureRecord, 'key' | 'status'>): MeasureRecord => ({
  version: 1,
  title: over.key,
  goalKeys: [],
  areas: [kalk],
  targetGroups: [],
  leadAmt: '51',
  participants: [],
  budget: [],
  plannedStart: '2024-01-01',
  plannedEnd: '2025-12-31',
  example: true,
  ...over,
});
const milestone = (key: string, measureKey: string, over: Partial<MilestoneRecord>): MilestoneRecord => ({
  key,
  version: 1,
  measureKey,
  title: key,
  reached: false,
  example: true,
  ...over,
});
const report = (key: string, measureKey: string, reportedAt: string, trafficLight: 'green' | 'yellow' | 'red'): StatusReportRecord => ({
  key,
  version: 1,
  measureKey,
  reportedBy: 'Sozialraumkoordination',
  reportedAt,
  progressPercent: 50,
  narrative: '',
  trafficLight,
  example: true,
});

const data: ControllingData = {
  goals: [goal('g:kalk', [kalk]), goal('g:kalk:sub', [stt802], 'g:kalk'), goal('g:hv', [hv])],
  measures: [
    measure({
      key: 'm:a',
      status: 'in_progress',
      goalKeys: ['g:kalk'],
      actualStart: '2024-03-01',
      budget: [
        { year: 2024, planned: 100_000, spent: 90_000 },
        { year: 2025, planned: 120_000, spent: 70_000 },
        { year: 2026, planned: 50_000, spent: 0 },
      ],
    }),
    measure({
      key: 'm:b',
      status: 'in_progress',
      goalKeys: ['g:kalk:sub'],
      areas: [kalk, stt802],
      plannedStart: '2023-01-01',
      plannedEnd: '2024-12-31',
      actualStart: '2023-01-10',
      budget: [
        { year: 2023, planned: 50_000, spent: 50_000 },
        { year: 2024, planned: 50_000, spent: 60_000 },
      ],
    }),
    measure({
      key: 'm:c',
      status: 'completed',
      goalKeys: ['g:hv'],
      areas: [hv],
      plannedStart: '2023-01-01',
      plannedEnd: '2023-12-31',
      actualStart: '2023-01-01',
      actualEnd: '2024-01-15',
      budget: [{ year: 2023, planned: 10_000, spent: 9_500 }],
    }),
    measure({ key: 'm:d', status: 'cancelled', goalKeys: ['g:kalk'], budget: [{ year: 2024, planned: 40_000, spent: 5_000 }] }),
    measure({ key: 'm:e', status: 'proposed', goalKeys: ['g:hv'], areas: [hv], plannedStart: '2026-01-01', plannedEnd: '2026-12-31', budget: [{ year: 2026, planned: 30_000, spent: 0 }] }),
  ],
  milestones: [
    milestone('a1', 'm:a', { plannedQuarter: '2024-Q2', reached: true, actualDate: '2024-07-15' }),
    milestone('a2', 'm:a', { plannedDate: '2025-05-15' }),
    milestone('a3', 'm:a', { plannedQuarter: '2025-Q3' }),
    milestone('a4', 'm:a', { plannedDate: '2025-08-01' }),
    milestone('b1', 'm:b', { plannedDate: '2025-02-01' }),
  ],
  statusReports: [
    report('r1', 'm:a', '2025-04-01T10:00:00+02:00', 'green'),
    report('r2', 'm:a', '2024-10-01T10:00:00+02:00', 'yellow'),
    report('r3', 'm:a', '2025-07-10T10:00:00+02:00', 'red'), // after the reference date: not yet known then
    report('rc', 'm:c', '2024-01-20T10:00:00+01:00', 'green'),
  ],
};
const options = { referenceDate: '2025-06-30' };
const row = (key: string) => {
  const m = data.measures.find((x) => x.key === key);
  if (!m) throw new Error(key);
  return measureControlling(m, data.milestones, data.statusReports, options);
};

describe('date helpers', () => {
  it('counts calendar days across leap years and gives quarter ends', () => {
    expect(daysBetween('2024-01-01', '2024-03-01')).toBe(60);
    expect(daysBetween('2024-12-31', '2025-06-30')).toBe(181);
    expect(['2024-Q1', '2024-Q2', '2025-Q3', '2025-Q4'].map(quarterEnd)).toEqual(['2024-03-31', '2024-06-30', '2025-09-30', '2025-12-31']);
  });
});

describe('measure controlling (fixture at 2025-06-30)', () => {
  it('m:a — budget per year, total and to date', () => {
    const { budget } = row('m:a');
    expect(budget.years.map((y) => [y.year, y.planned, y.spent, y.spentShare])).toEqual([
      [2024, 100_000, 90_000, 0.9],
      [2025, 120_000, 70_000, 70_000 / 120_000],
      [2026, 50_000, 0, 0],
    ]);
    expect(budget.total).toEqual({ planned: 270_000, spent: 160_000, spentShare: 160_000 / 270_000 });
    expect(budget.toDate).toEqual({ planned: 220_000, spent: 160_000, spentShare: 160_000 / 220_000 });
  });
  it('m:a has no approvals (a measure v1 record): no approval figures', () => {
    expect(row('m:a').budget.approval).toBeUndefined();
  });
  it('approved budget (measure v2): used share over the years that have an approval, total and to date', () => {
    const use = budgetUse(
      {
        budget: [
          { year: 2024, planned: 100_000, spent: 90_000, approved: 100_000 },
          { year: 2025, planned: 120_000, spent: 70_000, approved: 80_000 },
          { year: 2026, planned: 50_000, spent: 0 },
        ],
      },
      '2025-06-30',
    );
    expect(use.years.map((y) => [y.year, y.approved])).toEqual([
      [2024, 100_000],
      [2025, 80_000],
      [2026, undefined],
    ]);
    expect(use.approval).toEqual({
      total: { approved: 180_000, spent: 160_000, usedShare: 160_000 / 180_000 },
      toDate: { approved: 180_000, spent: 160_000, usedShare: 160_000 / 180_000 },
    });
    // 0 approved (turned down) is an approval: nothing usable, no share
    expect(budgetUse({ budget: [{ year: 2025, planned: 10, spent: 0, approved: 0 }] }, '2025-06-30').approval?.toDate).toEqual({ approved: 0, spent: 0, usedShare: null });
    // approvals after the reference year count in the total, not to date
    expect(budgetUse({ budget: [{ year: 2027, planned: 10, spent: 0, approved: 10 }] }, '2025-06-30').approval).toEqual({
      total: { approved: 10, spent: 0, usedShare: 0 },
      toDate: { approved: 0, spent: 0, usedShare: null },
    });
  });
  it('m:a — start 60 days late, end not yet due', () => {
    expect(row('m:a').schedule).toEqual({
      start: { planned: '2024-01-01', actual: '2024-03-01', slipDays: 60, provisional: false },
      end: { planned: '2025-12-31', slipDays: null, provisional: false },
    });
  });
  it('m:a — milestones reached (15 days late), overdue (46 days), due, upcoming (Q3 ends after the 90-day window)', () => {
    const r = row('m:a');
    expect(r.milestones.map((m) => [m.key, m.dueDate, m.state, m.slipDays])).toEqual([
      ['a1', '2024-06-30', 'reached', 15],
      ['a2', '2025-05-15', 'overdue', 46],
      ['a4', '2025-08-01', 'due', null],
      ['a3', '2025-09-30', 'upcoming', null],
    ]);
    expect(r.milestoneCounts).toEqual({ reached: 1, overdue: 1, due: 1, upcoming: 1 });
  });
  it('m:a — yellow: milestone overdue and start slipped; latest known report (r1) is green', () => {
    const r = row('m:a');
    expect(r.latestReport).toMatchObject({ key: 'r1', trafficLight: 'green' });
    expect(r.trafficLight).toBe('yellow');
    expect(r.reasons).toEqual(['MILESTONE_OVERDUE', 'START_SLIPPED']);
  });
  it('m:a — the red report of 2025-07-10 turns it red at a later reference date', () => {
    const m = data.measures[0]!;
    const later = measureControlling(m, data.milestones, data.statusReports, { referenceDate: '2025-07-31' });
    expect(later.trafficLight).toBe('red');
    expect(later.reasons).toContain('REPORTED_RED');
  });
  it('m:b — red: milestone 149 days overdue, end 181 days late (provisional); yellow criteria listed too', () => {
    const r = row('m:b');
    expect(r.schedule.end).toEqual({ planned: '2024-12-31', slipDays: 181, provisional: true });
    expect(r.schedule.start.slipDays).toBe(9);
    expect(r.milestones.map((m) => [m.key, m.state, m.slipDays])).toEqual([['b1', 'overdue', 149]]);
    expect(r.budget.toDate).toEqual({ planned: 100_000, spent: 110_000, spentShare: 1.1 });
    expect(r.trafficLight).toBe('red');
    expect(r.reasons).toEqual(['MILESTONE_OVERDUE_LONG', 'END_SLIPPED_LONG', 'BUDGET_OVERRUN', 'REPORT_MISSING_OR_STALE']);
  });
  it('m:c — completed 15 days late: green', () => {
    const r = row('m:c');
    expect(r.schedule.end).toEqual({ planned: '2023-12-31', actual: '2024-01-15', slipDays: 15, provisional: false });
    expect(r.trafficLight).toBe('green');
    expect(r.reasons).toEqual([]);
  });
  it('m:d cancelled and m:e proposed are grey, without provisional slippage', () => {
    expect(row('m:d')).toMatchObject({ trafficLight: 'grey', reasons: ['STATUS_CANCELLED'], schedule: { end: { slipDays: null } } });
    expect(row('m:e')).toMatchObject({ trafficLight: 'grey', reasons: ['STATUS_PROPOSED'] });
  });
});

describe('views per area and per goal', () => {
  it('area SOZIALRAUM kalk: measures a, b, d with totals (a cancelled measure counts only what it spent)', () => {
    const view = controllingForArea(data, kalk, options);
    expect(view.measures.map((m) => [m.key, m.trafficLight])).toEqual([
      ['m:a', 'yellow'],
      ['m:b', 'red'],
      ['m:d', 'grey'],
    ]);
    expect(view.goals.map((g) => g.key)).toEqual(['g:kalk']);
    expect(view.totals).toEqual({
      measures: 3,
      byLight: { green: 0, yellow: 1, red: 1, grey: 1 },
      budget: { planned: 270_000 + 100_000 + 5_000, spent: 160_000 + 110_000 + 5_000, spentShare: 275_000 / 375_000 },
      budgetToDate: { planned: 220_000 + 100_000 + 5_000, spent: 275_000, spentShare: 275_000 / 325_000 },
      milestonesDue: 1,
      milestonesOverdue: 2,
    });
  });
  it('area STADTTEIL 802: only measures listing it (exact match unless areaMatches says otherwise)', () => {
    expect(controllingForArea(data, stt802, options).measures.map((m) => m.key)).toEqual(['m:b']);
    const widened = controllingForArea(data, stt802, { ...options, areaMatches: (a, v) => v.code === '802' && (a.code === 'kalk' || a.code === '802') });
    expect(widened.measures.map((m) => m.key)).toEqual(['m:a', 'm:b', 'm:d']);
  });
  it('goal g:kalk: its own measures and those of its sub-goal', () => {
    const view = controllingForGoal(data, 'g:kalk', options);
    expect(view?.subGoalKeys).toEqual(['g:kalk:sub']);
    expect(view?.measures.map((m) => [m.key, m.servesGoalKeys])).toEqual([
      ['m:a', ['g:kalk']],
      ['m:b', ['g:kalk:sub']],
      ['m:d', ['g:kalk']],
    ]);
    expect(view?.totals.byLight).toEqual({ green: 0, yellow: 1, red: 1, grey: 1 });
  });
  it('goal g:hv: completed and proposed measures; unknown goal → undefined', () => {
    const view = controllingForGoal(data, 'g:hv', options);
    expect(view?.measures.map((m) => m.key)).toEqual(['m:c', 'm:e']);
    expect(view?.totals.budget).toEqual({ planned: 40_000, spent: 9_500, spentShare: 9_500 / 40_000 });
    expect(controllingForGoal(data, 'nope', options)).toBeUndefined();
  });
});
