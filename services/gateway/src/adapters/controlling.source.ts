// The gateway's ControllingSource over @sp/controlling's read model: goals (with their versions),
// measures, milestones, status reports, controlling figures on a given day, and the evaluation of a
// goal's indicator as a difference in differences on the indicator warehouse.
//
// Areas: a goal listed for an area is one set for that area or for an area containing it (the
// Stadtteil's Bezirk, the city, its Sozialraumgebiet); a measure listed for an area is one acting in
// it, i.e. in the area, an area containing it, or an area inside it.
import type {
  ControllingSource,
  CoreProcessView,
  ThemeFilter,
  ThemeView,
  EvaluationView,
  GoalView,
  MeasureControllingView,
  MeasureView,
  MilestoneView,
  StatusReportView,
  AreaRef,
} from '../sources.js';
import {
  auditTrail,
  controllingOfMeasures,
  coreProcessView,
  listThemes,
  themeStatus,
  type ThemeListFilter,
  type ThemeRow,
  measureAuditTrail,
  goalOwners,
  goalRecord,
  goalStatusSchema,
  goalVersions,
  listGoals,
  listMeasures,
  measureStatusSchema,
  milestonesOfMeasures,
  statusReportsOfMeasures,
  type GoalRecord,
  type GoalStatus,
  type MeasureControlling,
  type MeasureRecord,
  type MeasureStatus,
  type MilestoneRecord,
  type StatusReportRecord,
} from '@sp/controlling';
import type { IndicatorReader, IndicatorValue } from '@sp/indicator-store';
import type { Database } from '@sp/ports';
import type { AreaReference } from '@sp/spatial';
import { AreaRelations, areaKey } from './area.relations.js';
import { SourceError } from './source.errors.js';

