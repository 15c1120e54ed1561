// The features GIS clients read: the areas of a level (optionally with one indicator's value of
// one period as properties) and the offers of the registry as points. Shared by the OGC API
// (./ogc.routes.ts) and the GeoJSON/GeoPackage downloads (../export/geo.routes.ts). Values come
// only through the request's IndicatorService, so roles, protection and suppression are exactly
// those of GraphQL and the CSV exports.
import type { IndicatorValue } from '@sp/indicator-store';
import type { GatewayContext } from '../context.js';
import { expectedError } from '../errors.js';
import { noteOf } from '../export/export.routes.js';
import { registryOf } from '../schema/registry.js';
import { type AreaView, type GeoJsonGeometry, type OfferQuery, type OfferView } from '../sources.js';
import { type Envelope, type Interval, envelopeOf, intersects, overlaps } from './geometry.js';

export type PropertyType = 'string' | 'number' | 'integer' | 'boolean' | 'strings';

export interface PropertyDef {
  name: string;
  type: PropertyType;
  description: string;
}

export type PropertyValue = string | number | boolean | readonly string[] | null;

export interface Feature {
  id: string;
  geometry: GeoJsonGeometry | null;
  properties: Record<string, PropertyValue>;
}

/** The id of the offers collection; every other collection is an area level. */
export const offersCollection = 'offers';

const areaProperties: PropertyDef[] = [
  { name: 'code', type: 'string', description: 'official area code (the feature id)' },
  { name: 'name', type: 'string', description: 'area name' },
  { name: 'level', type: 'string', description: 'area level' },
  { name: 'parentLevel', type: 'string', description: 'level of the area this one lies in' },
  { name: 'parentCode', type: 'string', description: 'code of the area this one lies in' },
  { name: 'validFrom', type: 'string', description: 'first day the area is valid (ISO date)' },
  { name: 'validTo', type: 'string', description: 'last day the area is valid (ISO date), empty while valid' },
];

/** The value fields of GraphQL's IndicatorValue, plus what a map legend needs. */
const valueProperties: PropertyDef[] = [
  { name: 'indicator', type: 'string', description: 'indicator code' },
  { name: 'indicatorName', type: 'string', description: 'indicator name' },
  { name: 'unit', type: 'string', description: 'unit of the value' },
  { name: 'period', type: 'string', description: 'period of the value (year, quarter or month)' },
  { name: 'value', type: 'number', description: 'the value; empty when withheld or not computable, never 0 in their place' },
  { name: 'numerator', type: 'number', description: 'numerator of a rate' },
  { name: 'denominator', type: 'number', description: 'denominator of a rate' },
  { name: 'suppressed', type: 'boolean', description: 'the value is withheld for this reader' },
  { name: 'suppressionReason', type: 'string', description: 'PROTECTED ("geschützt") when withheld' },
  { name: 'confidential', type: 'boolean', description: 'the figure involves a confidential dataset' },
  { name: 'perturbed', type: 'boolean', description: 'computed from perturbed counts (what the public sees of confidential data)' },
  { name: 'synthetic', type: 'boolean', description: 'value of the synthetic demo model' },
  { name: 'knownAt', type: 'string', description: 'when the value became known; empty on confidential figures shown to the public' },
  { name: 'definitionVersion', type: 'integer', description: 'version of the indicator definition' },
  { name: 'note', type: 'string', description: 'disclosure note (perturbed or confidential)' },
];

