// Goals, measures, milestones, status reports and the controlling views built on them:
// per area and per goal, budget use, schedule slippage, milestones due/overdue, traffic light,
// and the difference-in-differences evaluation of a goal's indicator.
import { resolveArrayConnection } from '@pothos/plugin-relay';
import { actualPeriodFor, targetProgress, type TargetDirection } from '@sp/controlling';
import type { IndicatorValue } from '@sp/indicator-store';
import type { GatewayContext } from '../context.js';
import { expectedError, isExpected } from '../errors.js';
import { checkPeriod } from '../indicators/periods.js';
import type { PlanningService } from '../planning/planning.service.js';
import type { GoalTargetView, GoalView } from '../sources.js';
import { builder } from './builder.js';
import { AreaInput, AreaRef, EvaluationRef, GoalRef, IndicatorRef, IndicatorValueRef, MeasureControllingRef, MeasureRef, MilestoneRef, StatusReportRef } from './refs.js';

function planningOf(ctx: GatewayContext): PlanningService {
  if (!ctx.planning) throw expectedError('NOT_AVAILABLE', 'controlling is not connected to this gateway');
  return ctx.planning;
}

const AdoptionRef = builder.objectRef<{ body: string; decision: string; date: string }>('Adoption').implement({
  description: 'The body and decision that adopted a goal (e.g. Rat, "AN/0215/2017").',
  fields: (t) => ({ body: t.exposeString('body'), decision: t.exposeString('decision'), date: t.exposeString('date') }),
});

const BudgetLineRef = builder.objectRef<{ year: number; planned: number; spent: number; approved?: number | null }>('BudgetLine').implement({
  fields: (t) => ({
    year: t.exposeInt('year'),
    planned: t.exposeFloat('planned'),
    spent: t.exposeFloat('spent'),
    approved: t.float({ nullable: true, description: 'EUR approved (bewilligt) for the year; null: not approved yet', resolve: (b) => b.approved ?? null }),
  }),
});

/** One target of a goal, with the indicator's actual figure looked up once per request. */
interface GoalTargetItem {
  goal: GoalView;
  target: GoalTargetView;
  actual?: Promise<IndicatorValue | null>;
}

/**
 * The indicator's value for the target's area in the target's year (else the latest year before it;
 * a monthly indicator's latest month in or before it),
 * read as the viewer may read it: protected for the public, nothing for an indicator the viewer may
 * not read or a level it does not publish.
 */
function actualOf(item: GoalTargetItem, ctx: GatewayContext): Promise<IndicatorValue | null> {
  item.actual ??= (async () => {
    const code = item.goal.indicator;
    if (!code) return null;
    try {
      const period = actualPeriodFor(item.target.year, await ctx.indicators.periods(code));
      return period ? await ctx.indicators.value(code, item.target.area, period) : null;
    } catch (e) {
      if (isExpected(e)) return null;
      throw e;
    }
  })();
  return item.actual;
}

async function progressOf(item: GoalTargetItem, ctx: GatewayContext) {
  const actual = await actualOf(item, ctx);
  const g = item.goal;
  return targetProgress(
    {
      ...(g.targetDirection ? { targetDirection: g.targetDirection as TargetDirection } : {}),
      ...(g.baselineValue != null ? { baselineValue: g.baselineValue } : {}),
      ...(g.targetValue != null ? { targetValue: g.targetValue } : {}),
    },
    item.target,
    actual ? { period: actual.period, value: actual.value } : undefined,
  );
}

