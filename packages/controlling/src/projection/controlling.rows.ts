// Row ↔ record mapping for the controlling tables: loads a goal, measure, milestone or status report as
// its latest record snapshot and stores one back. Shared by the projector (writes) and the queries.
// Withdrawn rows keep their last snapshot; the plain loaders leave them out (and, for milestones and
// status reports, those of a withdrawn measure), the `loadStored*` ones return them with their withdrawal.
import type { Queryable } from '@sp/ports';
import type { Withdrawal } from '../decider.js';
import type { GoalRecord, MeasureRecord, MilestoneRecord, StatusReportRecord, ThemeRecord } from '../records/planning-records.schema.js';

type Row = Record<string, unknown>;

const str = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : String(v));
const num = (v: unknown): number | undefined => (v === null || v === undefined ? undefined : Number(v));
/** date columns come back as 'YYYY-MM-DD' from both adapters; a Date is tolerated */
const day = (v: unknown): string | undefined => (v === null || v === undefined ? undefined : v instanceof Date ? v.toISOString().slice(0, 10) : String(v).slice(0, 10));
const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));
export const isoTimestamp = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());

function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

// ---------------------------------------------------------------------------------------------- withdrawal

/** A stored snapshot and, when its record was withdrawn, the withdrawal. */
export interface Stored<R> {
  readonly record: R;
  readonly withdrawal?: Withdrawal;
}

const withdrawalColumns = (alias: string) => `${alias}.withdrawn_at, ${alias}.withdrawn_by, ${alias}.withdrawal_delivery_id, ${alias}.withdrawn_version`;

function withdrawalFromRow(r: Row): Withdrawal | undefined {
  if (r.withdrawn_at == null) return undefined;
  return { version: Number(r.withdrawn_version), at: isoTimestamp(r.withdrawn_at), actor: String(r.withdrawn_by), deliveryId: String(r.withdrawal_delivery_id) };
}

function stored<R>(record: R, r: Row): Stored<R> {
  const withdrawal = withdrawalFromRow(r);
  return withdrawal ? { record, withdrawal } : { record };
}

const planningTables = {
  goal: ['controlling_goal', 'goal_key'],
  measure: ['controlling_measure', 'measure_key'],
  milestone: ['controlling_milestone', 'milestone_key'],
  'status-report': ['controlling_status_report', 'report_key'],
  theme: ['controlling_theme', 'theme_key'],
} as const;

/** Marks a row withdrawn; its snapshot stays as it was. */
export async function markWithdrawn(db: Queryable, type: keyof typeof planningTables, key: string, w: Withdrawal): Promise<void> {
  const [table, keyColumn] = planningTables[type];
  await db.query(`UPDATE ${table} SET withdrawn_at = $2, withdrawn_by = $3, withdrawal_delivery_id = $4, withdrawn_version = $5 WHERE ${keyColumn} = $1`, [
    key,
    w.at,
    w.actor,
    w.deliveryId,
    w.version,
  ]);
}

/** Any other event makes the record current again (a later version of a withdrawn record brings it back). */
const notWithdrawn = 'withdrawn_at = NULL, withdrawn_by = NULL, withdrawal_delivery_id = NULL, withdrawn_version = NULL';

// ---------------------------------------------------------------------------------------------- goal

export const goalColumns = `goal_key, version, status, parent_key, title, description, areas, target_groups, indicator, baseline_value,
  baseline_period, target_value, deadline, adopted_body, adopted_decision, adopted_date, revision_reason, example, target_direction, targets`;

export function goalFromRow(r: Row): GoalRecord {
  const adopted = r.adopted_body != null ? { body: String(r.adopted_body), decision: String(r.adopted_decision), date: day(r.adopted_date) ?? '' } : undefined;
  return defined({
    key: String(r.goal_key),
    version: Number(r.version),
    parentKey: str(r.parent_key),
    title: String(r.title),
    description: str(r.description),
    areas: json<GoalRecord['areas']>(r.areas),
    targetGroups: json<string[]>(r.target_groups),
    indicator: str(r.indicator),
    baselineValue: num(r.baseline_value),
    baselinePeriod: str(r.baseline_period),
    targetValue: num(r.target_value),
    deadline: day(r.deadline),
    adoptedBy: adopted,
    status: String(r.status) as GoalRecord['status'],
    revisionReason: str(r.revision_reason),
    example: Boolean(r.example),
    targetDirection: str(r.target_direction) as GoalRecord['targetDirection'],
    targets: nonEmpty(json<NonNullable<GoalRecord['targets']>>(r.targets ?? '[]')),
  });
}

