import { describe, expect, it } from 'vitest';
import { parseCatalogue, type Component, type IndicatorPlan } from './catalogue.js';
import {
  aggregatePlanningAreas,
  change,
  deliveredThreshold,
  deliveredValueHidden,
  evaluateIndicator,
  evaluatePlan,
  ratio,
  rollUp,
  rollUpRatio,
  sumObservations,
  underlyingCounts,
  type AreaRef,
  type Observation,
} from './compute.js';

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

describe('delivered values (area-statistic v3: shares, rates, means, signed changes)', () => {
  const catalogue = parseCatalogue(`catalogueVersion: 1
datasets:
  h: { name: h, periodicity: year, amt: statistik, synthetic: false }
indicators:
  - { code: anteil, version: 1, kind: delivered, valueKind: SHARE, name: n, definition: d, unit: "%", amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: false, dataset: h, measure: sgb2_anteil, dimensions: { geschlecht: w } }
  - { code: veraenderung, version: 1, kind: delivered, valueKind: CHANGE, name: n, definition: d, unit: Personen, amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: false, dataset: h, measure: sgb2_diff }
  - { code: rate, version: 1, kind: delivered, valueKind: RATE, factor: 1000, name: n, definition: d, unit: je 1.000, amt: statistik, polarity: -1, updateInterval: jährlich, synthetic: false, dataset: h, measure: al_rate }
`);
  const share = catalogue.compile('anteil');
  const changePlan = catalogue.compile('veraenderung');
  const rate = catalogue.compile('rate');
  if (share.kind !== 'delivered' || changePlan.kind !== 'delivered' || rate.kind !== 'delivered') throw new Error('not delivered');

  it('compiles to the delivered value and its denominator, read at exactly the named dimension', () => {
    expect(share).toMatchObject({
      valueKind: 'SHARE',
      factor: 100,
      value: { measure: 'sgb2_anteil', dims: { geschlecht: ['w'] } },
      denominator: { measure: 'sgb2_anteil.denominator', dims: { geschlecht: ['w'] } },
    });
    expect(changePlan).toMatchObject({ valueKind: 'CHANGE', factor: undefined, mode: 'absolute' });
  });

  it('evaluates to the value as delivered (a change may be negative), never a ratio of its parts', () => {
    const cells: Record<string, number> = { sgb2_diff: -42, 'sgb2_diff.denominator': 1200 };
    expect(evaluatePlan(changePlan, '2013', (c) => cells[c.measure])).toEqual({ value: -42, numerator: null, denominator: 1200 });
    expect(evaluatePlan(share, '2013', () => undefined)).toBeUndefined();
    expect(evaluatePlan(share, '2013', (c) => (c.measure === 'sgb2_anteil' ? 12.5 : undefined))).toEqual({ value: 12.5, numerator: null, denominator: null });
  });

  it('knows the counts a value stands on: numerator, complement, base and later count', () => {
    expect(underlyingCounts(share, { value: 12.5, denominator: 80 })).toEqual([80, 10, 70]);
    expect(underlyingCounts(rate, { value: 25, denominator: 2000 })).toEqual([2000, 50]);
    expect(underlyingCounts(changePlan, { value: -42, denominator: 1200 })).toEqual([1200, 1158]);
    expect(underlyingCounts({ valueKind: 'CHANGE', factor: undefined, mode: 'relative' }, { value: -50, denominator: 10 })).toEqual([10, 5]);
    expect(underlyingCounts({ valueKind: 'MEAN', factor: undefined, mode: 'absolute' }, { value: 31_000, denominator: 4 })).toEqual([4]);
    expect(underlyingCounts(share, { value: 12.5, denominator: null })).toBeUndefined();
  });

  it('withholds a value whose denominator, numerator or complement is a small count, like the count itself', () => {
    const t = deliveredThreshold({ suppressBelow: 0, perturbation: { blockedUpTo: 2 } });
    expect(t).toBe(3);
    expect(deliveredThreshold({ suppressBelow: 5, perturbation: { blockedUpTo: 2 } })).toBe(5);
    // 50 % of 2: one person
    expect(deliveredValueHidden(share, { value: 50, denominator: 2 }, t)).toBe(true);
    // 1 of 40 and 39 of 40 give one person away; 0 of 40 is no small group
    expect(deliveredValueHidden(share, { value: 2.5, denominator: 40 }, t)).toBe(true);
    expect(deliveredValueHidden(share, { value: 97.5, denominator: 40 }, t)).toBe(true);
    expect(deliveredValueHidden(share, { value: 0, denominator: 40 }, t)).toBe(false);
    expect(deliveredValueHidden(share, { value: 25, denominator: 40 }, t)).toBe(false);
    // a change from 2 people, or to 1
    expect(deliveredValueHidden(changePlan, { value: 7, denominator: 2 }, t)).toBe(true);
    expect(deliveredValueHidden(changePlan, { value: -9, denominator: 10 }, t)).toBe(true);
    expect(deliveredValueHidden(changePlan, { value: -42, denominator: 1200 }, t)).toBe(false);
    // without a denominator the value tells no count: shown as published
    expect(deliveredValueHidden(share, { value: 50, denominator: null }, t)).toBe(false);
  });
});
