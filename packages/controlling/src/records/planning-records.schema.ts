// zod schemas for the four planning record payloads the Ämter deliver (docs/records.md, "Planning
// records"). They check shape only; whether a value or a change is allowed (negative spending, adopting
// a goal without indicator, …) is the deciders' business, so users get one kind of error for it.
import { z } from 'zod';

/** Avro optionals arrive as null; inside the domain "absent" is always undefined. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === null ? undefined : v), schema.optional());

const nonEmpty = z.string().trim().min(1);
export const isoDateSchema = z.iso.date();
export const isoDateTimeSchema = z.iso.datetime({ offset: true });
/** "2025-Q3" */
export const quarterSchema = z.string().regex(/^\d{4}-Q[1-4]$/, 'expected a quarter like "2025-Q3"');

export const areaRefSchema = z.object({
  /** STADT | STADTBEZIRK | STADTTEIL | STADTVIERTEL | SOZIALRAUM (see docs/controlling.md for codes) */
  level: z.string().regex(/^[A-Z_]+$/, 'expected an upper-case area level such as STADTTEIL or SOZIALRAUM'),
  code: nonEmpty,
});
export type AreaRef = z.infer<typeof areaRefSchema>;

const recordHead = {
  key: nonEmpty,
  version: z.int().min(1),
};

export const goalStatusSchema = z.enum(['draft', 'adopted', 'achieved', 'missed', 'revised', 'retired']);
export type GoalStatus = z.infer<typeof goalStatusSchema>;

export const adoptionSchema = z.object({
  /** e.g. "Rat der Stadt Köln", "Bezirksvertretung Kalk" */
  body: nonEmpty,
  /** e.g. the council decision number "AN/0215/2017" */
  decision: nonEmpty,
  date: isoDateSchema,
});
export type Adoption = z.infer<typeof adoptionSchema>;

/** increase | decrease: which way the goal's indicator should move (goal v2). */
export const targetDirectionSchema = z.enum(['increase', 'decrease']);
export type TargetDirection = z.infer<typeof targetDirectionSchema>;

/** One target value of the goal's indicator for one area and year (goal v2). */
export const goalTargetSchema = z.object({
  area: areaRefSchema,
  year: z.int().min(1900).max(2200),
  value: z.number(),
});
export type GoalTarget = z.infer<typeof goalTargetSchema>;

/** An empty list is "no targets": absent, like the v1 records that had none. */
const optionalList = <T extends z.ZodType>(item: T) => z.preprocess((v) => (v === null || (Array.isArray(v) && v.length === 0) ? undefined : v), z.array(item).optional());

export const goalRecordSchema = z.object({
  ...recordHead,
  parentKey: optional(nonEmpty),
  title: nonEmpty,
  description: optional(z.string()),
  areas: z.array(areaRefSchema),
  targetGroups: z.array(nonEmpty),
  indicator: optional(nonEmpty),
  baselineValue: optional(z.number()),
  baselinePeriod: optional(nonEmpty),
  targetValue: optional(z.number()),
  targetDirection: optional(targetDirectionSchema),
  targets: optionalList(goalTargetSchema),
  deadline: optional(isoDateSchema),
  adoptedBy: optional(adoptionSchema),
  status: goalStatusSchema,
  revisionReason: optional(z.string()),
  example: z.boolean(),
});
export type GoalRecord = z.infer<typeof goalRecordSchema>;

export const measureStatusSchema = z.enum(['proposed', 'decided', 'in_progress', 'completed', 'cancelled']);
export type MeasureStatus = z.infer<typeof measureStatusSchema>;

export const budgetLineSchema = z.object({
  year: z.int().min(1900).max(2200),
  /** EUR; sign is checked by the measure decider (BUDGET_PLANNED_NEGATIVE / BUDGET_SPENT_NEGATIVE) */
  planned: z.number(),
  spent: z.number(),
  /** EUR approved (bewilligt) for the year (measure v2); absent = not approved yet */
  approved: optional(z.number()),
});
export type BudgetLine = z.infer<typeof budgetLineSchema>;

export const measureRecordSchema = z
  .object({
    ...recordHead,
    title: nonEmpty,
    description: optional(z.string()),
    goalKeys: z.array(nonEmpty),
    areas: z.array(areaRefSchema),
    targetGroups: z.array(nonEmpty),
    leadAmt: nonEmpty,
    participants: z.array(nonEmpty),
    budget: z.array(budgetLineSchema),
    plannedStart: isoDateSchema,
    plannedEnd: isoDateSchema,
    actualStart: optional(isoDateSchema),
    actualEnd: optional(isoDateSchema),
    status: measureStatusSchema,
    fundingSource: optional(z.string()),
    example: z.boolean(),
  })
  .superRefine((m, ctx) => {
    const years = new Set<number>();
    m.budget.forEach((line, i) => {
      if (years.has(line.year)) ctx.addIssue({ code: 'custom', path: ['budget', i, 'year'], message: `year ${line.year} appears twice; one budget line per year` });
      years.add(line.year);
    });
  });
