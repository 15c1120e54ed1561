// The synthetic model: deterministic, labelled synthetic, calibrated to plausible city totals, driven
// by the real structure, computable by the catalogue, and with small cells that make suppression bite.
import { computeCompositeIndex, evaluateIndicator, hierarchyGroups, loadCatalogue, rollUp, sumObservations, suppressCounts, type AreaRef, type Component } from '@sp/indicators';
import { describe, expect, it } from 'vitest';
import { areaStatisticRecordSchema, type AreaStatisticRecord } from './area-statistic.js';
import { buildKoelnDemo } from './koeln.demo.js';
import { populationRecords } from './population.builder.js';
import { CITY_TARGETS, latentDeprivation, structureFromPopulation, syntheticRecords } from './synthetic.model.js';

const demo = buildKoelnDemo();
const population = populationRecords();
const catalogue = loadCatalogue();
const all = [...demo.real, ...demo.synthetic];
const index = new Map(all.map((r) => [r.key, r]));
const parentOf = (a: AreaRef): AreaRef | undefined => (a.level === 'STADTTEIL' ? { level: 'STADTBEZIRK', code: a.code[0]! } : a.level === 'STADTBEZIRK' ? { level: 'STADT', code: '0' } : undefined);
/** base-count lookup over the demo records, Stadtteil level, with city totals by summation */
const lookup = (area: string) => (c: Component, period: string) => {
  const codes = area === '0' ? [...new Set(population.map((r) => r.areaCode))] : [area];
  let s: number | undefined;
  for (const code of codes) {
    const r = index.get(`${c.dataset}|STADTTEIL|${code}|${period}`);
    const v = r && sumObservations(r.observations, c);
    if (v !== undefined) s = (s ?? 0) + v;
  }
  return s;
};
const total = (records: AreaStatisticRecord[], dataset: string, period: string, measure: string, dims: Record<string, string[]> = {}) =>
  records.filter((r) => r.dataset === dataset && r.period === period).reduce((s, r) => s + (sumObservations(r.observations, { measure, dims }) ?? 0), 0);

