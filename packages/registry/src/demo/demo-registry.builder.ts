// Builds the Köln demo registry as offer RECORDS (docs/records.md), to be delivered through the
// ingestion API by the platform's demo loader. Pure: the source files are parsed by the caller
// (demo-sources.reader.ts) and "inside the city" is a function, so the result is deterministic.
//
// Real data: Stadt Köln schools and playgrounds (Offene Daten Köln, dl-de/by-2-0) and OpenStreetMap
// 2013 points (ODbL). Not public, hence synthetic and labelled so (`synthetic: true`, source text):
// Kita and Pflegeheim capacities, and the offers the four demo questions need (Alleinerziehende in Chorweiler,
// ambulante Pflege für Menschen mit Behinderung in Kalk, Offene Treffs für pflegende Angehörige in
// Höhenberg, Integrationsangebote für Geflüchtete in Nippes), each with distractors nearby so the
// questions test the filters rather than the data. Estimated, and labelled so (source text and the
// Grundschule norm's supplyNote): Grundschule capacities from the real 2012 pupils of their Stadtteil.
import { centroidOf, toMultiPolygon, type GeoJsonGeometry } from '@sp/spatial';
import type { OfferRecord, Reach } from '../offer-event.schema.js';

export const attributions = {
  stadtKoeln: 'Stadt Köln – Offene Daten Köln, dl-de/by-2-0',
  osm: '© OpenStreetMap contributors, ODbL 1.0',
} as const;

export interface GeoFeature {
  id?: string | number;
  properties: Record<string, unknown> | null;
  geometry: { type: string; coordinates: unknown };
}
export interface GeoCollection {
  features: GeoFeature[];
}

export const osmLayers = ['kindergarten', 'social_facility', 'youth_centre', 'nursing_home', 'community_centre'] as const;
export type OsmLayer = (typeof osmLayers)[number];

export interface DemoSources {
  schools: GeoCollection;
  playgrounds: GeoCollection;
  osm: Record<OsmLayer, GeoCollection>;
  /** Grundschule pupils 2012 per Stadtteil number (Offene Daten Köln, Schülerinnen und Schüler 2012) */
  grundschulePupils2012: ReadonlyMap<string, number>;
}

export interface DemoOptions {
  /** true when the WGS84 point lies inside the city (OSM files cover a bbox around Köln) */
  insideCity(lat: number, lon: number): boolean;
}

export interface SkippedSource {
  source: string;
  id: string;
  reason: 'OUTSIDE_CITY' | 'NO_TYPE_INFORMATION' | 'NO_GEOMETRY';
}

export interface DemoRegistry {
  offers: OfferRecord[];
  /** source features deliberately not turned into offers, with the reason */
  skipped: SkippedSource[];
}

const schoolSubtypes: Record<string, { code: string; reach: Reach; groups: string[] }> = {
  Grundschule: { code: 'grundschule', reach: 'STADTTEIL', groups: ['kinder'] },
  Hauptschule: { code: 'hauptschule', reach: 'STADTBEZIRK', groups: ['kinder_und_jugendliche'] },
  Realschule: { code: 'realschule', reach: 'STADTBEZIRK', groups: ['kinder_und_jugendliche'] },
  Gymnasium: { code: 'gymnasium', reach: 'STADTBEZIRK', groups: ['kinder_und_jugendliche'] },
  Gesamtschule: { code: 'gesamtschule', reach: 'STADTBEZIRK', groups: ['kinder_und_jugendliche'] },
  Förderschule: { code: 'foerderschule', reach: 'STADT', groups: ['kinder_und_jugendliche', 'menschen_mit_behinderung'] },
  Berufskolleg: { code: 'berufskolleg', reach: 'STADT', groups: ['jugendliche'] },
  '2. Bildungsweg': { code: 'zweiter_bildungsweg', reach: 'STADT', groups: ['jugendliche'] },
  'Freie Waldorfschule': { code: 'waldorfschule', reach: 'STADT', groups: ['kinder_und_jugendliche'] },
};