export type MeasureRecord = z.infer<typeof measureRecordSchema>;

export const milestoneRecordSchema = z
  .object({
    ...recordHead,
    measureKey: nonEmpty,
    title: nonEmpty,
    plannedDate: optional(isoDateSchema),
    plannedQuarter: optional(quarterSchema),
    actualDate: optional(isoDateSchema),
    reached: z.boolean(),
    /** not in docs/records.md for milestones; accepted so demo records can be labelled */
    example: z.boolean().default(false),
  })
  .superRefine((m, ctx) => {
    if ((m.plannedDate === undefined) === (m.plannedQuarter === undefined))
      ctx.addIssue({ code: 'custom', path: ['plannedDate'], message: 'give exactly one of plannedDate (ISO date) or plannedQuarter ("2025-Q3")' });
    if (m.reached && m.actualDate === undefined) ctx.addIssue({ code: 'custom', path: ['actualDate'], message: 'a reached milestone needs its actualDate' });
    if (!m.reached && m.actualDate !== undefined) ctx.addIssue({ code: 'custom', path: ['actualDate'], message: 'actualDate is only accepted when reached is true' });
  });
export type MilestoneRecord = z.infer<typeof milestoneRecordSchema>;

export const trafficLightSchema = z.enum(['green', 'yellow', 'red']);
export type TrafficLight = z.infer<typeof trafficLightSchema>;

export const statusReportRecordSchema = z.object({
  ...recordHead,
  measureKey: nonEmpty,
  reportedBy: nonEmpty,
  reportedAt: isoDateTimeSchema,
  /** 0..100, checked by the status-report decider (STATUS_REPORT_PROGRESS_OUT_OF_RANGE) */
  progressPercent: z.number(),
  narrative: z.string(),
  trafficLight: optional(trafficLightSchema),
  /** not in docs/records.md for status reports; accepted so demo records can be labelled */
  example: z.boolean().default(false),
});
export type StatusReportRecord = z.infer<typeof statusReportRecordSchema>;

export const themeOriginSchema = z.enum(['bottom_up', 'top_down']);
/** bottom_up: found by the Sozialraumkoordination in its Sozialraum; top_down: brought by the city-wide planning */
export type ThemeOrigin = z.infer<typeof themeOriginSchema>;
export const themePrioritySchema = z.enum(['high', 'medium', 'low']);
export type ThemePriority = z.infer<typeof themePrioritySchema>;
export const themeOutcomeSchema = z.enum(['project', 'measure', 'closed']);
export type ThemeOutcome = z.infer<typeof themeOutcomeSchema>;

/** The short integrated assessment (kurzfristige integrierte Bewertung) of a topic. */
export const themeAssessmentSchema = z.object({
  date: isoDateSchema,
  assessedBy: nonEmpty,
  text: nonEmpty,
  priority: themePrioritySchema,
});
export type ThemeAssessment = z.infer<typeof themeAssessmentSchema>;

/** What became of a topic: a project, a measure (its key), or closed (with the reason). */
export const themeDecisionSchema = z.object({
  date: isoDateSchema,
  decidedBy: nonEmpty,
  outcome: themeOutcomeSchema,
  measureKey: optional(nonEmpty),
  projectTitle: optional(nonEmpty),
  reason: optional(nonEmpty),
});
export type ThemeDecision = z.infer<typeof themeDecisionSchema>;

/** A topic found in a Sozialraum and its path: found → assessed → decided (docs/controlling.md, "Themes"). */
export const themeRecordSchema = z.object({
  ...recordHead,
  area: areaRefSchema,
  origin: themeOriginSchema,
  title: nonEmpty,
  description: optional(z.string()),
  foundDate: isoDateSchema,
  /** the person responsible for the topic */
  foundBy: nonEmpty,
  assessment: optional(themeAssessmentSchema),
  decision: optional(themeDecisionSchema),
  example: z.boolean().default(false),
});
export type ThemeRecord = z.infer<typeof themeRecordSchema>;

export const planningRecordTypes = ['goal', 'measure', 'milestone', 'status-report', 'theme'] as const;
export type PlanningRecordType = (typeof planningRecordTypes)[number];
