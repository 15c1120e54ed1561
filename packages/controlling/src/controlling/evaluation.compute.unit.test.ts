// Hand-computed difference in differences for sgb2_quote (SGB-II persons / population, in percent).
//            2018 num/den        2022 num/den
// 802 Kalk   4000 / 20000        3600 / 21000     treated
// 801 H/G    2000 / 16000        1900 / 16000     treated
// 803 Vingst 2500 / 12500        2600 / 13000     comparison
// 805 Ostheim1500 / 10000        1500 / 10000     comparison
// city      80000 / 1000000     78000 / 1010000
// treated:    6000/36000 = 16.6667 %  → 5500/37000 = 14.8649 %   change −1.8018
// comparison: 4000/22500 = 17.7778 %  → 4100/23000 = 17.8261 %   change +0.0483
// DiD vs comparison = −1.8018 − 0.0483 = −1.8501
// city: 8.0000 % → 7.7228 %, change −0.2772; DiD vs city = −1.5246
// rest of city: 74000/964000 = 7.6763 % → 72500/973000 = 7.4512 %, change −0.2252; DiD = −1.5766
// (Averaging the two treated rates would give 16.25 % before — the wrong figure.)
import { describe, expect, it } from 'vitest';
import { PlanningDomainError } from '../planning.errors.js';
import { evaluate, evaluateMeasure, type IndicatorValue } from './evaluation.compute.js';

const stt = (code: string) => ({ level: 'STADTTEIL', code });
const city = { level: 'STADT', code: '0' };
const rate = (area: { level: string; code: string }, period: string, numerator: number, denominator: number): IndicatorValue => ({ area, period, numerator, denominator });
const values: IndicatorValue[] = [
  rate(stt('802'), '2018', 4000, 20000),
  rate(stt('801'), '2018', 2000, 16000),
  rate(stt('803'), '2018', 2500, 12500),
  rate(stt('805'), '2018', 1500, 10000),
  rate(city, '2018', 80000, 1_000_000),
  rate(stt('802'), '2022', 3600, 21000),
  rate(stt('801'), '2022', 1900, 16000),
  rate(stt('803'), '2022', 2600, 13000),
  rate(stt('805'), '2022', 1500, 10000),
  rate(city, '2022', 78000, 1_010_000),
  rate(stt('802'), '2020', 3800, 20500),
];
const request = {
  indicator: 'sgb2_quote',
  kind: 'rate' as const,
  treatedAreas: [stt('802'), stt('801')],
  comparisonAreas: [stt('803'), stt('805')],
  before: '2018',
  after: '2022',
  values,
  scale: 100,
};

describe('evaluation (difference in differences)', () => {
  it('matches the hand-computed figures, aggregating rates by summing numerators and denominators', () => {
    const r = evaluate(request);
    expect(r.treated.before).toBeCloseTo(16.6667, 4);
    expect(r.treated.after).toBeCloseTo(14.8649, 4);
    expect(r.treated.change).toBeCloseTo(-1.8018, 4);
    expect(r.treated.sums).toEqual({ before: { numerator: 6000, denominator: 36000 }, after: { numerator: 5500, denominator: 37000 } });
    expect(r.comparison.before).toBeCloseTo(17.7778, 4);
    expect(r.comparison.change).toBeCloseTo(0.0483, 4);
    expect(r.didVsComparison).toBeCloseTo(-1.8501, 4);
    expect(r.city?.before).toBeCloseTo(8, 10);
    expect(r.city?.change).toBeCloseTo(-0.2772, 4);
    expect(r.didVsCity).toBeCloseTo(-1.5246, 4);
    expect(r.restOfCity?.before).toBeCloseTo(7.6763, 4);
    expect(r.didVsRestOfCity).toBeCloseTo(-1.5766, 4);
  });
  it('uses the periods the user chooses', () => {
    const r = evaluate({ ...request, treatedAreas: [stt('802')], comparisonAreas: [stt('803')], before: '2018', after: '2020', values: [...values, rate(stt('803'), '2020', 2550, 12750)] });
    // 802: 20 % → 3800/20500 = 18.5366 %; 803: 20 % → 20 %; DiD = −1.4634
    expect(r.didVsComparison).toBeCloseTo(-1.4634, 4);
    expect(r.city).toBeUndefined(); // no city value for 2020
  });
  it('sums counts', () => {
    const count = (code: string, period: string, value: number): IndicatorValue => ({ area: stt(code), period, value });
    const r = evaluate({
      indicator: 'sgb2_bg_alleinerziehend',
      kind: 'count',
      treatedAreas: [stt('802'), stt('801')],
      comparisonAreas: [stt('803')],
      before: '2018',
      after: '2022',
      values: [count('802', '2018', 500), count('801', '2018', 300), count('803', '2018', 400), count('802', '2022', 450), count('801', '2022', 290), count('803', '2022', 410)],
    });
    expect([r.treated.before, r.treated.after, r.comparison.change, r.didVsComparison]).toEqual([800, 740, 10, -70]);
  });
  it.each([
    [{ comparisonAreas: [stt('803'), stt('802')] }, 'EVALUATION_COMPARISON_OVERLAPS_TREATED'],
    [{ treatedAreas: [] }, 'EVALUATION_NO_AREAS'],
    [{ comparisonAreas: [] }, 'EVALUATION_NO_AREAS'],
    [{ before: '2017' }, 'EVALUATION_VALUE_MISSING'],
    [{ kind: 'count' as const }, 'EVALUATION_VALUE_KIND_MISMATCH'],
    [{ values: values.map((v) => (v.area.code === '805' ? rate(v.area, v.period, 0, 0) : v)), comparisonAreas: [stt('805')] }, 'EVALUATION_DENOMINATOR_ZERO'],
  ])('rejects %j with %s', (change, code) => {
    expect(() => evaluate({ ...request, ...change })).toThrow(PlanningDomainError);
    try {
      evaluate({ ...request, ...change });
    } catch (e) {
      expect((e as PlanningDomainError).code).toBe(code);
    }
  });
  it('rejects a ready-made rate where numerator and denominator are needed', () => {
    const withRate = values.map((v) => (v.area.code === '801' && v.period === '2018' ? { area: v.area, period: v.period, value: 12.5 } : v));
    expect(() => evaluate({ ...request, values: withRate })).toThrow(/numerator, denominator/);
  });
  it('evaluates a measure on its goal indicator and areas', () => {
    const r = evaluateMeasure({
      measure: { key: 'm', areas: [stt('802'), stt('801')] },
      goal: { key: 'g', indicator: 'sgb2_quote', targetValue: 15 },
      kind: 'rate',
      comparisonAreas: [stt('803'), stt('805')],
      before: '2018',
      after: '2022',
      values,
      scale: 100,
    });
    expect(r).toMatchObject({ measureKey: 'm', goalKey: 'g', targetValue: 15, indicator: 'sgb2_quote' });
    expect(r.didVsComparison).toBeCloseTo(-1.8501, 4);
    expect(() => evaluateMeasure({ measure: { key: 'm', areas: [] }, goal: { key: 'g' }, kind: 'rate', comparisonAreas: [], before: '1', after: '2', values: [] })).toThrow(/no indicator/);
  });
});