const str = (p: Record<string, unknown> | null, k: string): string => {
  const v = p?.[k];
  return typeof v === 'string' ? v.trim() : typeof v === 'number' ? String(v) : '';
};

function point(f: GeoFeature): { lat: number; lon: number } | null {
  if (f.geometry?.type !== 'Point') return null;
  const [lon, lat] = f.geometry.coordinates as [number, number];
  return Number.isFinite(lat) && Number.isFinite(lon) ? { lat, lon } : null;
}

/** FNV-1a: a stable small hash so synthetic figures do not change between runs. */
export function stableHash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Synthetic Pflegeheim capacity (places): OSM 2013 has the homes' points and names but no beds.
 * Plausible sizes of a vollstationäre Einrichtung (60–140 places), chosen by a hash of the OSM id;
 * not any home's real figure.
 */
export function syntheticPflegeheimPlaces(osmId: string): number {
  return [60, 80, 80, 100, 100, 120, 140][stableHash(`pflege:${osmId}`) % 7]!;
}

/** Synthetic Kita capacity (places): typical Köln sizes, chosen by a hash of the OSM id. */
export function syntheticKitaPlaces(osmId: string): number {
  return [30, 40, 45, 50, 60, 70, 75, 90][stableHash(osmId) % 8]!;
}

/**
 * Estimated Grundschule capacities (places): Köln publishes none. The 2012 Grundschule pupils of a
 * Stadtteil (the schools located there) are split evenly over the Grundschulen the school list names
 * for that Stadtteil (`Stadtteil-Nr.`), by largest remainder so that the places of a Stadtteil add up
 * to its pupils exactly. A Stadtteil with pupils but no Grundschule in the list (Immendorf 212: 81
 * pupils; the list is of ≈2014–2016) supplies nothing; a Grundschule in a Stadtteil without pupils
 * gets no capacity. Keyed by the school's object id.
 */
export function estimatedGrundschulePlaces(src: GeoCollection, pupils: ReadonlyMap<string, number>): Map<string, number> {
  const byStadtteil = new Map<string, string[]>();
  for (const f of src.features) {
    if (str(f.properties, 'Schulart') !== 'Grundschule') continue;
    const id = String(f.id ?? str(f.properties, 'Schulname mit Kürzel'));
    const nr = str(f.properties, 'Stadtteil-Nr.');
    byStadtteil.set(nr, [...(byStadtteil.get(nr) ?? []), id]);
  }
  const out = new Map<string, number>();
  for (const [nr, ids] of byStadtteil) {
    const total = pupils.get(nr) ?? 0;
    if (total <= 0) continue;
    const sorted = [...ids].sort();
    const base = Math.floor(total / sorted.length);
    // the remainder goes one place each to the first schools by id: deterministic, sums exactly
    const extra = total - base * sorted.length;
    for (const [i, id] of sorted.entries()) out.set(id, base + (i < extra ? 1 : 0));
  }
  return out;
}

export const GRUNDSCHULE_ESTIMATE_NOTE = 'Kapazität geschätzt aus Schülerzahl 2012 (Grundschüler*innen des Stadtteils 2012, gleich auf seine Grundschulen verteilt; keine amtliche Kapazität)';

