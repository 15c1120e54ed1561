// The registry's API for the platform and the GraphQL gateway: apply offer events, search, history,
// needs analysis and nearest-offer distances, all through the Database port.
import type { Database } from '@sp/ports';
import type { AreaLocator, AreaRef } from './area.locator.js';
import { computeNeeds, nearestOffers, NeedsError, rankGaps, type AreaNeed, type AreaPoint, type NearestOffer, type NeedsResult, type SupplyOffer } from './needs.analysis.js';
import { OfferProjection, type ApplyResult } from './offer.projection.js';
import { buildOfferWhere, pageSchema, type OfferFilter, type PageRequest } from './offer.search.js';
import type { PopulationSource } from './population.source.js';
import { migrateRegistry } from './registry.migrations.js';
import { loadRichtwerte, type Norm, type RichtwerteCatalogue } from './richtwerte.catalogue.js';
import type { OfferRecord, Reach } from './offer-event.schema.js';

export interface Offer {
  key: string;
  version: number;
  name: string;
  offerType: string;
  subtype: string | null;
  provider: string;
  amt: string;
  targetGroups: string[];
  address: { street: string | null; postcode: string | null; city: string };
  location: { lat: number; lon: number };
  capacity: { value: number; unit: string } | null;
  reach: Reach;
  /** the area served as a whole */
  reachArea: AreaRef;
  validFrom: string;
  validTo: string | null;
  source: string;
  /** licence attribution to show wherever the offer is displayed */
  attribution: string | null;
  synthetic: boolean;
  /** every area the offer lies in, STADT to STADTVIERTEL and planning areas */
  areas: AreaRef[];
  /** metres from filter.near, when searched by radius */
  distanceMeters?: number;
  /** offer v2 (null / empty when not stated): opening hours in plain words */
  openingHours: string | null;
  /** ISO 639-1 codes */
  languages: string[];
  accessibility: { wheelchair: 'yes' | 'limited' | 'no'; note: string | null } | null;
  contact: { phone: string | null; email: string | null; website: string | null } | null;
}

export interface OfferPage {
  items: Offer[];
  total: number;
  offset: number;
  limit: number;
  /** offset of the next page, null on the last page */
  nextOffset: number | null;
}

export interface OfferVersion {
  version: number;
  tombstone: boolean;
  amt: string;
  deliveryId: string;
  deliveredAt: string;
  record: OfferRecord | null;
  validFrom: string | null;
  validTo: string | null;
  /** when a newer version or a withdrawal replaced it (or, for a late older version, when it arrived) */
  endedAt: string | null;
  endedBy: number | null;
}

export interface OfferHistory {
  key: string;
  status: 'current' | 'withdrawn';
  currentVersion: number | null;
  withdrawnAt: string | null;
  versions: OfferVersion[];
}

export interface ProjectionIssue {
  key: string;
  version: number;
  code: string;
  message: string;
  deliveryId: string | null;
}

const offerColumns = `o.offer_key, o.version, o.name, o.offer_type, o.subtype, o.provider, o.amt, o.target_groups, o.street, o.postcode,
  o.city, o.lat, o.lon, o.capacity_value, o.capacity_unit, o.reach, o.reach_level, o.reach_code, o.valid_from::text AS valid_from,
  o.valid_to::text AS valid_to, o.source, o.attribution, o.synthetic,
  o.opening_hours, o.languages, o.wheelchair, o.accessibility_note, o.contact_phone, o.contact_email, o.contact_website,
  (SELECT coalesce(json_agg(json_build_object('level', a.area_level, 'code', a.area_code) ORDER BY a.area_level, a.area_code), '[]'::json)
     FROM registry_offer_area a WHERE a.offer_key = o.offer_key) AS areas`;

interface OfferRow {
  offer_key: string;
  version: number;
  name: string;
  offer_type: string;
  subtype: string | null;
  provider: string;
  amt: string;
  target_groups: string[];
  street: string | null;
  postcode: string | null;
  city: string;
  lat: number;
  lon: number;
  capacity_value: number | null;
  capacity_unit: string | null;
  reach: Reach;
  reach_level: string;
  reach_code: string;
  valid_from: string;
  valid_to: string | null;
  source: string;
  attribution: string | null;
  synthetic: boolean;
  areas: AreaRef[] | string;
  distance?: number | null;
  opening_hours: string | null;
  languages: string[] | null;
  wheelchair: 'yes' | 'limited' | 'no' | null;
  accessibility_note: string | null;
  contact_phone: string | null;
  contact_email: string | null;
  contact_website: string | null;
}

export class RegistryRepository {
  private readonly projection: OfferProjection;

