// Projects the Ämter's planning RECORD events (goal, measure, milestone, status-report versions as
// they come out of the event log) into the read model: each new version is compared with the
// stored snapshot by the aggregate's decider, and the resulting domain events are applied.
// Ingestion already refused illegal transitions, so an issue here means the events arrived out of
// order across topics (a milestone before its measure): that is transient and thrown, so the
// event log redelivers the batch later.
//
// Withdrawals (tombstones) become the aggregate's Withdrawn event, decided against the stored snapshot;
// a tombstone for a key the read model never held, or one already withdrawn, changes nothing (ingestion
// never appends the first, and withdrawing again is idempotent). A goal's withdrawal is not checked
// against its measures here: ingestion refused it while measures served the goal, and the measure
// topic is not ordered against the goal topic. The next version of a withdrawn record is decided against
// the withdrawn state (it starts afresh) and makes the record current again.
import type { Database, Queryable } from '@sp/ports';
import { decidePlanningRecord } from '../records/planning-transition.check.js';
import type { PlanningRecordType } from '../records/planning-records.schema.js';
import { applyEvents, type ApplyResult } from './controlling.projector.js';
import { measureFactsOf } from './controlling.queries.js';
import { loadStoredGoal, loadStoredMeasure, loadStoredMilestone, loadStoredStatusReport, loadStoredTheme, type Stored } from './controlling.rows.js';
import type { PlanningDomainEvent } from './planning.projection.js';

export interface PlanningRecordEvent {
  key: string;
  version: number;
  recordType: PlanningRecordType;
  deliveryId: string;
  /** the Amt whose delivery this is (the envelope's `amt`); the first one to deliver a goal owns it */
  amt?: string;
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

const storedOf: Record<PlanningRecordType, (db: Queryable, key: string) => Promise<Stored<{ key: string; version: number }> | undefined>> = {
  goal: loadStoredGoal,
  measure: loadStoredMeasure,
  milestone: loadStoredMilestone,
  'status-report': loadStoredStatusReport,
  theme: loadStoredTheme,
};

/** The measure a record names: a milestone's or report's, or the one a topic was turned into. */
function measureKeyOf(payload: unknown): string | undefined {
  const p = payload as { measureKey?: string; decision?: { measureKey?: string | null } | null };
  return p.measureKey ?? p.decision?.measureKey ?? undefined;
}

/**
 * Applies record events in order; returns what the read model did with their domain events.
 * `withdrawals` counts the tombstones among the records (each applied, duplicate or stale as well).
 */
export async function projectPlanningRecordEvents(db: Database, records: readonly PlanningRecordEvent[]): Promise<ApplyResult & { withdrawals: number }> {
  const total = { applied: 0, duplicates: 0, stale: 0, withdrawals: 0 };
  for (const r of records) {
    const tombstone = r.tombstone || r.payload === null;
    if (tombstone) total.withdrawals++;
    const stored = await storedOf[r.recordType](db, r.key);
    if (stored && Math.max(stored.record.version, stored.withdrawal?.version ?? 0) >= r.version) {
      total.duplicates++;
      continue;
    }
    if (tombstone && (stored === undefined || stored.withdrawal !== undefined)) {
      total.stale++; // nothing there to withdraw, or withdrawn already
      continue;
    }
    const measureKey = tombstone ? undefined : measureKeyOf(r.payload);
    // facts of the measure as ingestion saw them, even if it has been withdrawn since (topics are not ordered)
    const facts = measureKey ? await measureFactsOf(db, measureKey, { includeWithdrawn: true }) : undefined;
    const { events, issues } = decidePlanningRecord(
      {
        recordType: r.recordType,
        previous: stored?.record ?? null,
        ...(stored?.withdrawal ? { previousWithdrawal: stored.withdrawal } : {}),
        next: tombstone ? null : r.payload,
        ...(tombstone ? { withdrawal: { key: r.key, version: r.version } } : {}),
        deliveryId: r.deliveryId,
        actor: r.deliveredBy,
        at: new Date(r.deliveredAt).toISOString(),
      },
      () => facts,
    );
    if (issues.length > 0) {
      throw new PlanningOutOfOrderError(`${r.recordType} ${r.key} v${r.version}: ${issues.map((i) => `${i.code} ${i.message}`).join('; ')}`);
    }
    const result = await applyEvents(db, events as readonly PlanningDomainEvent[]);
    if (r.recordType === 'goal' && r.amt && !tombstone) await db.query('UPDATE controlling_goal SET owner_amt = $2 WHERE goal_key = $1 AND owner_amt IS NULL', [r.key, r.amt]);
    total.applied += result.applied;
    total.duplicates += result.duplicates;
    total.stale += result.stale;
  }
  return total;
}
