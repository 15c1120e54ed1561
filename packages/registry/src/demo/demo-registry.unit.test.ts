// The Köln demo registry built from the real public files, placed on the real geometries.
import { FeedCatalogue, Taxonomy, validateRecords, type SpatialChecks } from '@sp/feeds';
import { loadReference } from '@sp/spatial';
import { beforeAll, describe, expect, it } from 'vitest';
import { placeOffer } from '../area.locator.js';
import { offerRecordSchema, type OfferRecord } from '../offer-event.schema.js';
import { spatialAreaLocator } from '../spatial-locator.adapter.js';
import { attributions, buildDemoRegistry, syntheticKitaPlaces, syntheticPflegeheimPlaces, type DemoRegistry, type DemoSources } from './demo-registry.builder.js';
import { readDemoSources } from './demo-sources.reader.js';

const ref = loadReference('koeln');
const locator = spatialAreaLocator(ref);
const stadtteilOf = (o: Pick<OfferRecord, 'location'>) => locator.locate(o.location.lat, o.location.lon)?.find((a) => a.level === 'STADTTEIL')?.code;

let sources: DemoSources;
let demo: DemoRegistry;
beforeAll(() => {
  sources = readDemoSources();
  demo = buildDemoRegistry(sources, { insideCity: (lat, lon) => ref.locate(lat, lon) !== undefined });
});