/** The domain says "no targets" as absent, not as an empty list. */
const nonEmpty = <T>(list: readonly T[]): T[] | undefined => (list.length > 0 ? [...list] : undefined);

/** The current goal; undefined when unknown or withdrawn. */
export async function loadGoal(db: Queryable, key: string): Promise<GoalRecord | undefined> {
  const { rows } = await db.query(`SELECT ${goalColumns} FROM controlling_goal WHERE goal_key = $1 AND withdrawn_at IS NULL`, [key]);
  return rows[0] ? goalFromRow(rows[0]) : undefined;
}

export async function loadStoredGoal(db: Queryable, key: string, forUpdate = false): Promise<Stored<GoalRecord> | undefined> {
  const { rows } = await db.query(`SELECT ${goalColumns}, ${withdrawalColumns('g')} FROM controlling_goal g WHERE goal_key = $1${forUpdate ? ' FOR UPDATE' : ''}`, [key]);
  return rows[0] ? stored(goalFromRow(rows[0]), rows[0]) : undefined;
}

export async function saveGoal(db: Queryable, g: GoalRecord, at: string, actor: string): Promise<void> {
  await db.query(
    `INSERT INTO controlling_goal (${goalColumns}, updated_at, updated_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7::jsonb,$8::jsonb,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20::jsonb,$21,$22)
     ON CONFLICT (goal_key) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, parent_key = EXCLUDED.parent_key,
       title = EXCLUDED.title, description = EXCLUDED.description, areas = EXCLUDED.areas, target_groups = EXCLUDED.target_groups,
       indicator = EXCLUDED.indicator, baseline_value = EXCLUDED.baseline_value, baseline_period = EXCLUDED.baseline_period,
       target_value = EXCLUDED.target_value, deadline = EXCLUDED.deadline, adopted_body = EXCLUDED.adopted_body,
       adopted_decision = EXCLUDED.adopted_decision, adopted_date = EXCLUDED.adopted_date, revision_reason = EXCLUDED.revision_reason,
       example = EXCLUDED.example, target_direction = EXCLUDED.target_direction, targets = EXCLUDED.targets,
       updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by, ${notWithdrawn}`,
    [
      g.key,
      g.version,
      g.status,
      g.parentKey ?? null,
      g.title,
      g.description ?? null,
      JSON.stringify(g.areas),
      JSON.stringify(g.targetGroups),
      g.indicator ?? null,
      g.baselineValue ?? null,
      g.baselinePeriod ?? null,
      g.targetValue ?? null,
      g.deadline ?? null,
      g.adoptedBy?.body ?? null,
      g.adoptedBy?.decision ?? null,
      g.adoptedBy?.date ?? null,
      g.revisionReason ?? null,
      g.example,
      g.targetDirection ?? null,
      JSON.stringify(g.targets ?? []),
      at,
      actor,
    ],
  );
}

// ---------------------------------------------------------------------------------------------- measure

export const measureColumns = `measure_key, version, status, title, description, goal_keys, areas, target_groups, lead_amt, participants,
  planned_start, planned_end, actual_start, actual_end, funding_source, example`;

export function measureFromRow(r: Row, budget: MeasureRecord['budget']): MeasureRecord {
  return defined({
    key: String(r.measure_key),
    version: Number(r.version),
    title: String(r.title),
    description: str(r.description),
    goalKeys: json<string[]>(r.goal_keys),
    areas: json<MeasureRecord['areas']>(r.areas),
    targetGroups: json<string[]>(r.target_groups),
    leadAmt: String(r.lead_amt),
    participants: json<string[]>(r.participants),
    budget,
    plannedStart: day(r.planned_start) ?? '',
    plannedEnd: day(r.planned_end) ?? '',
    actualStart: day(r.actual_start),
    actualEnd: day(r.actual_end),
    status: String(r.status) as MeasureRecord['status'],
    fundingSource: str(r.funding_source),
    example: Boolean(r.example),
  });
}

