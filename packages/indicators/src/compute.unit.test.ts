import { describe, expect, it } from 'vitest';
import { parseCatalogue, type Component, type IndicatorPlan } from './catalogue.js';
import { aggregatePlanningAreas, change, evaluateIndicator, evaluatePlan, ratio, rollUp, rollUpRatio, sumObservations, type AreaRef, type Observation } from './compute.js';

const parentOf = (a: AreaRef): AreaRef | undefined => (a.level === 'STADTTEIL' ? { level: 'STADTBEZIRK', code: a.code[0]! } : a.level === 'STADTBEZIRK' ? { level: 'STADT', code: '0' } : undefined);

describe('sumObservations', () => {
  const obs: Observation[] = [
    { measure: 'einwohner_alter', dimensions: { alter: '0-3' }, value: 10 },
    { measure: 'einwohner_alter', dimensions: { alter: '3-6' }, value: 20 },
    { measure: 'einwohner_alter', dimensions: { alter: '65-75' }, value: 5 },
    { measure: 'sgb2_personen', dimensions: { alter: 'u15', geschlecht: 'w' }, value: 3 },
    { measure: 'sgb2_personen', dimensions: { alter: 'u15', geschlecht: 'm' }, value: 4 },
  ];
  it('sums the selected dimension values and all values of unnamed dimensions', () => {
    expect(sumObservations(obs, { measure: 'einwohner_alter', dims: { alter: ['0-3', '3-6'] } })).toBe(30);
    expect(sumObservations(obs, { measure: 'einwohner_alter' })).toBe(35);
    expect(sumObservations(obs, { measure: 'sgb2_personen', dims: { alter: ['u15'] } })).toBe(7);
    expect(sumObservations(obs, { measure: 'sgb2_personen', dims: { alter: ['65+'] } })).toBeUndefined();
  });
});

describe('ratio and change', () => {
  it('divides with a factor and refuses a zero denominator', () => {
    expect(ratio(3, 12, 100)).toBe(25);
    expect(ratio(3, 0, 100)).toBeNull();
  });
  it('computes absolute and relative change', () => {
    expect(change(110, 100, 'absolute')).toBe(10);
    expect(change(110, 100, 'relative')).toBeCloseTo(10, 12);
    expect(change(5, 0, 'relative')).toBeNull();
    expect(change(5, null, 'absolute')).toBeNull();
  });
});

describe('roll-up sums numerators and denominators', () => {
  it('sums counts to every ancestor', () => {
    const out = rollUp(
      [
        { level: 'STADTTEIL', code: '101', value: 5 },
        { level: 'STADTTEIL', code: '102', value: 7 },
        { level: 'STADTTEIL', code: '201', value: 1 },
      ],
      parentOf,
    );
    const v = Object.fromEntries(out.map((c) => [`${c.level}:${c.code}`, c.value]));
    expect(v).toEqual({ 'STADTTEIL:101': 5, 'STADTTEIL:102': 7, 'STADTTEIL:201': 1, 'STADTBEZIRK:1': 12, 'STADTBEZIRK:2': 1, 'STADT:0': 13 });
  });

  it('never averages rates', () => {
    // 101: 10/100 = 10 %, 102: 90/300 = 30 % → Bezirk (10+90)/(100+300) = 25 %, not the mean 20 %
    const out = rollUpRatio(
      [
        { level: 'STADTTEIL', code: '101', numerator: 10, denominator: 100 },
        { level: 'STADTTEIL', code: '102', numerator: 90, denominator: 300 },
      ],
      parentOf,
      100,
    );
    expect(out.find((c) => c.code === '1')).toMatchObject({ numerator: 100, denominator: 400, value: 25 });
    expect(out.find((c) => c.code === '101')?.value).toBe(10);
  });

  it('builds planning areas from members and marks missing members instead of undercounting', () => {
    const cells = [
      { level: 'STADTTEIL', code: '609', value: 100 },
      { level: 'STADTTEIL', code: '610', value: 50 },
    ];
    const [a, b] = aggregatePlanningAreas(cells, [
      {
        level: 'SOZIALRAUM',
        code: 'x',
        members: [
          { level: 'STADTTEIL', code: '609' },
          { level: 'STADTTEIL', code: '610' },
        ],
      },
      {
        level: 'SOZIALRAUM',
        code: 'y',
        members: [
          { level: 'STADTTEIL', code: '609' },
          { level: 'STADTVIERTEL', code: '60301' },
        ],
      },
    ]);
    expect(a).toMatchObject({ value: 150, missing: [] });
    expect(b).toMatchObject({ value: null, missing: [{ level: 'STADTVIERTEL', code: '60301' }] });
  });
});