const offerProperties: PropertyDef[] = [
  { name: 'key', type: 'string', description: 'registry key (the feature id)' },
  { name: 'version', type: 'integer', description: 'record version' },
  { name: 'name', type: 'string', description: 'name of the offer' },
  { name: 'offerType', type: 'string', description: 'type (Kita, Schule, …)' },
  { name: 'subtype', type: 'string', description: 'subtype' },
  { name: 'provider', type: 'string', description: 'provider (Träger)' },
  { name: 'amt', type: 'string', description: 'responsible Amt' },
  { name: 'targetGroups', type: 'strings', description: 'target groups' },
  { name: 'street', type: 'string', description: 'street and number' },
  { name: 'postcode', type: 'string', description: 'postcode' },
  { name: 'city', type: 'string', description: 'city' },
  { name: 'capacity', type: 'number', description: 'capacity' },
  { name: 'capacityUnit', type: 'string', description: 'unit of the capacity' },
  { name: 'reach', type: 'string', description: 'catchment (Einzugsbereich)' },
  { name: 'validFrom', type: 'string', description: 'valid from (ISO date)' },
  { name: 'validTo', type: 'string', description: 'valid to (ISO date)' },
  { name: 'source', type: 'string', description: 'data source' },
  { name: 'attribution', type: 'string', description: 'attribution the source licence requires' },
  { name: 'synthetic', type: 'boolean', description: 'synthetic demo record' },
];

export interface CollectionInfo {
  id: string;
  title: string;
  description: string;
  /** area level, null for offers */
  level: string | null;
  geometryType: 'MultiPolygon' | 'Point';
  extent: Envelope | null;
}

export interface ValueQuery {
  indicator: string;
  /** default: the latest period with values */
  period?: string | undefined;
  asOf?: string | undefined;
}

export interface FeatureQuery {
  bbox?: Envelope | undefined;
  datetime?: Interval | undefined;
  offset: number;
  /** null: every matching feature (downloads, bounded by limits.maxRows) */
  limit: number | null;
  values?: ValueQuery | undefined;
  offerTypes?: readonly string[] | undefined;
  targetGroups?: readonly string[] | undefined;
}

export interface FeaturePage {
  features: Feature[];
  numberMatched: number;
  /** the indicator and period the values belong to, when asked */
  values: { indicator: string; period: string } | null;
}

const title = (level: string) => level.charAt(0) + level.slice(1).toLowerCase();

/**
 * What the gateway serves as features, computed per gateway (extents are costly) and read per
 * request through a context.
 */
export class FeatureCatalogue {
  private readonly extents = new Map<string, Envelope | null>();
  private readonly envelopes = new Map<string, Map<string, Envelope | null>>();

  /** Area levels with areas in this city's reference, then offers when a registry is connected. */
  collections(ctx: GatewayContext): CollectionInfo[] {
    const levels = ctx.areas
      .levels()
      .map((l) => l.level)
      .filter((l) => ctx.areas.areas(l).length > 0);
    const out: CollectionInfo[] = levels.map((level) => ({
      id: level.toLowerCase(),
      title: title(level),
      description: `The areas of level ${level} with code, name and parent. Add indicator=<code> (and period=<period>, default the latest) to get that indicator's value per area as properties.`,
      level,
      geometryType: 'MultiPolygon',
      extent: this.levelExtent(ctx, level),
    }));
    if (ctx.registry) {
      out.push({
        id: offersCollection,
        title: 'Angebote',
        description: 'Offers of social infrastructure from the registry (Kitas, Schulen, Beratungsstellen, …) as points. Filter with offerType and targetGroup (comma-separated).',
        level: null,
        geometryType: 'Point',
        extent: null,
      });
    }
    return out;
  }

  collection(ctx: GatewayContext, id: string): CollectionInfo {
    const found = this.collections(ctx).find((c) => c.id === id);
    if (!found) {
      throw expectedError(
        'NOT_FOUND',
        `no collection "${id}"; available: ${this.collections(ctx)
          .map((c) => c.id)
          .join(', ')}`,
      );
    }
    return found;
  }

  properties(collection: CollectionInfo, withValues: boolean): PropertyDef[] {
    if (!collection.level) return offerProperties;
    return withValues ? [...areaProperties, ...valueProperties] : areaProperties;
  }

  async features(ctx: GatewayContext, collection: CollectionInfo, query: FeatureQuery): Promise<FeaturePage> {
    return collection.level ? this.areaFeatures(ctx, collection.level, query) : this.offerFeatures(ctx, query);
  }

