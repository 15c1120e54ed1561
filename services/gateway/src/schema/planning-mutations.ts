// Writing goals, measures, milestones and status reports, and reading who changed what. A save is
// one record delivered through the ingestion path an Amt's feed takes (planning/planning.writer.ts):
// the feed's validation, rights, versioning and durability, with the signed-in person as author.
// Validation errors come back per field in the result; a record the role may not write (another
// Amt's measure, a goal written by an Amt) is FORBIDDEN (HTTP 403) naming the owner.
//
// The inputs are deliberately loose (almost every field optional, levels and statuses as strings):
// what is missing or wrong is said by the domain at the field, in the same words the feed uses,
// not by GraphQL's type check.
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import { authorFor, forbiddenCodes, planningRecordTypes, type PlanningFieldError, type PlanningRecordType, type PlanningWriteResult } from '../planning/planning.writer.js';
import type { PlanningChangeView } from '../sources.js';
import { builder } from './builder.js';
import { MilestoneRef } from './refs.js';

builder.mutationType({ description: 'Planning records: every save is a new version through the ingestion path, with the signed-in person as author.' });

const PlanningAreaInput = builder.inputType('PlanningAreaInput', {
  fields: (t) => ({ level: t.string({ required: false }), code: t.string({ required: false }) }),
});

const AdoptionInput = builder.inputType('AdoptionInput', {
  fields: (t) => ({ body: t.string({ required: false }), decision: t.string({ required: false }), date: t.string({ required: false }) }),
});

const BudgetLineInput = builder.inputType('BudgetLineInput', {
  fields: (t) => ({
    year: t.int({ required: false }),
    planned: t.float({ required: false }),
    spent: t.float({ required: false }),
    approved: t.float({ required: false, description: 'EUR approved (bewilligt) for the year' }),
  }),
});

const GoalTargetInput = builder.inputType('GoalTargetInput', {
  description: "A target value of the goal's indicator for one area and year.",
  fields: (t) => ({ area: t.field({ type: PlanningAreaInput, required: false }), year: t.int({ required: false }), value: t.float({ required: false }) }),
});

const GoalInput = builder.inputType('GoalInput', {
  description: 'A goal as the feed delivers it (docs/records.md). `version`: 1 for a new goal, the current version + 1 for a change.',
  fields: (t) => ({
    key: t.string({ required: false }),
    version: t.int({ required: false }),
    parentKey: t.string({ required: false }),
    title: t.string({ required: false }),
    description: t.string({ required: false }),
    areas: t.field({ type: [PlanningAreaInput], required: false }),
    targetGroups: t.stringList({ required: false }),
    indicator: t.string({ required: false }),
    baselineValue: t.float({ required: false }),
    baselinePeriod: t.string({ required: false }),
    targetValue: t.float({ required: false }),
    targetDirection: t.string({ required: false, description: 'increase | decrease' }),
    targets: t.field({ type: [GoalTargetInput], required: false, description: 'target values per area and year' }),
    deadline: t.string({ required: false }),
    adoptedBy: t.field({ type: AdoptionInput, required: false }),
    status: t.string({ required: false, description: 'draft | adopted | achieved | missed | revised | retired' }),
    revisionReason: t.string({ required: false }),
    example: t.boolean({ required: false }),
  }),
});

const MeasureInput = builder.inputType('MeasureInput', {
  description: 'A measure as the feed delivers it (docs/records.md).',
  fields: (t) => ({
    key: t.string({ required: false }),
    version: t.int({ required: false }),
    title: t.string({ required: false }),
    description: t.string({ required: false }),
    goalKeys: t.stringList({ required: false }),
    areas: t.field({ type: [PlanningAreaInput], required: false }),
    targetGroups: t.stringList({ required: false }),
    leadAmt: t.string({ required: false }),
    participants: t.stringList({ required: false }),
    budget: t.field({ type: [BudgetLineInput], required: false }),
    plannedStart: t.string({ required: false }),
    plannedEnd: t.string({ required: false }),
    actualStart: t.string({ required: false }),
    actualEnd: t.string({ required: false }),
    status: t.string({ required: false, description: 'proposed | decided | in_progress | completed | cancelled' }),
    fundingSource: t.string({ required: false }),
    example: t.boolean({ required: false }),
  }),
});

const MilestoneInput = builder.inputType('MilestoneInput', {
  description: 'A milestone of a measure: a planned date or a planned quarter ("2025-Q3"), the actual date when reached.',
  fields: (t) => ({
    key: t.string({ required: false }),
    version: t.int({ required: false }),
    measureKey: t.string({ required: false }),
    title: t.string({ required: false }),
    plannedDate: t.string({ required: false }),
    plannedQuarter: t.string({ required: false }),
    actualDate: t.string({ required: false }),
    reached: t.boolean({ required: false }),
  }),
});

