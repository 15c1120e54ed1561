// Hamburg's status index computed without the platform, from the parsed profile: the reference
// the e2e test holds the platform's answer against, and the comparison with an index built from the
// published shares (which the platform cannot take yet). Pure apart from nothing: data in, result out.
import { type Catalogue, type CompositeIndexResult, computeCompositeIndex } from '@sp/indicators';
import type { AreaStatisticRecord } from '../area-statistic.js';

export const hamburgIndexCode = 'statusindex_soziale_lage';

/** Count indicator values per area code at one level, as the platform sums them (dimensions filtered). */
function countsOf(catalogue: Catalogue, records: readonly AreaStatisticRecord[], level: string, code: string): Map<string, number> {
  const plan = catalogue.compile(code);
  if (plan.kind !== 'count') throw new Error(`${code} is no count`);
  const c = plan.component;
  const out = new Map<string, number>();
  for (const r of records) {
    if (r.areaLevel !== level || r.dataset !== c.dataset) continue;
    for (const o of r.observations) {
      if (o.measure !== c.measure) continue;
      if (!Object.entries(c.dims).every(([d, vs]) => vs.includes(o.dimensions[d] ?? ''))) continue;
      out.set(r.areaCode, (out.get(r.areaCode) ?? 0) + o.value);
    }
  }
  return out;
}

/** A ratio indicator's values per area (null where the denominator is 0 or missing). */
export function ratioValues(catalogue: Catalogue, records: readonly AreaStatisticRecord[], level: string, code: string): Map<string, number | null> {
  const i = catalogue.require(code);
  if (i.kind !== 'ratio') throw new Error(`${code} is no ratio`);
  const num = countsOf(catalogue, records, level, i.numerator);
  const den = countsOf(catalogue, records, level, i.denominator);
  return new Map([...den].map(([area, d]) => [area, d > 0 && num.has(area) ? (num.get(area)! / d) * i.factor : null]));
}

/** The index at one level from the delivered records, by @sp/indicators' one evaluator. */
export function hamburgIndexFromRecords(catalogue: Catalogue, records: readonly AreaStatisticRecord[], level = 'STADTTEIL'): CompositeIndexResult {
  const def = catalogue.resolveIndex(hamburgIndexCode);
  const inputs = Object.fromEntries(def.inputs.map((x) => [x.indicator, ratioValues(catalogue, records, level, x.indicator)]));
  return computeCompositeIndex(def, { inputs, population: countsOf(catalogue, records, level, def.population) });
}