function schools(src: GeoCollection, pupils: ReadonlyMap<string, number>, skipped: SkippedSource[]): OfferRecord[] {
  const estimated = estimatedGrundschulePlaces(src, pupils);
  return src.features.flatMap((f) => {
    const p = f.properties;
    const id = String(f.id ?? str(p, 'Schulname mit Kürzel'));
    const at = point(f);
    if (!at) {
      skipped.push({ source: 'schulen', id, reason: 'NO_GEOMETRY' });
      return [];
    }
    const art = str(p, 'Schulart');
    const sub = schoolSubtypes[art];
    if (!sub) {
      skipped.push({ source: 'schulen', id, reason: 'NO_TYPE_INFORMATION' });
      return [];
    }
    const short = str(p, 'Schulname mit Kürzel') || str(p, 'Schulname');
    // Grundschulen are named after their street ("Mengenicher Str. (KGS)"): prefix the school type
    const name = /schule|gymnasium|kolleg|lyzeum|akademie/i.test(short) ? short : `${art} ${short}`;
    return [
      {
        key: `schule:${id}`,
        version: 1,
        name,
        offerType: 'schule',
        subtype: sub.code,
        provider: str(p, 'Träger') || 'unbekannt',
        amt: 'schulamt',
        targetGroups: sub.groups,
        address: { street: str(p, 'Adresse') || null, postcode: str(p, 'Postzustellbezirk') || null, city: 'Köln' },
        location: at,
        // school capacities are not published; a Grundschule's is estimated from its Stadtteil's pupils
        capacity: estimated.has(id) ? { value: estimated.get(id)!, unit: 'plaetze' } : null,
        reach: sub.reach,
        validFrom: '2014-01-01',
        validTo: null,
        source: `Offene Daten Köln „Schulen Köln“ (Stand ≈2014–2016; Kopie github.com/weberius/schuleninkoeln@df2ac66), Objekt ${id}${estimated.has(id) ? `; ${GRUNDSCHULE_ESTIMATE_NOTE}, Schülerzahlen: Stadt Köln, Amt für Stadtentwicklung und Statistik – Offene Daten Köln` : ''}`,
        attribution: attributions.stadtKoeln,
        synthetic: false,
      } satisfies OfferRecord,
    ];
  });
}

function playgrounds(src: GeoCollection, skipped: SkippedSource[]): OfferRecord[] {
  const used = new Map<string, number>();
  return src.features.flatMap((f) => {
    const p = f.properties;
    const rawId = str(p, 'Spielplatz').replace(/\s+/g, '');
    // three ids occur twice in the source (distinct polygons): number the repeats
    const n = (used.get(rawId) ?? 0) + 1;
    used.set(rawId, n);
    const id = n === 1 ? rawId : `${rawId}-${n}`;
    const g = f.geometry as GeoJsonGeometry;
    if (g?.type !== 'Polygon' && g?.type !== 'MultiPolygon') {
      skipped.push({ source: 'spielplaetze', id, reason: 'NO_GEOMETRY' });
      return [];
    }
    const c = centroidOf(toMultiPolygon(g));
    const typ = str(p, 'Typ');
    const sport = typ === 'Sportangebot';
    const area = Number(p?.SHAPE_Area);
    return [
      {
        key: `spielplatz:${id}`,
        version: 1,
        name: str(p, 'Spielpla_1') || (sport ? 'Sportfläche' : 'Spielplatz'),
        offerType: sport ? 'sportanlage' : 'spielplatz',
        subtype: null,
        provider: 'Stadt Köln',
        amt: 'gruenflaechenamt',
        targetGroups: sport ? ['kinder_und_jugendliche', 'jugendliche'] : ['kinder', 'familien_mit_kindern'],
        address: { street: null, postcode: null, city: 'Köln' },
        location: { lat: c.lat, lon: c.lon },
        // the polygon's area (m², from the source) is the usual capacity measure of play areas
        capacity: Number.isFinite(area) && area > 0 ? { value: Math.round(area), unit: 'quadratmeter' } : null,
        reach: typ === 'Spielplatz' ? 'STADTVIERTEL' : 'STADTTEIL',
        validFrom: '2014-01-01',
        validTo: null,
        source: `Offene Daten Köln „Spielplätze“ (≈2014; Kopie github.com/weberius/osm@c310f67), ${typ} ${str(p, 'Spielplatz')}; Punkt = Schwerpunkt der Fläche`,
        attribution: attributions.stadtKoeln,
        synthetic: false,
      } satisfies OfferRecord,
    ];
  });
}

interface OsmClass {
  offerType: string;
  targetGroups: string[];
  reach: Reach;
}

