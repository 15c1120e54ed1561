// The gateway's RegistrySource over @sp/registry: offer search and history, the planning norms, and
// the needs analysis with demand from the indicator warehouse (IndicatorPopulationSource) and the
// distance from each area's population-weighted centre to the nearest offer of the norm.
import type { NeedsRowView, NormView, OfferQuery, OfferView, RegistrySource, AreaRef, ScenarioSource, ScenarioView } from '../sources.js';
import { Taxonomy } from '@sp/feeds';
import type { IndicatorReader } from '@sp/indicator-store';
import { spatialAreaLocator, supplyFilterOf, type Norm, type Offer, type OfferFilter, type OfferRecord, type RegistryRepository } from '@sp/registry';
import { populationWeightedCentre, type AreaReference } from '@sp/spatial';
import { AreaRelations, areaKey } from './area.relations.js';
import { IndicatorPopulationSource, totalPopulationIndicator } from './population.source.js';
import { SourceError } from './source.errors.js';

export function registrySourceFrom(registry: RegistryRepository, reader: IndicatorReader, reference: AreaReference, scenarios?: ScenarioSource): RegistrySource {
  const relations = new AreaRelations(reference);
  const locator = spatialAreaLocator(reference);

  const normOf = (code: string): Norm => {
    const norm = registry.norms().find((n) => n.code === code);
    if (!norm)
      throw new SourceError(
        'UNKNOWN_NORM',
        `unknown norm "${code}"; known: ${registry
          .norms()
          .map((n) => n.code)
          .join(', ')}`,
        'norm',
      );
    return norm;
  };

  /** Population-weighted centres from the next finer areas (Bezirk ← Stadtteile); the centroid where those have no residents. */
  const centres = async (areas: readonly AreaRef[], period: string, privileged: boolean) => {
    const parts = new Map<string, AreaRef[]>();
    const wanted = new Map<string, Set<string>>();
    for (const a of areas) {
      const area = reference.get(a.level, a.code);
      if (!area) continue;
      const pieces = area.kind === 'planning' ? area.members : area.children;
      parts.set(areaKey(a), pieces);
      for (const p of pieces) wanted.set(p.level, (wanted.get(p.level) ?? new Set()).add(p.code));
    }
    const weights = new Map<string, number>();
    await Promise.all(
      [...wanted].map(async ([level, codes]) => {
        const rows = await reader.values({ indicator: totalPopulationIndicator, level, areaCodes: [...codes], periods: [period], privileged });
        for (const r of rows) if (!r.suppressed && r.value !== null) weights.set(areaKey({ level, code: r.areaCode }), r.value);
      }),
    );
    return areas.flatMap((a) => {
      const area = reference.get(a.level, a.code);
      if (!area) return [];
      const pieces = (parts.get(areaKey(a)) ?? []).map((p) => ({ centroid: reference.get(p.level, p.code)?.centroid, weight: weights.get(areaKey(p)) }));
      const complete = pieces.length > 0 && pieces.every((p) => p.centroid && p.weight !== undefined);
      const weighted = complete ? populationWeightedCentre(pieces.map((p) => ({ ...p.centroid!, weight: p.weight! }))) : undefined;
      return [{ area: a, ...(weighted ?? area.centroid) }];
    });
  };

  /** The places a scenario's facilities add (open) or take away (close) for a norm in a year, at the area they are in. */
  const facilityChanges = async (s: ScenarioView, normCode: string, year: number): Promise<{ area: AreaRef; places: number }[]> => {
    const out: { area: AreaRef; places: number }[] = [];
    for (const f of s.facilities) {
      if (f.norm !== normCode || f.year > year) continue;
      // the finest hierarchical level with that code (the projection's level)
      const level = reference.levels
        .filter((l) => !l.planning)
        .map((l) => l.level)
        .reverse()
        .find((l) => reference.get(l, f.areaCode));
      if (!level) continue;
      let places = f.capacity;
      if (places === null && f.offerKey !== null) places = (await registry.offerHistory(f.offerKey))?.versions.at(-1)?.record?.capacity?.value ?? 0;
      out.push({ area: { level, code: f.areaCode }, places: (f.change === 'open' ? 1 : -1) * (places ?? 0) });
    }
    return out;
  };

  return {
    async searchOffers(query) {
      const page = await registry.search(offerFilterOf(query), { offset: query.offset, limit: query.limit });
      return { items: page.items.map(offerView), total: page.total };
    },

    async offerHistory(key) {
      const history = await registry.offerHistory(key);
      if (!history) return [];
      // versions carry no areas of their own: place each the way the projection places the current one
      return history.versions.flatMap((v) => (v.tombstone || !v.record ? [] : [recordView(v.record, sortAreas(locator.locate(v.record.location.lat, v.record.location.lon) ?? []))]));
    },

    async norms() {
      return registry.norms().map(normView);
    },

    async needs({ norm: code, level, period, parentCode, privileged, scenario, normValue: askedNormValue }) {
      const norm = normOf(code);
      // a planner's scenario brings its own Richtwert and facilities (an asked normValue still wins: a what-if on top)
      const planned = scenario === undefined || !scenarios ? undefined : await scenarios.get(scenario);
      const normValue = askedNormValue ?? planned?.norms.find((n) => n.norm === norm.code)?.value;
      const population = new IndicatorPopulationSource(reader, { period, privileged, ageBands: Object.keys(norm.targetPopulation.ageBands ?? {}), ...(scenario === undefined ? {} : { scenario }) });
      const result = await registry.needs(norm.code, level, population, normValue);
      const suppressed = population.suppressedAreas(level);
      const changes = planned ? await facilityChanges(planned, norm.code, Number(period.slice(0, 4))) : [];
      const rows = result.areas.map((a) => {
        const supply =
          a.supply +
          changes.filter((c) => c.area.code === a.area.code || relations.containing(c.area).some((p) => p.level === a.area.level && p.code === a.area.code)).reduce((acc, c) => acc + c.places, 0);
        return { area: a.area, supply, demand: a.demand, coverage: a.demand ? supply / a.demand : null, gap: a.demand === null ? null : a.demand - supply };
      });
      // every area of the level appears; one without residents' figures and without counted offers has supply 0 and no demand
      const listed = new Set(rows.map((r) => r.area.code));
      for (const a of reference.areas(level)) {
        if (!listed.has(a.code)) rows.push({ area: { level, code: a.code }, supply: 0, demand: null, coverage: null, gap: null });
      }
      const inParent = parentCode === undefined ? rows : rows.filter((r) => relations.parentOf(r.area)?.code === parentCode);
      const points = await centres(
        inParent.map((r) => r.area),
        period,
        privileged,
      );
      const nearest = new Map((await registry.nearestDistances(points, supplyFilterOf(norm))).map((n) => [n.area.code, n.nearest?.distanceMeters ?? null]));
      return inParent.map(
        (r): NeedsRowView => ({
          norm: norm.code,
          area: r.area,
          period,
          supply: r.supply,
          demand: r.demand,
          coverage: r.coverage,
          gap: r.gap,
          nearestDistanceMeters: nearest.get(r.area.code) ?? null,
          suppressed: suppressed.has(r.area.code),
          normValue: normValue ?? norm.value,
          ...(scenario === undefined ? {} : { scenario }),
        }),
      );
    },
  };
}

