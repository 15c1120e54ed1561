// The Köln demo's read models as their projections would write them, for the tests that read the
// real registry and controlling through the gateway's sources: the demo registry's offers (one
// event per offer, in batches of 500) and the demo planning records (goals, measures, milestones,
// status reports). Each migrates its tables first.
import { migrateControlling, projectPlanningRecordEvents, readKoelnDemo, type PlanningRecordEvent } from '@sp/controlling';
import type { Database } from '@sp/ports';
import { buildDemoRegistry, readDemoSources, type OfferRecord, type RegistryRepository } from '@sp/registry';
import type { AreaReference } from '@sp/spatial';

export async function loadDemoOffers(repo: RegistryRepository, reference: AreaReference): Promise<OfferRecord[]> {
  await repo.migrate();
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

export async function loadDemoPlanning(db: Database): Promise<void> {
  await migrateControlling(db);
  const planning: PlanningRecordEvent[] = readKoelnDemo().deliveries.map((d) => {
    const record = d.record as { key: string; version: number };
    // the envelope's amt: the demo's actors are "<amt>@stadt-koeln.example"
    const amt = d.actor.split('@')[0]!;
    return {
      key: record.key,
      version: record.version,
      recordType: d.recordType,
      amt,
      deliveryId: d.deliveryId,
      deliveredBy: d.actor,
      deliveredAt: Date.parse(d.at),
      tombstone: false,
      payload: d.record,
    };
  });
  await projectPlanningRecordEvents(db, planning);
}
