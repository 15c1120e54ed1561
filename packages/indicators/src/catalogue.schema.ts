// The declarative indicator catalogue: datasets (what the Ämter deliver, how often, whether synthetic)
// and versioned indicator definitions of five kinds — count, ratio, change, delivered (a value the
// source publishes: share, rate, mean, signed change), index.
import { z } from 'zod';
import { defaultUncertaintySettings, uncertaintySettingsSchema } from './uncertainty.js';

const code = z.string().regex(/^[a-z][a-z0-9_]*$/, 'snake_case code, e.g. sgb2_quote');

export const periodicitySchema = z.enum(['year', 'quarter', 'month']);

export const datasetSchema = z.object({
  name: z.string().min(1),
  periodicity: periodicitySchema,
  /** responsible Amt (number and name as the city uses them) */
  amt: z.string().min(1),
  synthetic: z.boolean(),
  /** reference date of a period's value, e.g. "31.12." or "Monatsende" */
  stichtag: z.string().optional(),
  /**
   * public: the office publishes these figures itself (shown exactly); confidential: every figure
   * that involves the dataset is published only protected (docs/disclosure.md). Absent = confidential.
   */
  confidentiality: z.enum(['public', 'confidential']).default('confidential'),
  /** who to name as its source where no licence is recorded for it (a delivered dataset's `source`, docs/indicators.md §9) */
  attribution: z.string().min(1).optional(),
  /** the licence its figures are published under (e.g. dl-de/by-2-0), shown with the attribution */
  licence: z.string().min(1).optional(),
  /** where the figures are published */
  url: z.url().optional(),
});

/** +1: higher is better; −1: higher is worse; 0: neither (context figures such as Einwohner). */
export const polaritySchema = z.union([z.literal(1), z.literal(-1), z.literal(0)]);

const common = {
  code,
  version: z.number().int().positive(),
  name: z.string().min(1),
  description: z.string().optional(),
  /** how it is computed, in words */
  definition: z.string().min(1),
  unit: z.string().min(1),
  amt: z.string().min(1),
  polarity: polaritySchema,
  updateInterval: z.enum(['monatlich', 'quartalsweise', 'jährlich']),
  synthetic: z.boolean(),
  /** false: visible to planners only, not to the public */
  published: z.boolean().default(true),
};

export const countIndicatorSchema = z.object({
  ...common,
  kind: z.literal('count'),
  dataset: code,
  measure: code,
  /** dimension → accepted values, summed; dimensions not named are summed over all values */
  dimensions: z.record(z.string(), z.array(z.string()).min(1)).default({}),
  /** level the feed delivers at; higher levels are roll-ups */
  sourceLevel: z.string().default('STADTTEIL'),
});

export const ratioIndicatorSchema = z.object({
  ...common,
  kind: z.literal('ratio'),
  /** codes of count indicators */
  numerator: code,
  denominator: code,
  /** 100 for a share or quote in %, 1000 for per mille / "je 1.000" */
  factor: z.number().positive(),
});

export const changeIndicatorSchema = z.object({
  ...common,
  kind: z.literal('change'),
  /** code of a count or ratio indicator */
  of: code,
  periods: z.number().int().positive(),
  /** absolute: difference in the unit of `of`; relative: difference / earlier value × 100 (%) */
  mode: z.enum(['absolute', 'relative']),
});

/**
 * A value the source publishes itself (area-statistic v3): a share, rate, mean or signed change,
 * read as delivered and never summed. Above the level it is delivered at it exists only where it
 * was delivered too, or — a share or rate with delivered denominators — as their weighted mean
 * (docs/indicators.md §3).
 */
export const deliveredIndicatorSchema = z.object({
  ...common,
  kind: z.literal('delivered'),
  valueKind: z.enum(['SHARE', 'RATE', 'MEAN', 'CHANGE']),
  dataset: code,
  measure: code,
  /** dimension → the one value the value is read at (a share of women: {geschlecht: w}); none: the observation without dimensions */
  dimensions: z.record(z.string(), z.string().min(1)).default({}),
  /** level the feed delivers at; the areas a weighted mean of a share or rate is made of */
  sourceLevel: z.string().default('STADTTEIL'),
  /** per how many a RATE is (1000 for "je 1.000"; required for a RATE); a SHARE is always per 100 (stored in %) */
  factor: z.number().positive().optional(),
  /** a CHANGE: absolute (later = base + change) or relative in % (later = base × (1 + change / 100)) */
  mode: z.enum(['absolute', 'relative']).default('absolute'),
});

export const indexClassSchema = z.object({
  code: z.string().min(1),
  label: z.string().min(1),
  /** lower bound in standard deviations (inclusive); null for the lowest, open class */
  from: z.number().nullable(),
});

export const indexIndicatorSchema = z.object({
  ...common,
  kind: z.literal('index'),
  /** input indicators; polarity defaults to the input indicator's own polarity */
  inputs: z.array(z.object({ indicator: code, polarity: z.union([z.literal(1), z.literal(-1)]).optional() })).min(1),
  /** count indicator giving each area's population for the minimum-population rule */
  population: code.default('einwohner'),
  minPopulation: z.number().nonnegative().default(300),
  /** classes ascending by `from`; the first has from: null */
  classes: z.array(indexClassSchema).min(1),
  /** levels the index may be computed on (standardised across the areas of one level) */
  levels: z.array(z.string()).default(['STADTTEIL']),
});

export const indicatorSchema = z.discriminatedUnion('kind', [countIndicatorSchema, ratioIndicatorSchema, changeIndicatorSchema, deliveredIndicatorSchema, indexIndicatorSchema]);

export const catalogueFileSchema = z.object({
  catalogueVersion: z.number().int().positive(),
  datasets: z.record(code, datasetSchema),
  indicators: z.array(indicatorSchema).min(1),
  /** confidence level and small-number thresholds of rates (docs/uncertainty-and-typology.md) */
  uncertainty: uncertaintySettingsSchema.default(() => ({ ...defaultUncertaintySettings })),
});

export type Periodicity = z.infer<typeof periodicitySchema>;
export type Dataset = z.infer<typeof datasetSchema>;
export type Polarity = z.infer<typeof polaritySchema>;
export type CountIndicator = z.infer<typeof countIndicatorSchema>;
export type RatioIndicator = z.infer<typeof ratioIndicatorSchema>;
export type ChangeIndicator = z.infer<typeof changeIndicatorSchema>;
export type IndexIndicator = z.infer<typeof indexIndicatorSchema>;
export type DeliveredIndicator = z.infer<typeof deliveredIndicatorSchema>;
export type DeliveredValueKind = DeliveredIndicator['valueKind'];
export type IndexClass = z.infer<typeof indexClassSchema>;
export type Indicator = z.infer<typeof indicatorSchema>;
export type CatalogueFile = z.infer<typeof catalogueFileSchema>;
