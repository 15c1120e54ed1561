// Controlling figures per measure, per area and per goal: budget use, schedule slippage, milestones due
// and overdue at a reference date, and a traffic light. Pure functions over the latest record versions
// (the projection's query functions return exactly these shapes). Rules: docs/controlling.md.
import type { AreaRef, GoalRecord, MeasureRecord, MeasureStatus, MilestoneRecord, StatusReportRecord, TrafficLight } from '../records/planning-records.schema.js';

export interface ControllingData {
  readonly goals: readonly GoalRecord[];
  readonly measures: readonly MeasureRecord[];
  readonly milestones: readonly MilestoneRecord[];
  readonly statusReports: readonly StatusReportRecord[];
}

export interface ControllingOptions {
  /** ISO date the figures are computed for ("Stichtag") */
  readonly referenceDate: string;
  /** a milestone is "due" when its due date lies within this many days from the reference date; default 90 */
  readonly dueWithinDays?: number;
  /** whether a measure in `measureArea` counts for the view area; default: same level and code */
  readonly areaMatches?: (measureArea: AreaRef, viewArea: AreaRef) => boolean;
}

/** Thresholds of the traffic-light rule (docs/controlling.md). */
export const trafficLightRule = {
  milestoneOverdueRedDays: 90,
  endSlipRedDays: 180,
  slipYellowDays: 30,
  budgetRedShare: 1.1,
  budgetYellowShare: 1.0,
  reportStaleDays: 180,
} as const;

// ---------------------------------------------------------------------------------------------- dates

const DAY_MS = 86_400_000;
function dayNumber(isoDate: string): number {
  const [y, m, d] = isoDate.slice(0, 10).split('-').map(Number);
  return Date.UTC(y ?? 0, (m ?? 1) - 1, d ?? 1) / DAY_MS;
}
/** b − a in whole days */
export function daysBetween(a: string, b: string): number {
  return dayNumber(b) - dayNumber(a);
}
/** Last day of a quarter "2025-Q3" → "2025-09-30"; a milestone planned for a quarter is due at its end. */
export function quarterEnd(quarter: string): string {
  const year = Number(quarter.slice(0, 4));
  const q = Number(quarter.slice(-1));
  const end = new Date(Date.UTC(year, q * 3, 0));
  return end.toISOString().slice(0, 10);
}
function addDays(isoDate: string, days: number): string {
  return new Date((dayNumber(isoDate) + days) * DAY_MS).toISOString().slice(0, 10);
}

// ---------------------------------------------------------------------------------------------- budget

export interface BudgetFigures {
  readonly planned: number;
  readonly spent: number;
  /** spent / planned; null when nothing is planned */
  readonly spentShare: number | null;
}
/** Spending against what was approved (bewilligt), over the years that have an approval. */
export interface ApprovalFigures {
  readonly approved: number;
  /** spent in the years that have an approval */
  readonly spent: number;
  /** spent / approved: the share of the approved budget used; null when the approval is 0 */
  readonly usedShare: number | null;
}
export interface BudgetUse {
  readonly years: readonly (BudgetFigures & { readonly year: number; readonly approved?: number })[];
  readonly total: BudgetFigures;
  /** years up to and including the reference year: what the traffic light compares */
  readonly toDate: BudgetFigures;
  /** undefined when no year has an approved amount (measure records before v2 have none) */
  readonly approval?: { readonly total: ApprovalFigures; readonly toDate: ApprovalFigures };
}

function figures(planned: number, spent: number): BudgetFigures {
  return { planned, spent, spentShare: planned > 0 ? spent / planned : null };
}

