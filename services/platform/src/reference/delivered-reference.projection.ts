// The tenant's spatial reference as delivered data (docs/spatial-reference.md): a projection of the
// `area-level` and `area` records into the tenant's database, and the step that makes them the
// reference every part of the runtime holds. Once a tenant has delivered at least one level, its
// delivered levels and an area of its root level, its delivered levels and areas replace the
// reference it was created with (pack or YAML) as a whole; before that, the pack's reference stays. After every change the warehouse's area map (the roll-up
// relation with each area's validity) is loaded again and the read caches are dropped, so
// validation of later deliveries and the reader use the delivered areas valid at each period.
import { type EventCodec, referenceRecordTypes, type RecordEvent, type ReferenceRecordType, type Topology } from '@sp/events';
import { areaMapRows, loadAreaMap } from '@sp/indicator-store';
import type { Projection, Warehouse } from '@sp/ports';
import { type AreaReference, buildDeliveredReference } from '@sp/spatial';
import type { DeliveredReferenceStore } from './delivered-reference.store.js';

export interface DeliveredReferenceDeps {
  store: DeliveredReferenceStore;
  /** the tenant's reference object, shared by ingestion, projections and gateway; its content is replaced */
  reference: AreaReference;
  warehouse: Warehouse;
  /** after the reference changed: drop what was read with the old one (reader relations, response cache) */
  onChanged?: () => void;
  log?: (line: string) => void;
}

/**
 * Makes the stored delivered records the tenant's reference, when there are any levels. The id, name
 * and attribution stay those of the tenant's reference. Answers whether the reference was replaced.
 */
export async function applyDeliveredReference(deps: DeliveredReferenceDeps): Promise<boolean> {
  const { levels, areas } = await deps.store.load();
  if (levels.length === 0) return false;
  const { reference, skipped } = buildDeliveredReference(
    { id: deps.reference.id, name: deps.reference.name, ...(deps.reference.attribution ? { attribution: deps.reference.attribution } : {}) },
    levels,
    areas,
  );
  for (const s of skipped) deps.log?.(`[reference] ${s.level} ${s.code} (from ${s.validFrom}) left out: ${s.reason}`);
  // levels without a root area yet (the areas follow in the next delivery): the reference stays as it is
  if (reference.areas(reference.rootLevel, { all: true }).length === 0) {
    deps.log?.(`[reference] ${levels.length} delivered levels, no area of the root level ${reference.rootLevel ?? '(none)'} yet: the reference stays as it was`);
    return false;
  }
  deps.reference.replaceWith(reference);
  await loadAreaMap(deps.warehouse, areaMapRows(deps.reference));
  deps.onChanged?.();
  return true;
}

export function deliveredReferenceProjection(deps: DeliveredReferenceDeps & { codec: EventCodec; topology: Topology }, groupId = 'reference'): Projection {
  // apply runs once per partition batch, and the batches of one delivery run at the same time. Two
  // rebuilds at once each emptied and refilled the warehouse's area map — both fills landed, every
  // area twice, counts rolled up double — and the one that read the store first could replace the
  // reference last, with an area missing. So they take turns; each starts after its own batch is
  // stored, and the last one reads every stored record.
  let turns: Promise<unknown> = Promise.resolve();
  return {
    groupId,
    topics: referenceRecordTypes.map((t) => deps.topology.topicFor(t)),
    apply: async (events) => {
      const decoded = events.map((e) => deps.codec.decodeAs(e.value).event) as RecordEvent<ReferenceRecordType>[];
      await deps.store.apply(decoded);
      const turn = turns.then(() => applyDeliveredReference(deps));
      turns = turn.catch(() => undefined);
      await turn;
    },
  };
}
