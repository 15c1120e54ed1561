// Core-process indicators of the programme "Lebenswerte Veedel" per Sozialraum and year: how many
// topics were found, assessed and decided (turned into measures or projects, or closed), how long the
// way from finding to decision took, and how many of the measures topics became keep to their
// schedule. Pure: the caller hands in the current topics and measures (withdrawn ones left out) with
// their milestones and status reports. Definitions: docs/controlling.md, "Themes".
import type { AreaRef, MeasureRecord, MilestoneRecord, StatusReportRecord, ThemeRecord } from '../records/planning-records.schema.js';
import { daysBetween, measureControlling } from './controlling.compute.js';

export interface CoreProcessInput {
  readonly themes: readonly ThemeRecord[];
  readonly measures: readonly MeasureRecord[];
  readonly milestones: readonly MilestoneRecord[];
  readonly statusReports: readonly StatusReportRecord[];
  /** ISO date the schedule of the linked measures is judged at ("Stichtag") */
  readonly referenceDate: string;
}

export interface CoreProcessRow {
  readonly area: AreaRef;
  /** the year the topics were found in: each row follows the topics found that year (a cohort) */
  readonly year: number;
  readonly found: number;
  readonly foundBottomUp: number;
  readonly foundTopDown: number;
  /** assessed (with or without a decision since) */
  readonly assessed: number;
  readonly decided: number;
  readonly turnedIntoMeasures: number;
  readonly turnedIntoProjects: number;
  readonly closed: number;
  /** median days from finding to decision over the decided topics; null when none is decided */
  readonly medianDaysToDecision: number | null;
  /** distinct measures the topics were turned into that are under way or done (decided, in progress, completed) */
  readonly linkedMeasures: number;
  /** of those, the ones on time: no schedule reason in the controlling's traffic light */
  readonly linkedMeasuresOnTime: number;
  /** linkedMeasuresOnTime / linkedMeasures; null when there is none */
  readonly shareOnTime: number | null;
}

/**
 * The reasons of the controlling's traffic light that say a measure is behind its schedule
 * (docs/controlling.md, "Traffic light"): start or end slipped more than 30 days, a milestone overdue.
 */
export const scheduleReasons: ReadonlySet<string> = new Set(['START_SLIPPED', 'END_SLIPPED', 'END_SLIPPED_LONG', 'MILESTONE_OVERDUE', 'MILESTONE_OVERDUE_LONG']);

/** Measures a topic can be turned into that are expected to keep a schedule. */
const underWay = new Set(['decided', 'in_progress', 'completed']);

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Whether a measure keeps to its schedule at the reference date, as the controlling judges slippage. */
export function measureOnTime(measure: MeasureRecord, milestones: readonly MilestoneRecord[], statusReports: readonly StatusReportRecord[], referenceDate: string): boolean {
  const c = measureControlling(measure, milestones, statusReports, { referenceDate });
  return !c.reasons.some((r) => scheduleReasons.has(r));
}

/** One row per area and year of finding that has topics, ordered by area level, code and year. */
export function coreProcessIndicators(input: CoreProcessInput): CoreProcessRow[] {
  const measures = new Map(input.measures.map((m) => [m.key, m]));
  const groups = new Map<string, { area: AreaRef; year: number; themes: ThemeRecord[] }>();
  for (const t of input.themes) {
    const year = Number(t.foundDate.slice(0, 4));
    const id = `${t.area.level}\u0000${t.area.code}\u0000${year}`;
    const group = groups.get(id) ?? { area: { level: t.area.level, code: t.area.code }, year, themes: [] };
    group.themes.push(t);
    groups.set(id, group);
  }
  const rows = [...groups.values()].map(({ area, year, themes }): CoreProcessRow => {
    const decided = themes.filter((t) => t.decision !== undefined);
    const outcome = (o: string) => decided.filter((t) => t.decision?.outcome === o).length;
    const linkedKeys = new Set(decided.flatMap((t) => (t.decision?.outcome === 'measure' && t.decision.measureKey ? [t.decision.measureKey] : [])));
    const linked = [...linkedKeys].flatMap((k) => {
      const m = measures.get(k);
      return m && underWay.has(m.status) ? [m] : [];
    });
    const onTime = linked.filter((m) => measureOnTime(m, input.milestones, input.statusReports, input.referenceDate)).length;
    return {
      area,
      year,
      found: themes.length,
      foundBottomUp: themes.filter((t) => t.origin === 'bottom_up').length,
      foundTopDown: themes.filter((t) => t.origin === 'top_down').length,
      assessed: themes.filter((t) => t.assessment !== undefined).length,
      decided: decided.length,
      turnedIntoMeasures: outcome('measure'),
      turnedIntoProjects: outcome('project'),
      closed: outcome('closed'),
      medianDaysToDecision: median(decided.map((t) => daysBetween(t.foundDate, t.decision!.date))),
      linkedMeasures: linked.length,
      linkedMeasuresOnTime: onTime,
      shareOnTime: linked.length > 0 ? onTime / linked.length : null,
    };
  });
  return rows.sort((a, b) => (a.area.level !== b.area.level ? (a.area.level < b.area.level ? -1 : 1) : a.area.code !== b.area.code ? (a.area.code < b.area.code ? -1 : 1) : a.year - b.year));
}