export async function loadBudgets(db: Queryable, keys: readonly string[]): Promise<Map<string, MeasureRecord['budget']>> {
  const out = new Map<string, MeasureRecord['budget']>();
  if (keys.length === 0) return out;
  const { rows } = await db.query<{ measure_key: string; year: number; planned: number; spent: number; approved: number | null }>(
    `SELECT measure_key, year, planned, spent, approved FROM controlling_budget_line WHERE measure_key = ANY($1::text[]) ORDER BY measure_key, year`,
    [keys],
  );
  for (const r of rows) {
    const lines = out.get(r.measure_key) ?? [];
    lines.push({ year: Number(r.year), planned: Number(r.planned), spent: Number(r.spent), ...(r.approved != null ? { approved: Number(r.approved) } : {}) });
    out.set(r.measure_key, lines);
  }
  return out;
}

/** Current measures matching `where` (alias m); withdrawn ones are left out. */
export async function loadMeasures(db: Queryable, where: string, params: readonly unknown[]): Promise<MeasureRecord[]> {
  const { rows } = await db.query(`SELECT ${measureColumns} FROM controlling_measure m WHERE (${where}) AND m.withdrawn_at IS NULL ORDER BY measure_key`, params);
  const budgets = await loadBudgets(
    db,
    rows.map((r) => String(r.measure_key)),
  );
  return rows.map((r) => measureFromRow(r, budgets.get(String(r.measure_key)) ?? []));
}

/** The current measure; undefined when unknown or withdrawn. */
export async function loadMeasure(db: Queryable, key: string): Promise<MeasureRecord | undefined> {
  const found = await loadStoredMeasure(db, key);
  return found && !found.withdrawal ? found.record : undefined;
}

export async function loadStoredMeasure(db: Queryable, key: string, forUpdate = false): Promise<Stored<MeasureRecord> | undefined> {
  const { rows } = await db.query(`SELECT ${measureColumns}, ${withdrawalColumns('m')} FROM controlling_measure m WHERE measure_key = $1${forUpdate ? ' FOR UPDATE' : ''}`, [key]);
  if (!rows[0]) return undefined;
  const budgets = await loadBudgets(db, [key]);
  return stored(measureFromRow(rows[0], budgets.get(key) ?? []), rows[0]);
}

export async function saveMeasure(db: Queryable, m: MeasureRecord, at: string, actor: string): Promise<void> {
  await db.query(
    `INSERT INTO controlling_measure (${measureColumns}, updated_at, updated_by)
     VALUES ($1,$2,$3,$4,$5,$6::jsonb,$7::jsonb,$8::jsonb,$9,$10::jsonb,$11,$12,$13,$14,$15,$16,$17,$18)
     ON CONFLICT (measure_key) DO UPDATE SET version = EXCLUDED.version, status = EXCLUDED.status, title = EXCLUDED.title,
       description = EXCLUDED.description, goal_keys = EXCLUDED.goal_keys, areas = EXCLUDED.areas, target_groups = EXCLUDED.target_groups,
       lead_amt = EXCLUDED.lead_amt, participants = EXCLUDED.participants, planned_start = EXCLUDED.planned_start,
       planned_end = EXCLUDED.planned_end, actual_start = EXCLUDED.actual_start, actual_end = EXCLUDED.actual_end,
       funding_source = EXCLUDED.funding_source, example = EXCLUDED.example, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by, ${notWithdrawn}`,
    [
      m.key,
      m.version,
      m.status,
      m.title,
      m.description ?? null,
      JSON.stringify(m.goalKeys),
      JSON.stringify(m.areas),
      JSON.stringify(m.targetGroups),
      m.leadAmt,
      JSON.stringify(m.participants),
      m.plannedStart,
      m.plannedEnd,
      m.actualStart ?? null,
      m.actualEnd ?? null,
      m.fundingSource ?? null,
      m.example,
      at,
      actor,
    ],
  );
  // link and budget rows follow the snapshot: replace them
  await db.query('DELETE FROM controlling_measure_area WHERE measure_key = $1', [m.key]);
  for (const a of m.areas) await db.query('INSERT INTO controlling_measure_area (measure_key, area_level, area_code) VALUES ($1,$2,$3) ON CONFLICT DO NOTHING', [m.key, a.level, a.code]);
  await db.query('DELETE FROM controlling_measure_goal WHERE measure_key = $1', [m.key]);
  for (const g of m.goalKeys) await db.query('INSERT INTO controlling_measure_goal (measure_key, goal_key) VALUES ($1,$2) ON CONFLICT DO NOTHING', [m.key, g]);
  await db.query('DELETE FROM controlling_budget_line WHERE measure_key = $1', [m.key]);
  for (const b of m.budget)
    await db.query('INSERT INTO controlling_budget_line (measure_key, year, planned, spent, approved) VALUES ($1,$2,$3,$4,$5)', [m.key, b.year, b.planned, b.spent, b.approved ?? null]);
}

