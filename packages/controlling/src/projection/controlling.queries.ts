// Read side for the gateway and the ingestion service: latest record snapshots (the "previous version"
// a new record is checked against), controlling views per area and per goal, the versions of a goal
// and the audit trail of a measure, from which its history can be replayed. Withdrawn records are left
// out of everything except the history: goal versions and audit trails still show them and their
// withdrawal. Milestones, status reports and budget of a withdrawn measure go with it.
import type { Queryable } from '@sp/ports';
import {
  controllingForArea,
  controllingForGoal,
  measureControlling,
  type AreaControlling,
  type ControllingData,
  type ControllingOptions,
  type GoalControlling,
  type MeasureControlling,
} from '../controlling/controlling.compute.js';
import type { PlanningMetadata } from '../decider.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import type { AreaRef, GoalRecord, GoalStatus, MeasureRecord, MeasureStatus, MilestoneRecord, PlanningRecordType, StatusReportRecord } from '../records/planning-records.schema.js';
import { coreProcessIndicators, type CoreProcessRow } from '../controlling/core-process.compute.js';
import { goalColumns, goalFromRow, isoTimestamp, loadGoal, loadMeasure, loadMeasures, loadMilestones, loadStatusReports, loadThemes, type ThemeRow } from './controlling.rows.js';
import type { PlanningDomainEvent } from './planning.projection.js';

// ---------------------------------------------------------------------------------------------- snapshots

export function goalRecord(db: Queryable, key: string): Promise<GoalRecord | undefined> {
  return loadGoal(db, key);
}
/** The Amt that owns each goal (first delivered it); goals projected before owners were kept have none. */
export async function goalOwners(db: Queryable, keys: readonly string[]): Promise<Map<string, string>> {
  if (keys.length === 0) return new Map();
  const { rows } = await db.query<{ goal_key: string; owner_amt: string | null }>('SELECT goal_key, owner_amt FROM controlling_goal WHERE goal_key = ANY($1::text[])', [keys]);
  return new Map(rows.filter((r) => r.owner_amt != null).map((r) => [r.goal_key, r.owner_amt!]));
}
export function measureRecord(db: Queryable, key: string): Promise<MeasureRecord | undefined> {
  return loadMeasure(db, key);
}
export async function milestoneRecord(db: Queryable, key: string): Promise<MilestoneRecord | undefined> {
  return (await loadMilestones(db, 'ms.milestone_key = $1', [key]))[0];
}
export async function statusReportRecord(db: Queryable, key: string): Promise<StatusReportRecord | undefined> {
  return (await loadStatusReports(db, 'r.report_key = $1', [key]))[0];
}
/**
 * What a milestone or status-report command needs to know about its measure; undefined when the measure
 * is unknown or withdrawn. `includeWithdrawn`: the facts of a withdrawn measure as it last stood (the
 * projection uses them to replay what ingestion accepted before the withdrawal).
 */
export async function measureFactsOf(db: Queryable, measureKey: string, options: { includeWithdrawn?: boolean } = {}): Promise<MeasureFacts | undefined> {
  const { rows } = await db.query<{ status: MeasureFacts['status']; actual_start: unknown }>(
    `SELECT status, actual_start FROM controlling_measure WHERE measure_key = $1${options.includeWithdrawn ? '' : ' AND withdrawn_at IS NULL'}`,
    [measureKey],
  );
  const r = rows[0];
  if (!r) return undefined;
  const actualStart = r.actual_start == null ? undefined : r.actual_start instanceof Date ? r.actual_start.toISOString().slice(0, 10) : String(r.actual_start).slice(0, 10);
  return { measureKey, status: r.status, ...(actualStart ? { actualStart } : {}) };
}

// ---------------------------------------------------------------------------------------------- controlling

export interface ControllingFilter {
  /** measures listing this area (exact level and code), goals listing it */
  readonly area?: AreaRef;
  /** measures serving any of these goals */
  readonly goalKeys?: readonly string[];
}

