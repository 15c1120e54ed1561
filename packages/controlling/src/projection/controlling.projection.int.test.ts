// The controlling read model on a real PostgreSQL (fresh cluster for this file) through @sp/database-pg.
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { startPostgres, type PostgresInstance } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { controllingForArea, controllingForGoal } from '../controlling/controlling.compute.js';
import { fold } from '../decider.js';
import { readKoelnDemo } from '../demo/koeln-demo.loader.js';
import { goalDecider, goalHistory } from '../goal/goal.decider.js';
import { measureDecider, type MeasureEvent } from '../measure/measure.decider.js';
import { goalRecords } from '../records/goal.record-mapping.js';
import { measureRecords } from '../records/measure.record-mapping.js';
import { eventsFromRecords } from '../records/record-mapping.js';
import { replayPlanningRecords } from '../records/planning-records.replay.js';
import type { MeasureRecord } from '../records/planning-records.schema.js';
import { migrateControlling } from './controlling.migrations.js';
import { applyEvents } from './controlling.projector.js';
import {
  auditTrail,
  controllingOfMeasures,
  controllingViewForArea,
  controllingViewForGoal,
  listGoals,
  listMeasures,
  milestonesOfMeasures,
  statusReportsOfMeasures,
  eventFromAudit,
  goalRecord,
  goalVersions,
  measureAuditTrail,
  measureFactsOf,
  measureRecord,
  milestoneRecord,
  statusReportRecord,
} from './controlling.queries.js';
import { projectMeasure, type PlanningDomainEvent } from './planning.projection.js';

const demo = readKoelnDemo();
const replay = replayPlanningRecords(demo.deliveries);
const FAMILIENBUERO = 'massnahme:blumenberg-chorweiler-seeberg-nord:familienbuero';
const CHORWEILER_GOAL = 'ziel:sr:blumenberg-chorweiler-seeberg-nord:sgb2';

let pg: PostgresInstance;
let db: PgDatabase;

beforeAll(async () => {
  pg = await startPostgres();
  db = createPgDatabase({ url: pg.url });
  expect(await migrateControlling(db)).toEqual([1, 2, 3, 4, 5]);
});
afterAll(async () => {
  await db?.close();
  await pg?.wipe();
});

