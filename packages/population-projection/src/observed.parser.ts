// The observed population the model starts from: persons by age band (and by sex, where published)
// per area and year, Stichtag 31 December. Built from area-statistic records through a mapping
// that names the dataset, measures and dimensions, because those are a tenant's catalogue, not
// code. Checked once here, so the model can trust it: one set of bands, annual periods, counts ≥ 0,
// sex totals that add up to the band totals.
import { z } from 'zod';
import { type AgeBand, AgeBandError, ageBands } from './age-bands.js';
import type { ObservedMargins } from './age-sex-split.model.js';

export interface ObservedPopulation {
  areaLevel: string;
  bands: AgeBand[];
  /** areaCode → year → margins */
  areas: Map<string, Map<number, ObservedMargins>>;
}

/** Where a tenant's population statistics keep persons by age band and by sex. */
export const populationMappingSchema = z.strictObject({
  dataset: z.string().min(1),
  areaLevel: z.string().min(1),
  /** a published total to check the bands against, or null */
  total: z.strictObject({ measure: z.string().min(1) }).nullable(),
  age: z.strictObject({ measure: z.string().min(1), dimension: z.string().min(1) }),
  sex: z.strictObject({ measure: z.string().min(1), dimension: z.string().min(1), male: z.string().min(1), female: z.string().min(1) }).nullable(),
});
export type PopulationMapping = z.infer<typeof populationMappingSchema>;

const recordSchema = z.looseObject({
  dataset: z.string(),
  areaLevel: z.string(),
  areaCode: z.string().min(1),
  period: z.string(),
  observations: z.array(z.looseObject({ measure: z.string(), dimensions: z.record(z.string(), z.string()), value: z.number() })),
});
export type PopulationRecord = z.input<typeof recordSchema>;

export interface ObservedIssue {
  code: 'RECORD_INVALID' | 'PERIOD_NOT_ANNUAL' | 'BANDS' | 'BANDS_DIFFER' | 'COUNT_INVALID' | 'TOTAL_MISMATCH' | 'SEX_TOTAL_MISMATCH' | 'NO_DATA';
  /** which record: areaCode|period, or the record's index */
  where: string;
  message: string;
}

export class ObservedPopulationError extends Error {
  override readonly name = 'ObservedPopulationError';
  constructor(readonly issues: ObservedIssue[]) {
    super(issues.map((i) => `${i.code} at ${i.where}: ${i.message}`).join('; '));
  }
}

const ANNUAL = /^\d{4}$/;

/**
 * Observed population from area-statistic records (other datasets and levels are skipped). Throws
 * ObservedPopulationError listing every problem; returns nothing half-read.
 */
export function observedFromAreaStatistics(records: readonly unknown[], mappingInput: PopulationMapping): ObservedPopulation {
  const mapping = populationMappingSchema.parse(mappingInput);
  const issues: ObservedIssue[] = [];
  const rows: { code: string; year: number; bands: Map<string, number>; sex: Partial<Record<'m' | 'f', number>>; total: number | null; where: string }[] = [];
  records.forEach((raw, i) => {
    const parsed = recordSchema.safeParse(raw);
    if (!parsed.success) {
      issues.push({ code: 'RECORD_INVALID', where: `record ${i}`, message: `${parsed.error.issues[0]!.path.join('.')}: ${parsed.error.issues[0]!.message}` });
      return;
    }
    const r = parsed.data;
    if (r.dataset !== mapping.dataset || r.areaLevel !== mapping.areaLevel) return;
    const where = `${r.areaCode}|${r.period}`;
    if (!ANNUAL.test(r.period)) {
      issues.push({ code: 'PERIOD_NOT_ANNUAL', where, message: `period "${r.period}"; accepted: a year "YYYY" (Stichtag 31.12.)` });
      return;
    }
    const row = { code: r.areaCode, year: Number(r.period), bands: new Map<string, number>(), sex: {} as Partial<Record<'m' | 'f', number>>, total: null as number | null, where };
    for (const o of r.observations) {
      const isAge = o.measure === mapping.age.measure && o.dimensions[mapping.age.dimension] !== undefined;
      const isSex = mapping.sex !== null && o.measure === mapping.sex.measure && o.dimensions[mapping.sex.dimension] !== undefined;
      const isTotal = mapping.total !== null && o.measure === mapping.total.measure && Object.keys(o.dimensions).length === 0;
      if (!isAge && !isSex && !isTotal) continue;
      if (!(Number.isFinite(o.value) && o.value >= 0)) {
        issues.push({ code: 'COUNT_INVALID', where, message: `${o.measure} ${JSON.stringify(o.dimensions)} is ${o.value}; accepted: a count ≥ 0` });
        continue;
      }
      if (isAge) {
        const label = o.dimensions[mapping.age.dimension]!;
        row.bands.set(label, (row.bands.get(label) ?? 0) + o.value);
      } else if (isSex && mapping.sex) {
        const code = o.dimensions[mapping.sex.dimension];
        if (code === mapping.sex.male) row.sex.m = (row.sex.m ?? 0) + o.value;
        else if (code === mapping.sex.female) row.sex.f = (row.sex.f ?? 0) + o.value;
      } else row.total = o.value;
    }
    rows.push(row);
  });
  if (rows.length === 0 && issues.length === 0)
    issues.push({ code: 'NO_DATA', where: `${mapping.dataset}|${mapping.areaLevel}`, message: `no record of dataset "${mapping.dataset}" at level "${mapping.areaLevel}"` });

  let bands: AgeBand[] = [];
  const labels = rows[0] ? [...rows[0].bands.keys()].sort() : [];
  try {
    if (rows[0]) bands = ageBands(labels);
  } catch (e) {
    if (!(e instanceof AgeBandError)) throw e;
    issues.push({ code: 'BANDS', where: rows[0]!.where, message: e.message });
  }
  const areas = new Map<string, Map<number, ObservedMargins>>();
  for (const row of rows) {
    const own = [...row.bands.keys()].sort();
    if (own.join(',') !== labels.join(',')) {
      issues.push({ code: 'BANDS_DIFFER', where: row.where, message: `age bands ${own.join(', ') || '(none)'}; accepted: the same bands in every record (${labels.join(', ')})` });
      continue;
    }
    const bandValues = bands.map((b) => row.bands.get(b.label)!);
    const sum = bandValues.reduce((a, v) => a + v, 0);
    if (row.total !== null && Math.abs(row.total - sum) > 0.5)
      issues.push({ code: 'TOTAL_MISMATCH', where: row.where, message: `age bands sum to ${sum}, total ${mapping.total?.measure} is ${row.total}; accepted: equal sums` });
    let sex: Record<'m' | 'f', number> | null = null;
    if (row.sex.m !== undefined && row.sex.f !== undefined) {
      sex = { m: row.sex.m, f: row.sex.f };
      if (Math.abs(sex.m + sex.f - sum) > 0.5) issues.push({ code: 'SEX_TOTAL_MISMATCH', where: row.where, message: `sex totals sum to ${sex.m + sex.f}, age bands to ${sum}; accepted: equal sums` });
    }
    const years = areas.get(row.code) ?? new Map<number, ObservedMargins>();
    years.set(row.year, { bands: bandValues, sex });
    areas.set(row.code, years);
  }
  if (issues.length > 0) throw new ObservedPopulationError(issues);
  return { areaLevel: mapping.areaLevel, bands, areas };
}