function offerFilterOf(q: OfferQuery): OfferFilter {
  // the registry refuses empty lists and strings (zod .min(1)); to the gateway they mean "no filter"
  return {
    ...(q.offerTypes?.length ? { offerTypes: [...q.offerTypes] } : {}),
    ...(q.targetGroups?.length ? { targetGroups: [...q.targetGroups] } : {}),
    ...(q.languages?.length ? { languages: [...q.languages] } : {}),
    ...(q.area ? { area: { level: q.area.level, code: q.area.code } } : {}),
    ...(q.provider ? { provider: q.provider } : {}),
    ...(q.amt ? { amts: [q.amt] } : {}),
    ...(q.text?.trim() ? { text: q.text } : {}),
    ...(q.near ? { near: { lat: q.near.lat, lon: q.near.lon, radiusMeters: q.near.radiusMeters } } : {}),
    ...(q.bbox ? { bbox: { south: q.bbox.minLat, west: q.bbox.minLon, north: q.bbox.maxLat, east: q.bbox.maxLon } } : {}),
  };
}

function offerView(o: Offer): OfferView {
  return {
    key: o.key,
    version: o.version,
    name: o.name,
    offerType: o.offerType,
    subtype: o.subtype,
    provider: o.provider,
    amt: o.amt,
    targetGroups: o.targetGroups,
    address: o.address,
    location: o.location,
    capacity: o.capacity,
    reach: o.reach,
    areas: o.areas,
    validFrom: o.validFrom,
    validTo: o.validTo,
    source: o.source,
    attribution: o.attribution,
    synthetic: o.synthetic,
    openingHours: o.openingHours,
    languages: o.languages,
    accessibility: o.accessibility,
    contact: o.contact,
    ...(o.distanceMeters === undefined ? {} : { distanceMeters: o.distanceMeters }),
  };
}

