// Needs analysis on a hand-checked fixture (grid city, see testing/grid-city.fixture.ts).
// Expected values are worked out by hand in the comments; the code must reproduce them exactly.
import { describe, expect, it } from 'vitest';
import { placeOffer } from './area.locator.js';
import { computeNeeds, nearestOffers, NeedsError, rankGaps, type SupplyOffer } from './needs.analysis.js';
import type { Reach } from './offer-event.schema.js';
import type { AreaPopulation } from './population.source.js';
import { normSchema, type Norm } from './richtwerte.catalogue.js';
import { gridCityLocator } from './testing/grid-city.fixture.js';

const kitaNorm: Norm = normSchema.parse({
  code: 'kita_test',
  name: 'Kita-Plätze je 100 Kinder 1 bis unter 6',
  offerTypes: ['kita'],
  supply: { measure: 'capacity', unit: 'plaetze' },
  targetPopulation: { label: 'Kinder 1–<6', ageBands: { '0-3': 2 / 3, '3-6': 1 } },
  per: 100,
  value: 84,
});

function offer(key: string, offerType: string, lat: number, lon: number, reach: Reach, capacity: SupplyOffer['capacity'], targetGroups: string[] = []): SupplyOffer {
  const p = placeOffer(gridCityLocator, lat, lon, reach)!;
  return { key, name: key, offerType, targetGroups, capacity, countsFor: p.countsFor, locatedIn: p.locatedIn, lat, lon };
}

const offers: SupplyOffer[] = [
  offer('K1', 'kita', 50.01, 7.05, 'STADTVIERTEL', { value: 40, unit: 'plaetze' }), // 10101
  offer('K2', 'kita', 50.07, 7.05, 'STADTTEIL', { value: 60, unit: 'plaetze' }), // 10102, serves 101
  offer('K3', 'kita', 50.05, 7.15, 'STADTVIERTEL', { value: 30, unit: 'plaetze' }), // 102 (no Viertel → Stadtteil)
  offer('K4', 'kita', 50.02, 7.02, 'STADT', { value: 100, unit: 'plaetze' }), // in 101, citywide
  offer('K5', 'kita', 50.03, 7.03, 'STADTTEIL', { value: 500, unit: 'stunden' }), // wrong unit
  offer('S1', 'spielplatz', 50.03, 7.03, 'STADTVIERTEL', null), // other type
];

const pop = (a: number, b: number, total = 1000): AreaPopulation => ({ total, byAge: { '0-3': a, '3-6': b, '80+': 10 } });