const count = async (table: string) => Number((await db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`)).rows[0]?.n);

describe('controlling projection on PostgreSQL', () => {
  it('migrations are applied once', async () => {
    expect(await migrateControlling(db)).toEqual([]);
  });

  it('projects the demo, and re-applying the same events is a no-op', async () => {
    expect(replay.rejected).toEqual([]);
    const first = await applyEvents(db, replay.events);
    expect(first).toEqual({ applied: replay.events.length, duplicates: 0, stale: 0 });
    const tables = ['controlling_goal', 'controlling_goal_version', 'controlling_measure', 'controlling_budget_line', 'controlling_milestone', 'controlling_status_report', 'controlling_audit'];
    const before = await Promise.all(tables.map(count));
    const again = await applyEvents(db, replay.events);
    expect(again).toEqual({ applied: 0, duplicates: replay.events.length, stale: 0 });
    expect(await Promise.all(tables.map(count))).toEqual(before);
    expect(before).toEqual([6, 8, 4, 9, 5, 2, replay.events.length]);
  });

  it('holds the latest snapshot of every record, as delivered', async () => {
    for (const [key, { record }] of replay.goals) expect(await goalRecord(db, key)).toEqual(record);
    for (const [key, { record }] of replay.measures) expect(await measureRecord(db, key)).toEqual(record);
    // milestones and reports carry no label of their own: the read model labels them by their
    // measure, and every demo measure is an example
    for (const [key, { record }] of replay.milestones) expect(await milestoneRecord(db, key)).toEqual({ ...record, example: true });
    for (const [key, { record }] of replay.statusReports) expect(await statusReportRecord(db, key)).toEqual({ ...record, example: true });
    expect(await measureFactsOf(db, FAMILIENBUERO)).toEqual({ measureKey: FAMILIENBUERO, status: 'in_progress', actualStart: '2023-02-01' });
    expect(await measureFactsOf(db, 'nope')).toBeUndefined();
  });

  it('keeps every version of a revised goal', async () => {
    const versions = await goalVersions(db, CHORWEILER_GOAL);
    expect(versions.map((v) => [v.version, v.status, v.record.targetValue, v.revisionReason !== undefined])).toEqual([
      [1, 'draft', 28, false],
      [2, 'adopted', 28, false],
      [3, 'revised', 29, true],
    ]);
    const delivered = demo.deliveries.filter((d) => (d.record as { key: string }).key === CHORWEILER_GOAL);
    expect(versions.map((v) => v.deliveryId)).toEqual(delivered.map((d) => d.deliveryId));
    expect(versions[2]?.record).toEqual(replay.goals.get(CHORWEILER_GOAL)?.record);
  });

  it('the audit trail reproduces the history of a measure from its events', async () => {
    const trail = await measureAuditTrail(db, FAMILIENBUERO);
    const original = replay.events.filter((e) => e.metadata.recordKey === FAMILIENBUERO) as MeasureEvent[];
    // who, what, when, in which delivery
    expect(trail.map((t) => [t.eventId, t.eventType, t.recordVersion, t.deliveryId, t.actor, Date.parse(t.occurredAt)])).toEqual(
      original.map((e) => [e.metadata.eventId, e.type, e.metadata.recordVersion, e.metadata.deliveryId, e.metadata.actor, Date.parse(e.metadata.at)]),
    );
    const replayed = trail.map(eventFromAudit) as MeasureEvent[];
    // the decider state folded from the audit equals the state from the original stream …
    expect(fold(measureDecider, replayed)).toEqual(replay.measures.get(FAMILIENBUERO)?.state);
    // … and every delivered version of the record is reproduced, version by version
    const delivered = demo.deliveries.filter((d) => (d.record as { key: string }).key === FAMILIENBUERO).map((d) => d.record as MeasureRecord);
    let snapshot: MeasureRecord | undefined;
    const perVersion = new Map<number, MeasureRecord>();
    for (const e of replayed) {
      snapshot = projectMeasure(snapshot, e);
      if (snapshot) perVersion.set(e.metadata.recordVersion, snapshot);
    }
    expect([...perVersion.values()]).toEqual(delivered);
    // related milestones and reports can be interleaved
    const related = await measureAuditTrail(db, FAMILIENBUERO, { includeRelated: true });
    expect(new Set(related.map((t) => t.aggregateType))).toEqual(new Set(['measure', 'milestone', 'status-report']));
    expect(related.filter((t) => t.eventType === 'MilestoneReached').map((t) => t.aggregateKey)).toEqual(['meilenstein:familienbuero:raeume']);
  });

  it('the goal audit trail replays to the goal state with all versions', async () => {
    const trail = await auditTrail(db, 'goal', CHORWEILER_GOAL);
    const state = fold(goalDecider, trail.map(eventFromAudit) as Parameters<typeof goalDecider.evolve>[1][]);
    expect(goalHistory(state).map((v) => v.status)).toEqual(['draft', 'adopted', 'revised']);
  });

  it('controlling views from the database equal the pure computation on the same records', async () => {
    const data = {
      goals: [...replay.goals.values()].map((g) => g.record),
      measures: [...replay.measures.values()].map((m) => m.record),
      milestones: [...replay.milestones.values()].map((m) => m.record),
      statusReports: [...replay.statusReports.values()].map((r) => r.record),
    };
    const options = { referenceDate: demo.referenceDate };
    const area = { level: 'SOZIALRAUM', code: 'blumenberg-chorweiler-seeberg-nord' };
    const fromDb = await controllingViewForArea(db, area, options);
    expect(fromDb).toEqual(controllingForArea(data, area, options));
    expect(fromDb.measures.map((m) => [m.key, m.trafficLight])).toEqual([[FAMILIENBUERO, 'red']]);
    expect(fromDb.goals.map((g) => g.key)).toEqual([CHORWEILER_GOAL]);
    const goalView = await controllingViewForGoal(db, 'ziel:p2030:ls3:kinderarmut', options);
    expect(goalView).toEqual(controllingForGoal(data, 'ziel:p2030:ls3:kinderarmut', options));
    expect(goalView?.measures).toHaveLength(3);
    expect(await controllingViewForGoal(db, 'nope', options)).toBeUndefined();
  });

  it('lists goals and measures by filter, and batches milestones, reports and controlling figures (gateway)', async () => {
    const kalk = { level: 'SOZIALRAUM', code: 'kalk' };
    expect((await listGoals(db, { area: kalk })).map((g) => g.key)).toEqual(['ziel:sr:kalk:alleinerziehende']);
    expect((await listGoals(db, { status: ['draft'] })).map((g) => g.key)).toEqual(['ziel:sr:muelheim-nord-keupstrasse-stammheim:teilhabe']);
    expect(await listGoals(db, { includeExamples: false })).toEqual([]);
    expect((await listMeasures(db, { area: kalk })).map((m) => m.key)).toEqual(['massnahme:kalk:netzwerk-alleinerziehende']);
    expect((await listMeasures(db, { goalKey: CHORWEILER_GOAL })).map((m) => m.key)).toEqual([FAMILIENBUERO]);
    expect((await listMeasures(db, { amt: 'jugendamt' })).map((m) => m.key)).toEqual([FAMILIENBUERO, 'massnahme:hoehenberg-vingst:lernhaus', 'massnahme:kalk:netzwerk-alleinerziehende']);
    expect((await listMeasures(db, { status: ['cancelled'] })).map((m) => m.key)).toEqual(['massnahme:muelheim-nord-keupstrasse-stammheim:quartiersfonds']);
    const keys = [FAMILIENBUERO, 'massnahme:kalk:netzwerk-alleinerziehende'];
    expect((await milestonesOfMeasures(db, keys)).map((m) => m.key)).toEqual([
      'meilenstein:familienbuero:jobcenter-sprechstunde',
      'meilenstein:familienbuero:raeume',
      'meilenstein:familienbuero:zwischenbericht-bv',
      'meilenstein:netzwerk-kalk:netzwerktreffen',
    ]);
    expect((await statusReportsOfMeasures(db, keys)).map((r) => r.key)).toEqual(['bericht:familienbuero:2024-1', 'bericht:netzwerk-kalk:2025-1']);
    const figures = await controllingOfMeasures(db, [...keys, 'unknown'], { referenceDate: demo.referenceDate });
    expect(figures.map((f) => [f.key, f.trafficLight])).toEqual([
      [FAMILIENBUERO, 'red'],
      ['massnahme:kalk:netzwerk-alleinerziehende', 'green'],
    ]);
  });

  it('serves as the previous snapshot for the next delivery (ingestion path)', async () => {
    const previous = await measureRecord(db, FAMILIENBUERO);
    const next = { ...previous!, version: previous!.version + 1, status: 'completed' as const, actualEnd: '2025-12-19' };
    const ctx = { deliveryId: 'int-1', actor: 'amt-51', at: '2025-12-20T09:00:00+01:00' };
    const { events } = eventsFromRecords(measureRecords, previous, next, ctx);
    expect(await applyEvents(db, events)).toEqual({ applied: 1, duplicates: 0, stale: 0 });
    expect(await measureRecord(db, FAMILIENBUERO)).toEqual(next);
    // a goal adopted in the database cannot silently change its target
    const goal = await goalRecord(db, 'ziel:sr:kalk:alleinerziehende');
    expect(() => eventsFromRecords(goalRecords, goal, { ...goal!, version: 2, targetValue: 40 }, ctx)).toThrow(/revision/);
  });

  it('keeps goal targets per area and year (goal v2) and approved budget (measure v2); an approval taken back is NULL again', async () => {
    const ctx = (n: number) => ({ deliveryId: `v2-${n}`, actor: 'planung', at: '2025-12-20T09:00:00Z' });
    const goal = {
      key: 'ziel:v2:einwohner',
      version: 1,
      title: 'Chorweiler wächst',
      areas: [{ level: 'STADTTEIL', code: '609' }],
      targetGroups: [],
      indicator: 'einwohner',
      targetDirection: 'increase' as const,
      targets: [
        { area: { level: 'STADTTEIL', code: '609' }, year: 2025, value: 12500 },
        { area: { level: 'STADTTEIL', code: '609' }, year: 2030, value: 13500 },
      ],
      status: 'draft' as const,
      example: false,
    };
    await applyEvents(db, eventsFromRecords(goalRecords, undefined, goal, ctx(1)).events);
    expect(await goalRecord(db, goal.key)).toEqual(goal);
    expect((await goalVersions(db, goal.key)).at(-1)?.record).toMatchObject({ targets: goal.targets, targetDirection: 'increase' });

    const measure: MeasureRecord = {
      key: 'massnahme:v2:bewilligt',
      version: 1,
      title: 'Bewilligte Maßnahme',
      goalKeys: [goal.key],
      areas: [{ level: 'STADTTEIL', code: '609' }],
      targetGroups: [],
      leadAmt: '51',
      participants: [],
      budget: [
        { year: 2025, planned: 100_000, spent: 20_000, approved: 80_000 },
        { year: 2026, planned: 50_000, spent: 0 },
      ],
      plannedStart: '2025-01-01',
      plannedEnd: '2026-12-31',
      status: 'decided',
      example: false,
    };
    const first = eventsFromRecords(measureRecords, undefined, measure, ctx(2));
    expect(first.events.map((e) => e.type)).toEqual(['MeasureProposed', 'MeasureDecided', 'BudgetPlanned', 'SpendingRecorded', 'BudgetApproved', 'BudgetPlanned']);
    await applyEvents(db, first.events);
    expect(await measureRecord(db, measure.key)).toEqual(measure);
    const [figures] = await controllingOfMeasures(db, [measure.key], { referenceDate: '2025-12-20' });
    expect(figures?.budget.approval?.toDate).toEqual({ approved: 80_000, spent: 20_000, usedShare: 0.25 });

    const next = { ...measure, version: 2, budget: [{ year: 2025, planned: 100_000, spent: 20_000 }, measure.budget[1]!] };
    const second = eventsFromRecords(measureRecords, measure, next, ctx(3), { state: first.state });
    await applyEvents(db, second.events);
    expect(await measureRecord(db, measure.key)).toEqual(next);
    const approved = await db.query<{ approved: number | null }>('SELECT approved FROM controlling_budget_line WHERE measure_key = $1 ORDER BY year', [measure.key]);
    expect(approved.rows.map((r) => r.approved)).toEqual([null, null]);
    expect((await auditTrail(db, 'measure', measure.key)).filter((a) => a.eventType === 'BudgetApproved').map((a) => a.data)).toEqual([
      { measureKey: measure.key, year: 2025, approved: 80_000 },
      { measureKey: measure.key, year: 2025, approved: null },
    ]);
  });

  it('does not move a snapshot back for an event of an older version, but audits it', async () => {
    const current = await measureRecord(db, 'massnahme:kalk:netzwerk-alleinerziehende');
    const old: PlanningDomainEvent = {
      type: 'MeasurePlanUpdated',
      data: { measureKey: current!.key, plan: { ...current!, title: 'alt' } as never },
      metadata: { eventId: 'measure:late:1:0', deliveryId: 'late', actor: 'x', at: '2024-01-01T00:00:00Z', recordKey: current!.key, recordVersion: 1 },
    };
    expect(await applyEvents(db, [old])).toEqual({ applied: 0, duplicates: 0, stale: 1 });
    expect((await measureRecord(db, current!.key))?.title).toBe(current!.title);
    expect((await auditTrail(db, 'measure', current!.key)).at(-1)?.eventId).toBe('measure:late:1:0');
  });

  it('applies a batch all or nothing', async () => {
    const auditBefore = await count('controlling_audit');
    const good: PlanningDomainEvent = {
      type: 'MilestonePlanned',
      data: { milestoneKey: 'ms:ok', measureKey: FAMILIENBUERO, title: 'ok', planned: { date: '2026-01-01' } },
      metadata: { eventId: 'milestone:ms:ok:1:0', deliveryId: 'batch', actor: 'x', at: '2025-12-01T00:00:00Z', recordKey: 'ms:ok', recordVersion: 1 },
    };
    const broken: PlanningDomainEvent = {
      type: 'MilestonePlanned',
      data: { milestoneKey: 'ms:broken', measureKey: FAMILIENBUERO, title: 'broken', planned: {} as never },
      metadata: { eventId: 'milestone:ms:broken:1:0', deliveryId: 'batch', actor: 'x', at: '2025-12-01T00:00:00Z', recordKey: 'ms:broken', recordVersion: 1 },
    };
    await expect(applyEvents(db, [good, broken])).rejects.toMatchObject({ code: 'CHECK_VIOLATION' });
    expect(await count('controlling_audit')).toBe(auditBefore);
    expect(await milestoneRecord(db, 'ms:ok')).toBeUndefined();
  });
});
