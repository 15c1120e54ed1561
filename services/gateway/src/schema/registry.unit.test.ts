// The offer fields of schema v2 in GraphQL (what the Sozialatlas reads) and the refusal of malformed
// search arguments with a code before the registry is asked.
import { describe, expect, it } from 'vitest';
import type { OfferQuery, OfferView, RegistrySource } from '../sources.js';
import { testGateway } from '../testing/gateway.fixture.js';

const offer: OfferView = {
  key: 'syn:treff:1',
  version: 1,
  name: 'Treffpunkt Alleinerziehende',
  offerType: 'offener_treff',
  provider: 'Familienforum (fiktiv)',
  amt: 'jugendamt',
  targetGroups: ['alleinerziehende'],
  address: { street: 'Merianstr. 5', postcode: '50765', city: 'Köln' },
  location: { lat: 51.0272, lon: 6.8995 },
  reach: 'STADTTEIL',
  areas: [],
  validFrom: '2024-01-01',
  source: 'SYNTHETISCH',
  synthetic: true,
  openingHours: 'Mo–Fr 9–16 Uhr',
  languages: ['de', 'tr'],
  accessibility: { wheelchair: 'limited', note: 'Rampe' },
  contact: { phone: '0221 99123-0', email: 'treff@example.org', website: null },
  distanceMeters: 412.5,
};

function registry(queries: OfferQuery[]): RegistrySource {
  return {
    searchOffers: async (q) => {
      queries.push(q);
      return { items: [offer, { ...offer, key: 'plain', openingHours: null, languages: [], accessibility: null, contact: null, distanceMeters: undefined }], total: 2 };
    },
    offerHistory: async () => [],
    norms: async () => [],
    needs: async () => [],
  };
}

describe('offers in GraphQL (offer v2 details)', () => {
  it('gives opening hours, languages, accessibility, contact and distance to the public, null or empty where not stated', async () => {
    const queries: OfferQuery[] = [];
    const { gql } = testGateway({ registry: registry(queries) });
    const r = await gql(
      '{ offers(first: 2, languages: ["tr"], near: { lat: 51.03, lon: 6.9, radiusMeters: 2000 }) { edges { node { key provider openingHours languages accessibility { wheelchair note } contact { phone email website } distanceMeters } } } }',
    );
    expect(r.errors).toBeUndefined();
    expect(r.data.offers.edges.map((e: { node: unknown }) => e.node)).toEqual([
      {
        key: 'syn:treff:1',
        provider: 'Familienforum (fiktiv)',
        openingHours: 'Mo–Fr 9–16 Uhr',
        languages: ['de', 'tr'],
        accessibility: { wheelchair: 'LIMITED', note: 'Rampe' },
        contact: { phone: '0221 99123-0', email: 'treff@example.org', website: null },
        distanceMeters: 412.5,
      },
      { key: 'plain', provider: 'Familienforum (fiktiv)', openingHours: null, languages: [], accessibility: null, contact: null, distanceMeters: null },
    ]);
    expect(queries[0]).toMatchObject({ languages: ['tr'], near: { lat: 51.03, lon: 6.9, radiusMeters: 2000 } });
  });

  it.each([
    ['languages: ["Türkisch"]', 'languages'],
    ['near: { lat: 51, lon: 6.9, radiusMeters: 0 }', 'near'],
    ['near: { lat: 510, lon: 6.9, radiusMeters: 100 }', 'near'],
    ['near: { lat: 51, lon: 6.9, radiusMeters: 1000000 }', 'near'],
  ])('refuses offers(%s) with BAD_USER_INPUT naming the argument, asking the registry nothing', async (arg, argument) => {
    const queries: OfferQuery[] = [];
    const { gql } = testGateway({ registry: registry(queries) });
    const r = await gql(`{ offers(first: 5, ${arg}) { totalCount } }`);
    expect(r.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argument });
    expect(r.errors?.[0]?.message).toMatch(/accepted/);
    expect(queries).toEqual([]);
  });
});