describe('buildDemoRegistry on the Köln files', () => {
  it('turns every school and playground into one offer with unique keys, and is deterministic', () => {
    const byPrefix = (p: string) => demo.offers.filter((o) => o.key.startsWith(p));
    expect(byPrefix('schule:')).toHaveLength(301);
    expect(byPrefix('spielplatz:')).toHaveLength(664);
    expect(new Set(demo.offers.map((o) => o.key)).size).toBe(demo.offers.length);
    const again = buildDemoRegistry(sources, { insideCity: (lat, lon) => ref.locate(lat, lon) !== undefined });
    expect(again).toEqual(demo);
  });

  it('produces structurally valid records that all lie inside the city', () => {
    for (const o of demo.offers) {
      expect(() => offerRecordSchema.parse(o), o.key).not.toThrow();
      expect(stadtteilOf(o), o.key).toBeDefined();
    }
  });

  it('passes the ingestion rules of @sp/feeds (taxonomy, Amt codes, coordinates inside Köln), per delivering Amt', () => {
    const spatial: SpatialChecks = {
      cityName: 'Köln',
      levels: () => [...ref.hierarchyLevels, ...ref.planningLevels],
      hasArea: (level, code) => ref.get(level, code) !== undefined,
      validity: () => [], // offers name no areas
      insideCity: (lat, lon) => ref.locate(lat, lon) !== undefined,
    };
    const catalogue = FeedCatalogue.load();
    const taxonomy = Taxonomy.load();
    const byAmt = new Map<string, OfferRecord[]>();
    for (const o of demo.offers) byAmt.set(o.amt, [...(byAmt.get(o.amt) ?? []), o]);
    expect([...byAmt.keys()].sort()).toEqual(['gruenflaechenamt', 'integration', 'jugendamt', 'planung', 'schulamt', 'sozialamt']);
    for (const [amt, offers] of byAmt) {
      const rows = offers.map((o, row) => ({ row, value: structuredClone(o) }));
      const result = validateRecords('offer', rows, { amt, catalogue, taxonomy, spatial, now: new Date('2025-06-01T00:00:00Z') });
      expect(result.ok ? [] : result.errors.slice(0, 5), amt).toEqual([]);
    }
  });

  it('maps school type to subtype, Träger to provider; only Grundschulen get a capacity', () => {
    const schools = demo.offers.filter((o) => o.offerType === 'schule');
    const count = (s: string) => schools.filter((o) => o.subtype === s).length;
    expect([
      count('grundschule'),
      count('gymnasium'),
      count('foerderschule'),
      count('berufskolleg'),
      count('realschule'),
      count('hauptschule'),
      count('gesamtschule'),
      count('zweiter_bildungsweg'),
      count('waldorfschule'),
    ]).toEqual([145, 35, 29, 28, 25, 19, 14, 4, 2]);
    expect(new Set(schools.map((o) => o.provider))).toEqual(new Set(['Stadt Köln', 'Private Ersatzschule', 'Landschaftsverband Rheinland']));
    expect(schools.every((o) => !o.synthetic && o.attribution === attributions.stadtKoeln)).toBe(true);
    expect(schools.filter((o) => o.capacity !== null).every((o) => o.subtype === 'grundschule')).toBe(true);
  });

  it('estimates each Grundschule capacity from its Stadtteil 2012 pupils, labelled as an estimate', () => {
    const grundschulen = demo.offers.filter((o) => o.subtype === 'grundschule');
    const byStadtteil = new Map<string, OfferRecord[]>();
    for (const f of sources.schools.features) {
      if (f.properties!.Schulart !== 'Grundschule') continue;
      const nr = String(f.properties!['Stadtteil-Nr.']);
      byStadtteil.set(nr, [...(byStadtteil.get(nr) ?? []), grundschulen.find((o) => o.key === `schule:${String(f.id)}`)!]);
    }
    // every Grundschule gets places; the places of a Stadtteil are its 2012 Grundschule pupils, split evenly
    for (const [nr, list] of byStadtteil) {
      const places = list.map((o) => o.capacity!.value);
      expect(
        places.reduce((a, b) => a + b, 0),
        nr,
      ).toBe(sources.grundschulePupils2012.get(nr));
      expect(Math.max(...places) - Math.min(...places), nr).toBeLessThanOrEqual(1);
      for (const o of list) {
        expect(o.capacity!.unit).toBe('plaetze');
        expect(o.source).toContain('Kapazität geschätzt aus Schülerzahl 2012');
      }
    }
    // 34,482 pupils in 2012; Immendorf's 81 have no Grundschule in the (later) school list
    expect(grundschulen).toHaveLength(145);
    expect(grundschulen.reduce((a, o) => a + o.capacity!.value, 0)).toBe(34_482 - 81);
    expect(byStadtteil.has('212')).toBe(false);
    // Neustadt/Süd (102): 1,075 pupils over its Grundschulen
    expect(byStadtteil.get('102')!.reduce((a, o) => a + o.capacity!.value, 0)).toBe(1075);
  });

  it('places every school in the Stadtteil its source names — except the Finkenberg-Schule', () => {
    const misses: { name: string; source: string; placed: string | undefined }[] = [];
    for (const f of sources.schools.features) {
      const o = demo.offers.find((x) => x.key === `schule:${String(f.id)}`)!;
      const placement = placeOffer(locator, o.location.lat, o.location.lon, o.reach)!;
      const placed = placement.locatedIn.find((a) => a.level === 'STADTTEIL')?.code;
      const named = String(f.properties!['Stadtteil-Nr.']);
      if (placed !== named) misses.push({ name: String(f.properties!.Schulname), source: named, placed });
      // the Bezirk always agrees (the record's Stadtbezirk-Nr.)
      expect(placement.locatedIn.find((a) => a.level === 'STADTBEZIRK')?.code).toBe(String(f.properties!['Stadtbezirk-Nr.']));
    }
    // The record contradicts itself: Stadtteil-Nr. 716 (Finkenberg) but Stadtteil "Westhoven"; its point
    // (Berliner Str. 36) lies in Westhoven 702, far from Finkenberg. The number follows the school's name.
    expect(misses).toEqual([{ name: 'Finkenberg-Schule', source: '716', placed: '702' }]);
  });

  it('playgrounds: polygon centroid, Typ → spielplatz/sportanlage, area in m² as capacity', () => {
    const pg = demo.offers.filter((o) => o.key.startsWith('spielplatz:'));
    expect(pg.filter((o) => o.offerType === 'spielplatz')).toHaveLength(305 + 324);
    expect(pg.filter((o) => o.offerType === 'sportanlage')).toHaveLength(35);
    const first = pg.find((o) => o.key === 'spielplatz:1040301')!; // Prälat-Otto-Müller-Platz, 1457.6 m², Neustadt-Nord
    expect(first).toMatchObject({ name: 'Prälat-Otto-Müller-Platz', capacity: { value: 1458, unit: 'quadratmeter' }, attribution: attributions.stadtKoeln });
    expect(stadtteilOf(first)).toBe('104');
  });

  it('OSM: only points inside the city, attribution ODbL, Kita capacities synthetic and labelled', () => {
    const osm = demo.offers.filter((o) => o.key.startsWith('osm:'));
    expect(osm.every((o) => o.attribution === attributions.osm)).toBe(true);
    const kitas = osm.filter((o) => o.offerType === 'kita');
    // counts inside the city cross-checked with an independent point-in-polygon (python, ray casting)
    const fromLayer = (l: string) => osm.filter((o) => o.source.startsWith(`OpenStreetMap amenity=${l} `)).length;
    expect([fromLayer('kindergarten'), fromLayer('social_facility'), fromLayer('youth_centre'), fromLayer('nursing_home'), fromLayer('community_centre')]).toEqual([132, 21 - 9, 6, 3, 1]);
    // unnamed social facilities carry no type information in OSM 2013: skipped with that reason
    expect(demo.skipped.filter((s) => s.reason === 'NO_TYPE_INFORMATION')).toHaveLength(9);
    expect(kitas).toHaveLength(132);
    for (const k of kitas) {
      expect(k.synthetic).toBe(true);
      expect(k.source).toContain('SYNTHETISCH');
      expect(k.capacity).toEqual({ value: syntheticKitaPlaces(k.key.slice('osm:'.length)), unit: 'plaetze' });
    }
    expect(kitas.some((k) => k.name === 'Kita (ohne Namen in OpenStreetMap)')).toBe(true);
    // Pflegeheime: real points and names, generated places, labelled synthetic
    const heime = osm.filter((o) => o.offerType === 'seniorenheim');
    expect(heime.length).toBeGreaterThanOrEqual(5);
    for (const h of heime) {
      expect(h.synthetic).toBe(true);
      expect(h.source).toContain('Platzzahl SYNTHETISCH');
      expect(h.capacity).toEqual({ value: syntheticPflegeheimPlaces(h.key.slice('osm:'.length)), unit: 'plaetze' });
    }
    expect(osm.filter((o) => o.capacity !== null).every((o) => o.offerType === 'kita' || o.offerType === 'seniorenheim')).toBe(true);
    expect(osm.find((o) => o.name === 'Frauenberatung und Gewaltenschutzzentrum')).toMatchObject({ offerType: 'familienberatung', capacity: null, synthetic: false });
    // the Erftstadt/Hürth community centres lie outside Köln and are reported, not silently dropped
    expect(demo.skipped.filter((s) => s.reason === 'OUTSIDE_CITY').map((s) => s.id)).toContain('node/2359008278');
    expect(osm.some((o) => o.name === 'Kulturhaus Erftstadt')).toBe(false);
    const kalkBuergertreff = osm.find((o) => o.name === 'Bürgerbüro und Bürgertreff Kalk')!;
    expect(kalkBuergertreff.offerType).toBe('buergerzentrum');
    expect(stadtteilOf(kalkBuergertreff)).toBe('802');
  });

  it('places offers in their Sozialraumgebiet (planning area) as well', () => {
    const chorweiler = demo.offers.find((o) => o.key === 'syn:alleinerziehende:chorweiler:1')!;
    const located = locator.locate(chorweiler.location.lat, chorweiler.location.lon)!;
    const sozialraeume = located.filter((a) => a.level === 'SOZIALRAUM').map((a) => ref.get(a.level, a.code)!.name);
    expect(sozialraeume).toEqual([expect.stringContaining('Chorweiler')]);
    // a Stadtteil-wide offer in Chorweiler counts for that Sozialraum only if the Sozialraum holds all of Chorweiler
    const p = placeOffer(locator, chorweiler.location.lat, chorweiler.location.lon, 'STADTTEIL')!;
    const sr = located.find((a) => a.level === 'SOZIALRAUM')!;
    const whole = locator.areasWithin(sr).some((a) => a.level === 'STADTTEIL' && a.code === '609');
    expect(p.countsFor.some((a) => a.level === 'SOZIALRAUM')).toBe(whole);
  });

  it('synthetic offers lie in the Stadtteil their key names and are labelled', () => {
    const expected: Record<string, string> = { chorweiler: '609', seeberg: '603', kalk: '802', humboldt: '801', hoehenberg: '804', ostheim: '805', nippes: '501', riehl: '503' };
    const syn = demo.offers.filter((o) => o.key.startsWith('syn:'));
    expect(syn.length).toBeGreaterThanOrEqual(15);
    for (const o of syn) {
      expect(o.synthetic).toBe(true);
      expect(o.source).toMatch(/^SYNTHETISCH/);
      expect(stadtteilOf(o), o.key).toBe(expected[o.key.split(':')[2]!]);
    }
  });
});