export function controllingSourceFrom(db: Database, reader: IndicatorReader, reference: AreaReference): ControllingSource {
  const relations = new AreaRelations(reference);

  /** Areas a goal for `area` may be set for: the area and every area containing it. */
  const goalAreas = (area: AreaRef) => new Set([areaKey(area), ...relations.containing(area).map(areaKey)]);
  /** Areas a measure acting in `area` may name: the area, the areas containing it and the areas inside it. */
  const measureAreas = (area: AreaRef) => new Set([...goalAreas(area), ...relations.within(area).map(areaKey)]);

  /**
   * The areas the evaluation treats: the goal's own areas below the city; for a citywide goal the
   * areas of the measures serving it or one of its sub-goals that have actually started.
   */
  const treatedAreas = async (goal: GoalRecord): Promise<AreaRef[]> => {
    const local = (areas: readonly AreaRef[]) => unique(areas.filter((a) => !relations.isRoot(a)));
    const own = local(goal.areas);
    if (own.length > 0) return own;
    const goals = await listGoals(db);
    const tree = new Set([goal.key]);
    let grew = true;
    while (grew) {
      grew = false;
      for (const g of goals) {
        if (g.parentKey && tree.has(g.parentKey) && !tree.has(g.key)) {
          tree.add(g.key);
          grew = true;
        }
      }
    }
    const measures = (await listMeasures(db)).filter((m) => m.actualStart !== undefined && m.goalKeys.some((k) => tree.has(k)));
    const areas = local(measures.flatMap((m) => m.areas));
    if (areas.length === 0) {
      throw new SourceError(
        'EVALUATION_NO_AREAS',
        `goal "${goal.key}" is set for the whole city and no started measure serving it or its sub-goals names a smaller area; there is nothing to compare it with`,
        'goalKey',
      );
    }
    return areas;
  };

  return {
    async goals(filter) {
      const goals = await listGoals(db, {
        ...(filter.status ? { status: statuses(filter.status, goalStatusSchema.options, 'status') as GoalStatus[] } : {}),
        ...(filter.includeExamples !== undefined ? { includeExamples: filter.includeExamples } : {}),
      });
      const keys = filter.area ? goalAreas(filter.area) : null;
      const listed = keys ? goals.filter((g) => g.areas.some((a) => keys.has(areaKey(a)))) : goals;
      const owners = await goalOwners(
        db,
        listed.map((g) => g.key),
      );
      return listed.map((g) => goalView(g, owners.get(g.key) ?? null));
    },

    async changes(recordType, key, includeRelated) {
      const entries = recordType === 'measure' ? await measureAuditTrail(db, key, { includeRelated }) : await auditTrail(db, recordType, key);
      return entries.map((e) => ({
        recordType: e.aggregateType,
        key: e.aggregateKey,
        measureKey: e.measureKey ?? null,
        version: e.recordVersion,
        eventType: e.eventType,
        data: e.data,
        actor: e.actor,
        at: e.occurredAt,
        deliveryId: e.deliveryId,
      }));
    },

    async themes(filter) {
      return (await listThemes(db, themeListFilter(filter))).map(themeView);
    },

    async coreProcess(filter, today): Promise<CoreProcessView[]> {
      return (await coreProcessView(db, themeListFilter(filter), today)).map((r) => ({ ...r, area: { level: r.area.level, code: r.area.code } }));
    },

    async goalHistory(key) {
      const owner = (await goalOwners(db, [key])).get(key) ?? null;
      return (await goalVersions(db, key)).map((v) =>
        goalView({ ...v.record, version: v.version, status: v.status, ...(v.revisionReason !== undefined ? { revisionReason: v.revisionReason } : {}) }, owner),
      );
    },

    async measures(filter) {
      const measures = await listMeasures(db, {
        ...(filter.goalKey ? { goalKey: filter.goalKey } : {}),
        ...(filter.amt ? { amt: filter.amt } : {}),
        ...(filter.status ? { status: statuses(filter.status, measureStatusSchema.options, 'status') as MeasureStatus[] } : {}),
      });
      if (!filter.area) return measures.map(measureView);
      const keys = measureAreas(filter.area);
      return measures.filter((m) => m.areas.some((a) => keys.has(areaKey(a)))).map(measureView);
    },

    async milestones(measureKeys) {
      return (await milestonesOfMeasures(db, measureKeys)).map(milestoneView);
    },

    async statusReports(measureKeys) {
      return (await statusReportsOfMeasures(db, measureKeys)).map(statusReportView);
    },

    async controlling(measureKeys, today) {
      return (await controllingOfMeasures(db, measureKeys, { referenceDate: today })).map(controllingView);
    },

    async evaluation({ goalKey, before, after, comparisonAreas, privileged }): Promise<EvaluationView> {
      const goal = await goalRecord(db, goalKey);
      if (!goal) throw new SourceError('GOAL_NOT_FOUND', `goal "${goalKey}" not found`, 'goalKey');
      const indicator = goal.indicator;
      if (!indicator) throw new SourceError('GOAL_INDICATOR_MISSING', `goal "${goalKey}" names no indicator to evaluate it with`, 'goalKey');

      // one fixed territory per group for both periods: the Stadtteile the areas cover today
      const treated = new Set((await treatedAreas(goal)).flatMap((a) => relations.basisAreas(a)));
      let comparison: string[];
      if (comparisonAreas && comparisonAreas.length > 0) {
        comparison = unique(comparisonAreas.flatMap((a) => relations.basisAreas(a)));
        const overlap = comparison.filter((c) => treated.has(c));
        if (overlap.length > 0) {
          throw new SourceError(
            'EVALUATION_COMPARISON_OVERLAPS_TREATED',
            `comparison areas cover Stadtteile the goal's areas cover (${overlap.join(', ')}); choose areas outside ${[...treated].join(', ')}`,
            'comparisonAreas',
          );
        }
      } else {
        comparison = reference
          .areas(relations.basisLevel)
          .map((a) => a.code)
          .filter((c) => !treated.has(c));
      }

      const periods = [before, after];
      const [local, city] = await Promise.all([
        reader.values({ indicator, level: relations.basisLevel, areaCodes: [...treated, ...comparison], periods, privileged }),
        reader.values({ indicator, level: relations.root.level, areaCodes: [relations.root.code], periods, privileged }),
      ]);
      const figures = groupFigures(indicator, [...local, ...city]);
      // comparison Stadtteile without a readable value in either period (suppressed) leave the group in both
      const comparable = comparison.filter((c) => figures.usable(relations.basisLevel, c, before) && figures.usable(relations.basisLevel, c, after));
      const treatedCodes = [...treated];
      const group = (codes: readonly string[], level: string) => ({ before: figures.value(codes, level, before), after: figures.value(codes, level, after) });
      const t = group(treatedCodes, relations.basisLevel);
      const c = group(comparable, relations.basisLevel);
      const whole = group([relations.root.code], relations.root.level);
      const change = (g: { before: number | null; after: number | null }) => (g.before === null || g.after === null ? null : g.after - g.before);
      const dt = change(t);
      const dc = change(c);
      return {
        goalKey,
        indicator,
        before,
        after,
        treatedBefore: t.before,
        treatedAfter: t.after,
        cityBefore: whole.before,
        cityAfter: whole.after,
        comparisonBefore: c.before,
        comparisonAfter: c.after,
        differenceInDifferences: dt === null || dc === null ? null : dt - dc,
      };
    },
  };
}

