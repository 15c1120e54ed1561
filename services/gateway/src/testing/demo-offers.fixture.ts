// The Köln demo registry's offers applied to a repository as the projection would (one event per
// offer, in batches of 500), for the tests that read the real registry through a source.
import { buildDemoRegistry, readDemoSources, type OfferRecord, type RegistryRepository } from '@sp/registry';
import type { AreaReference } from '@sp/spatial';

export async function loadDemoOffers(repo: RegistryRepository, reference: AreaReference): Promise<OfferRecord[]> {
  const offers = buildDemoRegistry(readDemoSources(), { insideCity: (lat, lon) => reference.locate(lat, lon) !== undefined }).offers;
  const t = Date.UTC(2025, 0, 1);
  const events = offers.map((o, i) => ({
    key: o.key,
    version: o.version,
    recordType: 'offer',
    amt: o.amt,
    deliveryId: `demo-${o.amt}`,
    deliveredAt: t + i,
    deliveredBy: 'demo',
    tombstone: false,
    payload: o,
  }));
  for (let i = 0; i < events.length; i += 500) {
    const { rejected } = (await repo.applyOfferEvents(events.slice(i, i + 500))).counts;
    if (rejected !== 0) throw new Error(`the demo registry: ${rejected} offers of batch ${i / 500} rejected`);
  }
  return offers;
}
