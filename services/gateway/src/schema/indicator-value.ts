// Indicator values: by indicator × areas (a level, a parent, or a list) × periods, time series,
// rankings and comparison with the parent area and the city. Every value comes through
// IndicatorService, i.e. through the IndicatorReader with suppression applied.
import { statisticKindOf } from '../statistic-kind.js';
import type { RateUncertainty } from '@sp/indicators';
import { builder } from './builder.js';
import { AreaInput, AreaLevelRef, AreaRef, ComparisonRef, IndicatorRef, IndicatorValueRef, RankedValueRef, ValueKindEnum } from './refs.js';

export const SuppressionReasonEnum = builder.enumType('SuppressionReason', {
  description:
    'PROTECTED ("geschützt"): a confidential figure this reader may not see — the only reason the gateway gives. PRIMARY, SECONDARY and DERIVED belonged to the group-wise suppression the cell-key method replaced and no longer occur.',
  values: ['PROTECTED', 'PRIMARY', 'SECONDARY', 'DERIVED'] as const,
});

type ShownInterval = NonNullable<RateUncertainty['interval']>;

const ConfidenceIntervalRef = builder.objectRef<ShownInterval>('ConfidenceInterval').implement({
  description:
    "Confidence interval of a rate (docs/uncertainty-and-typology.md): Wilson score interval of numerator / denominator at the catalogue's level (95 %), in the indicator's unit. For the public it is computed from the published (protected) counts only; it covers random variation, not the perturbation noise.",
  fields: (t) => ({
    lower: t.exposeFloat('lower'),
    upper: t.exposeFloat('upper'),
    level: t.exposeFloat('level', { description: 'Confidence level, e.g. 0.95.' }),
    method: t.exposeString('method', { description: 'WILSON (score interval for a share).' }),
  }),
});

export const RankingOrderEnum = builder.enumType('RankingOrder', {
  values: ['HIGHEST_FIRST', 'LOWEST_FIRST'] as const,
});