  /** One feature by id, or NOT_FOUND. */
  async feature(ctx: GatewayContext, collection: CollectionInfo, id: string, values?: ValueQuery): Promise<{ feature: Feature; values: FeaturePage['values'] }> {
    if (collection.level) {
      const area = ctx.areas.area(collection.level, id);
      if (!area) throw expectedError('NOT_FOUND', `no feature "${id}" in collection ${collection.id}; the items list the codes`);
      const value = values ? await this.valuesOf(ctx, collection.level, values) : null;
      return { feature: this.areaFeature(ctx, area, value), values: value ? { indicator: value.indicator, period: value.period } : null };
    }
    const history = await registryOf(ctx).offerHistory(id);
    const latest = history[history.length - 1];
    if (!latest) throw expectedError('NOT_FOUND', `no feature "${id}" in collection ${offersCollection}; the items list the keys`);
    return { feature: offerFeature(latest), values: null };
  }

  // ---- areas ---------------------------------------------------------------------------------

  private async areaFeatures(ctx: GatewayContext, level: string, query: FeatureQuery): Promise<FeaturePage> {
    const value = query.values ? await this.valuesOf(ctx, level, query.values) : null;
    let areas = ctx.areas.areas(level);
    if (query.datetime) {
      const wanted = query.datetime;
      areas = areas.filter((a) => overlaps(wanted, a.validFrom ?? null, a.validTo ?? null));
    }
    if (query.bbox) {
      const box = query.bbox;
      const envelopes = this.levelEnvelopes(ctx, level);
      areas = areas.filter((a) => {
        const e = envelopes.get(a.code);
        return !!e && intersects(box, e, ctx.areas.geometry(level, a.code));
      });
    }
    const page = query.limit === null ? areas.slice(query.offset) : areas.slice(query.offset, query.offset + query.limit);
    if (query.limit === null && page.length > ctx.limits.maxRows) {
      throw expectedError('RESULT_TOO_LARGE', `${page.length} features exceed the limit of ${ctx.limits.maxRows}; narrow with bbox`, { limit: ctx.limits.maxRows });
    }
    return {
      features: page.map((a) => this.areaFeature(ctx, a, value)),
      numberMatched: areas.length,
      values: value ? { indicator: value.indicator, period: value.period } : null,
    };
  }

  private areaFeature(ctx: GatewayContext, area: AreaView, value: LevelValues | null): Feature {
    const properties: Record<string, PropertyValue> = {
      code: area.code,
      name: area.name,
      level: area.level,
      parentLevel: area.parent?.level ?? null,
      parentCode: area.parent?.code ?? null,
      validFrom: area.validFrom ?? null,
      validTo: area.validTo ?? null,
    };
    if (value) Object.assign(properties, valueFields(value, value.byCode.get(area.code) ?? null));
    return { id: area.code, geometry: ctx.areas.geometry(area.level, area.code), properties };
  }

  private async valuesOf(ctx: GatewayContext, level: string, q: ValueQuery): Promise<LevelValues> {
    const meta = ctx.indicators.indicator(q.indicator);
    let period = q.period;
    if (period === undefined) {
      const periods = await ctx.indicators.periods(q.indicator);
      period = periods[periods.length - 1];
      if (period === undefined) throw expectedError('NOT_FOUND', `indicator "${q.indicator}" has no values yet; give period=<period> once it has`, { argument: 'indicator' });
    }
    const rows = await ctx.indicators.values({ indicator: q.indicator, level, period, asOf: q.asOf ?? null });
    return {
      indicator: q.indicator,
      name: meta.name,
      unit: meta.unit,
      period,
      synthetic: meta.synthetic,
      definitionVersion: meta.version,
      confidential: meta.protection.confidential,
      byCode: new Map(rows.map((r) => [r.areaCode, r])),
    };
  }

  private levelEnvelopes(ctx: GatewayContext, level: string): Map<string, Envelope | null> {
    let out = this.envelopes.get(level);
    if (!out) {
      out = new Map(ctx.areas.areas(level).map((a) => [a.code, envelopeOf(ctx.areas.geometry(level, a.code))]));
      this.envelopes.set(level, out);
    }
    return out;
  }

