// Topics (Themen) of the Sozialräume and the core-process indicators of the programme controlling
// (issue 18.3, docs/controlling.md "Themes"). A save is one theme record through the ingestion path,
// like every planning record; reading is for the planning staff only: topics are internal working
// data, so the public (401), Ämter and admins (403) get nothing, not even an empty list.
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import type { PlanningService } from '../planning/planning.service.js';
import type { CoreProcessView, ThemeFilter, ThemeView } from '../sources.js';
import { builder } from './builder.js';
import { PlanningAreaInput, PlanningSaveRef, save } from './planning-mutations.js';
import { AreaInput, AreaRef } from './refs.js';

/** Only the planning staff read topics and their figures. */
function plannersOnly(ctx: GatewayContext, what: string): PlanningService {
  if (ctx.viewer.role === 'public') throw expectedError('UNAUTHENTICATED', `sign in: ${what} are internal working data of the planning staff`, { http: { status: 401 } });
  if (ctx.viewer.role !== 'planner')
    throw expectedError('FORBIDDEN', `${what} are internal working data of the planning staff (role planner); role ${ctx.viewer.role} cannot read them`, { http: { status: 403 } });
  if (!ctx.planning) throw expectedError('NOT_AVAILABLE', 'controlling is not connected to this gateway');
  return ctx.planning;
}

const ThemeAssessmentInput = builder.inputType('ThemeAssessmentInput', {
  description: 'The short integrated assessment (kurzfristige integrierte Bewertung).',
  fields: (t) => ({
    date: t.string({ required: false, description: 'ISO date, not before the topic was found' }),
    assessedBy: t.string({ required: false }),
    text: t.string({ required: false }),
    priority: t.string({ required: false, description: 'high | medium | low' }),
  }),
});

const ThemeDecisionInput = builder.inputType('ThemeDecisionInput', {
  description: 'What became of the topic: a project (projectTitle), a measure (measureKey of an existing measure) or closed (reason).',
  fields: (t) => ({
    date: t.string({ required: false, description: 'ISO date, not before the assessment' }),
    decidedBy: t.string({ required: false }),
    outcome: t.string({ required: false, description: 'project | measure | closed' }),
    measureKey: t.string({ required: false }),
    projectTitle: t.string({ required: false }),
    reason: t.string({ required: false }),
  }),
});

const ThemeInput = builder.inputType('ThemeInput', {
  description: 'A topic as the feed delivers it (docs/records.md, "theme"). `version`: 1 for a new topic, the current version + 1 for the next step.',
  fields: (t) => ({
    key: t.string({ required: false }),
    version: t.int({ required: false }),
    area: t.field({ type: PlanningAreaInput, required: false, description: 'the Sozialraum' }),
    origin: t.string({ required: false, description: 'bottom_up (Sozialraumkoordination) | top_down (gesamtstädtische Planung)' }),
    title: t.string({ required: false }),
    description: t.string({ required: false }),
    foundDate: t.string({ required: false }),
    foundBy: t.string({ required: false, description: 'the person responsible' }),
    assessment: t.field({ type: ThemeAssessmentInput, required: false }),
    decision: t.field({ type: ThemeDecisionInput, required: false }),
    example: t.boolean({ required: false }),
  }),
});

const ThemeAssessmentRef = builder.objectRef<NonNullable<ThemeView['assessment']>>('ThemeAssessment').implement({
  fields: (t) => ({ date: t.exposeString('date'), assessedBy: t.exposeString('assessedBy'), text: t.exposeString('text'), priority: t.exposeString('priority') }),
});

const ThemeDecisionRef = builder.objectRef<NonNullable<ThemeView['decision']>>('ThemeDecision').implement({
  fields: (t) => ({
    date: t.exposeString('date'),
    decidedBy: t.exposeString('decidedBy'),
    outcome: t.exposeString('outcome', { description: 'project | measure | closed' }),
    measureKey: t.string({ nullable: true, resolve: (d) => d.measureKey }),
    projectTitle: t.string({ nullable: true, resolve: (d) => d.projectTitle }),
    reason: t.string({ nullable: true, resolve: (d) => d.reason }),
  }),
});

interface ThemeStep {
  step: 'found' | 'assessed' | 'decided';
  date: string;
  by: string;
  detail: string | null;
}

const ThemeStepRef = builder.objectRef<ThemeStep>('ThemeStep').implement({
  description: 'One step of a topic’s path: found → assessed → decided.',
  fields: (t) => ({
    step: t.exposeString('step', { description: 'found | assessed | decided' }),
    date: t.exposeString('date'),
    by: t.exposeString('by', { description: 'the person responsible for the step' }),
    detail: t.string({ nullable: true, description: 'assessed: the priority; decided: the outcome and its measure, project or reason', resolve: (s) => s.detail }),
  }),
});