describe('evaluateIndicator', () => {
  const cat = parseCatalogue(`
catalogueVersion: 1
datasets:
  pop: { name: p, periodicity: year, amt: statistik, synthetic: false }
  sgb: { name: s, periodicity: month, amt: jobcenter, synthetic: true }
indicators:
  - { code: ew_u65, version: 1, kind: count, name: n, definition: d, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: pop, measure: einwohner_alter, dimensions: { alter: [u65] } }
  - { code: sgb, version: 1, kind: count, name: n, definition: d, unit: P, amt: jobcenter, polarity: -1, updateInterval: monatlich, synthetic: true, dataset: sgb, measure: sgb2_personen }
  - { code: quote, version: 1, kind: ratio, name: n, definition: d, unit: "%", amt: jobcenter, polarity: -1, updateInterval: monatlich, synthetic: true, numerator: sgb, denominator: ew_u65, factor: 100 }
  - { code: quote_d12, version: 1, kind: change, name: n, definition: d, unit: pp, amt: jobcenter, polarity: -1, updateInterval: monatlich, synthetic: true, of: quote, periods: 12, mode: absolute }
`);
  const data: Record<string, number> = { 'sgb2_personen@2012-07': 150, 'sgb2_personen@2011-07': 100, 'einwohner_alter@2012': 1000, 'einwohner_alter@2011': 1000 };
  const seen: string[] = [];
  const lookup = (c: Component, p: string) => {
    seen.push(`${c.measure}@${p}`);
    return data[`${c.measure}@${p}`];
  };

  it('divides a monthly count by the population of that year', () => {
    expect(evaluateIndicator(cat, 'quote', '2012-07', lookup)).toBe(15);
    expect(seen).toContain('einwohner_alter@2012');
  });
  it('computes the change against the same month a year earlier, in percentage points', () => {
    expect(evaluateIndicator(cat, 'quote_d12', '2012-07', lookup)).toBeCloseTo(5, 12);
  });
  it('returns null when a component is missing', () => {
    expect(evaluateIndicator(cat, 'quote', '2010-07', lookup)).toBeNull();
  });
});

describe('evaluatePlan: the one evaluation of counts, ratios and changes', () => {
  const plan = (kind: 'count' | 'ratio'): IndicatorPlan => {
    const c: Component = { dataset: 'd', measure: 'n', dims: {}, sourceLevel: 'STADTTEIL' };
    const d: Component = { dataset: 'd', measure: 'd', dims: {}, sourceLevel: 'STADTTEIL' };
    return kind === 'count' ? { kind, code: 'n', version: 1, synthetic: false, component: c } : { kind, code: 'q', version: 1, synthetic: false, numerator: c, denominator: d, factor: 100 };
  };
  it('evaluates a ratio with the same rule as ratio(): no value for a denominator ≤ 0', () => {
    const values: Record<string, number> = { n: 5, d: 0 };
    expect(evaluatePlan(plan('ratio'), '2012', (c) => values[c.measure])).toEqual({ value: null, numerator: 5, denominator: 0 });
    values.d = -2;
    expect(evaluatePlan(plan('ratio'), '2012', (c) => values[c.measure])!.value).toBeNull();
    values.d = 20;
    expect(evaluatePlan(plan('ratio'), '2012', (c) => values[c.measure])).toEqual({ value: 25, numerator: 5, denominator: 20 });
  });
  it('is undefined when a count is absent, and a change compares n periods back', () => {
    expect(evaluatePlan(plan('count'), '2012', () => undefined)).toBeUndefined();
    const byPeriod: Record<string, number> = { '2012': 12, '2011': 10 };
    const ch: IndicatorPlan = { kind: 'change', code: 'c', version: 1, synthetic: false, base: plan('count'), periods: 1, mode: 'relative' };
    expect(evaluatePlan(ch, '2012', (_c, p) => byPeriod[p])!.value).toBeCloseTo(20, 12);
    expect(evaluatePlan(ch, '2013', (_c, p) => byPeriod[p])).toBeUndefined();
  });
});
