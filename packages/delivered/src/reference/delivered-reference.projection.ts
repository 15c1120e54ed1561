// The tenant's spatial reference as delivered data (docs/spatial-reference.md): a projection of the
// `area-level` and `area` records into the tenant's database, and the step that makes them the
// reference every part of the runtime holds. Once a tenant has delivered at least one level, its
// delivered levels and an area of its root level, its delivered levels and areas replace the
// reference it was created with (pack or YAML) as a whole; before that, the pack's reference stays. After every change the warehouse's area map (the roll-up
// relation with each area's validity) is loaded again and the read caches are dropped, so
// validation of later deliveries and the reader use the delivered areas valid at each period.
import { type EventCodec, referenceRecordTypes, type RecordEvent, type ReferenceRecordType, type Topology } from '@sp/events';
import { areaMapRows, loadAreaMap } from '@sp/indicator-store';
import type { EventLog, LogEvent, Projection, Warehouse } from '@sp/ports';
import { type AreaReference, buildDeliveredReference } from '@sp/spatial';
import type { DeliveredReferenceStore } from './delivered-reference.store.js';

export interface DeliveredReferenceDeps {
  store: DeliveredReferenceStore;
  /** the tenant's reference object, shared by ingestion, projections and gateway; its content is replaced */
  reference: AreaReference;
  /**
   * the warehouse whose area map the writer (platform, standalone aggregator) loads after each
   * change; a reader (standalone gateway, ingestion) gives none: the area map is the writer's
   */
  warehouse?: Warehouse;
  /** after the reference changed: drop what was read with the old one (reader relations, response cache), recompute the indices */
  onChanged?: () => void | Promise<void>;
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
  // levels without a root area yet (the areas follow in a later delivery): the reference stays as it
  // is, and the areas waiting for their parents are not named one by one
  if (reference.areas(reference.rootLevel, { all: true }).length === 0) {
    deps.log?.(`[reference] ${levels.length} delivered levels and ${areas.length} areas, no area of the root level ${reference.rootLevel ?? '(none)'} yet: the reference stays as it was`);
    return false;
  }
  for (const s of skipped) deps.log?.(`[reference] ${s.level} ${s.code} (from ${s.validFrom}) left out: ${s.reason}`);
  deps.reference.replaceWith(reference);
  if (deps.warehouse) await loadAreaMap(deps.warehouse, areaMapRows(deps.reference));
  await deps.onChanged?.();
  return true;
}

export function deliveredReferenceProjection(
  deps: DeliveredReferenceDeps & {
    warehouse: Warehouse;
    codec: EventCodec;
    topology: Topology;
    /**
     * where the log ends: the reference is rebuilt only once every reference record appended so far
     * is stored. Without it, every batch rebuilds (tests of the rebuild itself).
     */
    eventLog?: Pick<EventLog, 'endOffsets' | 'committedOffsets'>;
  },
  groupId = 'reference',
): Projection {
  // apply runs once per partition batch, and the batches of one delivery run at the same time. Two
  // rebuilds at once each emptied and refilled the warehouse's area map — both fills landed, every
  // area twice, counts rolled up double — and the one that read the store first could replace the
  // reference last, with an area missing. So they take turns; each starts after its own batch is
  // stored, and the last one reads every stored record.
  let turns: Promise<unknown> = Promise.resolve();
  const topics = referenceRecordTypes.map((t) => deps.topology.topicFor(t));
  // A reference is taken over as a whole once its root area is stored. When the root's partition
  // was read before another partition holding areas of the same deliveries, a rebuild then made a
  // reference without those areas, and figures for them were refused (UNKNOWN_AREA) until the
  // other partition's batch came (Hamburg's loader: the root last, its joined units in the other
  // partition). So a rebuild waits until every reference record appended so far is stored: the
  // batch that stores the last of them rebuilds. Each partition's position is what this process
  // stored (held here) or, for partitions it has not seen since its start, the group's commit.
  const stored = new Map<string, bigint>();
  const storedUpTo = (events: readonly LogEvent[]) => {
    for (const e of events) {
      const k = `${e.topic}|${e.partition}`;
      if ((stored.get(k) ?? -1n) < e.offset + 1n) stored.set(k, e.offset + 1n);
    }
  };
  const pending = async (): Promise<boolean> => {
    if (!deps.eventLog) return false;
    for (const topic of topics) {
      const [ends, committed] = await Promise.all([deps.eventLog.endOffsets(topic), deps.eventLog.committedOffsets(groupId, topic)]);
      for (const [partition, end] of ends) {
        const mine = stored.get(`${topic}|${partition}`) ?? 0n;
        const theirs = committed.get(partition) ?? 0n;
        if ((mine > theirs ? mine : theirs) < end) return true;
      }
    }
    return false;
  };
  return {
    groupId,
    topics,
    apply: async (events) => {
      const decoded = events.map((e) => deps.codec.decodeAs(e.value).event) as RecordEvent<ReferenceRecordType>[];
      await deps.store.apply(decoded);
      storedUpTo(events);
      await takeTurn(true);
    },
  };

  /**
   * A batch that found records still pending leaves the rebuild to the batch that stores them. One
   * look again a little later covers a position that had not been committed yet (a record
   * dead-lettered by the runner, a commit still on its way); it rebuilds only if nothing is pending.
   */
  async function takeTurn(lookAgain: boolean): Promise<void> {
    const turn = turns.then(async () => {
      if (await pending()) {
        if (lookAgain) setTimeout(() => void takeTurn(false).catch((error: unknown) => deps.log?.(`[reference] rebuild after a wait failed: ${(error as Error).message}`)), 2000).unref();
        return;
      }
      await applyDeliveredReference(deps);
    });
    turns = turn.catch(() => undefined);
    await turn;
  }
}
