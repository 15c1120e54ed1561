// Projects planning events into the PostgreSQL read model through the Database port. Idempotent: each
// event first claims its row in controlling_audit by event id; an event already there is skipped, so
// replays and re-deliveries change nothing. An event older than the stored record version (a late
// duplicate of an earlier version) is audited but does not move the snapshot back. A withdrawal marks
// the row withdrawn (who, when, delivery, tombstone version) and leaves its snapshot; the next version's
// events make it current again.
import type { Database, Queryable } from '@sp/ports';
import { withdrawalOf } from '../decider.js';
import {
  loadStoredGoal,
  loadStoredMeasure,
  loadStoredMilestone,
  loadStoredStatusReport,
  loadStoredTheme,
  markWithdrawn,
  saveGoal,
  saveMeasure,
  saveMilestone,
  saveStatusReport,
  saveTheme,
  type Stored,
} from './controlling.rows.js';
import {
  aggregateKeyOf,
  aggregateTypeOf,
  isGoalEvent,
  isMeasureEvent,
  isMilestoneEvent,
  isThemeEvent,
  isWithdrawalEvent,
  projectGoal,
  projectMeasure,
  projectMilestone,
  projectStatusReport,
  projectTheme,
  type PlanningDomainEvent,
} from './planning.projection.js';

export interface ApplyResult {
  readonly applied: number;
  /** already projected (same event id) */
  readonly duplicates: number;
  /** audited, but older than the stored version or without a snapshot to apply to */
  readonly stale: number;
}

/** Applies the events in order in one transaction; all or nothing. */
export async function applyEvents(db: Database, events: readonly PlanningDomainEvent[]): Promise<ApplyResult> {
  if (events.length === 0) return { applied: 0, duplicates: 0, stale: 0 };
  return db.transaction(async (tx) => {
    let applied = 0;
    let duplicates = 0;
    let stale = 0;
    for (const event of events) {
      const measureKey = await relatedMeasureKey(tx, event);
      const claimed = await tx.query(
        `INSERT INTO controlling_audit (event_id, delivery_id, aggregate_type, aggregate_key, measure_key, record_version, event_type, data, actor, occurred_at)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb,$9,$10) ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
        [
          event.metadata.eventId,
          event.metadata.deliveryId,
          aggregateTypeOf(event),
          aggregateKeyOf(event),
          measureKey ?? null,
          event.metadata.recordVersion,
          event.type,
          JSON.stringify(event.data),
          event.metadata.actor,
          event.metadata.at,
        ],
      );
      if (claimed.rowCount === 0) {
        duplicates++;
        continue;
      }
      if (await project(tx, event)) applied++;
      else stale++;
    }
    return { applied, duplicates, stale };
  });
}

async function relatedMeasureKey(tx: Queryable, event: PlanningDomainEvent): Promise<string | undefined> {
  if (isMeasureEvent(event)) return event.data.measureKey;
  if (event.type === 'MilestonePlanned') return event.data.measureKey;
  if (event.type === 'StatusReportSubmitted' || event.type === 'StatusReportCorrected') return event.data.report.measureKey;
  if (event.type === 'StatusReportWithdrawn' || event.type === 'MilestoneWithdrawn') return event.data.measureKey;
  if (isMilestoneEvent(event)) {
    const { rows } = await tx.query<{ measure_key: string }>('SELECT measure_key FROM controlling_milestone WHERE milestone_key = $1', [event.data.milestoneKey]);
    return rows[0]?.measure_key;
  }
  return undefined;
}

/** The event is not older than what is stored (the record's version, or the tombstone's once withdrawn). */
const newer = (stored: Stored<{ version: number }> | undefined, event: PlanningDomainEvent) =>
  stored === undefined || event.metadata.recordVersion >= Math.max(stored.record.version, stored.withdrawal?.version ?? 0);

async function project(tx: Queryable, event: PlanningDomainEvent): Promise<boolean> {
  const { at, actor, deliveryId } = event.metadata;
  if (isWithdrawalEvent(event)) {
    const key = aggregateKeyOf(event);
    const type = aggregateTypeOf(event);
    const loaded =
      type === 'goal'
        ? await loadStoredGoal(tx, key, true)
        : type === 'measure'
          ? await loadStoredMeasure(tx, key, true)
          : type === 'milestone'
            ? await loadStoredMilestone(tx, key, true)
            : type === 'theme'
              ? await loadStoredTheme(tx, key, true)
              : await loadStoredStatusReport(tx, key, true);
    // nothing to withdraw, already withdrawn, or a late tombstone older than the current version
    if (loaded === undefined || loaded.withdrawal !== undefined || !newer(loaded, event)) return false;
    await markWithdrawn(tx, type, key, withdrawalOf(event.metadata));
    return true;
  }
  if (isGoalEvent(event)) {
    const stored = await loadStoredGoal(tx, event.data.goalKey, true);
    if (!newer(stored, event)) return false;
    const next = projectGoal(stored?.record, event);
    if (next === undefined) return false;
    await saveGoal(tx, next, at, actor);
    // the version row holds the goal as it stood after this record version (several events → last wins)
    await tx.query(
      `INSERT INTO controlling_goal_version (goal_key, version, status, record, revision_reason, changed_at, changed_by, delivery_id)
       VALUES ($1,$2,$3,$4::jsonb,$5,$6,$7,$8)
       ON CONFLICT (goal_key, version) DO UPDATE SET status = EXCLUDED.status, record = EXCLUDED.record, revision_reason = EXCLUDED.revision_reason,
         changed_at = EXCLUDED.changed_at, changed_by = EXCLUDED.changed_by, delivery_id = EXCLUDED.delivery_id`,
      [next.key, next.version, next.status, JSON.stringify(next), next.revisionReason ?? null, at, actor, deliveryId],
    );
    return true;
  }
  if (isMeasureEvent(event)) {
    const stored = await loadStoredMeasure(tx, event.data.measureKey, true);
    if (!newer(stored, event)) return false;
    const next = projectMeasure(stored?.record, event);
    if (next === undefined) return false;
    await saveMeasure(tx, next, at, actor);
    return true;
  }
  if (isMilestoneEvent(event)) {
    const stored = await loadStoredMilestone(tx, event.data.milestoneKey, true);
    if (!newer(stored, event)) return false;
    const next = projectMilestone(stored?.record, event);
    if (next === undefined) return false;
    await saveMilestone(tx, next, at);
    return true;
  }
  if (isThemeEvent(event)) {
    const stored = await loadStoredTheme(tx, event.data.themeKey, true);
    if (!newer(stored, event)) return false;
    const next = projectTheme(stored?.record, event);
    if (next === undefined) return false;
    await saveTheme(tx, next, at, actor);
    return true;
  }
  const stored = await loadStoredStatusReport(tx, event.data.reportKey, true);
  if (!newer(stored, event)) return false;
  const next = projectStatusReport(stored?.record, event);
  if (next === undefined) return false;
  await saveStatusReport(tx, next, at);
  return true;
}