IndicatorValueRef.implement({
  description: 'The value of one indicator for one area and period. Withheld cells have no value, never 0.',
  fields: (t) => ({
    indicator: t.field({ type: IndicatorRef, resolve: (v, _a, ctx) => ctx.indicators.indicator(v.indicator) }),
    area: t.field({ type: AreaRef, resolve: (v, _a, ctx) => ctx.indicators.areaOf(v.areaLevel, v.areaCode) }),
    period: t.exposeString('period'),
    value: t.float({ nullable: true, description: 'null when suppressed or not computable (e.g. denominator 0).', resolve: (v) => v.value }),
    numerator: t.float({ nullable: true, resolve: (v) => v.numerator }),
    denominator: t.float({ nullable: true, resolve: (v) => v.denominator }),
    suppressed: t.exposeBoolean('suppressed'),
    suppressionReason: t.field({ type: SuppressionReasonEnum, nullable: true, resolve: (v) => v.suppressionReason }),
    knownAt: t.string({
      nullable: true,
      description: 'ISO date-time the value became known (latest contributing delivery); null on confidential figures shown to the public.',
      resolve: (v) => v.knownAt,
    }),
    confidential: t.exposeBoolean('confidential', { description: 'The figure involves a confidential dataset (a privileged reader sees its true value: not for publication).' }),
    perturbed: t.exposeBoolean('perturbed', {
      description: 'The value is computed from perturbed counts (what the public sees of confidential data); totals shown beside their parts may not add up exactly.',
    }),
    synthetic: t.exposeBoolean('synthetic', { description: 'True for values of the synthetic demo model.' }),
    definitionVersion: t.exposeInt('definitionVersion'),
    interval: t.field({
      type: ConfidenceIntervalRef,
      nullable: true,
      description:
        'Confidence interval of a rate or share (Wilson, 95 %), from the numerator and denominator shown here; null for counts and changes, for a withheld ("geschützt") figure and for a ratio that is not a share (numerator above denominator).',
      resolve: (v, _a, ctx) => ctx.indicators.uncertainty(v)?.interval ?? null,
    }),
    smallNumber: t.boolean({
      nullable: true,
      description:
        'The rate rests on small numbers ("kleine Fallzahl"): its shown numerator or denominator lies below the catalogue\'s thresholds (Indicator.uncertainty). null when there is no rate to judge (counts, changes, withheld figures).',
      resolve: (v, _a, ctx) => ctx.indicators.uncertainty(v)?.smallNumber ?? null,
    }),
    smallNumberReasons: t.stringList({
      nullable: true,
      description: 'Which count is small: NUMERATOR, DENOMINATOR. null when smallNumber is null.',
      resolve: (v, _a, ctx) => ctx.indicators.uncertainty(v)?.smallNumberReasons ?? null,
    }),
    kind: t.field({ type: ValueKindEnum, description: 'Observed or projected ("Prognose").', resolve: (v) => (v.scenario === undefined ? 'OBSERVED' : 'PROGNOSE') }),
    scenario: t.string({ nullable: true, description: 'The projection scenario of a PROGNOSE value (e.g. "basis"); null for observed values.', resolve: (v) => v.scenario ?? null }),
    origin: t.field({
      type: ValueOriginEnum,
      description:
        'DELIVERED: the value as the source published it (a share, rate, mean or signed change delivered with valueKind; docs/indicators.md §3). COMPUTED: computed by the platform from counts. A delivered value is never summed: an area where none was delivered has no value.',
      resolve: (v) => v.origin ?? 'COMPUTED',
    }),
    unit: t.string({
      nullable: true,
      description: "The value's unit as its indicator defines it (a delivered share always in %, whatever the source delivered it in); null when the indicator is unknown to the catalogue.",
      resolve: (v, _a, ctx) => ctx.indicators.indicator(v.indicator)?.unit ?? null,
    }),
    valueKind: t.field({
      type: StatisticKindEnum,
      description: 'What the value is: a count, share (%), rate, mean or change. Only counts add up over areas.',
      resolve: (v, _a, ctx) => v.valueKind ?? statisticKindOf(ctx.indicators.indicator(v.indicator)),
    }),
  }),
});

export const ValueOriginEnum = builder.enumType('ValueOrigin', {
  description: 'Whether a value was delivered as published by its source or computed by the platform.',
  values: ['DELIVERED', 'COMPUTED'] as const,
});

export const StatisticKindEnum = builder.enumType('StatisticKind', {
  description: 'What a value is (area-statistic v3 valueKind). Shares, rates, means and changes are never summed to parent areas.',
  values: ['COUNT', 'SHARE', 'RATE', 'MEAN', 'CHANGE'] as const,
});

RankedValueRef.implement({
  description: 'A place in a ranking. Suppressed and missing values take no place.',
  fields: (t) => ({
    rank: t.exposeInt('rank', { description: 'Ties share a rank (1, 2, 2, 4).' }),
    area: t.field({ type: AreaRef, resolve: (r, _a, ctx) => ctx.indicators.areaOf(r.value.areaLevel, r.value.areaCode) }),
    period: t.string({ resolve: (r) => r.value.period }),
    value: t.float({ resolve: (r) => r.value.value! }),
    entry: t.field({ type: IndicatorValueRef, resolve: (r) => r.value }),
  }),
});

const diff = (a: number | null | undefined, b: number | null | undefined) => (a == null || b == null ? null : a - b);

ComparisonRef.implement({
  description: 'An area beside its parent area and the whole city.',
  fields: (t) => ({
    indicator: t.field({ type: IndicatorRef, resolve: (c, _a, ctx) => ctx.indicators.indicator(c.indicator) }),
    period: t.exposeString('period'),
    area: t.field({ type: IndicatorValueRef, resolve: (c) => c.area }),
    parent: t.field({ type: IndicatorValueRef, nullable: true, resolve: (c) => c.parent }),
    city: t.field({ type: IndicatorValueRef, nullable: true, resolve: (c) => c.city }),
    differenceToParent: t.float({ nullable: true, resolve: (c) => diff(c.area.value, c.parent?.value) }),
    differenceToCity: t.float({ nullable: true, resolve: (c) => diff(c.area.value, c.city?.value) }),
    ratioToCity: t.float({
      nullable: true,
      description: 'area value / city value (1 = like the city).',
      resolve: (c) => (c.area.value == null || !c.city?.value ? null : c.area.value / c.city.value),
    }),
  }),
});

