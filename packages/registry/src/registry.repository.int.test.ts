// The registry projection and its queries against a real PostgreSQL server and against embedded PGlite
// (the platform's single-process mode), on the hand-made grid city (testing/grid-city.fixture.ts) so
// every expected placement can be checked by eye.
import { join } from 'node:path';
import { createPgDatabase } from '@sp/database-pg';
import { openPgliteDatabase } from '@sp/database-pglite';
import type { Database } from '@sp/ports';
import { startPostgres, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OfferEventInput, OfferRecord } from './offer-event.schema.js';
import { staticPopulationSource } from './population.source.js';
import { RegistryRepository } from './registry.repository.js';
import { parseRichtwerte } from './richtwerte.catalogue.js';
import { gridCityLocator } from './testing/grid-city.fixture.js';

interface Engine {
  db: Database;
  stop(): Promise<void>;
}
const engines: [string, () => Promise<Engine>][] = [
  [
    'PostgreSQL',
    async () => {
      const pgi = await startPostgres();
      const db = createPgDatabase({ url: pgi.url });
      return {
        db,
        stop: async () => {
          await db.close();
          await pgi.wipe();
        },
      };
    },
  ],
  [
    'PGlite',
    async () => {
      const db = await openPgliteDatabase({ dataDir: join(tempDir('sp-registry-pglite-'), 'data') });
      return { db, stop: () => db.close() };
    },
  ],
];

const catalogue = parseRichtwerte(`
version: 3
validFrom: "2025-01-01"
norms:
  - code: kita
    name: Kita-Plätze je 100 Kinder 1 bis unter 6
    offerTypes: [kita]
    supply: { measure: capacity, unit: plaetze }
    targetPopulation: { label: Kinder, ageBands: { "0-3": 0.6666666666666666, "3-6": 1 } }
    per: 100
    value: 84
`);

function offer(key: string, over: Partial<OfferRecord> = {}): OfferRecord {
  return {
    key,
    version: 1,
    name: key,
    offerType: 'kita',
    subtype: null,
    provider: 'Stadt Köln',
    amt: 'jugendamt',
    targetGroups: ['kinder'],
    address: { street: 'Hauptstr. 1', postcode: '50000', city: 'Köln' },
    location: { lat: 50.01, lon: 7.05 },
    capacity: { value: 40, unit: 'plaetze' },
    reach: 'STADTTEIL',
    validFrom: '2024-01-01',
    validTo: null,
    source: 'Test',
    attribution: null,
    synthetic: false,
    ...over,
  };
}
let seq = 0;
function ev(record: OfferRecord, at = '2025-01-01T10:00:00Z'): OfferEventInput {
  return { key: record.key, version: record.version, amt: record.amt, deliveryId: `d-${++seq}`, deliveredAt: at, tombstone: false, payload: record };
}
function tomb(key: string, version: number, at = '2025-03-01T10:00:00Z'): OfferEventInput {
  return { key, version, amt: 'jugendamt', deliveryId: `d-${++seq}`, deliveredAt: at, tombstone: true, payload: null };
}

