// The OGC API's offers collection over the REAL registry: the Köln demo registry in PGlite behind
// the gateway's RegistrySource (adapters/registry.source.ts), served by the gateway. Every offer is
// a point feature; paging, the type filter, bbox and a single feature agree with the repository.
import { openPgliteDatabase, type PgliteDatabase } from '@sp/database-pglite';
import { loadCatalogue } from '@sp/indicators';
import { type OfferRecord, RegistryRepository, spatialAreaLocator } from '@sp/registry';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogueSource } from '../adapters/indicators.catalogue.js';
import { registrySourceFrom } from '../adapters/registry.source.js';
import { areaSourceFromReference } from '../adapters/spatial.source.js';
import { createGateway, type Gateway } from '../gateway.js';
import { loadDemoOffers } from '../testing/demo-read-models.fixture.js';
import { testAuth } from '../testing/gateway.fixture.js';
import { MemoryIndicatorReader } from '../testing/memory-indicator-reader.js';

const reference = loadReference('koeln');
let db: PgliteDatabase;
let repo: RegistryRepository;
let offers: OfferRecord[];
let gateway: Gateway;

beforeAll(async () => {
  db = await openPgliteDatabase({ dataDir: tempDir('sp-ogc-offers-') });
  repo = new RegistryRepository(db, spatialAreaLocator(reference));
  offers = await loadDemoOffers(repo, reference);
  // the needs analysis (not read here) is the only user of indicator values in this source
  const reader = new MemoryIndicatorReader([]);
  gateway = createGateway({
    areas: areaSourceFromReference(reference),
    catalogue: catalogueSource(loadCatalogue()),
    indicators: reader,
    registry: registrySourceFrom(repo, reader, reference),
    auth: testAuth,
  });
}, 180_000);
afterAll(async () => db?.close());

const get = async (path: string) => {
  const res = await gateway.fetch(`http://platform.test${path}`);
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

describe('offers as OGC API features from the real registry', () => {
  it('serves every offer as a point, page by page', async () => {
    const first = await get('/ogc/collections/offers/items?limit=100');
    expect(first.numberMatched).toBe(offers.length);
    const keys: string[] = [];
    let next: string | undefined = '/ogc/collections/offers/items?limit=100';
    while (next) {
      const page = await get(next);
      for (const f of page.features) {
        expect(f.geometry.type).toBe('Point');
        keys.push(f.id);
      }
      next = page.links.find((l: any) => l.rel === 'next')?.href.replace('http://platform.test', '');
    }
    expect(keys.sort()).toEqual(offers.map((o) => o.key).sort());
  });

  it('filters by type and bbox as the registry search does, and answers one offer by key', async () => {
    const treff = offers.find((o) => o.key === 'syn:alleinerziehende:chorweiler:1')!;
    const d = 0.0001;
    const box = await get(`/ogc/collections/offers/items?bbox=${treff.location.lon - d},${treff.location.lat - d},${treff.location.lon + d},${treff.location.lat + d}`);
    expect(box.features.map((f: any) => f.id)).toEqual([treff.key]);
    expect(box.features[0].geometry.coordinates).toEqual([treff.location.lon, treff.location.lat]);
    const type = await get(`/ogc/collections/offers/items?offerType=${treff.offerType}&limit=1`);
    expect(type.numberMatched).toBe((await repo.search({ offerTypes: [treff.offerType] }, { offset: 0, limit: 1 })).total);
    const now = await get('/ogc/collections/offers/items?datetime=2025-06-30&limit=1');
    expect(now.numberMatched).toBe((await repo.search({ validOn: '2025-06-30' }, { offset: 0, limit: 1 })).total);
    const one = await get(`/ogc/collections/offers/items/${encodeURIComponent(treff.key)}`);
    expect(one.properties).toMatchObject({ key: treff.key, name: treff.name, offerType: treff.offerType, provider: treff.provider, amt: treff.amt });
  });
});