describe('computeNeeds', () => {
  it('a norm naming subtypes counts only offers of those subtypes (Grundschulen among the schools)', () => {
    const schoolNorm: Norm = normSchema.parse({ ...kitaNorm, code: 'gs', offerTypes: ['schule'], subtypes: ['grundschule'], supplyNote: 'geschätzt' });
    const school = (key: string, subtype: string | null, value: number): SupplyOffer => ({ ...offer(key, 'schule', 50.07, 7.05, 'STADTTEIL', { value, unit: 'plaetze' }), subtype });
    const r = computeNeeds(
      schoolNorm,
      2,
      'STADTTEIL',
      [school('G1', 'grundschule', 200), school('G2', 'grundschule', 150), school('Y1', 'gymnasium', 900), school('X', null, 50)],
      new Map([['101', pop(300, 240)]]),
    );
    // 101: G1 + G2 = 350; the Gymnasium and the school without subtype do not supply it
    expect(r.areas.find((a) => a.area.code === '101')).toMatchObject({ supply: 350, offers: 2, offersWithoutCapacity: 0 });
    expect(schoolNorm.supplyNote).toBe('geschätzt');
  });

  it('Stadtteile: supply by reach rules, demand from weighted age bands, coverage and gap', () => {
    const r = computeNeeds(
      kitaNorm,
      7,
      'STADTTEIL',
      offers,
      new Map([
        ['101', pop(300, 240)],
        ['102', pop(150, 120)],
        ['201', pop(90, 60)],
      ]),
    );
    expect(r.catalogueVersion).toBe(7);
    expect(r.unit).toBe('plaetze');
    const [t101, t102, t201] = r.areas;
    // 101: target = 300·2/3 + 240 = 440; demand = 440/100·84 = 369.6; supply = K1 40 + K2 60 = 100
    expect(t101!.area).toEqual({ level: 'STADTTEIL', code: '101' });
    expect(t101!.targetPopulation).toBeCloseTo(440, 9);
    expect(t101!.demand).toBeCloseTo(369.6, 9);
    expect(t101!.supply).toBe(100);
    expect(t101!.offers).toBe(2);
    expect(t101!.offersWithoutCapacity).toBe(1); // K5: stunden, not plaetze
    expect(t101!.widerReachOffers).toBe(1); // K4 serves the whole city
    expect(t101!.coverage).toBeCloseTo(100 / 369.6, 12);
    expect(t101!.gap).toBeCloseTo(269.6, 9);
    // 102: target = 100 + 120 = 220; demand = 184.8; supply = K3 30 (widened to the Stadtteil)
    expect(t102!.demand).toBeCloseTo(184.8, 9);
    expect(t102!.supply).toBe(30);
    expect(t102!.gap).toBeCloseTo(154.8, 9);
    // 201: target = 60 + 60 = 120; demand = 100.8; nothing there
    expect(t201!.supply).toBe(0);
    expect(t201!.coverage).toBe(0);
    expect(t201!.gap).toBeCloseTo(100.8, 9);
  });

  it('Stadtviertel: a Stadtteil-wide Kita counts for no single Viertel', () => {
    const r = computeNeeds(
      kitaNorm,
      1,
      'STADTVIERTEL',
      offers,
      new Map([
        ['10101', pop(30, 30)],
        ['10102', pop(60, 30)],
      ]),
    );
    const v1 = r.areas.find((a) => a.area.code === '10101')!;
    const v2 = r.areas.find((a) => a.area.code === '10102')!;
    expect(v1.supply).toBe(40); // K1 only
    expect(v2.supply).toBe(0);
    expect(v2.widerReachOffers).toBe(1); // K2 lies here but serves all of 101
    // 10102: target = 40 + 30 = 70 → demand 58.8
    expect(v2.demand).toBeCloseTo(58.8, 9);
  });

  it('city and Bezirk totals add up; the citywide Kita counts only for the city', () => {
    const city = computeNeeds(kitaNorm, 1, 'STADT', offers, new Map([['0', pop(540, 420)]]));
    expect(city.areas[0]!.supply).toBe(230); // 40 + 60 + 30 + 100
    const bez = computeNeeds(kitaNorm, 1, 'STADTBEZIRK', offers, new Map([['1', pop(450, 360)]]));
    expect(bez.areas.map((a) => a.area.code)).toEqual(['1']);
    expect(bez.areas[0]!.supply).toBe(130);
    // target = 300 + 360 = 660 → demand 554.4
    expect(bez.areas[0]!.demand).toBeCloseTo(554.4, 9);
  });

  it('planning areas count offers whose reach area lies inside them', () => {
    const r = computeNeeds(kitaNorm, 1, 'SOZIALRAUM', offers, new Map([['SR1', pop(10, 10)]]));
    expect(r.areas[0]!.supply).toBe(100); // K1 + K2; K4 (city) and K3 (102) are not inside SR1
  });

  it('areas with supply but without a population figure are listed with demand null', () => {
    const r = computeNeeds(kitaNorm, 1, 'STADTTEIL', offers, new Map([['101', pop(300, 240)]]));
    const t102 = r.areas.find((a) => a.area.code === '102')!;
    expect(t102).toMatchObject({ supply: 30, demand: null, coverage: null, gap: null, targetPopulation: null });
  });

  it('count norms with a target-group condition count matching offers only', () => {
    const norm = normSchema.parse({
      code: 'pflege_mmb',
      name: 'x',
      offerTypes: ['ambulanter_pflegedienst'],
      targetGroups: ['menschen_mit_behinderung'],
      supply: { measure: 'count' },
      targetPopulation: { label: 'alle' },
      per: 10000,
      value: 1,
    });
    const os = [
      offer('P1', 'ambulanter_pflegedienst', 50.01, 7.05, 'STADTTEIL', null, ['menschen_mit_behinderung', 'senior_innen']),
      offer('P2', 'ambulanter_pflegedienst', 50.02, 7.05, 'STADTTEIL', null, ['senior_innen']),
    ];
    const r = computeNeeds(norm, 1, 'STADTTEIL', os, new Map([['101', pop(0, 0, 22383)]]));
    // demand = 22383 / 10000 · 1 = 2.2383; supply = 1 (P1) → coverage 0.44677…, gap 1.2383
    expect(r.areas[0]).toMatchObject({ supply: 1, offers: 1 });
    expect(r.areas[0]!.demand).toBeCloseTo(2.2383, 12);
    expect(r.areas[0]!.coverage).toBeCloseTo(1 / 2.2383, 12);
    expect(r.areas[0]!.gap).toBeCloseTo(1.2383, 12);
  });

  it('a band missing in some areas (suppressed) leaves their demand null with the reason, never zero', () => {
    const r = computeNeeds(
      kitaNorm,
      1,
      'STADTTEIL',
      offers,
      new Map([
        ['101', pop(300, 240)],
        ['102', { total: 5, byAge: { '0-3': 1 } }],
      ]),
    );
    const t102 = r.areas.find((a) => a.area.code === '102')!;
    expect(t102).toMatchObject({ demand: null, gap: null, coverage: null, supply: 30 });
    expect(t102.populationIssue).toContain('area 102 has no residents for age band "3-6"');
    expect(r.areas.find((a) => a.area.code === '101')!.demand).toBeCloseTo(369.6, 9);
    expect(rankGaps(r).map((a) => a.area.code)).toEqual(['101']);
  });

  it('a band missing in every area is a configuration error naming area and band', () => {
    expect(() => computeNeeds(kitaNorm, 1, 'STADTTEIL', [], new Map([['101', { total: 5, byAge: { '0-3': 1 } }]]))).toThrowError(
      expect.objectContaining({ code: 'MISSING_AGE_BAND', message: expect.stringContaining('area 101 has no residents for age band "3-6"') }),
    );
    expect(NeedsError).toBeDefined();
  });
});