describe.each(engines)('%s', (_name, open) => {
  let engine: Engine;
  let repo: RegistryRepository;
  beforeAll(async () => {
    engine = await open();
    repo = new RegistryRepository(engine.db, gridCityLocator, catalogue);
    expect(await repo.migrate()).toEqual(['001_registry', '002_offer_details']);
    expect(await repo.migrate()).toEqual([]); // idempotent
  });
  afterAll(async () => {
    await engine?.stop();
  });

  describe('projection: history, idempotence, order', () => {
    it('keeps every version, applies the newest, ignores a replay and a late older version', async () => {
      const v1 = offer('h:1', { name: 'Kita Sonnenschein' });
      const v2 = offer('h:1', { version: 2, name: 'Kita Sonnenschein (erweitert)', capacity: { value: 60, unit: 'plaetze' } });
      const v3 = offer('h:1', { version: 3, name: 'Kita Sonnenschein', capacity: { value: 75, unit: 'plaetze' }, validTo: '2026-07-31' });
      expect((await repo.applyOfferEvents([ev(v1, '2025-01-01T00:00:00Z'), ev(v3, '2025-03-01T00:00:00Z')])).counts).toMatchObject({ applied: 2 });
      // v2 arrives late (after v3), then v3 again (at-least-once redelivery)
      const late = await repo.applyOfferEvents([ev(v2, '2025-02-01T00:00:00Z'), ev(v3, '2025-03-01T00:00:00Z')]);
      expect(late.outcomes.map((o) => o.outcome)).toEqual(['stale', 'duplicate']);
      // a different payload under an existing version is not a redelivery: reported, current unchanged
      const conflict = await repo.applyOfferEvents([ev({ ...v3, name: 'Kita Mondschein' })]);
      expect(conflict.outcomes[0]).toMatchObject({ outcome: 'rejected', code: 'CONFLICTING_VERSION' });
      const current = await repo.getOffer('h:1');
      expect(current).toMatchObject({ version: 3, name: 'Kita Sonnenschein', capacity: { value: 75, unit: 'plaetze' }, validTo: '2026-07-31' });
      const h = (await repo.offerHistory('h:1'))!;
      expect(h.status).toBe('current');
      expect(h.currentVersion).toBe(3);
      expect(h.versions.map((v) => [v.version, v.record?.capacity?.value, v.endedBy])).toEqual([
        [1, 40, 3],
        [2, 60, 3],
        [3, 75, null],
      ]);
      expect(h.versions[0]!.endedAt).toBe('2025-03-01T00:00:00.000Z');
      expect(h.versions[0]!.deliveryId).toMatch(/^d-/);
    });

    it('a withdrawal ends validity and removes the offer from search; history stays; a newer version revives it', async () => {
      const w1 = offer('w:1', { name: 'Kita Regenbogen' });
      await repo.applyOfferEvents([ev(w1)]);
      expect((await repo.search({ text: 'Regenbogen' })).total).toBe(1);
      const r = await repo.applyOfferEvents([tomb('w:1', 1), tomb('w:1', 1)]);
      expect(r.outcomes.map((o) => o.outcome)).toEqual(['withdrawn', 'duplicate']);
      expect(await repo.getOffer('w:1')).toBeNull();
      expect((await repo.search({ text: 'Regenbogen' })).total).toBe(0);
      const h = (await repo.offerHistory('w:1'))!;
      expect(h).toMatchObject({ status: 'withdrawn', currentVersion: null, withdrawnAt: '2025-03-01T10:00:00.000Z' });
      expect(h.versions.map((v) => [v.version, v.tombstone, v.endedAt])).toEqual([
        [1, false, '2025-03-01T10:00:00.000Z'],
        [1, true, null],
      ]);
      // an older record arriving after the withdrawal does not resurrect it; a newer version does
      expect((await repo.applyOfferEvents([ev(w1)])).outcomes[0]!.outcome).toBe('duplicate');
      await repo.applyOfferEvents([ev(offer('w:1', { version: 2, name: 'Kita Regenbogen neu' }), '2025-04-01T00:00:00Z')]);
      expect((await repo.getOffer('w:1'))!.version).toBe(2);
      expect((await repo.offerHistory('w:1'))!.status).toBe('current');
    });

    it('rejects nothing silently: invalid events and points outside the city are reported and recorded', async () => {
      const outside = offer('bad:outside', { location: { lat: 48.1, lon: 11.5 } });
      const r = await repo.applyOfferEvents([
        ev(outside),
        { key: 'bad:shape', version: 1, amt: 'x', deliveryId: 'd-x', deliveredAt: 'yesterday', tombstone: false, payload: null },
        { key: 'bad:nopayload', version: 1, amt: 'x', deliveryId: 'd-y', deliveredAt: '2025-01-01T00:00:00Z', tombstone: false, payload: null },
        ev(offer('ok:1')),
      ]);
      expect(r.counts).toMatchObject({ rejected: 3, applied: 1 });
      expect(r.outcomes[0]).toMatchObject({ key: 'bad:outside', outcome: 'rejected', code: 'OUTSIDE_CITY' });
      expect(r.outcomes[1]).toMatchObject({ key: 'bad:shape', outcome: 'rejected', code: 'INVALID_EVENT' });
      expect(r.outcomes[1]!.message).toContain('deliveredAt');
      expect(r.outcomes[2]).toMatchObject({ key: 'bad:nopayload', outcome: 'rejected', code: 'INVALID_EVENT' });
      expect(r.outcomes[2]!.message).toContain('payload: a record event needs a payload');
      const issues = await repo.projectionIssues();
      expect(issues.map((i) => [i.key, i.code])).toEqual([
        ['bad:nopayload', 'INVALID_EVENT'],
        ['bad:outside', 'OUTSIDE_CITY'],
        ['bad:shape', 'INVALID_EVENT'],
        ['h:1', 'CONFLICTING_VERSION'],
      ]);
      expect(await repo.getOffer('bad:outside')).toBeNull();
      expect(await repo.offerHistory('bad:outside')).toBeNull();
    });

    it('a batch is atomic: an engine error rolls back the events before it', async () => {
      const before = (await repo.search({})).total;
      await expect(repo.applyOfferEvents([ev(offer('atomic:1')), ev(offer('atomic:2', { name: 'x\u0000y' }))])).rejects.toThrow();
      expect((await repo.search({})).total).toBe(before);
      expect(await repo.offerHistory('atomic:1')).toBeNull();
    });
  });

  describe('search', () => {
    beforeAll(async () => {
      await repo.applyOfferEvents([
        ev(offer('s:kita-a', { name: 'Kita Kinderland', location: { lat: 50.01, lon: 7.01 }, targetGroups: ['kinder', 'alleinerziehende'], provider: 'AWO Köln' })),
        ev(offer('s:kita-b', { name: 'Kita Pusteblume', location: { lat: 50.07, lon: 7.05 }, provider: 'Caritas', amt: 'planung' })),
        ev(offer('s:kita-c', { name: 'Kita am Park', location: { lat: 50.05, lon: 7.15 }, provider: 'AWO Köln' })),
        ev(
          offer('s:treff-a', {
            name: 'Treff für Alleinerziehende',
            offerType: 'offener_treff',
            capacity: null,
            location: { lat: 50.012, lon: 7.012 },
            targetGroups: ['alleinerziehende'],
            reach: 'STADTVIERTEL',
            amt: 'jugendamt',
            provider: 'AWO Köln',
          }),
        ),
        ev(
          offer('s:treff-b', {
            name: 'Seniorentreff Nord',
            offerType: 'offener_treff',
            capacity: null,
            location: { lat: 50.15, lon: 7.05 },
            targetGroups: ['senioren'],
            reach: 'STADTBEZIRK',
            provider: 'Stadt Köln',
            amt: 'sozialamt',
          }),
        ),
        ev(
          offer('s:beratung', {
            name: 'Familienberatungsstelle Süd',
            offerType: 'familienberatung',
            capacity: null,
            location: { lat: 50.09, lon: 7.19 },
            targetGroups: ['alleinerziehende', 'familien_mit_kindern'],
            reach: 'STADT',
            synthetic: true,
            amt: 'jugendamt',
            provider: 'Diakonie',
          }),
        ),
      ]);
    });
    const keys = async (f: Parameters<RegistryRepository['search']>[0]) =>
      (await repo.search(f, { limit: 500 })).items
        .map((o) => o.key)
        .filter((k) => k.startsWith('s:'))
        .sort();

    it('filters by type, target group, area incl. areas below, provider, Amt, synthetic', async () => {
      expect(await keys({ offerTypes: ['offener_treff'] })).toEqual(['s:treff-a', 's:treff-b']);
      expect(await keys({ targetGroups: ['alleinerziehende'] })).toEqual(['s:beratung', 's:kita-a', 's:treff-a']);
      expect(await keys({ area: { level: 'STADTTEIL', code: '101' } })).toEqual(['s:kita-a', 's:kita-b', 's:treff-a']);
      expect(await keys({ area: { level: 'STADTVIERTEL', code: '10101' } })).toEqual(['s:kita-a', 's:treff-a']);
      expect(await keys({ area: { level: 'STADTBEZIRK', code: '1' } })).toEqual(['s:beratung', 's:kita-a', 's:kita-b', 's:kita-c', 's:treff-a']);
      expect(await keys({ area: { level: 'SOZIALRAUM', code: 'SR1' } })).toEqual(['s:kita-a', 's:kita-b', 's:treff-a', 's:treff-b']);
      expect(await keys({ provider: 'awo' })).toEqual(['s:kita-a', 's:kita-c', 's:treff-a']);
      expect(await keys({ amts: ['planung', 'sozialamt'] })).toEqual(['s:kita-b', 's:treff-b']);
      expect(await keys({ synthetic: true })).toEqual(['s:beratung']);
    });

    it('ANDs combined filters', async () => {
      expect(await keys({ targetGroups: ['alleinerziehende'], area: { level: 'STADTTEIL', code: '101' } })).toEqual(['s:kita-a', 's:treff-a']);
      expect(await keys({ targetGroups: ['alleinerziehende'], area: { level: 'STADTTEIL', code: '101' }, offerTypes: ['kita'] })).toEqual(['s:kita-a']);
      expect(await keys({ offerTypes: ['kita'], provider: 'AWO', area: { level: 'STADTTEIL', code: '102' } })).toEqual(['s:kita-c']);
      expect(await keys({ offerTypes: ['kita'], provider: 'AWO', text: 'Kinderland', near: { lat: 50.01, lon: 7.01, radiusMeters: 100 } })).toEqual(['s:kita-a']);
      expect(await keys({ offerTypes: ['kita'], provider: 'Caritas', area: { level: 'STADTTEIL', code: '102' } })).toEqual([]);
    });

    it('servesArea finds offers whose reach covers the area, located there or not', async () => {
      // Viertel 10101: the Viertel treff, the Stadtteil Kitas of 101 and the citywide Beratung
      expect(await keys({ servesArea: { level: 'STADTVIERTEL', code: '10101' } })).toEqual(['s:beratung', 's:kita-a', 's:kita-b', 's:treff-a']);
      expect(await keys({ servesArea: { level: 'STADTTEIL', code: '201' } })).toEqual(['s:beratung', 's:treff-b']);
    });

    it('free text: substring (case-insensitive) or German stemming', async () => {
      expect(await keys({ text: 'pusteblume' })).toEqual(['s:kita-b']);
      expect(await keys({ text: 'beratungsstelle' })).toEqual(['s:beratung']);
      expect(await keys({ text: 'Beratungsstellen' })).toEqual(['s:beratung']);
      expect(await keys({ text: 'Treffs' })).toEqual(['s:treff-a', 's:treff-b']); // stemmed: treffs → treff
      expect(await keys({ text: 'Treff Nord' })).toEqual(['s:treff-b']); // every word must match
      expect(await keys({ text: '100%_' })).toEqual([]); // LIKE wildcards are literal
    });

    it('radius: exact great-circle distance, sorted by distance; bounding box', async () => {
      // from (50.01, 7.01): treff-a 0.002°/0.002° ≈ 266 m, kita-b ≈ 7.3 km, kita-c ≈ 10.3 km
      const near = await repo.search({ near: { lat: 50.01, lon: 7.01, radiusMeters: 8000 } });
      const mine = near.items.filter((o) => o.key.startsWith('s:'));
      expect(mine.map((o) => o.key)).toEqual(['s:kita-a', 's:treff-a', 's:kita-b']);
      expect(mine[1]!.distanceMeters).toBeCloseTo(266, -1);
      expect(mine[2]!.distanceMeters).toBeGreaterThan(7000);
      expect(await keys({ near: { lat: 50.01, lon: 7.01, radiusMeters: 250 } })).toEqual(['s:kita-a']);
      expect(await keys({ bbox: { south: 50.0, west: 7.0, north: 50.02, east: 7.02 } })).toEqual(['s:kita-a', 's:treff-a']);
    });

    it('paginates with a stable order and a total', async () => {
      const all = await repo.search({ offerTypes: ['kita', 'offener_treff', 'familienberatung'], area: { level: 'STADT', code: '0' } }, { limit: 500 });
      const pages: string[] = [];
      let offset: number | null = 0;
      while (offset !== null) {
        const p: Awaited<ReturnType<RegistryRepository['search']>> = await repo.search(
          { offerTypes: ['kita', 'offener_treff', 'familienberatung'], area: { level: 'STADT', code: '0' } },
          { limit: 2, offset },
        );
        expect(p.total).toBe(all.total);
        expect(p.items.length).toBeLessThanOrEqual(2);
        pages.push(...p.items.map((o) => o.key));
        offset = p.nextOffset;
      }
      expect(pages).toEqual(all.items.map((o) => o.key));
      expect(new Set(pages).size).toBe(all.total);
    });

    it('returns the offer with its areas, reach area and attribution flags', async () => {
      const o = (await repo.search({ text: 'Kinderland' })).items[0]!;
      expect(o.areas).toEqual([
        { level: 'SOZIALRAUM', code: 'SR1' },
        { level: 'STADT', code: '0' },
        { level: 'STADTBEZIRK', code: '1' },
        { level: 'STADTTEIL', code: '101' },
        { level: 'STADTVIERTEL', code: '10101' },
      ]);
      expect(o).toMatchObject({ reach: 'STADTTEIL', reachArea: { level: 'STADTTEIL', code: '101' }, synthetic: false, attribution: null });
    });

    it('rejects malformed filters with a message naming the field', async () => {
      await expect(repo.search({ near: { lat: 50, lon: 7, radiusMeters: -1 } })).rejects.toThrow(/radiusMeters/);
      await expect(repo.search({ bbox: { south: 51, west: 7, north: 50, east: 8 } })).rejects.toThrow(/south <= north/);
    });
  });

  describe('offer v2 details (Sozialatlas)', () => {
    it('stores opening hours, languages, accessibility and contact; a v1 record has none; search by language', async () => {
      const details = {
        openingHours: 'Mo–Fr 9–16 Uhr',
        languages: ['de', 'tr'],
        accessibility: { wheelchair: 'limited' as const, note: 'Rampe am Seiteneingang' },
        contact: { phone: '0221 123456', email: 'treff@example.org', website: null },
      };
      await repo.applyOfferEvents([ev(offer('v2:treff', { offerType: 'offener_treff', ...details })), ev(offer('v2:plain', { offerType: 'offener_treff' }))]);
      expect(await repo.getOffer('v2:treff')).toMatchObject(details);
      expect(await repo.getOffer('v2:plain')).toMatchObject({ openingHours: null, languages: [], accessibility: null, contact: null });
      expect((await repo.search({ languages: ['tr', 'ar'] })).items.map((o) => o.key)).toEqual(['v2:treff']);
      await expect(repo.search({ languages: ['Türkisch'] })).rejects.toThrow(/ISO 639-1/);
    });
  });

  describe('needs through the database', () => {
    it('matches the hand-checked fixture', async () => {
      // Stadtteil 201 holds only the Kitas placed here (earlier tests use Bezirk 1)
      await repo.applyOfferEvents([
        ev(offer('n:1', { location: { lat: 50.15, lon: 7.05 }, reach: 'STADTVIERTEL', capacity: { value: 25, unit: 'plaetze' } })), // Viertel 20101
        ev(offer('n:2', { location: { lat: 50.15, lon: 7.15 }, reach: 'STADTTEIL', capacity: { value: 35, unit: 'plaetze' } })), // 201, no Viertel
        ev(offer('n:3', { location: { lat: 50.16, lon: 7.16 }, reach: 'STADT', capacity: { value: 500, unit: 'plaetze' } })), // citywide
      ]);
      const pop = staticPopulationSource({ STADTTEIL: { '201': { total: 5000, byAge: { '0-3': 150, '3-6': 120 } } } });
      const r = await repo.needs('kita', 'STADTTEIL', pop);
      expect(r).toMatchObject({ normCode: 'kita', catalogueVersion: 3, level: 'STADTTEIL', unit: 'plaetze' });
      const t201 = r.areas.find((a) => a.area.code === '201')!;
      // target 150·2/3 + 120 = 220 → demand 184.8; supply 25 + 35 = 60; gap 124.8
      expect(t201.demand).toBeCloseTo(184.8, 9);
      expect(t201).toMatchObject({ supply: 60, offers: 2, widerReachOffers: 1 });
      expect(t201.gap).toBeCloseTo(124.8, 9);
      expect((await repo.largestGaps('kita', 'STADTTEIL', pop, 1))[0]!.area.code).toBe('201');
      await expect(repo.needs('unbekannt', 'STADTTEIL', pop)).rejects.toMatchObject({ code: 'UNKNOWN_NORM' });
    });

    it('nearest distances from area points', async () => {
      const res = await repo.nearestDistances([{ area: { level: 'STADTVIERTEL', code: '20101' }, lat: 50.15, lon: 7.049 }], { offerTypes: ['kita'] });
      expect(res[0]!.nearest!.key).toBe('n:1');
      expect(res[0]!.nearest!.distanceMeters).toBeCloseTo(71.5, 0); // 0.001° lon at 50.15°
    });
  });
});