function pathOf(theme: ThemeView): ThemeStep[] {
  const steps: ThemeStep[] = [{ step: 'found', date: theme.foundDate, by: theme.foundBy, detail: theme.origin }];
  if (theme.assessment) steps.push({ step: 'assessed', date: theme.assessment.date, by: theme.assessment.assessedBy, detail: theme.assessment.priority });
  const d = theme.decision;
  if (d) steps.push({ step: 'decided', date: d.date, by: d.decidedBy, detail: `${d.outcome}: ${d.measureKey ?? d.projectTitle ?? d.reason ?? ''}` });
  return steps;
}

const ThemeRef = builder.objectRef<ThemeView>('Theme').implement({
  description: 'A topic found in a Sozialraum and its path to a decision (internal working data of the planning staff).',
  fields: (t) => ({
    key: t.exposeString('key'),
    version: t.exposeInt('version', { description: 'the version saved last (the next step saves version + 1)' }),
    area: t.field({ type: AreaRef, resolve: (th, _a, ctx) => ctx.indicators.areaOf(th.area.level, th.area.code) }),
    origin: t.exposeString('origin', { description: 'bottom_up (Sozialraumkoordination) | top_down (gesamtstädtische Planung)' }),
    title: t.exposeString('title'),
    description: t.string({ nullable: true, resolve: (th) => th.description }),
    foundDate: t.exposeString('foundDate'),
    foundBy: t.exposeString('foundBy'),
    assessment: t.field({ type: ThemeAssessmentRef, nullable: true, resolve: (th) => th.assessment }),
    decision: t.field({ type: ThemeDecisionRef, nullable: true, resolve: (th) => th.decision }),
    status: t.exposeString('status', { description: 'found | assessed | decided' }),
    path: t.field({ type: [ThemeStepRef], description: 'the steps so far, in order', resolve: pathOf }),
    updatedAt: t.exposeString('updatedAt'),
    updatedBy: t.exposeString('updatedBy', { description: 'who saved the last version (person:<sub> or a feed key)' }),
  }),
});

const CoreProcessRef = builder.objectRef<CoreProcessView>('CoreProcessIndicators').implement({
  description: 'The core process of one Sozialraum for the topics found in one year, as it stands on the day asked (docs/controlling.md, "Themes").',
  fields: (t) => ({
    area: t.field({ type: AreaRef, resolve: (r, _a, ctx) => ctx.indicators.areaOf(r.area.level, r.area.code) }),
    year: t.exposeInt('year', { description: 'the year the topics were found in' }),
    found: t.exposeInt('found'),
    foundBottomUp: t.exposeInt('foundBottomUp'),
    foundTopDown: t.exposeInt('foundTopDown'),
    assessed: t.exposeInt('assessed'),
    decided: t.exposeInt('decided'),
    turnedIntoMeasures: t.exposeInt('turnedIntoMeasures'),
    turnedIntoProjects: t.exposeInt('turnedIntoProjects'),
    closed: t.exposeInt('closed'),
    medianDaysToDecision: t.float({ nullable: true, description: 'median days from finding to decision; null: none decided', resolve: (r) => r.medianDaysToDecision }),
    linkedMeasures: t.exposeInt('linkedMeasures', { description: 'measures the topics became that are decided, in progress or completed' }),
    linkedMeasuresOnTime: t.exposeInt('linkedMeasuresOnTime', { description: 'of those, the ones without a schedule reason in their traffic light' }),
    shareOnTime: t.float({ nullable: true, description: 'linkedMeasuresOnTime / linkedMeasures; null: none', resolve: (r) => r.shareOnTime }),
  }),
});

function filterOf(args: { area?: { level: string; code: string } | null; level?: string | null; year?: number | null }): ThemeFilter {
  return { ...(args.area ? { area: args.area } : {}), ...(args.level ? { level: args.level } : {}), ...(args.year != null ? { year: args.year } : {}) };
}

builder.queryFields((t) => ({
  themes: t.field({
    type: [ThemeRef],
    description: 'Topics of the Sozialräume with their path, oldest finding first. Planning staff only.',
    args: {
      area: t.arg({ type: AreaInput, required: false }),
      level: t.arg.string({ required: false, description: 'only areas of this level (the Sozialräume)' }),
      year: t.arg.int({ required: false, description: 'only topics found in this year' }),
    },
    resolve: async (_r, args, ctx) => [...(await plannersOnly(ctx, 'topics of the Sozialräume').themes(filterOf(args)))],
  }),
  coreProcessIndicators: t.field({
    type: [CoreProcessRef],
    description: 'Core-process indicators per Sozialraum and year of finding (topics found, assessed, decided, median days to decision, linked measures on time). Planning staff only.',
    args: {
      area: t.arg({ type: AreaInput, required: false }),
      level: t.arg.string({ required: false }),
      year: t.arg.int({ required: false }),
    },
    resolve: async (_r, args, ctx) => [...(await plannersOnly(ctx, 'core-process indicators').coreProcess(filterOf(args)))],
  }),
}));

builder.mutationFields((t) => ({
  saveTheme: t.field({
    type: PlanningSaveRef,
    description: 'Saves a version of a topic: found, assessed, decided (planning staff).',
    args: { input: t.arg({ type: ThemeInput, required: true }) },
    resolve: (_r, args, ctx) => save(ctx, 'theme', args.input),
  }),
}));