/** Classifies an OSM point by its layer and, for social facilities, by words of its name. */
export function classifyOsm(layer: OsmLayer, name: string): OsmClass | null {
  const n = name.toLowerCase();
  switch (layer) {
    case 'kindergarten':
      return { offerType: 'kita', targetGroups: ['kinder', 'familien_mit_kindern'], reach: 'STADTTEIL' };
    case 'youth_centre':
      return { offerType: 'jugendzentrum', targetGroups: ['kinder_und_jugendliche', 'jugendliche'], reach: 'STADTTEIL' };
    case 'nursing_home':
      return /tage?s?pflege/.test(n)
        ? { offerType: 'tagespflege', targetGroups: ['senioren', 'pflegebeduerftige'], reach: 'STADTTEIL' }
        : { offerType: 'seniorenheim', targetGroups: ['senioren', 'pflegebeduerftige'], reach: 'STADTBEZIRK' };
    case 'community_centre':
      if (/pfarr|kirche|gemeinde/.test(n)) return { offerType: 'religionsgemeinschaft', targetGroups: ['alle'], reach: 'STADTTEIL' };
      if (/jugend/.test(n)) return { offerType: 'jugendzentrum', targetGroups: ['kinder_und_jugendliche', 'jugendliche'], reach: 'STADTTEIL' };
      return { offerType: 'buergerzentrum', targetGroups: ['alle'], reach: 'STADTTEIL' };
    case 'social_facility':
      // OSM 2013 has no social_facility:for tag here; without a name there is nothing to classify by
      if (!n) return null;
      // "alten" at a word start: "Gewaltenschutzzentrum" is a women's shelter, not an Altenheim
      if (/\balten|senior|pflegezentrum/.test(n)) return { offerType: 'seniorenheim', targetGroups: ['senioren', 'pflegebeduerftige'], reach: 'STADTBEZIRK' };
      if (/tage?s?pflege/.test(n)) return { offerType: 'tagespflege', targetGroups: ['senioren', 'pflegebeduerftige'], reach: 'STADTTEIL' };
      if (/frauen|gewalt/.test(n)) return { offerType: 'familienberatung', targetGroups: ['frauen', 'gewaltbetroffene_frauen'], reach: 'STADTBEZIRK' };
      if (/jugend|mädchen/.test(n)) return { offerType: 'jugendzentrum', targetGroups: ['kinder_und_jugendliche', 'jugendliche'], reach: 'STADTTEIL' };
      if (/bürgertreff|bürgerzentrum|bürgerhaus/.test(n)) return { offerType: 'buergerzentrum', targetGroups: ['alle'], reach: 'STADTTEIL' };
      if (/\bkiss\b|selbsthilfe/.test(n)) return { offerType: 'selbsthilfegruppe', targetGroups: ['alle'], reach: 'STADT' };
      if (/werkstätten|werkstatt/.test(n)) return { offerType: 'verein', targetGroups: ['menschen_mit_behinderung'], reach: 'STADTBEZIRK' };
      return { offerType: 'verein', targetGroups: ['alle'], reach: 'STADTTEIL' };
  }
}

const unnamed: Record<string, string> = {
  kita: 'Kita (ohne Namen in OpenStreetMap)',
  jugendzentrum: 'Jugendzentrum (ohne Namen in OpenStreetMap)',
  seniorenheim: 'Seniorenheim (ohne Namen in OpenStreetMap)',
  tagespflege: 'Tagespflege (ohne Namen in OpenStreetMap)',
  buergerzentrum: 'Bürgerzentrum (ohne Namen in OpenStreetMap)',
};

