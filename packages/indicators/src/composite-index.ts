// Composite indices (e.g. "Index soziale Lage"): inputs z-standardised across the areas of one level
// (unweighted mean, population SD), polarity applied, summed, the sum standardised again and
// classified by SD thresholds. Areas below the minimum population are not scored.
import type { IndexClass } from './catalogue.schema.js';
import type { ResolvedIndex } from './catalogue.js';

export type IndexDefinition = Pick<ResolvedIndex, 'code' | 'version' | 'polarity' | 'inputs' | 'minPopulation' | 'classes'>;

export interface IndexInputData {
  /** indicator code → area code → value */
  inputs: Readonly<Record<string, ReadonlyMap<string, number | null | undefined>>>;
  /** area code → population (the areas of one level) */
  population: ReadonlyMap<string, number | null | undefined>;
}

export interface IndexAreaResult {
  areaCode: string;
  scored: boolean;
  reason: 'BELOW_MIN_POPULATION' | 'MISSING_INPUT' | null;
  /** z-score per input, before polarity */
  z: Record<string, number>;
  /** sum of polarity-aligned z-scores */
  sum: number | null;
  /** the standardised sum: the index value */
  value: number | null;
  classCode: string | null;
  classLabel: string | null;
}

export interface CompositeIndexResult {
  code: string;
  /** the version of the index definition that produced these values */
  definitionVersion: number;
  inputStats: { indicator: string; polarity: 1 | -1; mean: number; sd: number }[];
  sumStats: { mean: number; sd: number };
  areas: IndexAreaResult[];
}

/** Unweighted mean and population standard deviation (divisor n). */
export function meanAndPopulationSd(values: readonly number[]): { mean: number; sd: number } {
  const n = values.length;
  if (n === 0) return { mean: Number.NaN, sd: Number.NaN };
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / n);
  return { mean, sd };
}

/** z = (v − mean) / sd; 0 when all values are equal (sd 0) — no area differs from the others. */
const zOf = (v: number, s: { mean: number; sd: number }) => (s.sd > 0 ? (v - s.mean) / s.sd : 0);

/** The class whose `from` is the largest bound ≤ value (bounds inclusive). */
export function classify(value: number, classes: readonly IndexClass[]): IndexClass {
  let found = classes[0]!;
  for (const c of classes) if (c.from === null || value >= c.from) found = c;
  return found;
}

/**
 * Each input's contribution is z × input polarity × index polarity, so that for a burden index
 * (polarity −1: higher is worse) an input where higher is worse (−1) raises the index.
 */
export function computeCompositeIndex(def: IndexDefinition, data: IndexInputData): CompositeIndexResult {
  const indexSign = def.polarity === 0 ? 1 : def.polarity;
  const areaCodes = [...data.population.keys()].sort();
  const scored: string[] = [];
  const results = new Map<string, IndexAreaResult>();
  for (const code of areaCodes) {
    const pop = data.population.get(code);
    const r: IndexAreaResult = { areaCode: code, scored: false, reason: null, z: {}, sum: null, value: null, classCode: null, classLabel: null };
    results.set(code, r);
    if (pop == null || pop < def.minPopulation) {
      r.reason = 'BELOW_MIN_POPULATION';
      continue;
    }
    if (def.inputs.some((i) => !Number.isFinite(data.inputs[i.indicator]?.get(code) ?? Number.NaN))) {
      r.reason = 'MISSING_INPUT';
      continue;
    }
    r.scored = true;
    scored.push(code);
  }
  const inputStats = def.inputs.map((i) => {
    const s = meanAndPopulationSd(scored.map((c) => data.inputs[i.indicator]!.get(c)!));
    return { indicator: i.indicator, polarity: i.polarity, ...s };
  });
  for (const c of scored) {
    const r = results.get(c)!;
    let sum = 0;
    def.inputs.forEach((i, k) => {
      const z = zOf(data.inputs[i.indicator]!.get(c)!, inputStats[k]!);
      r.z[i.indicator] = z;
      sum += z * i.polarity * indexSign;
    });
    r.sum = sum;
  }
  const sumStats = meanAndPopulationSd(scored.map((c) => results.get(c)!.sum!));
  for (const c of scored) {
    const r = results.get(c)!;
    r.value = zOf(r.sum!, sumStats);
    const cls = classify(r.value, def.classes);
    r.classCode = cls.code;
    r.classLabel = cls.label;
  }
  return { code: def.code, definitionVersion: def.version, inputStats, sumStats, areas: areaCodes.map((c) => results.get(c)!) };
}