/** The plain data the controlling computations take; all of it, or what a filter selects. */
export async function loadControllingData(db: Queryable, filter: ControllingFilter = {}): Promise<ControllingData> {
  let measures: MeasureRecord[];
  let goals: GoalRecord[];
  if (filter.area) {
    measures = await loadMeasures(db, 'EXISTS (SELECT 1 FROM controlling_measure_area a WHERE a.measure_key = m.measure_key AND a.area_level = $1 AND a.area_code = $2)', [
      filter.area.level,
      filter.area.code,
    ]);
    const { rows } = await db.query(`SELECT ${goalColumns} FROM controlling_goal WHERE areas @> $1::jsonb AND withdrawn_at IS NULL ORDER BY goal_key`, [
      JSON.stringify([{ level: filter.area.level, code: filter.area.code }]),
    ]);
    goals = rows.map(goalFromRow);
  } else if (filter.goalKeys) {
    measures = await loadMeasures(db, 'EXISTS (SELECT 1 FROM controlling_measure_goal g WHERE g.measure_key = m.measure_key AND g.goal_key = ANY($1::text[]))', [filter.goalKeys]);
    const { rows } = await db.query(`SELECT ${goalColumns} FROM controlling_goal WHERE withdrawn_at IS NULL ORDER BY goal_key`);
    goals = rows.map(goalFromRow); // the whole goal system: views walk parent links
  } else {
    measures = await loadMeasures(db, 'true', []);
    const { rows } = await db.query(`SELECT ${goalColumns} FROM controlling_goal WHERE withdrawn_at IS NULL ORDER BY goal_key`);
    goals = rows.map(goalFromRow);
  }
  const keys = measures.map((m) => m.key);
  const [milestones, statusReports] = await Promise.all([loadMilestones(db, 'ms.measure_key = ANY($1::text[])', [keys]), loadStatusReports(db, 'r.measure_key = ANY($1::text[])', [keys])]);
  return { goals, measures, milestones, statusReports };
}

export async function controllingViewForArea(db: Queryable, area: AreaRef, options: Omit<ControllingOptions, 'areaMatches'>): Promise<AreaControlling> {
  return controllingForArea(await loadControllingData(db, { area }), area, options);
}

export async function controllingViewForGoal(db: Queryable, goalKey: string, options: ControllingOptions): Promise<GoalControlling | undefined> {
  const { rows } = await db.query<{ goal_key: string }>(
    `WITH RECURSIVE tree AS (
       SELECT goal_key FROM controlling_goal WHERE goal_key = $1 AND withdrawn_at IS NULL
       UNION SELECT g.goal_key FROM controlling_goal g JOIN tree t ON g.parent_key = t.goal_key WHERE g.withdrawn_at IS NULL)
     SELECT goal_key FROM tree`,
    [goalKey],
  );
  if (rows.length === 0) return undefined;
  return controllingForGoal(await loadControllingData(db, { goalKeys: rows.map((r) => r.goal_key) }), goalKey, options);
}

// ---------------------------------------------------------------------------------------------- lists (gateway)

export interface GoalListFilter {
  readonly area?: AreaRef;
  readonly status?: readonly GoalStatus[];
  /** default true; false hides records labelled example */
  readonly includeExamples?: boolean;
}

export async function listGoals(db: Queryable, filter: GoalListFilter = {}): Promise<GoalRecord[]> {
  const where: string[] = ['withdrawn_at IS NULL'];
  const params: unknown[] = [];
  if (filter.area) {
    params.push(JSON.stringify([{ level: filter.area.level, code: filter.area.code }]));
    where.push(`areas @> $${params.length}::jsonb`);
  }
  if (filter.status) {
    params.push([...filter.status]);
    where.push(`status = ANY($${params.length}::text[])`);
  }
  if (filter.includeExamples === false) where.push('NOT example');
  const { rows } = await db.query(`SELECT ${goalColumns} FROM controlling_goal WHERE ${where.join(' AND ')} ORDER BY goal_key`, params);
  return rows.map(goalFromRow);
}

export interface MeasureListFilter {
  readonly area?: AreaRef;
  readonly goalKey?: string;
  /** lead Amt or participating */
  readonly amt?: string;
  readonly status?: readonly MeasureStatus[];
  readonly includeExamples?: boolean;
}