function osm(layer: OsmLayer, src: GeoCollection, opts: DemoOptions, skipped: SkippedSource[]): OfferRecord[] {
  return src.features.flatMap((f) => {
    const id = `node/${String(f.id)}`;
    const at = point(f);
    if (!at) {
      skipped.push({ source: `osm:${layer}`, id, reason: 'NO_GEOMETRY' });
      return [];
    }
    if (!opts.insideCity(at.lat, at.lon)) {
      skipped.push({ source: `osm:${layer}`, id, reason: 'OUTSIDE_CITY' });
      return [];
    }
    const name = str(f.properties, 'tags/name') || str(f.properties, 'name');
    const cls = classifyOsm(layer, name);
    if (!cls) {
      skipped.push({ source: `osm:${layer}`, id, reason: 'NO_TYPE_INFORMATION' });
      return [];
    }
    const kita = cls.offerType === 'kita';
    const heim = cls.offerType === 'seniorenheim';
    const provider = providerFromName(name);
    return [
      {
        key: `osm:${id}`,
        version: 1,
        name: name || unnamed[cls.offerType] || 'Einrichtung (ohne Namen in OpenStreetMap)',
        offerType: cls.offerType,
        subtype: null,
        provider,
        amt: 'planung', // the Sozialplanung collects free providers' and OSM offers on behalf of the city
        targetGroups: cls.targetGroups,
        address: { street: null, postcode: null, city: 'Köln' },
        location: at,
        capacity: kita ? { value: syntheticKitaPlaces(id), unit: 'plaetze' } : heim ? { value: syntheticPflegeheimPlaces(id), unit: 'plaetze' } : null,
        reach: cls.reach,
        validFrom: '2013-11-01',
        validTo: null,
        source: `OpenStreetMap amenity=${layer} ${id} (Stand 2013/14; Kopie github.com/KoelnAPI/data@08b0255)${kita ? '; Platzzahl SYNTHETISCH (Kita-Kapazitäten sind nicht öffentlich)' : heim ? '; Platzzahl SYNTHETISCH (Pflegeplätze je Heim sind hier nicht öffentlich; Demo-Modell)' : ''}`,
        attribution: attributions.osm,
        // real location and name; for Kitas and Pflegeheime the capacity is generated, so the record is labelled synthetic
        synthetic: kita || heim,
      } satisfies OfferRecord,
    ];
  });
}

/** Träger from well-known words in the name; "unbekannt (OpenStreetMap)" otherwise. */
export function providerFromName(name: string): string {
  const rules: [RegExp, string][] = [
    [/\bawo\b|arbeiterwohlfahrt/i, 'AWO'],
    [/caritas/i, 'Caritas'],
    [/diakonie/i, 'Diakonie'],
    [/\bdrk\b|rotes kreuz/i, 'DRK'],
    [/\basb\b|samariter/i, 'ASB'],
    [/städt|stadt köln/i, 'Stadt Köln'],
    [/\bkath|st\.|sankt/i, 'katholische Kirchengemeinde'],
    [/\bev\.|evang/i, 'evangelische Kirchengemeinde'],
    [/fröbel/i, 'FRÖBEL'],
    [/elterninitiative|\bei\b/i, 'Elterninitiative'],
  ];
  return rules.find(([r]) => r.test(name))?.[1] ?? 'unbekannt (OpenStreetMap)';
}

interface SyntheticSpec {
  key: string;
  name: string;
  offerType: string;
  provider: string;
  amt: string;
  targetGroups: string[];
  street: string;
  postcode: string;
  lat: number;
  lon: number;
  capacity?: { value: number; unit: string };
  reach: Reach;
}

/**
 * The synthetic offers of the four demo questions (fictional names and providers; coordinates are
 * points inside the named Stadtteil, checked by the demo tests). Distractors: same topic next door,
 * or same place for another target group.
 */
