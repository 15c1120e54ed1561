// Projects the Ämter's planning RECORD events (goal, measure, milestone, status-report versions as
// they come out of the event log) into the read model: each new version is compared with the
// stored snapshot by the aggregate's decider, and the resulting domain events are applied.
// Ingestion already refused illegal transitions, so an issue here means the events arrived out of
// order across topics (a milestone before its measure): that is transient and thrown, so the
// event log redelivers the batch later. Withdrawals (tombstones) are audited only.
import type { Database } from '@sp/ports';
import { decidePlanningRecord } from '../records/planning-transition.check.js';
import type { PlanningRecordType } from '../records/planning-records.schema.js';
import { applyEvents, type ApplyResult } from './controlling.projector.js';
import { goalRecord, measureFactsOf, measureRecord, milestoneRecord, statusReportRecord } from './controlling.queries.js';
import type { PlanningDomainEvent } from './planning.projection.js';

export interface PlanningRecordEvent {
  key: string;
  version: number;
  recordType: PlanningRecordType;
  deliveryId: string;
  deliveredBy: string;
  /** epoch millis */
  deliveredAt: number;
  tombstone: boolean;
  payload: unknown;
}

export class PlanningOutOfOrderError extends Error {
  override readonly name = 'PlanningOutOfOrderError';
  readonly code = 'PLANNING_OUT_OF_ORDER';
}

const snapshotOf = {
  goal: goalRecord,
  measure: measureRecord,
  milestone: milestoneRecord,
  'status-report': statusReportRecord,
} as const;

/** Applies record events in order; returns what the read model did with their domain events. */
export async function projectPlanningRecordEvents(db: Database, records: readonly PlanningRecordEvent[]): Promise<ApplyResult & { withdrawals: number }> {
  const total = { applied: 0, duplicates: 0, stale: 0, withdrawals: 0 };
  for (const r of records) {
    if (r.tombstone || r.payload === null) {
      total.withdrawals++;
      continue;
    }
    const previous = await snapshotOf[r.recordType](db, r.key);
    if (previous && previous.version >= r.version) {
      total.duplicates++;
      continue;
    }
    const measureKey = (r.payload as { measureKey?: string }).measureKey;
    const facts = measureKey ? await measureFactsOf(db, measureKey) : undefined;
    const { events, issues } = decidePlanningRecord(
      { recordType: r.recordType, previous: previous ?? null, next: r.payload, deliveryId: r.deliveryId, actor: r.deliveredBy, at: new Date(r.deliveredAt).toISOString() },
      () => facts,
    );
    if (issues.length > 0) {
      throw new PlanningOutOfOrderError(`${r.recordType} ${r.key} v${r.version}: ${issues.map((i) => `${i.code} ${i.message}`).join('; ')}`);
    }
    const result = await applyEvents(db, events as readonly PlanningDomainEvent[]);
    total.applied += result.applied;
    total.duplicates += result.duplicates;
    total.stale += result.stale;
  }
  return total;
}
