// Goals, measures and their controlling for one request: visibility by role, and DataLoaders so
// milestones, status reports and controlling figures of a page of measures are fetched in one call.
import DataLoader from 'dataloader';
import { canReadDraft } from '../auth/access.js';
import type { Viewer } from '../auth/viewer.js';
import type {
  ControllingSource,
  CoreProcessView,
  ThemeFilter,
  ThemeView,
  GoalFilter,
  PlanningChangeView,
  GoalView,
  MeasureControllingView,
  MeasureFilter,
  MeasureView,
  MilestoneView,
  StatusReportView,
} from '../sources.js';

/** What the public sees: goals adopted or beyond, measures decided or beyond. */
const publicGoalStatus = new Set(['adopted', 'achieved', 'missed', 'revised', 'retired']);
const publicMeasureStatus = new Set(['decided', 'in_progress', 'completed', 'cancelled']);

export class PlanningService {
  readonly milestones: DataLoader<string, readonly MilestoneView[]>;
  readonly statusReports: DataLoader<string, readonly StatusReportView[]>;
  readonly controlling: DataLoader<string, MeasureControllingView | null>;

  constructor(
    private readonly source: ControllingSource,
    private readonly viewer: Viewer,
    private readonly today: string,
  ) {
    this.milestones = new DataLoader(async (keys) => {
      const rows = await source.milestones(keys);
      return keys.map((k) => rows.filter((m) => m.measureKey === k));
    });
    this.statusReports = new DataLoader(async (keys) => {
      const rows = await source.statusReports(keys);
      return keys.map((k) => rows.filter((r) => r.measureKey === k).sort((a, b) => b.reportedAt.localeCompare(a.reportedAt)));
    });
    this.controlling = new DataLoader(async (keys) => {
      const rows = await source.controlling(keys, today);
      return keys.map((k) => rows.find((r) => r.measureKey === k) ?? null);
    });
  }

  async goals(filter: GoalFilter): Promise<readonly GoalView[]> {
    return (await this.source.goals(filter)).filter((g) => this.canSeeGoal(g));
  }

  async goalHistory(key: string): Promise<readonly GoalView[]> {
    return (await this.source.goalHistory(key)).filter((g) => this.canSeeGoal(g));
  }

  async measures(filter: MeasureFilter): Promise<readonly MeasureView[]> {
    return (await this.source.measures(filter)).filter((m) => this.canSeeMeasure(m));
  }

  /**
   * Who changed what of one record, if the viewer may see the record (a milestone or status report
   * through its measure); nothing otherwise, so a key reveals nothing.
   */
  async changes(recordType: NonNullable<Parameters<NonNullable<ControllingSource['changes']>>[0]>, key: string, includeRelated: boolean): Promise<readonly PlanningChangeView[]> {
    if (!this.source.changes) return [];
    const entries = await this.source.changes(recordType, key, includeRelated);
    // topics are the planning staff's internal working data
    if (recordType === 'theme') return this.viewer.role === 'planner' ? entries : [];
    if (recordType === 'goal') return (await this.goals({})).some((g) => g.key === key) ? entries : [];
    const measureKey = recordType === 'measure' ? key : entries.find((e) => e.measureKey)?.measureKey;
    if (!measureKey) return [];
    return (await this.measures({})).some((m) => m.key === measureKey) ? entries : [];
  }

  /** topics of the Sozialräume; the schema lets planners only ask */
  themes(filter: ThemeFilter): Promise<readonly ThemeView[]> {
    return this.source.themes ? this.source.themes(filter) : Promise.resolve([]);
  }

  coreProcess(filter: ThemeFilter): Promise<readonly CoreProcessView[]> {
    return this.source.coreProcess ? this.source.coreProcess(filter, this.today) : Promise.resolve([]);
  }

  evaluation(query: Parameters<ControllingSource['evaluation']>[0]) {
    return this.source.evaluation(query);
  }

  private canSeeGoal(goal: GoalView): boolean {
    return publicGoalStatus.has(goal.status) || canReadDraft(this.viewer, goal.ownerAmt);
  }

  private canSeeMeasure(m: MeasureView): boolean {
    if (this.viewer.role === 'planner' || this.viewer.role === 'admin') return true;
    if (this.viewer.role === 'amt' && (m.leadAmt === this.viewer.amt || m.participants.includes(this.viewer.amt!))) return true;
    return publicMeasureStatus.has(m.status);
  }
}