export const syntheticSpecs: readonly SyntheticSpec[] = [
  // 1) Alleinerziehende im Stadtteil Chorweiler (609)
  {
    key: 'syn:alleinerziehende:chorweiler:1',
    name: 'Treffpunkt Alleinerziehende Chorweiler',
    offerType: 'offener_treff',
    provider: 'Familienforum Nord e. V. (fiktiv)',
    amt: 'jugendamt',
    targetGroups: ['alleinerziehende', 'familien_mit_kindern'],
    street: 'Merianstr. 5',
    postcode: '50765',
    lat: 51.0272,
    lon: 6.8995,
    capacity: { value: 8, unit: 'stunden' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:alleinerziehende:chorweiler:2',
    name: 'Familienberatung Chorweiler – Sprechstunde für Alleinerziehende',
    offerType: 'familienberatung',
    provider: 'Beratungsverbund Köln-Nord (fiktiv)',
    amt: 'jugendamt',
    targetGroups: ['alleinerziehende', 'familien_mit_kindern'],
    street: 'Weichselring 2',
    postcode: '50765',
    lat: 51.0293,
    lon: 6.8942,
    capacity: { value: 20, unit: 'stunden' },
    reach: 'STADTBEZIRK',
  },
  {
    key: 'syn:alleinerziehende:chorweiler:3',
    name: 'Kita-Notfallbetreuung für Alleinerziehende Chorweiler',
    offerType: 'kindertagespflege',
    provider: 'Familienforum Nord e. V. (fiktiv)',
    amt: 'jugendamt',
    targetGroups: ['alleinerziehende', 'kinder'],
    street: 'Merianstr. 11',
    postcode: '50765',
    lat: 51.0258,
    lon: 6.9003,
    capacity: { value: 10, unit: 'plaetze' },
    reach: 'STADTTEIL',
  },
  // distractors: Alleinerziehende in Seeberg (603); in Chorweiler for Senior*innen
  {
    key: 'syn:alleinerziehende:seeberg:1',
    name: 'Alleinerziehenden-Café Seeberg',
    offerType: 'offener_treff',
    provider: 'Familienforum Nord e. V. (fiktiv)',
    amt: 'jugendamt',
    targetGroups: ['alleinerziehende'],
    street: 'Karl-Marx-Allee 40',
    postcode: '50769',
    lat: 51.02,
    lon: 6.9092,
    capacity: { value: 4, unit: 'stunden' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:senioren:chorweiler:1',
    name: 'Seniorentreff Chorweiler',
    offerType: 'offener_treff',
    provider: 'Seniorennetzwerk Chorweiler (fiktiv)',
    amt: 'sozialamt',
    targetGroups: ['senioren'],
    street: 'Merianstr. 9',
    postcode: '50765',
    lat: 51.0265,
    lon: 6.8985,
    capacity: { value: 6, unit: 'stunden' },
    reach: 'STADTTEIL',
  },

  // 2) ambulante Pflegedienste für Menschen mit Behinderung in Kalk (802)
  {
    key: 'syn:pflege:kalk:1',
    name: 'Ambulante Assistenz und Pflege Kalk',
    offerType: 'ambulanter_pflegedienst',
    provider: 'Pflegeteam Rechtsrheinisch gGmbH (fiktiv)',
    amt: 'sozialamt',
    targetGroups: ['menschen_mit_behinderung', 'pflegebeduerftige'],
    street: 'Kantstr. 5',
    postcode: '51103',
    lat: 50.9378,
    lon: 7.0085,
    capacity: { value: 60, unit: 'personen' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:pflege:kalk:2',
    name: 'Seniorenpflege Kalk-Nord',
    offerType: 'ambulanter_pflegedienst',
    provider: 'Häusliche Pflege Kalk GmbH (fiktiv)',
    amt: 'sozialamt',
    targetGroups: ['senioren', 'pflegebeduerftige'],
    street: 'Falckensteinstr. 30',
    postcode: '51103',
    lat: 50.944,
    lon: 7.0068,
    capacity: { value: 80, unit: 'personen' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:pflege:humboldt:1',
    name: 'Pflegedienst Inklusiv Humboldt/Gremberg',
    offerType: 'ambulanter_pflegedienst',
    provider: 'Pflegeteam Rechtsrheinisch gGmbH (fiktiv)',
    amt: 'sozialamt',
    targetGroups: ['menschen_mit_behinderung'],
    street: 'Westerwaldstr. 80',
    postcode: '51105',
    lat: 50.9292,
    lon: 6.996,
    capacity: { value: 40, unit: 'personen' },
    reach: 'STADTTEIL',
  },

  // 3) Offene Treffs für pflegende Angehörige in Höhenberg (804)
  {
    key: 'syn:treff:hoehenberg:1',
    name: 'Gesprächskreis pflegende Angehörige Höhenberg',
    offerType: 'offener_treff',
    provider: 'Netzwerk Pflege Kalk (fiktiv)',
    amt: 'sozialamt',
    targetGroups: ['pflegende_angehoerige'],
    street: 'Nürnberger Str. 12',
    postcode: '51103',
    lat: 50.9392,
    lon: 7.024,
    capacity: { value: 2, unit: 'stunden' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:treff:hoehenberg:2',
    name: 'Seniorentreff Höhenberg',
    offerType: 'offener_treff',
    provider: 'Netzwerk Pflege Kalk (fiktiv)',
    amt: 'sozialamt',
    targetGroups: ['senioren'],
    street: 'Weimarer Str. 30',
    postcode: '51103',
    lat: 50.9448,
    lon: 7.022,
    capacity: { value: 10, unit: 'stunden' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:treff:ostheim:1',
    name: 'Angehörigencafé Ostheim',
    offerType: 'offener_treff',
    provider: 'Netzwerk Pflege Kalk (fiktiv)',
    amt: 'sozialamt',
    targetGroups: ['pflegende_angehoerige'],
    street: 'Zehnthofstr. 20',
    postcode: '51107',
    lat: 50.9303,
    lon: 7.0418,
    capacity: { value: 2, unit: 'stunden' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:beratung:hoehenberg:1',
    name: 'Pflegeberatung für Angehörige Höhenberg',
    offerType: 'pflegeberatung',
    provider: 'Netzwerk Pflege Kalk (fiktiv)',
    amt: 'sozialamt',
    targetGroups: ['pflegende_angehoerige'],
    street: 'Adalbertstr. 15',
    postcode: '51103',
    lat: 50.9383,
    lon: 7.0283,
    capacity: { value: 6, unit: 'stunden' },
    reach: 'STADTBEZIRK',
  },

  // 4) Integrationsangebote für Geflüchtete in Nippes (501)
  {
    key: 'syn:integration:nippes:1',
    name: 'Sprachcafé für Geflüchtete Nippes',
    offerType: 'integrationsangebot',
    provider: 'Willkommensinitiative Nippes (fiktiv)',
    amt: 'integration',
    targetGroups: ['gefluechtete'],
    street: 'Bülowstr. 80',
    postcode: '50733',
    lat: 50.9698,
    lon: 6.956,
    capacity: { value: 25, unit: 'plaetze' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:integration:nippes:2',
    name: 'Integrationskurs mit Kinderbetreuung Nippes',
    offerType: 'integrationsangebot',
    provider: 'Bildungswerk Köln-Nord (fiktiv)',
    amt: 'integration',
    targetGroups: ['gefluechtete', 'menschen_mit_migrationsgeschichte'],
    street: 'Steinbergerstr. 30',
    postcode: '50733',
    lat: 50.962,
    lon: 6.9505,
    capacity: { value: 18, unit: 'plaetze' },
    reach: 'STADTBEZIRK',
  },
  {
    key: 'syn:integration:nippes:3',
    name: 'Interkultureller Seniorentreff Nippes',
    offerType: 'integrationsangebot',
    provider: 'Bildungswerk Köln-Nord (fiktiv)',
    amt: 'integration',
    targetGroups: ['menschen_mit_migrationsgeschichte', 'senioren'],
    street: 'Gellertstr. 6',
    postcode: '50733',
    lat: 50.963,
    lon: 6.9575,
    capacity: { value: 4, unit: 'stunden' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:integration:riehl:1',
    name: 'Lernpatenschaften für Geflüchtete Riehl',
    offerType: 'integrationsangebot',
    provider: 'Willkommensinitiative Nippes (fiktiv)',
    amt: 'integration',
    targetGroups: ['gefluechtete'],
    street: 'Garthestr. 18',
    postcode: '50735',
    lat: 50.9652,
    lon: 6.9752,
    capacity: { value: 12, unit: 'plaetze' },
    reach: 'STADTTEIL',
  },
  {
    key: 'syn:migrationsberatung:nippes:1',
    name: 'Migrationsberatung Nippes',
    offerType: 'migrationsberatung',
    provider: 'Bildungswerk Köln-Nord (fiktiv)',
    amt: 'integration',
    targetGroups: ['gefluechtete', 'menschen_mit_migrationsgeschichte'],
    street: 'Neusser Str. 400',
    postcode: '50733',
    lat: 50.971,
    lon: 6.9515,
    capacity: { value: 15, unit: 'stunden' },
    reach: 'STADTBEZIRK',
  },
];

/**
 * Generated details of the synthetic offers (offer v2: opening hours, languages, accessibility,
 * contact), so the Sozialatlas has something to show. Fictional like the offers themselves: phone
 * numbers in a range no Köln line uses, addresses at example.org (RFC 2606). Deterministic per key.
 */
export function syntheticDetails(key: string, targetGroups: readonly string[]): Pick<OfferRecord, 'openingHours' | 'languages' | 'accessibility' | 'contact'> {
  const h = stableHash(key);
  const hours = ['Mo–Fr 9–16 Uhr', 'Mo, Mi, Fr 10–13 Uhr; Di 14–18 Uhr', 'Di und Do 9–12 Uhr, nach Vereinbarung', 'Mo–Do 8–17 Uhr, Fr 8–13 Uhr'];
  const migration = targetGroups.some((g) => g === 'gefluechtete' || g === 'menschen_mit_migrationsgeschichte');
  const languages = migration ? ['de', 'ar', 'fa', 'uk', 'en'].slice(0, 3 + (h % 3)) : h % 2 === 0 ? ['de', 'en'] : ['de', 'tr'];
  const wheelchair = (['yes', 'limited', 'no'] as const)[h % 3]!;
  const slug = key.replace(/^syn:/, '').replace(/[^a-z0-9]+/g, '-');
  return {
    openingHours: hours[h % hours.length]!,
    languages,
    accessibility: { wheelchair, note: wheelchair === 'limited' ? 'Rampe am Seiteneingang, kein Aufzug' : wheelchair === 'yes' ? 'Stufenloser Zugang, barrierefreies WC' : null },
    contact: { phone: `0221 99${String(h % 1000).padStart(3, '0')}-0`, email: `${slug}@example.org`, website: `https://example.org/${slug}` },
  };
}

export function syntheticOffers(): OfferRecord[] {
  return syntheticSpecs.map((s) => ({
    key: s.key,
    version: 1,
    name: s.name,
    offerType: s.offerType,
    subtype: null,
    provider: s.provider,
    amt: s.amt,
    targetGroups: s.targetGroups,
    address: { street: s.street, postcode: s.postcode, city: 'Köln' },
    location: { lat: s.lat, lon: s.lon },
    capacity: s.capacity ?? null,
    reach: s.reach,
    validFrom: '2024-01-01',
    validTo: null,
    source: 'SYNTHETISCH: Demo-Angebot von @sp/registry (fiktive Einrichtung, kein öffentlicher Datensatz)',
    attribution: null,
    synthetic: true,
    ...syntheticDetails(s.key, s.targetGroups),
  }));
}

export function buildDemoRegistry(sources: DemoSources, options: DemoOptions): DemoRegistry {
  const skipped: SkippedSource[] = [];
  const offers = [
    ...schools(sources.schools, sources.grundschulePupils2012, skipped),
    ...playgrounds(sources.playgrounds, skipped),
    ...osmLayers.flatMap((layer) => osm(layer, sources.osm[layer], options, skipped)),
    ...syntheticOffers(),
  ];
  return { offers, skipped };
}