describe('rankGaps', () => {
  it('orders shortfalls by size and leaves out covered areas', () => {
    const r = computeNeeds(
      kitaNorm,
      1,
      'STADTTEIL',
      offers,
      new Map([
        ['101', pop(300, 240)],
        ['102', pop(150, 120)],
        ['201', pop(0, 10)],
      ]),
    );
    // gaps: 101 → 269.6, 102 → 154.8, 201 → 8.4
    expect(rankGaps(r).map((a) => a.area.code)).toEqual(['101', '102', '201']);
    expect(rankGaps(r, 2).map((a) => a.area.code)).toEqual(['101', '102']);
    const covered = computeNeeds(kitaNorm, 1, 'STADTTEIL', offers, new Map([['102', pop(0, 30)]])); // demand 25.2 < 30
    expect(rankGaps(covered)).toEqual([]);
  });
});

describe('nearestOffers', () => {
  it('finds the nearest offer by great-circle distance', () => {
    // 0.01° latitude = 6371008.8 · π/180 · 0.01 = 1111.95 m; 0.02° longitude at 50° ≈ 1429.3 m
    const res = nearestOffers(
      [{ area: { level: 'STADTVIERTEL', code: 'X' }, lat: 50, lon: 7 }],
      [
        { key: 'b', name: 'east', lat: 50, lon: 7.02 },
        { key: 'a', name: 'north', lat: 50.01, lon: 7 },
      ],
    );
    expect(res[0]!.nearest!.key).toBe('a');
    expect(res[0]!.nearest!.distanceMeters).toBeCloseTo(1111.95, 1);
    expect(nearestOffers([{ area: { level: 'X', code: '1' }, lat: 50, lon: 7 }], [])[0]!.nearest).toBeNull();
  });
});