export function budgetUse(measure: Pick<MeasureRecord, 'budget'>, referenceDate: string): BudgetUse {
  const refYear = Number(referenceDate.slice(0, 4));
  const years = [...measure.budget].sort((a, b) => a.year - b.year).map((b) => ({ year: b.year, ...figures(b.planned, b.spent), ...(b.approved !== undefined ? { approved: b.approved } : {}) }));
  const sum = (lines: readonly { planned: number; spent: number }[]) =>
    figures(
      lines.reduce((s, l) => s + l.planned, 0),
      lines.reduce((s, l) => s + l.spent, 0),
    );
  const approval = (lines: readonly { spent: number; approved?: number }[]): ApprovalFigures => {
    const with_ = lines.filter((l) => l.approved !== undefined);
    const approved = with_.reduce((s, l) => s + (l.approved ?? 0), 0);
    const spent = with_.reduce((s, l) => s + l.spent, 0);
    return { approved, spent, usedShare: approved > 0 ? spent / approved : null };
  };
  const toDate = years.filter((y) => y.year <= refYear);
  return {
    years,
    total: sum(years),
    toDate: sum(toDate),
    ...(years.some((y) => y.approved !== undefined) ? { approval: { total: approval(years), toDate: approval(toDate) } } : {}),
  };
}

// ---------------------------------------------------------------------------------------------- schedule

export interface DateSlip {
  readonly planned: string;
  readonly actual?: string;
  /** actual − planned in days (positive = late); provisional: reference date − planned when overdue and not yet happened */
  readonly slipDays: number | null;
  readonly provisional: boolean;
}
export interface ScheduleSlippage {
  readonly start: DateSlip;
  readonly end: DateSlip;
}

function slip(planned: string, actual: string | undefined, referenceDate: string, counts: boolean): DateSlip {
  if (actual !== undefined) return { planned, actual, slipDays: daysBetween(planned, actual), provisional: false };
  if (counts && referenceDate > planned) return { planned, slipDays: daysBetween(planned, referenceDate), provisional: true };
  return { planned, slipDays: null, provisional: false };
}

/** Cancelled and proposed measures get no provisional slippage: nothing is expected to happen. */
export function scheduleSlippage(measure: Pick<MeasureRecord, 'plannedStart' | 'plannedEnd' | 'actualStart' | 'actualEnd' | 'status'>, referenceDate: string): ScheduleSlippage {
  const live = measure.status === 'decided' || measure.status === 'in_progress';
  return {
    start: slip(measure.plannedStart, measure.actualStart, referenceDate, live),
    end: slip(measure.plannedEnd, measure.actualEnd, referenceDate, live),
  };
}

// ---------------------------------------------------------------------------------------------- milestones

export type MilestoneDueState = 'reached' | 'overdue' | 'due' | 'upcoming';
export interface MilestoneControlling {
  readonly key: string;
  readonly title: string;
  readonly dueDate: string;
  readonly plannedQuarter?: string;
  readonly actualDate?: string;
  readonly state: MilestoneDueState;
  /** reached: actual − due; overdue: reference − due; otherwise null */
  readonly slipDays: number | null;
}

export function milestoneDueDate(m: Pick<MilestoneRecord, 'plannedDate' | 'plannedQuarter'>): string {
  return m.plannedDate ?? quarterEnd(m.plannedQuarter ?? '');
}

export function milestoneControlling(m: MilestoneRecord, referenceDate: string, dueWithinDays = 90): MilestoneControlling {
  const dueDate = milestoneDueDate(m);
  const base = { key: m.key, title: m.title, dueDate, ...(m.plannedQuarter ? { plannedQuarter: m.plannedQuarter } : {}) };
  if (m.reached && m.actualDate) return { ...base, actualDate: m.actualDate, state: 'reached', slipDays: daysBetween(dueDate, m.actualDate) };
  if (dueDate < referenceDate) return { ...base, state: 'overdue', slipDays: daysBetween(dueDate, referenceDate) };
  if (dueDate <= addDays(referenceDate, dueWithinDays)) return { ...base, state: 'due', slipDays: null };
  return { ...base, state: 'upcoming', slipDays: null };
}

// ---------------------------------------------------------------------------------------------- measure

export type ControllingLight = TrafficLight | 'grey';

export interface MeasureControlling {
  readonly key: string;
  readonly title: string;
  readonly status: MeasureStatus;
  readonly leadAmt: string;
  readonly goalKeys: readonly string[];
  readonly areas: readonly AreaRef[];
  readonly example: boolean;
  readonly budget: BudgetUse;
  readonly schedule: ScheduleSlippage;
  readonly milestones: readonly MilestoneControlling[];
  readonly milestoneCounts: Readonly<Record<MilestoneDueState, number>>;
  readonly latestReport?: { readonly key: string; readonly reportedAt: string; readonly reportedBy: string; readonly progressPercent: number; readonly trafficLight?: TrafficLight };
  readonly trafficLight: ControllingLight;
  /** why the light is not green, as codes (docs/controlling.md) */
  readonly reasons: readonly string[];
}

