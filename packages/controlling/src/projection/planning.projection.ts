// The read model of the planning aggregates as pure functions: each event moves the latest record-shaped
// snapshot of its goal, measure, milestone or status report. The PostgreSQL projector loads a row,
// applies these and stores the result, so the SQL stays plain and this logic is tested without I/O.
import { assertNever, type PlanningMetadata } from '../decider.js';
import type { GoalEvent } from '../goal/goal.decider.js';
import type { MeasureEvent } from '../measure/measure.decider.js';
import type { MilestoneEvent } from '../milestone/milestone.decider.js';
import type { GoalRecord, MeasureRecord, MilestoneRecord, PlanningRecordType, StatusReportRecord, ThemeRecord } from '../records/planning-records.schema.js';
import type { StatusReportEvent } from '../status-report/status-report.decider.js';
import type { ThemeEvent } from '../theme/theme.decider.js';

export type PlanningDomainEvent = GoalEvent | MeasureEvent | MilestoneEvent | StatusReportEvent | ThemeEvent;
export type PlanningEventType = PlanningDomainEvent['type'];

const aggregateOfEvent: Record<PlanningEventType, PlanningRecordType> = {
  GoalDrafted: 'goal',
  GoalDraftUpdated: 'goal',
  GoalAdopted: 'goal',
  GoalRevised: 'goal',
  GoalAchieved: 'goal',
  GoalMissed: 'goal',
  GoalRetired: 'goal',
  GoalWithdrawn: 'goal',
  MeasureProposed: 'measure',
  MeasurePlanUpdated: 'measure',
  MeasureDecided: 'measure',
  MeasureStarted: 'measure',
  MeasureCompleted: 'measure',
  MeasureCancelled: 'measure',
  MeasureActualDatesCorrected: 'measure',
  BudgetPlanned: 'measure',
  SpendingRecorded: 'measure',
  BudgetApproved: 'measure',
  MeasureWithdrawn: 'measure',
  MilestonePlanned: 'milestone',
  MilestoneReplanned: 'milestone',
  MilestoneReached: 'milestone',
  MilestoneReachedRevoked: 'milestone',
  MilestoneWithdrawn: 'milestone',
  StatusReportSubmitted: 'status-report',
  StatusReportCorrected: 'status-report',
  StatusReportWithdrawn: 'status-report',
  ThemeRecorded: 'theme',
  ThemeCorrected: 'theme',
  ThemeAssessed: 'theme',
  ThemeDecided: 'theme',
  ThemeWithdrawn: 'theme',
};

export type WithdrawalEvent = Extract<PlanningDomainEvent, { type: 'GoalWithdrawn' | 'MeasureWithdrawn' | 'MilestoneWithdrawn' | 'StatusReportWithdrawn' | 'ThemeWithdrawn' }>;

export function isWithdrawalEvent(e: PlanningDomainEvent): e is WithdrawalEvent {
  return e.type === 'GoalWithdrawn' || e.type === 'MeasureWithdrawn' || e.type === 'MilestoneWithdrawn' || e.type === 'StatusReportWithdrawn' || e.type === 'ThemeWithdrawn';
}

export function aggregateTypeOf(event: { type: PlanningEventType }): PlanningRecordType {
  return aggregateOfEvent[event.type];
}

export function isGoalEvent(e: PlanningDomainEvent): e is GoalEvent {
  return aggregateOfEvent[e.type] === 'goal';
}
export function isMeasureEvent(e: PlanningDomainEvent): e is MeasureEvent {
  return aggregateOfEvent[e.type] === 'measure';
}
export function isMilestoneEvent(e: PlanningDomainEvent): e is MilestoneEvent {
  return aggregateOfEvent[e.type] === 'milestone';
}
export function isThemeEvent(e: PlanningDomainEvent): e is ThemeEvent {
  return aggregateOfEvent[e.type] === 'theme';
}
export function isStatusReportEvent(e: PlanningDomainEvent): e is StatusReportEvent {
  return aggregateOfEvent[e.type] === 'status-report';
}

/** The key of the aggregate the event belongs to. */
export function aggregateKeyOf(e: PlanningDomainEvent): string {
  const d = e.data as { goalKey?: string; measureKey?: string; milestoneKey?: string; reportKey?: string; themeKey?: string };
  return d.themeKey ?? d.goalKey ?? d.milestoneKey ?? d.reportKey ?? d.measureKey ?? e.metadata.recordKey;
}