/**
 * An indicator's value for a group of areas, aggregated as @sp/controlling's evaluate() does (and
 * docs/controlling.md says): a rate as Σ numerators / Σ denominators × its factor, never a mean of
 * rates; a count as Σ values. A group with an unreadable (suppressed or missing) member has no value.
 */
function groupFigures(indicator: string, rows: readonly IndicatorValue[]) {
  const byKey = new Map(rows.map((r) => [`${r.areaLevel}|${r.areaCode}|${r.period}`, r]));
  if (rows.some((r) => !r.suppressed && r.value !== null && r.numerator === null)) {
    throw new SourceError('EVALUATION_INDICATOR_NOT_ADDITIVE', `${indicator} is a change over time and cannot be summed over areas; give the goal a count or rate indicator`, 'goalKey');
  }
  // a rate shows a denominator, or, where its denominator is missing, a numerator without a value
  const rate = rows.some((r) => r.denominator !== null || (!r.suppressed && r.value === null && r.numerator !== null));
  // the factor of a rate (100 for per cent, 1000 for per mille) as the reader applied it
  const sample = rows.find((r) => r.value !== null && r.numerator !== null && r.numerator > 0 && r.denominator !== null && r.denominator > 0);
  const factor = sample ? Number(((sample.value! * sample.denominator!) / sample.numerator!).toPrecision(12)) : 1;

  const readable = (level: string, code: string, period: string) => {
    const r = byKey.get(`${level}|${code}|${period}`);
    return r && !r.suppressed && r.numerator !== null && (!rate || r.denominator !== null) ? r : undefined;
  };
  return {
    usable: (level: string, code: string, period: string) => readable(level, code, period) !== undefined,
    value(codes: readonly string[], level: string, period: string): number | null {
      if (codes.length === 0) return null;
      let numerator = 0;
      let denominator = 0;
      for (const code of codes) {
        const r = readable(level, code, period);
        if (!r) return null;
        numerator += r.numerator!;
        denominator += r.denominator ?? 0;
      }
      if (!rate) return numerator;
      return denominator > 0 ? (numerator / denominator) * factor : null;
    },
  };
}

function statuses(given: readonly string[], known: readonly string[], argument: string): string[] {
  const unknown = given.filter((s) => !known.includes(s));
  if (unknown.length > 0) throw new SourceError('UNKNOWN_STATUS', `unknown status ${unknown.map((s) => `"${s}"`).join(', ')}; accepted: ${known.join(', ')}`, argument);
  return [...given];
}

function unique<T extends AreaRef | string>(items: readonly T[]): T[] {
  const seen = new Map<string, T>();
  for (const i of items) seen.set(typeof i === 'string' ? i : areaKey(i), i);
  return [...seen.values()];
}

function themeListFilter(f: ThemeFilter): ThemeListFilter {
  return { ...(f.area ? { area: f.area } : {}), ...(f.level ? { level: f.level } : {}), ...(f.year !== undefined ? { year: f.year } : {}) };
}