export function measureControlling(measure: MeasureRecord, milestones: readonly MilestoneRecord[], reports: readonly StatusReportRecord[], options: ControllingOptions): MeasureControlling {
  const ref = options.referenceDate;
  const budget = budgetUse(measure, ref);
  const schedule = scheduleSlippage(measure, ref);
  const ms = milestones
    .filter((m) => m.measureKey === measure.key)
    .map((m) => milestoneControlling(m, ref, options.dueWithinDays))
    .sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : a.key < b.key ? -1 : 1));
  const milestoneCounts = { reached: 0, overdue: 0, due: 0, upcoming: 0 };
  for (const m of ms) milestoneCounts[m.state]++;
  const latest = reports
    .filter((r) => r.measureKey === measure.key && r.reportedAt.slice(0, 10) <= ref)
    .reduce<StatusReportRecord | undefined>((best, r) => (best === undefined || Date.parse(r.reportedAt) > Date.parse(best.reportedAt) ? r : best), undefined);
  const { light, reasons } = trafficLight(measure, budget, schedule, ms, latest, ref);
  return {
    key: measure.key,
    title: measure.title,
    status: measure.status,
    leadAmt: measure.leadAmt,
    goalKeys: measure.goalKeys,
    areas: measure.areas,
    example: measure.example,
    budget,
    schedule,
    milestones: ms,
    milestoneCounts,
    ...(latest
      ? {
          latestReport: {
            key: latest.key,
            reportedAt: latest.reportedAt,
            reportedBy: latest.reportedBy,
            progressPercent: latest.progressPercent,
            ...(latest.trafficLight ? { trafficLight: latest.trafficLight } : {}),
          },
        }
      : {}),
    trafficLight: light,
    reasons,
  };
}

/** The documented rule: grey when not being carried out, else the worst of red / yellow criteria. */
export function trafficLight(
  measure: Pick<MeasureRecord, 'status'>,
  budget: BudgetUse,
  schedule: ScheduleSlippage,
  milestones: readonly MilestoneControlling[],
  latestReport: Pick<StatusReportRecord, 'trafficLight' | 'reportedAt'> | undefined,
  referenceDate: string,
): { light: ControllingLight; reasons: string[] } {
  if (measure.status === 'proposed' || measure.status === 'cancelled') return { light: 'grey', reasons: [`STATUS_${measure.status.toUpperCase()}`] };
  const r = trafficLightRule;
  const red: string[] = [];
  const yellow: string[] = [];
  const overdue = milestones.filter((m) => m.state === 'overdue');
  if (overdue.some((m) => (m.slipDays ?? 0) > r.milestoneOverdueRedDays)) red.push('MILESTONE_OVERDUE_LONG');
  else if (overdue.length > 0) yellow.push('MILESTONE_OVERDUE');
  const endSlip = schedule.end.slipDays ?? 0;
  const startSlip = schedule.start.slipDays ?? 0;
  if (endSlip > r.endSlipRedDays) red.push('END_SLIPPED_LONG');
  else if (endSlip > r.slipYellowDays) yellow.push('END_SLIPPED');
  if (startSlip > r.slipYellowDays) yellow.push('START_SLIPPED');
  const share = budget.toDate.planned > 0 ? budget.toDate.spent / budget.toDate.planned : budget.toDate.spent > 0 ? Number.POSITIVE_INFINITY : 0;
  if (share > r.budgetRedShare) red.push('BUDGET_OVERRUN_LONG');
  else if (share > r.budgetYellowShare) yellow.push('BUDGET_OVERRUN');
  if (latestReport?.trafficLight === 'red') red.push('REPORTED_RED');
  if (latestReport?.trafficLight === 'yellow') yellow.push('REPORTED_YELLOW');
  if (measure.status === 'in_progress' && (latestReport === undefined || daysBetween(latestReport.reportedAt, referenceDate) > r.reportStaleDays)) yellow.push('REPORT_MISSING_OR_STALE');
  if (red.length > 0) return { light: 'red', reasons: [...red, ...yellow] };
  if (yellow.length > 0) return { light: 'yellow', reasons: yellow };
  return { light: 'green', reasons: [] };
}