function head(m: PlanningMetadata) {
  return { key: m.recordKey, version: m.recordVersion };
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/**
 * Returns undefined for an event that cannot apply (no snapshot yet): the projector then skips it. A
 * withdrawal leaves the snapshot as it was (the last delivered version); the projector marks it
 * withdrawn beside it, and the creating event of a later version replaces it.
 */
export function projectGoal(current: GoalRecord | undefined, e: GoalEvent): GoalRecord | undefined {
  const version = e.metadata.recordVersion;
  if (e.type === 'GoalDrafted') return withoutUndefined({ ...head(e.metadata), key: e.data.goalKey, ...e.data.content, status: 'draft' as const });
  if (current === undefined) return undefined;
  const { key, status, adoptedBy, revisionReason } = current;
  const keep = withoutUndefined({ adoptedBy, revisionReason });
  switch (e.type) {
    case 'GoalDraftUpdated':
      return withoutUndefined({ key, version, ...e.data.content, status, ...keep });
    case 'GoalAdopted':
      return { ...current, version, status: 'adopted', adoptedBy: e.data.adoptedBy };
    case 'GoalRevised':
      return withoutUndefined({ key, version, ...e.data.content, status: 'revised' as const, adoptedBy: e.data.adoptedBy, revisionReason: e.data.reason });
    case 'GoalAchieved':
      return { ...current, version, status: 'achieved' };
    case 'GoalMissed':
      return { ...current, version, status: 'missed' };
    case 'GoalRetired':
      return { ...current, version, status: 'retired', ...(e.data.reason ? { revisionReason: e.data.reason } : {}) };
    case 'GoalWithdrawn':
      return current;
    default:
      return assertNever(e, 'goal event');
  }
}

export function projectMeasure(current: MeasureRecord | undefined, e: MeasureEvent): MeasureRecord | undefined {
  const version = e.metadata.recordVersion;
  if (e.type === 'MeasureProposed') return withoutUndefined({ ...head(e.metadata), key: e.data.measureKey, ...e.data.plan, budget: [], status: 'proposed' as const });
  if (current === undefined) return undefined;
  const setBudget = (year: number, change: { planned?: number; spent?: number; approved?: number | null }) => {
    const before = current.budget.find((b) => b.year === year) ?? { year, planned: 0, spent: 0 };
    const line = withoutUndefined({ ...before, ...change, approved: (change.approved === undefined ? before.approved : change.approved) ?? undefined });
    const rest = current.budget.filter((b) => b.year !== year);
    return (line.planned === 0 && line.spent === 0 && line.approved === undefined ? rest : [...rest, line]).sort((a, b) => a.year - b.year);
  };
  switch (e.type) {
    case 'MeasurePlanUpdated':
      return withoutUndefined({
        key: current.key,
        version,
        ...e.data.plan,
        budget: current.budget,
        status: current.status,
        actualStart: current.actualStart,
        actualEnd: current.actualEnd,
      });
    case 'MeasureDecided':
      return { ...current, version, status: 'decided' };
    case 'MeasureStarted':
      return { ...current, version, status: 'in_progress', actualStart: e.data.actualStart };
    case 'MeasureCompleted':
      return { ...current, version, status: 'completed', actualEnd: e.data.actualEnd };
    case 'MeasureCancelled':
      return { ...current, version, status: 'cancelled' };
    case 'MeasureActualDatesCorrected':
      return { ...current, version, ...withoutUndefined({ actualStart: e.data.actualStart, actualEnd: e.data.actualEnd }) };
    case 'BudgetPlanned':
      return { ...current, version, budget: setBudget(e.data.year, { planned: e.data.planned }) };
    case 'SpendingRecorded':
      return { ...current, version, budget: setBudget(e.data.year, { spent: e.data.spent }) };
    case 'BudgetApproved':
      return { ...current, version, budget: setBudget(e.data.year, { approved: e.data.approved }) };
    case 'MeasureWithdrawn':
      return current;
    default:
      return assertNever(e, 'measure event');
  }
}

export function projectMilestone(current: MilestoneRecord | undefined, e: MilestoneEvent): MilestoneRecord | undefined {
  const version = e.metadata.recordVersion;
  if (e.type === 'MilestonePlanned')
    return withoutUndefined({
      ...head(e.metadata),
      key: e.data.milestoneKey,
      measureKey: e.data.measureKey,
      title: e.data.title,
      plannedDate: e.data.planned.date,
      plannedQuarter: e.data.planned.quarter,
      reached: false,
      example: false,
    });
  if (current === undefined) return undefined;
  switch (e.type) {
    case 'MilestoneReplanned': {
      const { plannedDate: _d, plannedQuarter: _q, ...rest } = current;
      return withoutUndefined({ ...rest, version, title: e.data.title, plannedDate: e.data.planned.date, plannedQuarter: e.data.planned.quarter });
    }
    case 'MilestoneReached':
      return { ...current, version, reached: true, actualDate: e.data.actualDate };
    case 'MilestoneReachedRevoked': {
      const { actualDate: _a, ...rest } = current;
      return { ...rest, version, reached: false };
    }
    case 'MilestoneWithdrawn':
      return current;
    default:
      return assertNever(e, 'milestone event');
  }
}

export function projectStatusReport(current: StatusReportRecord | undefined, e: StatusReportEvent): StatusReportRecord | undefined {
  if (e.type === 'StatusReportWithdrawn') return current;
  if (e.type === 'StatusReportCorrected' && current === undefined) return undefined;
  return { ...head(e.metadata), key: e.data.reportKey, ...e.data.report, example: current?.example ?? false };
}

export function projectTheme(current: ThemeRecord | undefined, e: ThemeEvent): ThemeRecord | undefined {
  const version = e.metadata.recordVersion;
  if (e.type === 'ThemeRecorded') return withoutUndefined({ ...head(e.metadata), key: e.data.themeKey, ...e.data.content, example: current?.example ?? false });
  if (current === undefined) return undefined;
  switch (e.type) {
    case 'ThemeCorrected': {
      const { description: _d, ...rest } = current;
      return withoutUndefined({ ...rest, version, ...e.data.content });
    }
    case 'ThemeAssessed':
      return { ...current, version, assessment: e.data.assessment };
    case 'ThemeDecided':
      return { ...current, version, decision: e.data.decision };
    case 'ThemeWithdrawn':
      return current;
    default:
      return assertNever(e, 'theme event');
  }
}
