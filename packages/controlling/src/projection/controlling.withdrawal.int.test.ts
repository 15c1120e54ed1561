// Withdrawals in the controlling read model on a real PostgreSQL (fresh cluster for this file): the Köln
// demo goes in as record events (the consumer's path), then a measure and a goal are withdrawn with
// tombstones. Views, lists, budget sums and facts leave them out; history and audit keep them; a later
// version brings the measure back; replaying the same events changes nothing; migration 2 is safe on a
// database that already holds data.
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { startPostgres, type PostgresInstance } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controllingForArea, controllingForGoal, type ControllingData } from '../controlling/controlling.compute.js';
import { readKoelnDemo } from '../demo/koeln-demo.loader.js';
import { replayPlanningRecords } from '../records/planning-records.replay.js';
import type { MeasureRecord } from '../records/planning-records.schema.js';
import { controllingMigrations, migrateControlling } from './controlling.migrations.js';
import { applyEvents } from './controlling.projector.js';
import {
  auditTrail,
  controllingOfMeasures,
  controllingViewForArea,
  controllingViewForGoal,
  eventFromAudit,
  goalRecord,
  goalVersions,
  listGoals,
  listMeasures,
  measureAuditTrail,
  measureFactsOf,
  measureRecord,
  milestonesOfMeasures,
  statusReportsOfMeasures,
} from './controlling.queries.js';
import { projectPlanningRecordEvents, type PlanningRecordEvent } from './planning-records.projector.js';

const demo = readKoelnDemo();
const replay = replayPlanningRecords(demo.deliveries);
const FAMILIENBUERO = 'massnahme:blumenberg-chorweiler-seeberg-nord:familienbuero';
const CHORWEILER = { level: 'SOZIALRAUM', code: 'blumenberg-chorweiler-seeberg-nord' };
const CITY_GOAL = 'ziel:p2030:ls3:kinderarmut';
const KALK_GOAL = 'ziel:sr:kalk:alleinerziehende';
const KALK_MEASURE = 'massnahme:kalk:netzwerk-alleinerziehende';
const options = { referenceDate: demo.referenceDate };

const demoRecords: PlanningRecordEvent[] = demo.deliveries.map((d) => {
  const record = d.record as { key: string; version: number };
  return { key: record.key, version: record.version, recordType: d.recordType, deliveryId: d.deliveryId, deliveredBy: d.actor, deliveredAt: Date.parse(d.at), tombstone: false, payload: d.record };
});
const familienbuero = replay.measures.get(FAMILIENBUERO)!.record;
const tombstone = (recordType: PlanningRecordEvent['recordType'], key: string, version: number, deliveryId: string): PlanningRecordEvent => ({
  key,
  version,
  recordType,
  deliveryId,
  deliveredBy: 'amt-51-2025',
  deliveredAt: Date.parse('2025-07-01T08:00:00Z'),
  tombstone: true,
  payload: null,
});
const withdrawFamilienbuero = tombstone('measure', FAMILIENBUERO, familienbuero.version + 1, 'withdrawal-1');

/** The demo's records without the measure (and its milestones and reports): what the views must equal. */
function demoWithout(measureKey: string | undefined, goalKey?: string): ControllingData {
  return {
    goals: [...replay.goals.values()].map((g) => g.record).filter((g) => g.key !== goalKey),
    measures: [...replay.measures.values()].map((m) => m.record).filter((m) => m.key !== measureKey),
    milestones: [...replay.milestones.values()].map((m) => ({ ...m.record, example: true })).filter((m) => m.measureKey !== measureKey),
    statusReports: [...replay.statusReports.values()].map((r) => ({ ...r.record, example: true })).filter((r) => r.measureKey !== measureKey),
  };
}

let pg: PostgresInstance;
let db: PgDatabase;

beforeAll(async () => {
  pg = await startPostgres();
  db = createPgDatabase({ url: pg.url });
  await migrateControlling(db);
});
afterAll(async () => {
  await db?.close();
  await pg?.wipe();
});

const count = async (table: string) => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]?.n);
const tables = ['controlling_goal', 'controlling_goal_version', 'controlling_measure', 'controlling_budget_line', 'controlling_milestone', 'controlling_status_report', 'controlling_audit'];
const snapshotOfTables = async () => ({
  counts: await Promise.all(tables.map(count)),
  withdrawn: (
    await db.query(
      `SELECT 'measure' AS t, measure_key AS k, withdrawn_at, withdrawn_by, withdrawal_delivery_id, withdrawn_version FROM controlling_measure WHERE withdrawn_at IS NOT NULL
       UNION ALL SELECT 'goal', goal_key, withdrawn_at, withdrawn_by, withdrawal_delivery_id, withdrawn_version FROM controlling_goal WHERE withdrawn_at IS NOT NULL ORDER BY 1, 2`,
    )
  ).rows,
});

