// Search over the current offers. Every given filter narrows the result (AND); a list inside one filter
// matches any of its values (offerTypes: Kita OR Spielplatz). SQL text is built from fixed fragments,
// values only ever travel as parameters.
import { z } from 'zod';

const areaRefSchema = z.object({ level: z.string().min(1), code: z.string().min(1) });

export const offerFilterSchema = z
  .object({
    offerTypes: z.array(z.string().min(1)).min(1).optional(),
    subtypes: z.array(z.string().min(1)).min(1).optional(),
    /** offers for at least one of these target groups */
    targetGroups: z.array(z.string().min(1)).min(1).optional(),
    /** offers that state at least one of these languages (offer v2, ISO 639-1 codes) */
    languages: z
      .array(z.string().regex(/^[a-z]{2,3}$/, 'an ISO 639-1 language code (de, en, tr, …)'))
      .min(1)
      .optional(),
    /** offers located in this area or any area below it */
    area: areaRefSchema.optional(),
    /** offers whose reach covers this whole area (e.g. a Bezirk-wide Beratungsstelle serves each of its Stadtteile) */
    servesArea: areaRefSchema.optional(),
    /** case-insensitive substring of the Träger */
    provider: z.string().min(1).optional(),
    amts: z.array(z.string().min(1)).min(1).optional(),
    /** every word must occur (substring, case-insensitive) or match stemmed German full text */
    text: z.string().trim().min(1).optional(),
    near: z.object({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180), radiusMeters: z.number().positive().max(100_000) }).optional(),
    bbox: z
      .object({ south: z.number(), west: z.number(), north: z.number(), east: z.number() })
      .refine((b) => b.south <= b.north && b.west <= b.east, 'bbox needs south <= north and west <= east')
      .optional(),
    synthetic: z.boolean().optional(),
    /** offers valid on this date (validFrom <= d and (validTo empty or d <= validTo)) */
    validOn: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional(),
  })
  .strict();
export type OfferFilter = z.input<typeof offerFilterSchema>;

export const pageSchema = z.object({
  limit: z.number().int().min(1).max(500).default(50),
  offset: z.number().int().min(0).default(0),
});
export type PageRequest = z.input<typeof pageSchema>;

/** Mean Earth radius in metres (IUGG), the same the spatial haversine uses. */
export const earthRadiusMeters = 6_371_008.8;

export interface SearchSql {
  where: string;
  params: unknown[];
  /** SQL expression of the distance to filter.near in metres, or null */
  distance: string | null;
}

/** Builds the WHERE clause over `registry_offer o`. */
export function buildOfferWhere(filterInput: OfferFilter): SearchSql {
  const f = offerFilterSchema.parse(filterInput);
  const params: unknown[] = [];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (f.offerTypes) where.push(`o.offer_type = ANY(${p(f.offerTypes)}::text[])`);
  if (f.subtypes) where.push(`o.subtype = ANY(${p(f.subtypes)}::text[])`);
  if (f.targetGroups) where.push(`o.target_groups && ${p(f.targetGroups)}::text[]`);
  if (f.languages) where.push(`o.languages && ${p(f.languages)}::text[]`);
  if (f.area) {
    where.push(`EXISTS (SELECT 1 FROM registry_offer_area a WHERE a.offer_key = o.offer_key AND a.area_level = ${p(f.area.level)} AND a.area_code = ${p(f.area.code)})`);
  }
  if (f.servesArea) {
    where.push(`EXISTS (SELECT 1 FROM offer_serves_area s WHERE s.offer_key = o.offer_key AND s.area_level = ${p(f.servesArea.level)} AND s.area_code = ${p(f.servesArea.code)})`);
  }
  if (f.provider) where.push(`o.provider ILIKE ${p(`%${escapeLike(f.provider)}%`)}`);
  if (f.amts) where.push(`o.amt = ANY(${p(f.amts)}::text[])`);
  if (f.text) {
    const words = f.text.split(/\s+/).filter(Boolean);
    const ilike = words.map((w) => `o.search_text ILIKE ${p(`%${escapeLike(germanSubstringStem(w))}%`)}`).join(' AND ');
    where.push(`((${ilike}) OR o.search_vector @@ plainto_tsquery('german', ${p(f.text)}))`);
  }
  let distance: string | null = null;
  if (f.near) {
    const { lat, lon, radiusMeters } = f.near;
    const dLat = (radiusMeters / earthRadiusMeters) * (180 / Math.PI);
    const dLon = dLat / Math.max(Math.cos((lat * Math.PI) / 180), 1e-6);
    const pl = p(lat);
    const pn = p(lon);
    distance = `(2 * ${earthRadiusMeters} * asin(sqrt(power(sin(radians(o.lat - ${pl}) / 2), 2) + cos(radians(${pl})) * cos(radians(o.lat)) * power(sin(radians(o.lon - ${pn}) / 2), 2))))`;
    // bounding-box prefilter (index-friendly), then the exact great-circle distance
    where.push(`o.lat BETWEEN ${p(lat - dLat)} AND ${p(lat + dLat)} AND o.lon BETWEEN ${p(lon - dLon)} AND ${p(lon + dLon)}`);
    where.push(`${distance} <= ${p(radiusMeters)}`);
  }
  if (f.bbox) where.push(`o.lat BETWEEN ${p(f.bbox.south)} AND ${p(f.bbox.north)} AND o.lon BETWEEN ${p(f.bbox.west)} AND ${p(f.bbox.east)}`);
  if (f.synthetic !== undefined) where.push(`o.synthetic = ${p(f.synthetic)}`);
  if (f.validOn) where.push(`o.valid_from <= ${p(f.validOn)}::date AND (o.valid_to IS NULL OR o.valid_to >= ${p(f.validOn)}::date)`);
  return { where: where.length ? where.join(' AND ') : 'TRUE', params, distance };
}

/**
 * Drops one German inflection ending so the substring search also finds compounds and other forms:
 * "Treffs" finds "Seniorentreff", "Beratungsstellen" finds "Beratungsstelle". Stemmed full text alone
 * cannot, because PostgreSQL's 'german' configuration does not split compounds.
 */
export function germanSubstringStem(word: string): string {
  const m = /^(.{4,}?)(en|er|es|e|n|s)$/i.exec(word);
  return m ? m[1]! : word;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