const GoalTargetRef = builder.objectRef<GoalTargetItem>('GoalTarget').implement({
  description: "A target value of the goal's indicator for one area and year, against the indicator's actual value there.",
  fields: (t) => ({
    area: t.field({ type: AreaRef, resolve: (i, _a, ctx) => ctx.indicators.areaOf(i.target.area.level, i.target.area.code) }),
    year: t.int({ resolve: (i) => i.target.year }),
    targetValue: t.float({ resolve: (i) => i.target.value }),
    direction: t.string({
      nullable: true,
      description: "increase | decrease: the goal's targetDirection, else implied by baselineValue → targetValue; null when neither says",
      resolve: async (i, _a, ctx) => (await progressOf(i, ctx)).direction ?? null,
    }),
    actual: t.field({
      type: IndicatorValueRef,
      nullable: true,
      description:
        "The indicator's value in the area for the target year, else the latest year before it (an indicator published only by month or quarter: its latest period in or before the target year), exactly as the API publishes it to this viewer (suppressed or protected for the public); null when there is none or the viewer may not read the indicator.",
      resolve: (i, _a, ctx) => actualOf(i, ctx),
    }),
    actualPeriod: t.string({ nullable: true, resolve: async (i, _a, ctx) => (await actualOf(i, ctx))?.period ?? null }),
    actualValue: t.float({ nullable: true, description: 'actual.value (null when withheld)', resolve: async (i, _a, ctx) => (await actualOf(i, ctx))?.value ?? null }),
    gap: t.float({ nullable: true, description: 'actualValue − targetValue', resolve: async (i, _a, ctx) => (await progressOf(i, ctx)).gap }),
    onTrack: t.boolean({
      nullable: true,
      description: 'true: the actual value has reached the target in the goal’s direction (≤ for decrease, ≥ for increase); false: not yet; null: no actual value or no direction',
      resolve: async (i, _a, ctx) => (await progressOf(i, ctx)).onTrack,
    }),
  }),
});

GoalRef.implement({
  description: 'A goal of the goal system (example goals are labelled `example`).',
  fields: (t) => ({
    key: t.exposeString('key'),
    version: t.exposeInt('version'),
    parentKey: t.string({ nullable: true, resolve: (g) => g.parentKey ?? null }),
    title: t.exposeString('title'),
    description: t.string({ nullable: true, resolve: (g) => g.description ?? null }),
    areas: t.field({ type: [AreaRef], resolve: (g, _a, ctx) => g.areas.map((r) => ctx.indicators.areaOf(r.level, r.code)) }),
    targetGroups: t.stringList({ resolve: (g) => [...g.targetGroups] }),
    indicatorCode: t.string({ nullable: true, resolve: (g) => g.indicator ?? null }),
    indicator: t.field({
      type: IndicatorRef,
      nullable: true,
      resolve: (g, _a, ctx) => (g.indicator ? (ctx.indicators.indicators().find((m) => m.code === g.indicator) ?? null) : null),
    }),
    baselineValue: t.float({ nullable: true, resolve: (g) => g.baselineValue ?? null }),
    baselinePeriod: t.string({ nullable: true, resolve: (g) => g.baselinePeriod ?? null }),
    targetValue: t.float({ nullable: true, resolve: (g) => g.targetValue ?? null }),
    targetDirection: t.string({ nullable: true, description: 'increase | decrease: which way the indicator should move', resolve: (g) => g.targetDirection ?? null }),
    targets: t.field({
      type: [GoalTargetRef],
      description: 'Target values of the indicator per area and year, each with the actual value and whether it is on track.',
      resolve: (g) => (g.targets ?? []).map((target) => ({ goal: g, target })),
    }),
    deadline: t.string({ nullable: true, resolve: (g) => g.deadline ?? null }),
    adoptedBy: t.field({ type: AdoptionRef, nullable: true, resolve: (g) => g.adoptedBy ?? null }),
    status: t.exposeString('status'),
    revisionReason: t.string({ nullable: true, resolve: (g) => g.revisionReason ?? null }),
    example: t.exposeBoolean('example'),
    measures: t.field({
      type: [MeasureRef],
      resolve: async (g, _a, ctx) => [...(await planningOf(ctx).measures({ goalKey: g.key }))],
    }),
    history: t.field({
      type: [GoalRef],
      description: 'Every version of this goal, oldest first.',
      resolve: async (g, _a, ctx) => [...(await planningOf(ctx).goalHistory(g.key))],
    }),
  }),
});

MilestoneRef.implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    measureKey: t.exposeString('measureKey'),
    title: t.exposeString('title'),
    plannedDate: t.string({ nullable: true, resolve: (m) => m.plannedDate ?? null }),
    plannedQuarter: t.string({ nullable: true, resolve: (m) => m.plannedQuarter ?? null }),
    actualDate: t.string({ nullable: true, resolve: (m) => m.actualDate ?? null }),
    reached: t.exposeBoolean('reached'),
  }),
});