function recordView(r: OfferRecord, areas: AreaRef[]): OfferView {
  return {
    key: r.key,
    version: r.version,
    name: r.name,
    offerType: r.offerType,
    subtype: r.subtype ?? null,
    provider: r.provider,
    amt: r.amt,
    targetGroups: r.targetGroups,
    address: { street: r.address.street ?? null, postcode: r.address.postcode ?? null, city: r.address.city },
    location: { lat: r.location.lat, lon: r.location.lon },
    capacity: r.capacity ? { value: r.capacity.value, unit: r.capacity.unit } : null,
    reach: r.reach,
    areas,
    validFrom: r.validFrom.slice(0, 10),
    validTo: r.validTo ? r.validTo.slice(0, 10) : null,
    source: r.source,
    attribution: r.attribution ?? null,
    synthetic: r.synthetic,
    openingHours: r.openingHours ?? null,
    languages: r.languages ?? [],
    accessibility: r.accessibility ? { wheelchair: r.accessibility.wheelchair, note: r.accessibility.note ?? null } : null,
    contact: r.contact ? { phone: r.contact.phone ?? null, email: r.contact.email ?? null, website: r.contact.website ?? null } : null,
  };
}

/** The order the repository gives an offer's areas in (level, then code). */
function sortAreas(areas: readonly AreaRef[]): AreaRef[] {
  return [...areas].sort((a, b) => (a.level < b.level ? -1 : a.level > b.level ? 1 : a.code < b.code ? -1 : a.code > b.code ? 1 : 0));
}

const number = new Intl.NumberFormat('de-DE', { maximumFractionDigits: 2 });

/** the registry's capacity units (taxonomy codes) as German words, for the norm's sentence */
const unitWords: Record<string, string> = { plaetze: 'Plätze', betten: 'Betten', stunden: 'Stunden', faelle: 'Fälle', quadratmeter: 'm²', angebote: 'Angebote' };

let taxonomy: Taxonomy | undefined;
/**
 * The taxonomy's German label of an offer type or target group: the norm's sentence is read by
 * planners and the public (dashboard, reports), who should not meet "ambulanter_pflegedienst". A
 * code the taxonomy does not know stays as it is.
 */
function labelOf(kind: 'offerType' | 'targetGroup', code: string): string {
  taxonomy ??= Taxonomy.load();
  return taxonomy.label(kind, code) ?? code;
}

function normView(n: Norm): NormView {
  const unit = n.supply.measure === 'count' ? 'angebote' : n.supply.unit;
  const types = n.offerTypes.map((t) => `„${labelOf('offerType', t)}“`).join(' oder ');
  const what = n.supply.measure === 'count' ? `${n.value === 1 ? 'Angebot' : 'Angebote'} der Art ${types}` : `${unitWords[unit] ?? unit} in Angeboten der Art ${types}`;
  const groups = n.targetGroups ? `, nur Angebote für ${n.targetGroups.map((g) => labelOf('targetGroup', g)).join(', ')}` : '';
  return {
    code: n.code,
    name: n.name,
    // every shipped norm has one offer type; several are listed comma-separated
    offerType: n.offerTypes.join(','),
    unit,
    description: `${number.format(n.value)} ${what} je ${number.format(n.per)} ${n.targetPopulation.label}${groups}.${n.source ? ` Quelle: ${n.source}.` : ''}${n.supplyNote ? ` Angebot: ${n.supplyNote}.` : ''}`,
    supplyNote: n.supplyNote ?? null,
  };
}
