// Evaluation of a measure against its goal's indicator: the indicator in the measure's areas before
// and after (periods chosen by the user), against the city and against comparison areas the measure
// does not cover — difference in differences. Rates are aggregated over areas by summing numerators
// and denominators, never by averaging the areas' rates.
import type { GoalRecord, MeasureRecord, AreaRef } from '../records/planning-records.schema.js';
import { PlanningDomainError } from '../planning.errors.js';

/** One area × period value of the indicator, as the gateway fetches it from the warehouse. */
export type IndicatorValue = { readonly area: AreaRef; readonly period: string } & (
  | { readonly numerator: number; readonly denominator: number; readonly value?: undefined }
  | { readonly value: number; readonly numerator?: undefined; readonly denominator?: undefined }
);

export interface EvaluationRequest {
  readonly indicator: string;
  /** rate: every value has numerator/denominator (e.g. sgb2_quote = SGB-II-Personen / Einwohner); count: additive values */
  readonly kind: 'rate' | 'count';
  readonly treatedAreas: readonly AreaRef[];
  readonly comparisonAreas: readonly AreaRef[];
  /** default { level: "STADT", code: "0" } */
  readonly cityArea?: AreaRef;
  readonly before: string;
  readonly after: string;
  readonly values: readonly IndicatorValue[];
  /** multiplies rates (100 for percent); default 1 */
  readonly scale?: number;
}

export interface GroupFigures {
  readonly areas: readonly AreaRef[];
  readonly before: number;
  readonly after: number;
  /** after − before */
  readonly change: number;
  /** for rates: the summed numerators and denominators the figures come from */
  readonly sums?: { readonly before: { numerator: number; denominator: number }; readonly after: { numerator: number; denominator: number } };
}

export interface EvaluationResult {
  readonly indicator: string;
  readonly kind: 'rate' | 'count';
  readonly before: string;
  readonly after: string;
  readonly treated: GroupFigures;
  readonly comparison: GroupFigures;
  /** the whole city (includes the treated areas); undefined when no city value was given */
  readonly city?: GroupFigures;
  /** the city minus the treated areas, when the city value was given */
  readonly restOfCity?: GroupFigures;
  /** (treated after − before) − (comparison after − before) */
  readonly didVsComparison: number;
  readonly didVsCity?: number;
  readonly didVsRestOfCity?: number;
}

const refKey = (a: AreaRef) => `${a.level}|${a.code}`;
const label = (a: AreaRef) => `${a.level} ${a.code}`;

type Sum = { numerator: number; denominator: number };