export async function listMeasures(db: Queryable, filter: MeasureListFilter = {}): Promise<MeasureRecord[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.area) {
    params.push(filter.area.level, filter.area.code);
    where.push(`EXISTS (SELECT 1 FROM controlling_measure_area a WHERE a.measure_key = m.measure_key AND a.area_level = $${params.length - 1} AND a.area_code = $${params.length})`);
  }
  if (filter.goalKey) {
    params.push(filter.goalKey);
    where.push(`EXISTS (SELECT 1 FROM controlling_measure_goal g WHERE g.measure_key = m.measure_key AND g.goal_key = $${params.length})`);
  }
  if (filter.amt) {
    params.push(filter.amt, JSON.stringify([filter.amt]));
    where.push(`(m.lead_amt = $${params.length - 1} OR m.participants @> $${params.length}::jsonb)`);
  }
  if (filter.status) {
    params.push([...filter.status]);
    where.push(`m.status = ANY($${params.length}::text[])`);
  }
  if (filter.includeExamples === false) where.push('NOT m.example');
  return loadMeasures(db, where.join(' AND ') || 'true', params);
}

/** Milestones of several measures at once (for dataloaders). */
export function milestonesOfMeasures(db: Queryable, measureKeys: readonly string[]): Promise<MilestoneRecord[]> {
  return loadMilestones(db, 'ms.measure_key = ANY($1::text[])', [[...measureKeys]]);
}

/** Status reports of several measures at once, oldest first. */
export function statusReportsOfMeasures(db: Queryable, measureKeys: readonly string[]): Promise<StatusReportRecord[]> {
  return loadStatusReports(db, 'r.measure_key = ANY($1::text[])', [[...measureKeys]]);
}

/** Controlling figures of several measures at a reference date, in the order of the keys; unknown keys are left out. */
export async function controllingOfMeasures(db: Queryable, measureKeys: readonly string[], options: ControllingOptions): Promise<MeasureControlling[]> {
  const keys = [...measureKeys];
  const [measures, milestones, reports] = await Promise.all([loadMeasures(db, 'm.measure_key = ANY($1::text[])', [keys]), milestonesOfMeasures(db, keys), statusReportsOfMeasures(db, keys)]);
  const byKey = new Map(measures.map((m) => [m.key, m]));
  return keys.flatMap((k) => {
    const m = byKey.get(k);
    return m ? [measureControlling(m, milestones, reports, options)] : [];
  });
}

// ---------------------------------------------------------------------------------------------- themes

export interface ThemeListFilter {
  readonly area?: AreaRef;
  /** only areas of this level (the Sozialräume) */
  readonly level?: string;
  /** topics found in this year */
  readonly year?: number;
}

function themeWhere(filter: ThemeListFilter): { where: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (filter.area) {
    params.push(filter.area.level, filter.area.code);
    where.push(`t.area_level = $${params.length - 1} AND t.area_code = $${params.length}`);
  }
  if (filter.level) {
    params.push(filter.level);
    where.push(`t.area_level = $${params.length}`);
  }
  if (filter.year !== undefined) {
    params.push(`${filter.year}-01-01`, `${filter.year}-12-31`);
    where.push(`t.found_date BETWEEN $${params.length - 1}::date AND $${params.length}::date`);
  }
  return { where: where.join(' AND ') || 'true', params };
}

/** Current topics (withdrawn ones left out), oldest finding first, with who changed them last. */
export function listThemes(db: Queryable, filter: ThemeListFilter = {}): Promise<ThemeRow[]> {
  const { where, params } = themeWhere(filter);
  return loadThemes(db, where, params);
}

/** The core-process indicators per area and year of finding over the current topics matching the filter. */
export async function coreProcessView(db: Queryable, filter: ThemeListFilter, referenceDate: string): Promise<CoreProcessRow[]> {
  const themes = (await listThemes(db, filter)).map((t) => t.record);
  const keys = [...new Set(themes.flatMap((t) => (t.decision?.measureKey ? [t.decision.measureKey] : [])))];
  const [measures, milestones, statusReports] = keys.length
    ? await Promise.all([loadMeasures(db, 'm.measure_key = ANY($1::text[])', [keys]), milestonesOfMeasures(db, keys), statusReportsOfMeasures(db, keys)])
    : [[], [], []];
  return coreProcessIndicators({ themes, measures, milestones, statusReports, referenceDate });
}

