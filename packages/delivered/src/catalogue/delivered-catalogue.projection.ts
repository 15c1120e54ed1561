// The tenant's indicator and index definitions as delivered data (docs/indicators.md §8): a
// projection of the `indicator-definition` records into the tenant's database, and the step that
// makes them part of the catalogue every part of the runtime holds. The delivered versions overlay
// the catalogue the tenant was created with (a delivered code adds a version to the pack's code or
// is new); the catalogue object is replaced in place (Catalogue.replaceWith), so ingestion, reader,
// index projection and gateway see the new definitions at once. Indicators are evaluated when read,
// so a new version of a count, ratio or change is answered from the next read on; the composite
// indices are recomputed for every period (each version of each index keeps its own rows).
import { type EventCodec, catalogueRecordTypes, type RecordEvent, type Topology } from '@sp/events';
import { type Catalogue, overlayDefinitions } from '@sp/indicators';
import type { Projection } from '@sp/ports';
import type { DeliveredCatalogueStore } from './delivered-catalogue.store.js';

export interface DeliveredCatalogueDeps {
  store: DeliveredCatalogueStore;
  /** the catalogue the tenant was created with (a copy: `catalogue` is replaced in place) */
  base: Catalogue;
  /** the tenant's catalogue object, shared by ingestion, projections and gateway; its content is replaced */
  catalogue: Catalogue;
  /** after the catalogue changed: drop what was read with the old one, recompute the indices */
  onChanged?: () => Promise<void> | void;
  log?: (line: string) => void;
}

/** A copy of a catalogue, to overlay the delivered definitions on while the original is replaced. */
export function copyOfCatalogue(c: Catalogue): Catalogue {
  return overlayDefinitions(c, []);
}

/** Makes the stored delivered definitions part of the tenant's catalogue. Answers whether there were any. */
export async function applyDeliveredCatalogue(deps: DeliveredCatalogueDeps): Promise<boolean> {
  const delivered = await deps.store.load();
  if (delivered.length === 0) return false;
  const next = overlayDefinitions(deps.base, delivered, (i, reason) => deps.log?.(`[catalogue] ${i.code} v${i.version} left out: ${reason}`));
  deps.catalogue.replaceWith(next);
  return true;
}

export function deliveredCatalogueProjection(deps: DeliveredCatalogueDeps & { codec: EventCodec; topology: Topology }, groupId = 'catalogue'): Projection {
  // the batches of both partitions arrive at the same time: their overlays take turns, so the one
  // that read the store last is the one applied last
  let turns: Promise<unknown> = Promise.resolve();
  return {
    groupId,
    topics: catalogueRecordTypes.map((t) => deps.topology.topicFor(t)),
    apply: async (events) => {
      const decoded = events.map((e) => deps.codec.decodeAs(e.value).event) as RecordEvent<'indicator-definition'>[];
      await deps.store.apply(decoded);
      const turn = turns.then(async () => {
        if (await applyDeliveredCatalogue(deps)) await deps.onChanged?.();
      });
      turns = turn.catch(() => undefined);
      await turn;
    },
  };
}