const StatusReportInput = builder.inputType('StatusReportInput', {
  description: 'A status report of a measure.',
  fields: (t) => ({
    key: t.string({ required: false }),
    version: t.int({ required: false }),
    measureKey: t.string({ required: false }),
    reportedBy: t.string({ required: false }),
    reportedAt: t.string({ required: false, description: 'ISO date-time' }),
    progressPercent: t.float({ required: false }),
    narrative: t.string({ required: false }),
    trafficLight: t.string({ required: false, description: 'green | yellow | red' }),
  }),
});

const PlanningFieldErrorRef = builder.objectRef<PlanningFieldError>('PlanningFieldError').implement({
  description: "An error of the domain's validation at a field of the record (null: the record as a whole).",
  fields: (t) => ({
    field: t.string({ nullable: true, resolve: (e) => e.field }),
    code: t.exposeString('code'),
    message: t.exposeString('message'),
    accepted: t.exposeString('accepted', { description: 'what would be accepted' }),
    value: t.field({ type: 'JSON', nullable: true, resolve: (e) => e.value ?? null }),
  }),
});

interface SaveView {
  recordType: PlanningRecordType;
  result: Exclude<PlanningWriteResult, { kind: 'unavailable' }>;
}

const PlanningSaveRef = builder.objectRef<SaveView>('PlanningSave').implement({
  description: 'The answer to a save: the new version (saved) or the errors per field (nothing changed).',
  fields: (t) => ({
    saved: t.boolean({ resolve: (s) => s.result.kind === 'accepted' }),
    recordType: t.exposeString('recordType'),
    key: t.string({ nullable: true, resolve: (s) => (s.result.kind === 'accepted' ? s.result.key : null) }),
    version: t.int({ nullable: true, resolve: (s) => (s.result.kind === 'accepted' ? s.result.version : null) }),
    unchanged: t.boolean({ description: 'the same version with the same content was saved before', resolve: (s) => s.result.kind === 'accepted' && s.result.status === 'unchanged' }),
    author: t.string({ nullable: true, resolve: (s) => (s.result.kind === 'accepted' ? s.result.author : null) }),
    amt: t.string({ nullable: true, description: 'the Amt in whose name it was delivered', resolve: (s) => (s.result.kind === 'accepted' ? s.result.amt : null) }),
    deliveryId: t.string({ nullable: true, resolve: (s) => (s.result.kind === 'accepted' ? s.result.deliveryId : null) }),
    savedAt: t.string({ nullable: true, resolve: (s) => (s.result.kind === 'accepted' ? s.result.deliveredAt : null) }),
    currentVersion: t.int({ nullable: true, description: 'on a version conflict: the version saved last', resolve: (s) => (s.result.kind === 'rejected' ? s.result.currentVersion : null) }),
    errors: t.field({ type: [PlanningFieldErrorRef], resolve: (s) => (s.result.kind === 'rejected' ? s.result.errors : []) }),
  }),
});

export { PlanningAreaInput, PlanningSaveRef };

export const PlanningChangeRef = builder.objectRef<PlanningChangeView>('PlanningChange').implement({
  description: 'Who changed what: one domain event a saved version made (from the audit trail).',
  fields: (t) => ({
    recordType: t.exposeString('recordType'),
    key: t.exposeString('key'),
    measureKey: t.string({ nullable: true, resolve: (c) => c.measureKey }),
    version: t.exposeInt('version'),
    eventType: t.exposeString('eventType', { description: 'e.g. MeasurePlanned, MeasureRescheduled, MilestoneReached' }),
    data: t.field({ type: 'JSON', resolve: (c) => c.data }),
    actor: t.exposeString('actor', { description: 'the API key id of a feed, or person:<sub> for a save in the workspace' }),
    at: t.exposeString('at'),
    deliveryId: t.exposeString('deliveryId'),
  }),
});

/** Drops what the caller left out, so the domain sees an absent field as absent. */
function record(input: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(input)) as Record<string, unknown>;
}