  constructor(
    private readonly db: Database,
    locator: AreaLocator,
    private readonly catalogue: RichtwerteCatalogue = loadRichtwerte(),
  ) {
    this.projection = new OfferProjection(db, locator);
  }

  /** Creates or updates the registry tables (numbered migrations). */
  migrate(): Promise<string[]> {
    return migrateRegistry(this.db);
  }

  /** Projects decoded offer events; idempotent, order-tolerant, reports every event's outcome. */
  applyOfferEvents(events: readonly unknown[]): Promise<ApplyResult> {
    return this.projection.apply(events);
  }

  async search(filter: OfferFilter = {}, page: PageRequest = {}): Promise<OfferPage> {
    const { limit, offset } = pageSchema.parse(page);
    const { where, params, distance } = buildOfferWhere(filter);
    const total = Number((await this.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM registry_offer o WHERE ${where}`, params)).rows[0]?.n ?? 0);
    const order = distance ? `${distance}, o.offer_key` : 'o.name, o.offer_key';
    const rows = await this.db.query<OfferRow>(
      `SELECT ${offerColumns}${distance ? `, ${distance} AS distance` : ''} FROM registry_offer o WHERE ${where}
       ORDER BY ${order} LIMIT ${limit} OFFSET ${offset}`,
      params,
    );
    const items = rows.rows.map(toOffer);
    return { items, total, offset, limit, nextOffset: offset + items.length < total ? offset + items.length : null };
  }

  async getOffer(key: string): Promise<Offer | null> {
    const r = await this.db.query<OfferRow>(`SELECT ${offerColumns} FROM registry_offer o WHERE o.offer_key = $1`, [key]);
    return r.rows[0] ? toOffer(r.rows[0]) : null;
  }

  /** Every version of an offer ever received, oldest first; null for an unknown key. */
  async offerHistory(key: string): Promise<OfferHistory | null> {
    const head = (
      await this.db.query<{ head_version: number; head_tombstone: boolean; withdrawn_at: unknown }>('SELECT head_version, head_tombstone, withdrawn_at FROM registry_offer_key WHERE offer_key = $1', [
        key,
      ])
    ).rows[0];
    if (!head) return null;
    const rows = await this.db.query<{
      version: number;
      tombstone: boolean;
      amt: string;
      delivery_id: string;
      delivered_at: unknown;
      payload: unknown;
      valid_from: string | null;
      valid_to: string | null;
      ended_at: unknown;
      ended_by: number | null;
    }>(
      `SELECT version, tombstone, amt, delivery_id, delivered_at, payload, valid_from::text AS valid_from, valid_to::text AS valid_to, ended_at, ended_by
       FROM registry_offer_version WHERE offer_key = $1 ORDER BY version, tombstone`,
      [key],
    );
    return {
      key,
      status: head.head_tombstone ? 'withdrawn' : 'current',
      currentVersion: head.head_tombstone ? null : head.head_version,
      withdrawnAt: iso(head.withdrawn_at),
      versions: rows.rows.map((r) => ({
        version: r.version,
        tombstone: r.tombstone,
        amt: r.amt,
        deliveryId: r.delivery_id,
        deliveredAt: iso(r.delivered_at)!,
        record: (typeof r.payload === 'string' ? JSON.parse(r.payload) : r.payload) as OfferRecord | null,
        validFrom: r.valid_from,
        validTo: r.valid_to,
        endedAt: iso(r.ended_at),
        endedBy: r.ended_by,
      })),
    };
  }

  async projectionIssues(): Promise<ProjectionIssue[]> {
    const r = await this.db.query<{ offer_key: string; version: number; code: string; message: string; delivery_id: string | null }>(
      'SELECT offer_key, version, code, message, delivery_id FROM registry_projection_issue ORDER BY offer_key, version, code',
    );
    return r.rows.map((x) => ({ key: x.offer_key, version: x.version, code: x.code, message: x.message, deliveryId: x.delivery_id }));
  }

  norms(): readonly Norm[] {
    return this.catalogue.norms;
  }

  /** Supply, demand, coverage and gap per area of `level` for one norm. */
  /** `normValue` replaces the norm's Richtwert for this analysis (a planner's what-if), the catalogue stays as it is. */
  async needs(normCode: string, level: string, population: PopulationSource, normValue?: number): Promise<NeedsResult> {
    const norm = normValue === undefined ? this.norm(normCode) : { ...this.norm(normCode), value: normValue };
    const filter = supplyFilterOf(norm);
    const [offers, pop] = await Promise.all([this.supplyOffers(filter), population.populationByArea(level)]);
    return computeNeeds(norm, this.catalogue.version, level, offers, pop);
  }

  /** The areas of `level` with the largest shortfall for a norm. */
  async largestGaps(normCode: string, level: string, population: PopulationSource, limit = 10): Promise<AreaNeed[]> {
    return rankGaps(await this.needs(normCode, level, population), limit);
  }

  /**
   * Distance from each point (area centres: Stadtviertel centroids from areaCentres(), or
   * population-weighted centres) to the nearest current offer matching the filter (same filter as search).
   */
  async nearestDistances(points: readonly AreaPoint[], filter: OfferFilter): Promise<NearestOffer[]> {
    return nearestOffers(points, await this.supplyOffers(filter));
  }

  private norm(code: string): Norm {
    const n = this.catalogue.norms.find((x) => x.code === code);
    if (!n) throw new NeedsError('UNKNOWN_NORM', `unknown norm "${code}"; known: ${this.catalogue.norms.map((x) => x.code).join(', ')}`);
    return n;
  }

  private async supplyOffers(filter: OfferFilter): Promise<SupplyOffer[]> {
    const { where, params } = buildOfferWhere(filter);
    const r = await this.db.query<{
      offer_key: string;
      name: string;
      offer_type: string;
      subtype: string | null;
      target_groups: string[];
      capacity_value: number | null;
      capacity_unit: string | null;
      lat: number;
      lon: number;
      counts_for: AreaRef[] | string;
      located_in: AreaRef[] | string;
    }>(
      `SELECT o.offer_key, o.name, o.offer_type, o.subtype, o.target_groups, o.capacity_value, o.capacity_unit, o.lat, o.lon,
         (SELECT coalesce(json_agg(json_build_object('level', s.area_level, 'code', s.area_code)), '[]'::json)
            FROM registry_offer_supplies_area s WHERE s.offer_key = o.offer_key) AS counts_for,
         (SELECT coalesce(json_agg(json_build_object('level', a.area_level, 'code', a.area_code)), '[]'::json)
            FROM registry_offer_area a WHERE a.offer_key = o.offer_key) AS located_in
       FROM registry_offer o WHERE ${where} ORDER BY o.offer_key`,
      params,
    );
    return r.rows.map((x) => ({
      key: x.offer_key,
      name: x.name,
      offerType: x.offer_type,
      subtype: x.subtype,
      targetGroups: x.target_groups,
      capacity: x.capacity_value !== null && x.capacity_unit !== null ? { value: x.capacity_value, unit: x.capacity_unit } : null,
      lat: x.lat,
      lon: x.lon,
      countsFor: json<AreaRef[]>(x.counts_for),
      locatedIn: json<AreaRef[]>(x.located_in),
    }));
  }
}

function json<T>(v: unknown): T {
  return (typeof v === 'string' ? JSON.parse(v) : v) as T;
}

function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return (v instanceof Date ? v : new Date(String(v))).toISOString();
}

function toOffer(r: OfferRow): Offer {
  const offer: Offer = {
    key: r.offer_key,
    version: r.version,
    name: r.name,
    offerType: r.offer_type,
    subtype: r.subtype,
    provider: r.provider,
    amt: r.amt,
    targetGroups: r.target_groups,
    address: { street: r.street, postcode: r.postcode, city: r.city },
    location: { lat: r.lat, lon: r.lon },
    capacity: r.capacity_value !== null && r.capacity_unit !== null ? { value: r.capacity_value, unit: r.capacity_unit } : null,
    reach: r.reach,
    reachArea: { level: r.reach_level, code: r.reach_code },
    validFrom: r.valid_from,
    validTo: r.valid_to,
    source: r.source,
    attribution: r.attribution,
    synthetic: r.synthetic,
    areas: json<AreaRef[]>(r.areas),
    openingHours: r.opening_hours,
    languages: r.languages ?? [],
    accessibility: r.wheelchair ? { wheelchair: r.wheelchair, note: r.accessibility_note } : null,
    contact: r.contact_phone || r.contact_email || r.contact_website ? { phone: r.contact_phone, email: r.contact_email, website: r.contact_website } : null,
  };
  if (r.distance !== undefined && r.distance !== null) offer.distanceMeters = Number(r.distance);
  return offer;
}

/** The offers that supply a norm: its offer types, and its target groups and subtypes when it names them. */
export function supplyFilterOf(norm: Norm): OfferFilter {
  return {
    offerTypes: norm.offerTypes,
    ...(norm.targetGroups ? { targetGroups: norm.targetGroups } : {}),
    ...(norm.subtypes ? { subtypes: norm.subtypes } : {}),
  };
}