// ---------------------------------------------------------------------------------------------- milestone

export const milestoneColumns = `ms.milestone_key, ms.version, ms.measure_key, ms.title, ms.planned_date, ms.planned_quarter, ms.reached, ms.actual_date,
  COALESCE(m.example, false) AS example`;

export function milestoneFromRow(r: Row): MilestoneRecord {
  return defined({
    key: String(r.milestone_key),
    version: Number(r.version),
    measureKey: String(r.measure_key),
    title: String(r.title),
    plannedDate: day(r.planned_date),
    plannedQuarter: str(r.planned_quarter),
    actualDate: day(r.actual_date),
    reached: Boolean(r.reached),
    // milestones carry no label of their own in their events; they are examples when their measure is
    example: Boolean(r.example),
  });
}

/** Current milestones matching `where` (aliases ms, m); withdrawn ones and those of a withdrawn measure are left out. */
export async function loadMilestones(db: Queryable, where: string, params: readonly unknown[]): Promise<MilestoneRecord[]> {
  const { rows } = await db.query(
    `SELECT ${milestoneColumns} FROM controlling_milestone ms LEFT JOIN controlling_measure m ON m.measure_key = ms.measure_key
     WHERE (${where}) AND ms.withdrawn_at IS NULL AND m.withdrawn_at IS NULL ORDER BY ms.milestone_key`,
    params,
  );
  return rows.map(milestoneFromRow);
}

export async function loadStoredMilestone(db: Queryable, key: string, forUpdate = false): Promise<Stored<MilestoneRecord> | undefined> {
  const { rows } = await db.query(
    `SELECT ${milestoneColumns}, ${withdrawalColumns('ms')} FROM controlling_milestone ms LEFT JOIN controlling_measure m ON m.measure_key = ms.measure_key
     WHERE ms.milestone_key = $1${forUpdate ? ' FOR UPDATE OF ms' : ''}`,
    [key],
  );
  return rows[0] ? stored(milestoneFromRow(rows[0]), rows[0]) : undefined;
}

export async function saveMilestone(db: Queryable, ms: MilestoneRecord, at: string): Promise<void> {
  await db.query(
    `INSERT INTO controlling_milestone (milestone_key, version, measure_key, title, planned_date, planned_quarter, reached, actual_date, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)
     ON CONFLICT (milestone_key) DO UPDATE SET version = EXCLUDED.version, measure_key = EXCLUDED.measure_key, title = EXCLUDED.title,
       planned_date = EXCLUDED.planned_date, planned_quarter = EXCLUDED.planned_quarter, reached = EXCLUDED.reached,
       actual_date = EXCLUDED.actual_date, updated_at = EXCLUDED.updated_at, ${notWithdrawn}`,
    [ms.key, ms.version, ms.measureKey, ms.title, ms.plannedDate ?? null, ms.plannedQuarter ?? null, ms.reached, ms.actualDate ?? null, at],
  );
}

// ---------------------------------------------------------------------------------------------- status report

export const statusReportColumns = `r.report_key, r.version, r.measure_key, r.reported_by, r.reported_at, r.progress_percent, r.narrative, r.traffic_light,
  COALESCE(m.example, false) AS example`;

export function statusReportFromRow(r: Row): StatusReportRecord {
  return defined({
    key: String(r.report_key),
    version: Number(r.version),
    measureKey: String(r.measure_key),
    reportedBy: String(r.reported_by),
    reportedAt: String(r.reported_at),
    progressPercent: Number(r.progress_percent),
    narrative: String(r.narrative),
    trafficLight: str(r.traffic_light) as StatusReportRecord['trafficLight'],
    example: Boolean(r.example),
  });
}