  private levelExtent(ctx: GatewayContext, level: string): Envelope | null {
    if (!this.extents.has(level)) {
      const boxes = [...this.levelEnvelopes(ctx, level).values()].filter((e): e is Envelope => e !== null);
      this.extents.set(
        level,
        boxes.length === 0
          ? null
          : {
              minLon: Math.min(...boxes.map((b) => b.minLon)),
              minLat: Math.min(...boxes.map((b) => b.minLat)),
              maxLon: Math.max(...boxes.map((b) => b.maxLon)),
              maxLat: Math.max(...boxes.map((b) => b.maxLat)),
            },
      );
    }
    return this.extents.get(level) ?? null;
  }

  // ---- offers --------------------------------------------------------------------------------

  private async offerFeatures(ctx: GatewayContext, query: FeatureQuery): Promise<FeaturePage> {
    const registry = registryOf(ctx);
    const filter: Omit<OfferQuery, 'offset' | 'limit'> = {
      ...(query.offerTypes?.length ? { offerTypes: query.offerTypes } : {}),
      ...(query.targetGroups?.length ? { targetGroups: query.targetGroups } : {}),
      ...(query.bbox ? { bbox: query.bbox } : {}),
    };
    if (!query.datetime && query.limit !== null) {
      const page = await registry.searchOffers({ ...filter, offset: query.offset, limit: query.limit });
      return { features: page.items.map(offerFeature), numberMatched: page.total, values: null };
    }
    // validity is not a registry filter: read every match (bounded) and filter here
    const all: OfferView[] = [];
    for (let offset = 0; ; ) {
      const page = await registry.searchOffers({ ...filter, offset, limit: 500 });
      all.push(...page.items);
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) break;
      if (offset > ctx.limits.maxRows)
        throw expectedError('RESULT_TOO_LARGE', `more than ${ctx.limits.maxRows} offers match; narrow with bbox, offerType or targetGroup`, { limit: ctx.limits.maxRows });
    }
    const wanted = query.datetime;
    const matched = wanted ? all.filter((o) => overlaps(wanted, o.validFrom, o.validTo ?? null)) : all;
    const page = query.limit === null ? matched.slice(query.offset) : matched.slice(query.offset, query.offset + query.limit);
    return { features: page.map(offerFeature), numberMatched: matched.length, values: null };
  }
}

interface LevelValues {
  indicator: string;
  name: string;
  unit: string;
  period: string;
  synthetic: boolean;
  definitionVersion: number;
  confidential: boolean;
  byCode: Map<string, IndicatorValue>;
}

function valueFields(meta: LevelValues, v: IndicatorValue | null): Record<string, PropertyValue> {
  return {
    indicator: meta.indicator,
    indicatorName: meta.name,
    unit: meta.unit,
    period: meta.period,
    value: v?.value ?? null,
    numerator: v?.numerator ?? null,
    denominator: v?.denominator ?? null,
    suppressed: v?.suppressed ?? false,
    suppressionReason: v?.suppressionReason ?? null,
    confidential: v?.confidential ?? meta.confidential,
    perturbed: v?.perturbed ?? false,
    synthetic: v?.synthetic ?? meta.synthetic,
    knownAt: v?.knownAt ?? null,
    definitionVersion: v?.definitionVersion ?? meta.definitionVersion,
    note: v ? noteOf(v) : null,
  };
}

function offerFeature(o: OfferView): Feature {
  return {
    id: o.key,
    geometry: { type: 'Point', coordinates: [o.location.lon, o.location.lat] },
    properties: {
      key: o.key,
      version: o.version,
      name: o.name,
      offerType: o.offerType,
      subtype: o.subtype ?? null,
      provider: o.provider,
      amt: o.amt,
      targetGroups: [...o.targetGroups],
      street: o.address.street ?? null,
      postcode: o.address.postcode ?? null,
      city: o.address.city,
      capacity: o.capacity?.value ?? null,
      capacityUnit: o.capacity?.unit ?? null,
      reach: o.reach,
      validFrom: o.validFrom,
      validTo: o.validTo ?? null,
      source: o.source,
      attribution: o.attribution ?? null,
      synthetic: o.synthetic,
    },
  };
}
