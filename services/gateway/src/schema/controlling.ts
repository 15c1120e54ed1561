// Goals, measures, milestones, status reports and the controlling views built on them:
// per area and per goal, budget use, schedule slippage, milestones due/overdue, traffic light,
// and the difference-in-differences evaluation of a goal's indicator.
import { resolveArrayConnection } from '@pothos/plugin-relay';
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import { checkPeriod } from '../indicators/periods.js';
import type { PlanningService } from '../planning/planning.service.js';
import { builder } from './builder.js';
import { AreaInput, AreaRef, EvaluationRef, GoalRef, IndicatorRef, MeasureControllingRef, MeasureRef, MilestoneRef, StatusReportRef } from './refs.js';

function planningOf(ctx: GatewayContext): PlanningService {
  if (!ctx.planning) throw expectedError('NOT_AVAILABLE', 'controlling is not connected to this gateway');
  return ctx.planning;
}

const AdoptionRef = builder.objectRef<{ body: string; decision: string; date: string }>('Adoption').implement({
  description: 'The body and decision that adopted a goal (e.g. Rat, "AN/0215/2017").',
  fields: (t) => ({ body: t.exposeString('body'), decision: t.exposeString('decision'), date: t.exposeString('date') }),
});

const BudgetLineRef = builder.objectRef<{ year: number; planned: number; spent: number }>('BudgetLine').implement({
  fields: (t) => ({ year: t.exposeInt('year'), planned: t.exposeFloat('planned'), spent: t.exposeFloat('spent') }),
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
