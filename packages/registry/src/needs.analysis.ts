// Needs analysis (Bestand und Bedarf) as pure functions: supply per area from the registry's offers,
// demand from the target population and a planning norm, coverage and gap, ranking of the largest
// gaps, and the distance from area centres to the nearest offer. No I/O: the repository feeds it.
import { ExpectedError } from '@sp/ports';
import { haversineMeters } from '@sp/spatial';
import type { AreaRef } from './area.locator.js';
import type { Norm } from './richtwerte.catalogue.js';
import type { AreaPopulation } from './population.source.js';

/** A norm, level or age band the caller asked for that the analysis cannot use (the gateway shows it). */
export class NeedsError extends ExpectedError {
  override readonly name = 'NeedsError';
  constructor(
    override readonly code: 'UNKNOWN_NORM' | 'MISSING_AGE_BAND' | 'UNKNOWN_LEVEL',
    message: string,
  ) {
    super(code, message);
  }
}

export interface SupplyOffer {
  key: string;
  name: string;
  offerType: string;
  /** absent or null: no subtype (a norm naming subtypes does not count it) */
  subtype?: string | null;
  targetGroups: readonly string[];
  capacity: { value: number; unit: string } | null;
  /** areas whose supply counts the offer (registry_offer_supplies_area) */
  countsFor: readonly AreaRef[];
  /** areas the offer lies in (registry_offer_area) */
  locatedIn: readonly AreaRef[];
  lat: number;
  lon: number;
}

export interface AreaNeed {
  area: AreaRef;
  targetPopulation: number | null;
  /** targetPopulation / per × value; null when the area has no (complete) population figure */
  demand: number | null;
  /** why demand is null although the area has population figures, e.g. an age band suppressed for Datenschutz */
  populationIssue?: string;
  /** capacity in the norm's unit, or number of offers for count norms */
  supply: number;
  /** offers counted in supply */
  offers: number;
  /** capacity norms: offers that count for the area but have no capacity in the norm's unit (not in supply) */
  offersWithoutCapacity: number;
  /** offers located in the area whose reach is wider than the area (serve it, not counted here) */
  widerReachOffers: number;
  /** supply / demand; null when demand is null or 0 */
  coverage: number | null;
  /** demand − supply: positive = shortfall */
  gap: number | null;
}

export interface NeedsResult {
  normCode: string;
  normName: string;
  catalogueVersion: number;
  level: string;
  unit: string;
  areas: AreaNeed[];
}

/** Does the offer supply the norm (type, and target group when the norm names some)? */
export function suppliesNorm(norm: Norm, offer: Pick<SupplyOffer, 'offerType' | 'subtype' | 'targetGroups'>): boolean {
  if (!norm.offerTypes.includes(offer.offerType)) return false;
  if (norm.subtypes && !norm.subtypes.includes(offer.subtype ?? '')) return false;
  return !norm.targetGroups || norm.targetGroups.some((g) => offer.targetGroups.includes(g));
}

export function targetPopulationOf(norm: Norm, areaCode: string, pop: AreaPopulation): number {
  const bands = norm.targetPopulation.ageBands;
  if (!bands) return pop.total;
  let sum = 0;
  for (const [band, weight] of Object.entries(bands)) {
    const n = pop.byAge[band];
    if (n === undefined) {
      throw new NeedsError('MISSING_AGE_BAND', `norm ${norm.code}: area ${areaCode} has no residents for age band "${band}"; bands given: ${Object.keys(pop.byAge).join(', ') || 'none'}`);
    }
    sum += weight * n;
  }
  return sum;
}

/**
 * A band missing in every area is a configuration error (band labels do not match) and throws; a band
 * missing in some areas (suppressed small counts) leaves those areas without demand, with the reason.
 */
export function computeNeeds(norm: Norm, catalogueVersion: number, level: string, offers: readonly SupplyOffer[], population: ReadonlyMap<string, AreaPopulation>): NeedsResult {
  for (const band of Object.keys(norm.targetPopulation.ageBands ?? {})) {
    if (population.size > 0 && [...population.values()].every((p) => p.byAge[band] === undefined)) {
      const [code, pop] = [...population.entries()][0]!;
      targetPopulationOf(norm, code, pop); // throws MISSING_AGE_BAND naming the band and the bands given
    }
  }
  const codes = new Set(population.keys());
  const relevant = offers.filter((o) => suppliesNorm(norm, o));
  for (const o of relevant) for (const a of o.countsFor) if (a.level === level) codes.add(a.code);
  const areas: AreaNeed[] = [...codes]
    .sort((a, b) => a.localeCompare(b, 'de', { numeric: true }))
    .map((code) => {
      const pop = population.get(code);
      let target: number | null = null;
      let populationIssue: string | undefined;
      if (pop) {
        try {
          target = targetPopulationOf(norm, code, pop);
        } catch (e) {
          if (!(e instanceof NeedsError)) throw e;
          populationIssue = e.message;
        }
      }
      const demand = target === null ? null : (target / norm.per) * norm.value;
      let supply = 0;
      let counted = 0;
      let withoutCapacity = 0;
      let wider = 0;
      for (const o of relevant) {
        const counts = o.countsFor.some((a) => a.level === level && a.code === code);
        if (!counts) {
          if (o.locatedIn.some((a) => a.level === level && a.code === code)) wider++;
          continue;
        }
        if (norm.supply.measure === 'count') {
          supply += 1;
          counted++;
        } else if (o.capacity && o.capacity.unit === norm.supply.unit) {
          supply += o.capacity.value;
          counted++;
        } else {
          withoutCapacity++;
        }
      }
      return {
        area: { level, code },
        ...(populationIssue ? { populationIssue } : {}),
        targetPopulation: target,
        demand,
        supply,
        offers: counted,
        offersWithoutCapacity: withoutCapacity,
        widerReachOffers: wider,
        coverage: demand ? supply / demand : null,
        gap: demand === null ? null : demand - supply,
      };
    });
  return {
    normCode: norm.code,
    normName: norm.name,
    catalogueVersion,
    level,
    unit: norm.supply.measure === 'count' ? 'angebote' : norm.supply.unit,
    areas,
  };
}

/** Areas with a shortfall, largest gap first (ties: lower coverage first, then code). */
export function rankGaps(result: NeedsResult, limit = 10): AreaNeed[] {
  return result.areas
    .filter((a) => a.gap !== null && a.gap > 0)
    .sort((x, y) => y.gap! - x.gap! || (x.coverage ?? 0) - (y.coverage ?? 0) || x.area.code.localeCompare(y.area.code))
    .slice(0, limit);
}

export interface AreaPoint {
  area: AreaRef;
  lat: number;
  lon: number;
}

export interface NearestOffer {
  area: AreaRef;
  /** the point measured from (area centre) */
  from: { lat: number; lon: number };
  nearest: { key: string; name: string; distanceMeters: number } | null;
}

/** For each point the nearest offer by great-circle distance (ties: smaller key). */
export function nearestOffers(points: readonly AreaPoint[], offers: readonly Pick<SupplyOffer, 'key' | 'name' | 'lat' | 'lon'>[]): NearestOffer[] {
  return points.map((p) => {
    let best: NearestOffer['nearest'] = null;
    for (const o of offers) {
      const d = haversineMeters(p, o);
      if (!best || d < best.distanceMeters || (d === best.distanceMeters && o.key < best.key)) best = { key: o.key, name: o.name, distanceMeters: d };
    }
    return { area: p.area, from: { lat: p.lat, lon: p.lon }, nearest: best };
  });
}
