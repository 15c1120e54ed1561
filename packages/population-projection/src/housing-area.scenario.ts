// A new housing area as a change to a projection (issue 20, deliver 2; not wired yet: see
// docs/projection.md §7.2). In its completion year the dwellings' first occupants move into the
// area — dwellings × occupancy persons, spread over single years of age by the movers' age profile
// and equally over both sexes — and from then on they age, bear children and migrate with the
// area's calibrated rates, like everyone else there: the area is projected again from the
// completion year with the movers added. Pure: no I/O.
import { z } from 'zod';
import { parseAgeBand } from './age-bands.js';
import type { AreaCalibration } from './calibration.model.js';
import { type Population, type ProjectedYear, projectArea } from './cohort-component.model.js';

export const housingAreaSchema = z
  .strictObject({
    /** the area (of the projection's level) the new dwellings are in */
    areaCode: z.string().min(1),
    dwellings: z.number().int('whole dwellings').min(1).max(100_000),
    /** persons per dwelling at first occupancy */
    occupancy: z.number().gt(0, 'more than 0 persons per dwelling').max(10),
    completionYear: z.number().int(),
    /** share of the movers per age band ("0-6": 0.2, …); the shares add up to 1 */
    ageProfile: z.record(z.string(), z.number().min(0).max(1)),
  })
  .superRefine((h, ctx) => {
    for (const label of Object.keys(h.ageProfile)) {
      try {
        parseAgeBand(label);
      } catch (e) {
        ctx.addIssue({ code: 'custom', path: ['ageProfile', label], message: (e as Error).message });
      }
    }
    const sum = Object.values(h.ageProfile).reduce((a, v) => a + v, 0);
    if (Math.abs(sum - 1) > 1e-6) ctx.addIssue({ code: 'custom', path: ['ageProfile'], message: `the shares add up to ${sum}; accepted: shares that add up to 1` });
  });
export type HousingArea = z.infer<typeof housingAreaSchema>;

export class HousingAreaError extends Error {
  override readonly name = 'HousingAreaError';
  constructor(
    readonly code: 'UNKNOWN_AREA' | 'COMPLETION_OUTSIDE_PROJECTION',
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The movers by sex and single year of age (omega = the model's open age). */
export function housingMovers(h: HousingArea, omega: number): Population {
  const movers: Population = { m: new Array(omega + 1).fill(0), f: new Array(omega + 1).fill(0) };
  const persons = h.dwellings * h.occupancy;
  for (const [label, share] of Object.entries(h.ageProfile)) {
    const band = parseAgeBand(label);
    const to = Math.min(band.to ?? omega + 1, omega + 1);
    const from = Math.min(band.from, omega);
    const years = Math.max(1, to - from);
    for (let x = from; x < from + years; x++) {
      movers.m[x]! += (persons * share) / years / 2;
      movers.f[x]! += (persons * share) / years / 2;
    }
  }
  return movers;
}

/**
 * The projection with the housing area: unchanged before the completion year, from then on the
 * area projected again with the movers added at the end of the completion year. Other areas are
 * returned as they are.
 */
export function withHousingArea(
  areas: ReadonlyMap<string, readonly ProjectedYear[]>,
  calibration: ReadonlyMap<string, AreaCalibration>,
  baseYear: number,
  input: HousingArea,
): Map<string, ProjectedYear[]> {
  const h = housingAreaSchema.parse(input);
  const years = areas.get(h.areaCode);
  const area = calibration.get(h.areaCode);
  if (!years || !area) throw new HousingAreaError('UNKNOWN_AREA', 'areaCode', `area "${h.areaCode}" is not in the projection; accepted: one of its ${areas.size} areas`);
  const horizon = years.at(-1)?.year ?? baseYear;
  if (h.completionYear <= baseYear || h.completionYear > horizon) {
    throw new HousingAreaError('COMPLETION_OUTSIDE_PROJECTION', 'completionYear', `completion year ${h.completionYear}; accepted: ${baseYear + 1}…${horizon} (the projected years)`);
  }
  const omega = area.base.m.length - 1;
  const movers = housingMovers(h, omega);
  const before = years.filter((y) => y.year < h.completionYear);
  const completion = years.find((y) => y.year === h.completionYear)!;
  const occupied: Population = { m: completion.population.m.map((v, x) => v + movers.m[x]!), f: completion.population.f.map((v, x) => v + movers.f[x]!) };
  const moved = movers.m.reduce((a, v) => a + v, 0) + movers.f.reduce((a, v) => a + v, 0);
  const after = projectArea(occupied, h.completionYear, horizon, area.rates);
  const out = new Map([...areas].map(([code, ys]) => [code, [...ys]]));
  out.set(h.areaCode, [...before, { ...completion, population: occupied, netMigration: completion.netMigration + moved }, ...after]);
  return out;
}