StatusReportRef.implement({
  fields: (t) => ({
    key: t.exposeString('key'),
    reportedBy: t.exposeString('reportedBy'),
    reportedAt: t.exposeString('reportedAt'),
    progressPercent: t.exposeFloat('progressPercent'),
    narrative: t.exposeString('narrative'),
    trafficLight: t.string({ nullable: true, resolve: (r) => r.trafficLight ?? null }),
  }),
});

MeasureControllingRef.implement({
  description: 'Controlling figures of a measure on the day asked.',
  fields: (t) => ({
    budgetPlanned: t.exposeFloat('budgetPlanned'),
    budgetSpent: t.exposeFloat('budgetSpent'),
    budgetUse: t.float({ nullable: true, description: 'spent / planned', resolve: (c) => c.budgetUse }),
    budgetApproved: t.float({
      nullable: true,
      description: 'EUR approved (bewilligt) for the years up to the day asked; null when no year has an approval',
      resolve: (c) => c.budgetApproved,
    }),
    approvedBudgetUse: t.float({
      nullable: true,
      description: 'spent / approved, over the years up to the day asked that have an approval; null without an approval or when 0 EUR was approved',
      resolve: (c) => c.approvedBudgetUse,
    }),
    startSlippageDays: t.int({ nullable: true, resolve: (c) => c.startSlippageDays }),
    endSlippageDays: t.int({ nullable: true, resolve: (c) => c.endSlippageDays }),
    milestonesDue: t.exposeInt('milestonesDue'),
    milestonesOverdue: t.exposeInt('milestonesOverdue'),
    trafficLight: t.exposeString('trafficLight', { description: 'green | yellow | red' }),
  }),
});

MeasureRef.implement({
  description: 'A measure (Maßnahme) serving goals, led by an Amt (example measures are labelled `example`).',
  fields: (t) => ({
    key: t.exposeString('key'),
    version: t.exposeInt('version'),
    title: t.exposeString('title'),
    description: t.string({ nullable: true, resolve: (m) => m.description ?? null }),
    goalKeys: t.stringList({ resolve: (m) => [...m.goalKeys] }),
    areas: t.field({ type: [AreaRef], resolve: (m, _a, ctx) => m.areas.map((r) => ctx.indicators.areaOf(r.level, r.code)) }),
    targetGroups: t.stringList({ resolve: (m) => [...m.targetGroups] }),
    leadAmt: t.exposeString('leadAmt'),
    participants: t.stringList({ resolve: (m) => [...m.participants] }),
    budget: t.field({ type: [BudgetLineRef], resolve: (m) => [...m.budget] }),
    plannedStart: t.exposeString('plannedStart'),
    plannedEnd: t.exposeString('plannedEnd'),
    actualStart: t.string({ nullable: true, resolve: (m) => m.actualStart ?? null }),
    actualEnd: t.string({ nullable: true, resolve: (m) => m.actualEnd ?? null }),
    status: t.exposeString('status'),
    fundingSource: t.string({ nullable: true, resolve: (m) => m.fundingSource ?? null }),
    example: t.exposeBoolean('example'),
    milestones: t.field({ type: [MilestoneRef], resolve: async (m, _a, ctx) => [...(await planningOf(ctx).milestones.load(m.key))] }),
    statusReports: t.field({ type: [StatusReportRef], description: 'Newest first.', resolve: async (m, _a, ctx) => [...(await planningOf(ctx).statusReports.load(m.key))] }),
    controlling: t.field({ type: MeasureControllingRef, nullable: true, resolve: (m, _a, ctx) => planningOf(ctx).controlling.load(m.key) }),
  }),
});

EvaluationRef.implement({
  description: "A goal's indicator in the measure areas before and after, against the city and comparison areas (difference in differences).",
  fields: (t) => ({
    goalKey: t.exposeString('goalKey'),
    indicator: t.exposeString('indicator'),
    before: t.exposeString('before'),
    after: t.exposeString('after'),
    treatedBefore: t.float({ nullable: true, resolve: (e) => e.treatedBefore }),
    treatedAfter: t.float({ nullable: true, resolve: (e) => e.treatedAfter }),
    cityBefore: t.float({ nullable: true, resolve: (e) => e.cityBefore }),
    cityAfter: t.float({ nullable: true, resolve: (e) => e.cityAfter }),
    comparisonBefore: t.float({ nullable: true, resolve: (e) => e.comparisonBefore }),
    comparisonAfter: t.float({ nullable: true, resolve: (e) => e.comparisonAfter }),
    differenceInDifferences: t.float({ nullable: true, resolve: (e) => e.differenceInDifferences }),
  }),
});