export async function save(ctx: GatewayContext, recordType: PlanningRecordType, input: Record<string, unknown>): Promise<SaveView> {
  const writer = ctx.planningWriter;
  if (!writer) throw expectedError('NOT_AVAILABLE', 'this gateway only reads planning records; save them at the platform (or deliver them to the ingestion API)');
  const by = authorFor(ctx.viewer, writer);
  const result = await writer.save(by, recordType, record(input));
  if (result.kind === 'unavailable') {
    throw expectedError('NOT_AVAILABLE', `nothing was saved: ${result.reason}; save again in ${result.retryAfterSeconds} s`, { retryAfter: result.retryAfterSeconds });
  }
  if (result.kind === 'rejected') {
    const refusal = result.errors.find((e) => forbiddenCodes.has(e.code));
    if (refusal) {
      const message =
        refusal.code === 'RECORD_TYPE_NOT_ALLOWED'
          ? `${by.amt === writer.planningAmt ? 'the planning staff' : `Amt ${by.amt}`} may not save a ${recordType}: ${recordType === 'goal' || recordType === 'measure' || recordType === 'theme' ? `goals, measures and the Sozialräume's topics are kept by the planning staff (Amt ${writer.planningAmt})` : 'see the feed catalogue'}`
          : refusal.message;
      throw expectedError('FORBIDDEN', message, { http: { status: 403 }, field: refusal.field, reason: refusal.code, accepted: refusal.accepted });
    }
  }
  return { recordType, result };
}

builder.mutationFields((t) => ({
  saveGoal: t.field({
    type: PlanningSaveRef,
    description: 'Saves a version of a goal (planning staff).',
    args: { input: t.arg({ type: GoalInput, required: true }) },
    resolve: (_r, args, ctx) => save(ctx, 'goal', args.input),
  }),
  saveMeasure: t.field({
    type: PlanningSaveRef,
    description: 'Saves a version of a measure (planning staff).',
    args: { input: t.arg({ type: MeasureInput, required: true }) },
    resolve: (_r, args, ctx) => save(ctx, 'measure', args.input),
  }),
  saveMilestone: t.field({
    type: PlanningSaveRef,
    description: 'Saves a version of a milestone (planning staff, or an Amt for a measure it leads, delivered or takes part in).',
    args: { input: t.arg({ type: MilestoneInput, required: true }) },
    resolve: (_r, args, ctx) => save(ctx, 'milestone', args.input),
  }),
  saveStatusReport: t.field({
    type: PlanningSaveRef,
    description: 'Saves a version of a status report (as for milestones).',
    args: { input: t.arg({ type: StatusReportInput, required: true }) },
    resolve: (_r, args, ctx) => save(ctx, 'status-report', args.input),
  }),
}));

const PlanningRecordTypeEnum = builder.enumType('PlanningRecordType', {
  values: Object.fromEntries(planningRecordTypes.map((v) => [v.replace('-', '_').toUpperCase(), { value: v }])) as Record<string, { value: PlanningRecordType }>,
});

builder.queryFields((t) => ({
  planningChanges: t.field({
    type: [PlanningChangeRef],
    description:
      "Who changed what, oldest first: every domain event of one planning record with its author and time (a measure's with those of its milestones and status reports unless includeRelated is false). Signed-in viewers, for records they may see.",
    args: {
      recordType: t.arg({ type: PlanningRecordTypeEnum, required: true }),
      key: t.arg.string({ required: true }),
      includeRelated: t.arg.boolean({ required: false, defaultValue: true }),
    },
    resolve: async (_r, args, ctx) => {
      if (ctx.viewer.role === 'public') throw expectedError('UNAUTHENTICATED', 'the history of planning records is for signed-in planning staff and Ämter', { http: { status: 401 } });
      if (!ctx.planning) throw expectedError('NOT_AVAILABLE', 'controlling is not connected to this gateway');
      return [...(await ctx.planning.changes(args.recordType, args.key, args.includeRelated ?? true))];
    },
  }),
}));

/** The last day a planned date or quarter ("2025-Q3") allows. */
function plannedDeadline(m: { plannedDate?: string | null; plannedQuarter?: string | null }): string | null {
  if (m.plannedDate) return m.plannedDate;
  const q = /^(\d{4})-Q([1-4])$/.exec(m.plannedQuarter ?? '');
  if (!q) return null;
  const end = new Date(Date.UTC(Number(q[1]), Number(q[2]) * 3, 0));
  return end.toISOString().slice(0, 10);
}

const days = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000);

builder.objectFields(MilestoneRef, (t) => ({
  version: t.exposeInt('version', { description: 'the version saved last (a change saves version + 1)' }),
  plannedBy: t.string({ nullable: true, description: 'the last day planned: the planned date, or the last day of the planned quarter', resolve: (m) => plannedDeadline(m) }),
  slippageDays: t.int({
    nullable: true,
    description:
      'planned vs actual: days the milestone was reached after (positive) or before (negative) the planned day; not reached and past the planned day: the days overdue so far; otherwise null',
    resolve: (m, _a, ctx) => {
      const planned = plannedDeadline(m);
      if (!planned) return null;
      if (m.actualDate) return days(planned, m.actualDate);
      return ctx.today > planned ? days(planned, ctx.today) : null;
    },
  }),
}));