function themeView({ record: t, updatedAt, updatedBy }: ThemeRow): ThemeView {
  return {
    key: t.key,
    version: t.version,
    area: t.area,
    origin: t.origin,
    title: t.title,
    description: t.description ?? null,
    foundDate: t.foundDate,
    foundBy: t.foundBy,
    assessment: t.assessment ?? null,
    decision: t.decision
      ? {
          date: t.decision.date,
          decidedBy: t.decision.decidedBy,
          outcome: t.decision.outcome,
          measureKey: t.decision.measureKey ?? null,
          projectTitle: t.decision.projectTitle ?? null,
          reason: t.decision.reason ?? null,
        }
      : null,
    status: themeStatus(t),
    updatedAt,
    updatedBy,
  };
}

function goalView(g: GoalRecord, ownerAmt: string | null): GoalView {
  return {
    ownerAmt,
    key: g.key,
    version: g.version,
    parentKey: g.parentKey ?? null,
    title: g.title,
    description: g.description ?? null,
    areas: g.areas,
    targetGroups: g.targetGroups,
    indicator: g.indicator ?? null,
    baselineValue: g.baselineValue ?? null,
    baselinePeriod: g.baselinePeriod ?? null,
    targetValue: g.targetValue ?? null,
    targetDirection: g.targetDirection ?? null,
    targets: (g.targets ?? []).map((t) => ({ area: t.area, year: t.year, value: t.value })),
    deadline: g.deadline ?? null,
    adoptedBy: g.adoptedBy ?? null,
    status: g.status,
    revisionReason: g.revisionReason ?? null,
    example: g.example,
  };
}

function measureView(m: MeasureRecord): MeasureView {
  return {
    key: m.key,
    version: m.version,
    title: m.title,
    description: m.description ?? null,
    goalKeys: m.goalKeys,
    areas: m.areas,
    targetGroups: m.targetGroups,
    leadAmt: m.leadAmt,
    participants: m.participants,
    budget: m.budget.map((b) => ({ year: b.year, planned: b.planned, spent: b.spent, approved: b.approved ?? null })),
    plannedStart: m.plannedStart,
    plannedEnd: m.plannedEnd,
    actualStart: m.actualStart ?? null,
    actualEnd: m.actualEnd ?? null,
    status: m.status,
    fundingSource: m.fundingSource ?? null,
    example: m.example,
  };
}

function milestoneView(m: MilestoneRecord): MilestoneView {
  return {
    key: m.key,
    version: m.version,
    measureKey: m.measureKey,
    title: m.title,
    plannedDate: m.plannedDate ?? null,
    plannedQuarter: m.plannedQuarter ?? null,
    actualDate: m.actualDate ?? null,
    reached: m.reached,
  };
}

function statusReportView(r: StatusReportRecord): StatusReportView {
  return {
    key: r.key,
    measureKey: r.measureKey,
    reportedBy: r.reportedBy,
    reportedAt: r.reportedAt,
    progressPercent: r.progressPercent,
    narrative: r.narrative,
    trafficLight: r.trafficLight ?? null,
  };
}

/**
 * Budget figures are those up to the day's year (years ≤ the reference year), the ones the traffic
 * light judges; slippage counts only lateness (an early start is on time, 0) and is null while the
 * planned date has not come and nothing happened yet.
 */
function controllingView(c: MeasureControlling): MeasureControllingView {
  const late = (days: number | null) => (days === null ? null : Math.max(0, days));
  return {
    measureKey: c.key,
    budgetPlanned: c.budget.toDate.planned,
    budgetSpent: c.budget.toDate.spent,
    budgetUse: c.budget.toDate.spentShare,
    budgetApproved: c.budget.approval?.toDate.approved ?? null,
    approvedBudgetUse: c.budget.approval?.toDate.usedShare ?? null,
    startSlippageDays: late(c.schedule.start.slipDays),
    endSlippageDays: late(c.schedule.end.slipDays),
    milestonesDue: c.milestoneCounts.due,
    milestonesOverdue: c.milestoneCounts.overdue,
    trafficLight: c.trafficLight,
  };
}
