// TEST FIXTURE: a registry in memory with the RegistrySource's filters (types, target groups,
// bbox, paging), and test offers at interior points of every fourth Stadtteil (one of them no
// longer valid since 2012).
import { geoJsonGeometrySchema, interiorPoint, toMultiPolygon } from '@sp/spatial';
import type { AreaSource, OfferView, RegistrySource } from '../sources.js';

/** An in-memory registry with the RegistrySource's filters (types, target groups, bbox, paging). */
export function memoryRegistry(offers: readonly OfferView[]): RegistrySource {
  return {
    async searchOffers(q) {
      const hits = offers.filter(
        (o) =>
          (!q.offerTypes?.length || q.offerTypes.includes(o.offerType)) &&
          (!q.targetGroups?.length || q.targetGroups.some((t) => o.targetGroups.includes(t))) &&
          (!q.bbox || (o.location.lat >= q.bbox.minLat && o.location.lat <= q.bbox.maxLat && o.location.lon >= q.bbox.minLon && o.location.lon <= q.bbox.maxLon)),
      );
      return { items: hits.slice(q.offset, q.offset + q.limit), total: hits.length };
    },
    async offerHistory(key) {
      return offers.filter((o) => o.key === key);
    },
    async norms() {
      return [];
    },
    async needs() {
      return [];
    },
  };
}

export function testOffers(areas: AreaSource): OfferView[] {
  return areas
    .areas('STADTTEIL')
    .filter((_, i) => i % 4 === 0)
    .map((a, i) => {
      const at = interiorPoint(toMultiPolygon(geoJsonGeometrySchema.parse(areas.geometry('STADTTEIL', a.code))));
      return {
        key: `test:kita:${a.code}`,
        version: 1,
        name: `Kita ${a.name}`,
        offerType: i % 2 === 0 ? 'kita' : 'beratung',
        subtype: null,
        provider: 'Testträger',
        amt: 'jugendamt',
        targetGroups: i % 2 === 0 ? ['kinder', 'familien'] : ['familien'],
        address: { street: 'Teststraße 1', postcode: '50667', city: 'Köln' },
        location: { lat: at.lat, lon: at.lon },
        capacity: i % 2 === 0 ? { value: 40 + i, unit: 'Plätze' } : null,
        reach: 'STADTTEIL',
        areas: [{ level: 'STADTTEIL', code: a.code }],
        validFrom: '2010-01-01',
        validTo: i === 2 ? '2011-12-31' : null,
        source: 'test',
        attribution: null,
        synthetic: true,
      } satisfies OfferView;
    });
}