builder.queryFields((t) => ({
  indicatorValues: t.field({
    type: [IndicatorValueRef],
    description:
      'Values of one indicator for the areas of a level — all of them, those below `parent`, or the listed `areas` — in one period, several `periods`, or a range `from`…`to`. Ordered by period, then area code. Also as CSV: GET /export/indicator-values.csv with the same arguments.',
    args: {
      indicator: t.arg.string({ required: true }),
      level: t.arg({ type: AreaLevelRef, required: true }),
      period: t.arg.string({ required: false }),
      periods: t.arg.stringList({ required: false }),
      from: t.arg.string({ required: false }),
      to: t.arg.string({ required: false }),
      parent: t.arg({ type: AreaInput, required: false }),
      areas: t.arg.stringList({ required: false, description: 'Area codes of `level`.' }),
      asOf: t.arg.string({ required: false, description: 'ISO date or date-time: values as they were known then.' }),
      scenario: t.arg.string({ required: false, description: 'A projection scenario, e.g. "basis": the projected values, of kind PROGNOSE, instead of the observed ones.' }),
      definitionVersion: t.arg.int({
        required: false,
        description: 'The values as this version of the definition computes them, one of Indicator.versions; absent: the latest version. Each value says its definitionVersion.',
      }),
    },
    resolve: (_root, args, ctx) => ctx.indicators.values(args),
  }),
  timeSeries: t.field({
    type: [IndicatorValueRef],
    description: 'A time series of one indicator for one area, ascending. Also as CSV: GET /export/time-series.csv.',
    args: {
      indicator: t.arg.string({ required: true }),
      area: t.arg({ type: AreaInput, required: true }),
      from: t.arg.string({ required: true }),
      to: t.arg.string({ required: true }),
      asOf: t.arg.string({ required: false }),
      scenario: t.arg.string({ required: false, description: 'A projection scenario, e.g. "basis": the projected series, of kind PROGNOSE.' }),
    },
    resolve: (_root, args, ctx) => ctx.indicators.series(args.indicator, args.area, args.from, args.to, args.asOf, args.scenario),
  }),
  ranking: t.field({
    type: [RankedValueRef],
    description: 'The areas of a level (optionally below a parent) ranked by their value in one period. Also as CSV: GET /export/ranking.csv.',
    complexity: (args) => ({ field: 1, multiplier: Math.max(1, args.first ?? 20) }),
    args: {
      indicator: t.arg.string({ required: true }),
      level: t.arg({ type: AreaLevelRef, required: true }),
      period: t.arg.string({ required: true }),
      parent: t.arg({ type: AreaInput, required: false }),
      order: t.arg({ type: RankingOrderEnum, required: false, defaultValue: 'HIGHEST_FIRST' }),
      first: t.arg.int({ required: false, description: 'How many places (default 20, at most the maximum page size).' }),
      asOf: t.arg.string({ required: false }),
    },
    resolve: (_root, args, ctx) => ctx.indicators.ranking({ ...args, order: args.order ?? 'HIGHEST_FIRST' }),
  }),
  comparison: t.field({
    type: ComparisonRef,
    description: 'One area beside its parent area and the city. Also as CSV: GET /export/comparison.csv.',
    args: {
      indicator: t.arg.string({ required: true }),
      area: t.arg({ type: AreaInput, required: true }),
      period: t.arg.string({ required: true }),
      asOf: t.arg.string({ required: false }),
    },
    resolve: (_root, args, ctx) => ctx.indicators.comparison(args.indicator, args.area, args.period, args.asOf),
  }),
}));