// ---------------------------------------------------------------------------------------------- history

export interface GoalVersionEntry {
  readonly version: number;
  readonly status: GoalStatus;
  readonly record: GoalRecord;
  readonly revisionReason?: string;
  readonly changedAt: string;
  readonly changedBy: string;
  readonly deliveryId: string;
}

/** Every version of a goal, oldest first (the review cycle's history). */
export async function goalVersions(db: Queryable, goalKey: string): Promise<GoalVersionEntry[]> {
  const { rows } = await db.query<Record<string, unknown>>(
    `SELECT version, status, record, revision_reason, changed_at, changed_by, delivery_id FROM controlling_goal_version WHERE goal_key = $1 ORDER BY version`,
    [goalKey],
  );
  return rows.map((r) => ({
    version: Number(r.version),
    status: r.status as GoalStatus,
    record: (typeof r.record === 'string' ? JSON.parse(r.record) : r.record) as GoalRecord,
    ...(r.revision_reason != null ? { revisionReason: String(r.revision_reason) } : {}),
    changedAt: isoTimestamp(r.changed_at),
    changedBy: String(r.changed_by),
    deliveryId: String(r.delivery_id),
  }));
}

export interface AuditEntry {
  readonly eventId: string;
  readonly deliveryId: string;
  readonly aggregateType: PlanningRecordType;
  readonly aggregateKey: string;
  readonly measureKey?: string;
  readonly recordVersion: number;
  readonly eventType: PlanningDomainEvent['type'];
  readonly data: unknown;
  /** who */
  readonly actor: string;
  /** when (the change took effect) */
  readonly occurredAt: string;
}

function auditFromRow(r: Record<string, unknown>): AuditEntry {
  return {
    eventId: String(r.event_id),
    deliveryId: String(r.delivery_id),
    aggregateType: r.aggregate_type as PlanningRecordType,
    aggregateKey: String(r.aggregate_key),
    ...(r.measure_key != null ? { measureKey: String(r.measure_key) } : {}),
    recordVersion: Number(r.record_version),
    eventType: r.event_type as PlanningDomainEvent['type'],
    data: typeof r.data === 'string' ? JSON.parse(r.data) : r.data,
    actor: String(r.actor),
    occurredAt: isoTimestamp(r.occurred_at),
  };
}

const auditColumns = 'event_id, delivery_id, aggregate_type, aggregate_key, measure_key, record_version, event_type, data, actor, occurred_at';

/**
 * Who changed what and when for one measure, in the order the events were projected. With
 * `includeRelated` the events of its milestones and status reports are interleaved.
 */
export async function measureAuditTrail(db: Queryable, measureKey: string, options: { includeRelated?: boolean } = {}): Promise<AuditEntry[]> {
  const { rows } = await db.query(
    options.includeRelated
      ? `SELECT ${auditColumns} FROM controlling_audit WHERE measure_key = $1 ORDER BY seq`
      : `SELECT ${auditColumns} FROM controlling_audit WHERE aggregate_type = 'measure' AND aggregate_key = $1 ORDER BY seq`,
    [measureKey],
  );
  return rows.map(auditFromRow);
}

export async function auditTrail(db: Queryable, aggregateType: PlanningRecordType, aggregateKey: string): Promise<AuditEntry[]> {
  const { rows } = await db.query(`SELECT ${auditColumns} FROM controlling_audit WHERE aggregate_type = $1 AND aggregate_key = $2 ORDER BY seq`, [aggregateType, aggregateKey]);
  return rows.map(auditFromRow);
}

/** Turns an audit entry back into the event it recorded, so a history can be replayed through a decider. */
export function eventFromAudit(entry: AuditEntry): PlanningDomainEvent {
  const metadata: PlanningMetadata = {
    eventId: entry.eventId,
    deliveryId: entry.deliveryId,
    actor: entry.actor,
    at: entry.occurredAt,
    recordKey: entry.aggregateKey,
    recordVersion: entry.recordVersion,
  };
  return { type: entry.eventType, data: entry.data, metadata } as PlanningDomainEvent;
}