// ---------------------------------------------------------------------------------------------- views

export interface ControllingTotals {
  readonly measures: number;
  readonly byLight: Readonly<Record<ControllingLight, number>>;
  readonly budget: BudgetFigures;
  readonly budgetToDate: BudgetFigures;
  readonly milestonesDue: number;
  readonly milestonesOverdue: number;
}

function totals(rows: readonly MeasureControlling[]): ControllingTotals {
  const byLight = { green: 0, yellow: 0, red: 0, grey: 0 };
  for (const row of rows) byLight[row.trafficLight]++;
  // cancelled measures keep what they spent but their unspent plan no longer counts as planned
  const live = rows.map((row) =>
    row.status === 'cancelled' ? { ...row.budget, total: figures(row.budget.total.spent, row.budget.total.spent), toDate: figures(row.budget.toDate.spent, row.budget.toDate.spent) } : row.budget,
  );
  return {
    measures: rows.length,
    byLight,
    budget: figures(
      live.reduce((s, b) => s + b.total.planned, 0),
      live.reduce((s, b) => s + b.total.spent, 0),
    ),
    budgetToDate: figures(
      live.reduce((s, b) => s + b.toDate.planned, 0),
      live.reduce((s, b) => s + b.toDate.spent, 0),
    ),
    milestonesDue: rows.reduce((s, row) => s + row.milestoneCounts.due, 0),
    milestonesOverdue: rows.reduce((s, row) => s + row.milestoneCounts.overdue, 0),
  };
}

const sameArea = (a: AreaRef, b: AreaRef) => a.level === b.level && a.code === b.code;

export interface AreaControlling {
  readonly area: AreaRef;
  readonly referenceDate: string;
  /** goals set for the area */
  readonly goals: readonly GoalRecord[];
  readonly measures: readonly MeasureControlling[];
  readonly totals: ControllingTotals;
}

export function controllingForArea(data: ControllingData, area: AreaRef, options: ControllingOptions): AreaControlling {
  const matches = options.areaMatches ?? sameArea;
  const measures = data.measures
    .filter((m) => m.areas.some((a) => matches(a, area)))
    .map((m) => measureControlling(m, data.milestones, data.statusReports, options))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return {
    area,
    referenceDate: options.referenceDate,
    goals: data.goals.filter((g) => g.areas.some((a) => matches(a, area))),
    measures,
    totals: totals(measures),
  };
}

export interface GoalControlling {
  readonly goal: GoalRecord;
  readonly referenceDate: string;
  /** keys of all goals below this one in the goal system (children, grandchildren, …) */
  readonly subGoalKeys: readonly string[];
  /** measures serving the goal or one of its sub-goals */
  readonly measures: readonly (MeasureControlling & { readonly servesGoalKeys: readonly string[] })[];
  readonly totals: ControllingTotals;
}

export function controllingForGoal(data: ControllingData, goalKey: string, options: ControllingOptions): GoalControlling | undefined {
  const goal = data.goals.find((g) => g.key === goalKey);
  if (goal === undefined) return undefined;
  const subGoalKeys: string[] = [];
  const queue = [goalKey];
  const seen = new Set(queue);
  while (queue.length > 0) {
    const parent = queue.shift();
    for (const child of data.goals.filter((g) => g.parentKey === parent && !seen.has(g.key))) {
      seen.add(child.key);
      subGoalKeys.push(child.key);
      queue.push(child.key);
    }
  }
  const measures = data.measures
    .filter((m) => m.goalKeys.some((k) => seen.has(k)))
    .map((m) => ({ ...measureControlling(m, data.milestones, data.statusReports, options), servesGoalKeys: m.goalKeys.filter((k) => seen.has(k)) }))
    .sort((a, b) => (a.key < b.key ? -1 : 1));
  return { goal, referenceDate: options.referenceDate, subGoalKeys, measures, totals: totals(measures) };
}