/** Current status reports matching `where` (aliases r, m), oldest first; withdrawn ones and those of a withdrawn measure are left out. */
export async function loadStatusReports(db: Queryable, where: string, params: readonly unknown[]): Promise<StatusReportRecord[]> {
  const { rows } = await db.query(
    `SELECT ${statusReportColumns} FROM controlling_status_report r LEFT JOIN controlling_measure m ON m.measure_key = r.measure_key
     WHERE (${where}) AND r.withdrawn_at IS NULL AND m.withdrawn_at IS NULL ORDER BY r.reported_at_utc, r.report_key`,
    params,
  );
  return rows.map(statusReportFromRow);
}

export async function loadStoredStatusReport(db: Queryable, key: string, forUpdate = false): Promise<Stored<StatusReportRecord> | undefined> {
  const { rows } = await db.query(
    `SELECT ${statusReportColumns}, ${withdrawalColumns('r')} FROM controlling_status_report r LEFT JOIN controlling_measure m ON m.measure_key = r.measure_key
     WHERE r.report_key = $1${forUpdate ? ' FOR UPDATE OF r' : ''}`,
    [key],
  );
  return rows[0] ? stored(statusReportFromRow(rows[0]), rows[0]) : undefined;
}

export async function saveStatusReport(db: Queryable, r: StatusReportRecord, at: string): Promise<void> {
  await db.query(
    `INSERT INTO controlling_status_report (report_key, version, measure_key, reported_by, reported_at, reported_at_utc, progress_percent, narrative, traffic_light, updated_at)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10)
     ON CONFLICT (report_key) DO UPDATE SET version = EXCLUDED.version, measure_key = EXCLUDED.measure_key, reported_by = EXCLUDED.reported_by,
       reported_at = EXCLUDED.reported_at, reported_at_utc = EXCLUDED.reported_at_utc, progress_percent = EXCLUDED.progress_percent,
       narrative = EXCLUDED.narrative, traffic_light = EXCLUDED.traffic_light, updated_at = EXCLUDED.updated_at, ${notWithdrawn}`,
    [r.key, r.version, r.measureKey, r.reportedBy, r.reportedAt, r.reportedAt, r.progressPercent, r.narrative, r.trafficLight ?? null, at],
  );
}

// ---------------------------------------------------------------------------------------------- theme

/** Where a topic stands on its path. */
export function themeStatus(t: Pick<ThemeRecord, 'assessment' | 'decision'>): 'found' | 'assessed' | 'decided' {
  return t.decision ? 'decided' : t.assessment ? 'assessed' : 'found';
}

/** A topic with who changed it last and when. */
export interface ThemeRow {
  readonly record: ThemeRecord;
  readonly updatedAt: string;
  readonly updatedBy: string;
}

/** Current topics matching `where` (alias t), oldest finding first; withdrawn ones are left out. */
export async function loadThemes(db: Queryable, where: string, params: readonly unknown[]): Promise<ThemeRow[]> {
  const { rows } = await db.query(`SELECT t.record, t.updated_at, t.updated_by FROM controlling_theme t WHERE (${where}) AND t.withdrawn_at IS NULL ORDER BY t.found_date, t.theme_key`, params);
  return rows.map((r) => ({ record: json<ThemeRecord>(r.record), updatedAt: isoTimestamp(r.updated_at), updatedBy: String(r.updated_by) }));
}

export async function loadStoredTheme(db: Queryable, key: string, forUpdate = false): Promise<Stored<ThemeRecord> | undefined> {
  const { rows } = await db.query(`SELECT t.record, ${withdrawalColumns('t')} FROM controlling_theme t WHERE t.theme_key = $1${forUpdate ? ' FOR UPDATE' : ''}`, [key]);
  return rows[0] ? stored(json<ThemeRecord>(rows[0].record), rows[0]) : undefined;
}

export async function saveTheme(db: Queryable, t: ThemeRecord, at: string, actor: string): Promise<void> {
  await db.query(
    `INSERT INTO controlling_theme (theme_key, version, area_level, area_code, origin, found_date, status, record, updated_at, updated_by)
     VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb,$9,$10)
     ON CONFLICT (theme_key) DO UPDATE SET version = EXCLUDED.version, area_level = EXCLUDED.area_level, area_code = EXCLUDED.area_code,
       origin = EXCLUDED.origin, found_date = EXCLUDED.found_date, status = EXCLUDED.status, record = EXCLUDED.record,
       updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by, ${notWithdrawn}`,
    [t.key, t.version, t.area.level, t.area.code, t.origin, t.foundDate, themeStatus(t), JSON.stringify(t), at, actor],
  );
}