export function evaluate(request: EvaluationRequest): EvaluationResult {
  const { indicator, kind, before, after } = request;
  const scale = request.scale ?? 1;
  if (request.treatedAreas.length === 0) throw new PlanningDomainError('EVALUATION_NO_AREAS', "give at least one treated area (the measure's areas)", { key: indicator, field: 'treatedAreas' });
  if (request.comparisonAreas.length === 0)
    throw new PlanningDomainError('EVALUATION_NO_AREAS', 'give at least one comparison area not covered by the measure', { key: indicator, field: 'comparisonAreas' });
  const treatedKeys = new Set(request.treatedAreas.map(refKey));
  const overlap = request.comparisonAreas.filter((a) => treatedKeys.has(refKey(a)));
  if (overlap.length > 0)
    throw new PlanningDomainError('EVALUATION_COMPARISON_OVERLAPS_TREATED', `comparison areas ${overlap.map(label).join(', ')} are covered by the measure; choose areas the measure does not cover`, {
      key: indicator,
      field: 'comparisonAreas',
    });

  const byKey = new Map<string, IndicatorValue>();
  for (const v of request.values) byKey.set(`${refKey(v.area)}|${v.period}`, v);

  const lookup = (area: AreaRef, period: string): Sum => {
    const v = byKey.get(`${refKey(area)}|${period}`);
    if (v === undefined)
      throw new PlanningDomainError('EVALUATION_VALUE_MISSING', `no value of ${indicator} for ${label(area)} in ${period}; fetch it or choose other periods/areas`, {
        key: indicator,
        field: 'values',
      });
    if (kind === 'rate') {
      if (v.numerator === undefined || v.denominator === undefined)
        throw new PlanningDomainError('EVALUATION_VALUE_KIND_MISMATCH', `${indicator} is a rate; give {numerator, denominator} for ${label(area)} in ${period}, not a ready-made rate`, {
          key: indicator,
          field: 'values',
        });
      return { numerator: v.numerator, denominator: v.denominator };
    }
    if (v.value === undefined)
      throw new PlanningDomainError('EVALUATION_VALUE_KIND_MISMATCH', `${indicator} is a count; give {value} for ${label(area)} in ${period}`, { key: indicator, field: 'values' });
    return { numerator: v.value, denominator: 1 };
  };

  const sumOf = (areas: readonly AreaRef[], period: string): Sum =>
    areas.map((a) => lookup(a, period)).reduce((s, x) => ({ numerator: s.numerator + x.numerator, denominator: s.denominator + x.denominator }), { numerator: 0, denominator: 0 });

  const valueIn = (s: Sum, what: string, period: string): number => {
    if (kind === 'count') return s.numerator;
    if (s.denominator === 0)
      throw new PlanningDomainError('EVALUATION_DENOMINATOR_ZERO', `the denominator of ${indicator} for ${what} in ${period} is 0; the rate is undefined there`, {
        key: indicator,
        field: 'values',
      });
    return (scale * s.numerator) / s.denominator;
  };

  const group = (areas: readonly AreaRef[], sums: { before: Sum; after: Sum }, what: string): GroupFigures => {
    const b = valueIn(sums.before, what, before);
    const a = valueIn(sums.after, what, after);
    return { areas, before: b, after: a, change: a - b, ...(kind === 'rate' ? { sums } : {}) };
  };

  const treatedSums = { before: sumOf(request.treatedAreas, before), after: sumOf(request.treatedAreas, after) };
  const treated = group(request.treatedAreas, treatedSums, 'the treated areas');
  const comparison = group(request.comparisonAreas, { before: sumOf(request.comparisonAreas, before), after: sumOf(request.comparisonAreas, after) }, 'the comparison areas');

  const cityArea = request.cityArea ?? { level: 'STADT', code: '0' };
  const hasCity = byKey.has(`${refKey(cityArea)}|${before}`) && byKey.has(`${refKey(cityArea)}|${after}`);
  let cityPart: Pick<EvaluationResult, 'city' | 'restOfCity' | 'didVsCity' | 'didVsRestOfCity'> = {};
  if (hasCity) {
    const citySums = { before: lookup(cityArea, before), after: lookup(cityArea, after) };
    const city = group([cityArea], citySums, 'the city');
    const minus = (x: Sum, y: Sum): Sum => ({ numerator: x.numerator - y.numerator, denominator: x.denominator - y.denominator });
    const restOfCity = group([cityArea], { before: minus(citySums.before, treatedSums.before), after: minus(citySums.after, treatedSums.after) }, 'the rest of the city');
    cityPart = { city, restOfCity, didVsCity: treated.change - city.change, didVsRestOfCity: treated.change - restOfCity.change };
  }

  return { indicator, kind, before, after, treated, comparison, ...cityPart, didVsComparison: treated.change - comparison.change };
}

/** Evaluates a measure on its goal's indicator; the treated areas are the measure's areas. */
export function evaluateMeasure(input: {
  readonly measure: Pick<MeasureRecord, 'key' | 'areas'>;
  readonly goal: Pick<GoalRecord, 'key' | 'indicator' | 'targetValue'>;
  readonly kind: 'rate' | 'count';
  readonly comparisonAreas: readonly AreaRef[];
  readonly before: string;
  readonly after: string;
  readonly values: readonly IndicatorValue[];
  readonly cityArea?: AreaRef;
  readonly scale?: number;
}): EvaluationResult & { readonly measureKey: string; readonly goalKey: string; readonly targetValue?: number } {
  const indicator = input.goal.indicator;
  if (indicator === undefined) throw new PlanningDomainError('GOAL_INDICATOR_MISSING', 'the goal has no indicator to evaluate the measure with', { key: input.goal.key, field: 'indicator' });
  const result = evaluate({
    indicator,
    kind: input.kind,
    treatedAreas: input.measure.areas,
    comparisonAreas: input.comparisonAreas,
    before: input.before,
    after: input.after,
    values: input.values,
    ...(input.cityArea ? { cityArea: input.cityArea } : {}),
    ...(input.scale !== undefined ? { scale: input.scale } : {}),
  });
  return { ...result, measureKey: input.measure.key, goalKey: input.goal.key, ...(input.goal.targetValue !== undefined ? { targetValue: input.goal.targetValue } : {}) };
}