const StatusList = { required: false } as const;

builder.queryFields((t) => ({
  goals: t.connection({
    type: GoalRef,
    description: 'Goals, optionally of one area (and the areas containing it) or with given statuses.',
    complexity: (args) => ({ field: 2, multiplier: Math.max(1, args.first ?? args.last ?? 20) }),
    args: { area: t.arg({ type: AreaInput, required: false }), status: t.arg.stringList(StatusList) },
    resolve: async (_root, args, ctx) => {
      ctx.indicators.pageSize(args.first ?? args.last, args.first != null ? 'first' : 'last', ctx.limits.maxPageSize);
      const goals = await planningOf(ctx).goals({ ...(args.area ? { area: args.area } : {}), ...(args.status ? { status: args.status } : {}) });
      return resolveArrayConnection({ args, defaultSize: ctx.limits.defaultPageSize, maxSize: ctx.limits.maxPageSize }, [...goals]);
    },
  }),
  goal: t.field({
    type: GoalRef,
    nullable: true,
    description: 'One goal by key (its latest version the viewer may see, with its targets against the actual figures); null when there is none the viewer may see.',
    args: { key: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => (await planningOf(ctx).goals({})).find((g) => g.key === args.key) ?? null,
  }),
  measures: t.connection({
    type: MeasureRef,
    description: 'Measures, optionally of one area, one goal, one Amt or with given statuses.',
    complexity: (args) => ({ field: 2, multiplier: Math.max(1, args.first ?? args.last ?? 20) }),
    args: {
      area: t.arg({ type: AreaInput, required: false }),
      goalKey: t.arg.string({ required: false }),
      amt: t.arg.string({ required: false }),
      status: t.arg.stringList(StatusList),
    },
    resolve: async (_root, args, ctx) => {
      ctx.indicators.pageSize(args.first ?? args.last, args.first != null ? 'first' : 'last', ctx.limits.maxPageSize);
      const measures = await planningOf(ctx).measures({
        ...(args.area ? { area: args.area } : {}),
        ...(args.goalKey ? { goalKey: args.goalKey } : {}),
        ...(args.amt ? { amt: args.amt } : {}),
        ...(args.status ? { status: args.status } : {}),
      });
      return resolveArrayConnection({ args, defaultSize: ctx.limits.defaultPageSize, maxSize: ctx.limits.maxPageSize }, [...measures]);
    },
  }),
  evaluation: t.field({
    type: EvaluationRef,
    description: "Before/after of a goal's indicator in its measures' areas against the city and comparison areas.",
    args: {
      goalKey: t.arg.string({ required: true }),
      before: t.arg.string({ required: true }),
      after: t.arg.string({ required: true }),
      comparisonAreas: t.arg({ type: [AreaInput], required: false }),
    },
    resolve: async (_root, args, ctx) => {
      checkPeriod(args.before, 'before', ctx.limits);
      checkPeriod(args.after, 'after', ctx.limits);
      const planning = planningOf(ctx);
      const goal = (await planning.goals({})).find((g) => g.key === args.goalKey);
      if (!goal) throw expectedError('NOT_FOUND', `goal "${args.goalKey}" not found`, { argument: 'goalKey' });
      // the evaluation reads indicator values: the caller must be allowed to read that indicator
      if (goal.indicator) ctx.indicators.indicator(goal.indicator);
      return planning.evaluation({
        goalKey: args.goalKey,
        before: args.before,
        after: args.after,
        ...(args.comparisonAreas ? { comparisonAreas: args.comparisonAreas } : {}),
        privileged: ctx.viewer.privileged && (ctx.viewer.role === 'planner' || ctx.viewer.role === 'admin'),
      });
    },
  }),
}));