describe('synthetic model', () => {
  it('labels every record synthetic, keeps the schema and unique keys, and has a sane volume', () => {
    expect(demo.synthetic.every((r) => r.synthetic && areaStatisticRecordSchema.safeParse(r).success)).toBe(true);
    expect(new Set(demo.synthetic.map((r) => r.key)).size).toBe(demo.synthetic.length);
    const count = (ds: string) => demo.synthetic.filter((r) => r.dataset === ds).length;
    expect(count('sgb2')).toBe(86 * 60); // monthly 2008-01 … 2012-12
    for (const ds of ['grundsicherung', 'wohngeld', 'hze', 'schuleingang']) expect(count(ds)).toBe(86 * 5);
    expect(demo.synthetic.flatMap((r) => r.observations).every((o) => Number.isInteger(o.value) && o.value >= 0)).toBe(true);
    expect(demo.real.every((r) => !r.synthetic)).toBe(true);
  });

  it('is deterministic for a seed and differs for another seed', () => {
    const a = syntheticRecords(population, { seed: 7, from: '2011-11', to: '2012-02' });
    const b = syntheticRecords(population, { seed: 7, from: '2011-11', to: '2012-02' });
    const c = syntheticRecords(population, { seed: 8, from: '2011-11', to: '2012-02' });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(
      a
        .filter((r) => r.dataset === 'sgb2')
        .map((r) => r.period)
        .filter((p, i, xs) => xs.indexOf(p) === i),
    ).toEqual(['2011-11', '2011-12', '2012-01', '2012-02']);
  });

  it('meets the calibrated city totals within 3 %', () => {
    for (const y of [2008, 2009, 2010, 2011, 2012]) {
      const u65 = total(demo.synthetic, 'sgb2', `${y}-12`, 'sgb2_personen', { alter: ['u15', '15-65'] });
      expect(Math.abs(u65 / CITY_TARGETS.sgb2U65[y]! - 1), `sgb2 ${y}`).toBeLessThan(0.03);
      expect(Math.abs(total(demo.synthetic, 'grundsicherung', String(y), 'grundsicherung_alter') / CITY_TARGETS.grundsicherungAlter[y]! - 1)).toBeLessThan(0.03);
      expect(Math.abs(total(demo.synthetic, 'hze', String(y), 'hze_faelle') / CITY_TARGETS.hzeFaelle[y]! - 1)).toBeLessThan(0.03);
    }
    // city SGB-II-Quote through the catalogue: around 14 % of residents under 65
    const quote = evaluateIndicator(catalogue, 'sgb2_quote', '2012-12', lookup('0'))!;
    expect(quote).toBeGreaterThan(12);
    expect(quote).toBeLessThan(16);
  });

  it('keeps every part within its whole', () => {
    const pop = new Map(population.map((r) => [`${r.areaCode}|${r.period}`, r]));
    for (const r of demo.synthetic) {
      const v = (m: string, dims: Record<string, string[]> = {}) => sumObservations(r.observations, { measure: m, dims }) ?? 0;
      const p = pop.get(`${r.areaCode}|${r.period.slice(0, 4)}`)!;
      if (r.dataset === 'sgb2') {
        expect(v('sgb2_personen', { alter: ['u15'] })).toBeLessThanOrEqual(sumObservations(p.observations, { measure: 'einwohner_alter', dims: { alter: ['0-3', '3-6', '6-10', '10-15'] } })!);
        expect(v('sgb2_bg_alleinerziehend')).toBeLessThanOrEqual(v('sgb2_bedarfsgemeinschaften'));
        expect(v('sgb2_bedarfsgemeinschaften')).toBeLessThanOrEqual(v('sgb2_personen'));
      }
      if (r.dataset === 'schuleingang') for (const b of ['sprache', 'uebergewicht', 'motorik']) expect(v('schuleingang_befund', { befund: [b] })).toBeLessThanOrEqual(v('schuleingang_untersucht'));
    }
  });

  it('follows the real structure: higher latent deprivation, higher SGB-II-Quote; Sozialraum Stadtteile higher', () => {
    const D = latentDeprivation(structureFromPopulation(population), { seed: 2012, sozialraumStadtteile: new Set() });
    const codes = [...D.keys()];
    const q = new Map(codes.map((c) => [c, evaluateIndicator(catalogue, 'sgb2_quote', '2012-12', lookup(c))!]));
    const rank = (xs: number[]) => {
      const s = [...xs].sort((a, b) => a - b);
      return xs.map((x) => s.indexOf(x));
    };
    const rq = rank(codes.map((c) => q.get(c)!));
    // Spearman correlation of the quote with the share of foreigners (real data), must be clearly positive
    const foreign = codes.map((c) => evaluateIndicator(catalogue, 'auslaenderanteil', '2012', lookup(c))!);
    const rf = rank(foreign);
    const n = codes.length;
    const rho = 1 - (6 * rq.reduce((s, r, i) => s + (r - rf[i]!) ** 2, 0)) / (n * (n * n - 1));
    expect(rho).toBeGreaterThan(0.5);
    // Chorweiler (609) is among the 10 highest, the villa suburb Hahnwald (212) below the median
    const sorted = [...codes].sort((a, b) => q.get(b)! - q.get(a)!);
    expect(sorted.indexOf('609')).toBeLessThan(10);
    expect(sorted.indexOf('212')).toBeGreaterThan(n / 2);
    // Stadtteile of the 2006–2019 Sozialraumgebiete have on average at least 1.5 times the quote of the others
    const sr = new Set(['403', '406', '405', '507', '610', '609', '603', '804', '803', '805', '809', '801', '802', '213', '206', '903', '902', '901', '706', '716', '704', '705']);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(codes.filter((c) => sr.has(c)).map((c) => q.get(c)!))).toBeGreaterThan(1.5 * mean(codes.filter((c) => !sr.has(c)).map((c) => q.get(c)!)));
  });

  it('produces small counts so that Datenschutz suppression applies, including secondary suppression', () => {
    const stt = demo.synthetic
      .filter((r) => r.dataset === 'sgb2' && r.period === '2012-12')
      .map((r) => ({ level: 'STADTTEIL', code: r.areaCode, value: sumObservations(r.observations, { measure: 'sgb2_personen', dims: { alter: ['65+'] } })! }));
    const cells = rollUp(stt, parentOf);
    const out = suppressCounts(cells, { groups: hierarchyGroups(cells, parentOf) });
    expect(out.filter((c) => c.reason === 'PRIMARY').length).toBeGreaterThan(10);
    expect(out.some((c) => c.reason === 'SECONDARY')).toBe(true);
    expect(out.find((c) => c.level === 'STADT')?.suppressed).toBe(false);
  });

  it('feeds the composite index: all 86 Stadtteile scored, standardised, version carried', () => {
    const def = catalogue.resolveIndex('index_soziale_lage');
    const codes = [...new Set(population.map((r) => r.areaCode))];
    const inputs = Object.fromEntries(def.inputs.map((i) => [i.indicator, new Map(codes.map((c) => [c, evaluateIndicator(catalogue, i.indicator, '2012', lookup(c))]))]));
    const pop = new Map(codes.map((c) => [c, evaluateIndicator(catalogue, 'einwohner', '2012', lookup(c))]));
    const r = computeCompositeIndex(def, { inputs, population: pop });
    expect(r.definitionVersion).toBe(2);
    expect(r.areas.filter((a) => a.scored)).toHaveLength(86);
    const v = r.areas.map((a) => a.value!);
    expect(Math.abs(v.reduce((s, x) => s + x, 0) / v.length)).toBeLessThan(1e-9);
    expect(Math.abs(Math.sqrt(v.reduce((s, x) => s + x * x, 0) / v.length) - 1)).toBeLessThan(1e-9);
    expect(r.areas.find((a) => a.areaCode === '609')!.classCode).toMatch(/niedrig/);
  });

  it('offers every measure the catalogue reads', () => {
    for (const ind of catalogue.latest()) {
      if (ind.kind !== 'count') continue;
      const found = all.some((r) => r.dataset === ind.dataset && (sumObservations(r.observations, { measure: ind.measure, dims: ind.dimensions }) ?? 0) > 0);
      expect(found, ind.code).toBe(true);
    }
  });
});