describe('withdrawals in the controlling read model (PostgreSQL)', () => {
  it('migration 2 adds the withdrawal columns to a database that already holds data, and is safe to run again', async () => {
    expect(await projectPlanningRecordEvents(db, demoRecords)).toMatchObject({ applied: replay.events.length, withdrawals: 0 });
    // back to the schema before migration 2, data kept
    for (const t of ['controlling_goal', 'controlling_measure', 'controlling_milestone', 'controlling_status_report'])
      await db.exec(`ALTER TABLE ${t} DROP COLUMN withdrawn_at, DROP COLUMN withdrawn_by, DROP COLUMN withdrawal_delivery_id, DROP COLUMN withdrawn_version`);
    await db.query('DELETE FROM controlling_schema_migrations WHERE id = 2');
    const before = await Promise.all(tables.map(count));
    expect(await migrateControlling(db)).toEqual([2]);
    expect(await migrateControlling(db)).toEqual([]);
    // IF NOT EXISTS: the statements themselves are harmless on a database that has the columns
    for (const statement of controllingMigrations.find((m) => m.id === 2)!.statements) await db.exec(statement);
    expect(await Promise.all(tables.map(count))).toEqual(before);
    expect(await measureRecord(db, FAMILIENBUERO)).toEqual(familienbuero);
  });

  it('a withdrawn measure disappears from the views, lists and budget sums, with its milestones and reports', async () => {
    const areaBefore = await controllingViewForArea(db, CHORWEILER, options);
    expect(areaBefore.measures.map((m) => m.key)).toEqual([FAMILIENBUERO]);
    expect(areaBefore.totals.budget.planned).toBeGreaterThan(0);
    const goalBefore = await controllingViewForGoal(db, CITY_GOAL, options);

    expect(await projectPlanningRecordEvents(db, [withdrawFamilienbuero])).toEqual({ applied: 1, duplicates: 0, stale: 0, withdrawals: 1 });

    const area = await controllingViewForArea(db, CHORWEILER, options);
    expect(area.measures).toEqual([]);
    expect(area.totals).toMatchObject({ measures: 0, budget: { planned: 0, spent: 0 }, milestonesDue: 0, milestonesOverdue: 0 });
    expect(area).toEqual(controllingForArea(demoWithout(FAMILIENBUERO), CHORWEILER, options));

    const goal = await controllingViewForGoal(db, CITY_GOAL, options);
    expect(goal).toEqual(controllingForGoal(demoWithout(FAMILIENBUERO), CITY_GOAL, options));
    expect(goal!.measures.map((m) => m.key)).not.toContain(FAMILIENBUERO);
    expect(goal!.totals.budget.planned).toBe(goalBefore!.totals.budget.planned - familienbuero.budget.reduce((s, b) => s + b.planned, 0));

    expect((await listMeasures(db)).map((m) => m.key)).not.toContain(FAMILIENBUERO);
    expect(await listMeasures(db, { area: CHORWEILER })).toEqual([]);
    expect(await milestonesOfMeasures(db, [FAMILIENBUERO])).toEqual([]);
    expect(await statusReportsOfMeasures(db, [FAMILIENBUERO])).toEqual([]);
    expect(await controllingOfMeasures(db, [FAMILIENBUERO], options)).toEqual([]);
    // nothing to evaluate or to hang a milestone on
    expect(await measureRecord(db, FAMILIENBUERO)).toBeUndefined();
    expect(await measureFactsOf(db, FAMILIENBUERO)).toBeUndefined();
    expect(await measureFactsOf(db, FAMILIENBUERO, { includeWithdrawn: true })).toMatchObject({ status: 'in_progress' });
  });

  it('the history still shows everything, including the withdrawal: who, when, in which delivery, which version', async () => {
    const trail = await measureAuditTrail(db, FAMILIENBUERO);
    const delivered = replay.events.filter((e) => e.metadata.recordKey === FAMILIENBUERO);
    expect(trail.map((t) => t.eventId)).toEqual([...delivered.map((e) => e.metadata.eventId), `measure:${FAMILIENBUERO}:${withdrawFamilienbuero.version}:0`]);
    expect(trail.at(-1)).toMatchObject({
      eventType: 'MeasureWithdrawn',
      deliveryId: 'withdrawal-1',
      actor: 'amt-51-2025',
      recordVersion: withdrawFamilienbuero.version,
      occurredAt: '2025-07-01T08:00:00.000Z',
      data: { measureKey: FAMILIENBUERO },
    });
    // milestones and reports of the measure are still in its related trail
    const related = await measureAuditTrail(db, FAMILIENBUERO, { includeRelated: true });
    expect(related.filter((t) => t.aggregateType === 'milestone').length).toBeGreaterThan(0);
    expect((await snapshotOfTables()).withdrawn).toEqual([
      { t: 'measure', k: FAMILIENBUERO, withdrawn_at: expect.anything(), withdrawn_by: 'amt-51-2025', withdrawal_delivery_id: 'withdrawal-1', withdrawn_version: withdrawFamilienbuero.version },
    ]);
  });

  it('replaying the same record events, and the same domain events, twice changes nothing', async () => {
    const before = await snapshotOfTables();
    const again = await projectPlanningRecordEvents(db, [...demoRecords, withdrawFamilienbuero, withdrawFamilienbuero]);
    expect(again).toEqual({ applied: 0, duplicates: demoRecords.length + 2, stale: 0, withdrawals: 2 });
    // a tombstone with a higher version for a record already withdrawn is a no-op too
    expect(await projectPlanningRecordEvents(db, [tombstone('measure', FAMILIENBUERO, withdrawFamilienbuero.version + 1, 'withdrawal-again')])).toEqual({
      applied: 0,
      duplicates: 0,
      stale: 1,
      withdrawals: 1,
    });
    // the audit's events applied again (Emmett-style replay of the stream) are duplicates
    const events = (await measureAuditTrail(db, FAMILIENBUERO)).map(eventFromAudit);
    expect(await applyEvents(db, events)).toEqual({ applied: 0, duplicates: events.length, stale: 0 });
    expect(await snapshotOfTables()).toEqual(before);
  });

  it('a later version brings the withdrawn measure back, with its budget, milestones and reports', async () => {
    const back: MeasureRecord = { ...familienbuero, version: withdrawFamilienbuero.version + 2 };
    const r = await projectPlanningRecordEvents(db, [{ ...demoRecords[0]!, key: back.key, version: back.version, recordType: 'measure', deliveryId: 'redelivery-1', payload: back }]);
    expect(r).toMatchObject({ duplicates: 0, stale: 0, withdrawals: 0 });
    expect(await measureRecord(db, FAMILIENBUERO)).toEqual(back);
    expect((await snapshotOfTables()).withdrawn).toEqual([]);
    const area = await controllingViewForArea(db, CHORWEILER, options);
    const data = demoWithout(undefined);
    expect(area).toEqual(controllingForArea({ ...data, measures: data.measures.map((m) => (m.key === FAMILIENBUERO ? back : m)) }, CHORWEILER, options));
    expect(area.measures.map((m) => [m.key, m.trafficLight])).toEqual([[FAMILIENBUERO, 'red']]);
    expect((await milestonesOfMeasures(db, [FAMILIENBUERO])).length).toBe(3);
    // the restoring version starts afresh (Propose …) and the audit shows all of it
    const trail = await measureAuditTrail(db, FAMILIENBUERO);
    expect(trail.filter((t) => t.recordVersion === back.version).map((t) => t.eventType)[0]).toBe('MeasureProposed');
    expect(trail.map((t) => t.eventType)).toContain('MeasureWithdrawn');
  });

  it('a withdrawn goal leaves every view; the measures serving it stay (ingestion refuses such a withdrawal, the projection does not re-check)', async () => {
    const goal = (await goalRecord(db, KALK_GOAL))!;
    expect(await projectPlanningRecordEvents(db, [tombstone('goal', KALK_GOAL, goal.version + 1, 'withdrawal-goal')])).toMatchObject({ applied: 1, withdrawals: 1 });
    expect(await goalRecord(db, KALK_GOAL)).toBeUndefined();
    expect(await listGoals(db, { area: { level: 'SOZIALRAUM', code: 'kalk' } })).toEqual([]);
    expect((await listGoals(db)).map((g) => g.key)).not.toContain(KALK_GOAL);
    expect(await controllingViewForGoal(db, KALK_GOAL, options)).toBeUndefined();
    expect((await listMeasures(db, { area: { level: 'SOZIALRAUM', code: 'kalk' } })).map((m) => m.key)).toEqual([KALK_MEASURE]);
    // its versions and audit trail remain
    expect((await goalVersions(db, KALK_GOAL)).length).toBeGreaterThan(0);
    expect((await auditTrail(db, 'goal', KALK_GOAL)).at(-1)).toMatchObject({ eventType: 'GoalWithdrawn', deliveryId: 'withdrawal-goal' });
  });
});
