// Topics (Themen) in the read model on a real PostgreSQL: their record events are decided against the
// stored snapshot and projected (found → assessed → decided), replaying changes nothing, a withdrawal
// hides the topic, a decision naming a measure the read model does not hold yet is transient (out of
// order across topics), and the core-process figures are computed over what is stored.
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { startPostgres, type PostgresInstance } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ThemeRecord } from '../records/planning-records.schema.js';
import { migrateControlling } from './controlling.migrations.js';
import { auditTrail, coreProcessView, listThemes } from './controlling.queries.js';
import { PlanningOutOfOrderError, projectPlanningRecordEvents, type PlanningRecordEvent } from './planning-records.projector.js';

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

const kalk = { level: 'SOZIALRAUM', code: 'kalk' };
const v1: ThemeRecord = { key: 'thema:kalk:spielplatz', version: 1, area: kalk, origin: 'bottom_up', title: 'Spielplatz fehlt', foundDate: '2025-02-03', foundBy: 'SRK Kalk', example: false };
const v2: ThemeRecord = { ...v1, version: 2, assessment: { date: '2025-03-10', assessedBy: 'Sozialplanung', text: 'Bedarf belegt.', priority: 'high' } };
const v3: ThemeRecord = { ...v2, version: 3, decision: { date: '2025-04-14', decidedBy: 'Lenkungskreis', outcome: 'measure', measureKey: 'massnahme:kalk:spielplatz' } };
const measure = {
  key: 'massnahme:kalk:spielplatz',
  version: 1,
  title: 'Spielplatz',
  goalKeys: [],
  areas: [kalk],
  targetGroups: [],
  leadAmt: 'jugendamt',
  participants: [],
  budget: [],
  plannedStart: '2025-05-01',
  plannedEnd: '2025-06-30',
  actualStart: '2025-05-02',
  status: 'in_progress',
  example: false,
};
let n = 0;
const event = (recordType: PlanningRecordEvent['recordType'], payload: { key: string; version: number } | null, key = payload?.key ?? '', version = payload?.version ?? 0): PlanningRecordEvent => ({
  key,
  version,
  recordType,
  deliveryId: `d-${++n}`,
  amt: 'planung',
  deliveredBy: 'person:anna',
  deliveredAt: Date.parse('2025-04-15T08:00:00Z') + n,
  tombstone: payload === null,
  payload,
});

describe('topics in the controlling read model', () => {
  it('projects the path version by version; a replay changes nothing', async () => {
    const first = await projectPlanningRecordEvents(db, [event('theme', v1), event('theme', v2)]);
    expect(first.applied).toBe(2);
    expect((await listThemes(db, { level: 'SOZIALRAUM' })).map((t) => [t.record.version, t.record.assessment?.priority])).toEqual([[2, 'high']]);
    const again = await projectPlanningRecordEvents(db, [event('theme', v1), event('theme', v2)]);
    expect(again).toMatchObject({ applied: 0, duplicates: 2 });
  });

  it('waits for the measure a decision names (out of order across topics), then decides', async () => {
    await expect(projectPlanningRecordEvents(db, [event('theme', v3)])).rejects.toBeInstanceOf(PlanningOutOfOrderError);
    expect((await listThemes(db))[0]?.record.decision).toBeUndefined();
    await projectPlanningRecordEvents(db, [event('measure', measure), event('theme', v3)]);
    const [row] = await listThemes(db, { area: kalk, year: 2025 });
    expect(row?.record.decision).toMatchObject({ outcome: 'measure', measureKey: measure.key });
    expect(row?.updatedBy).toBe('person:anna');
    expect((await auditTrail(db, 'theme', v1.key)).map((e) => e.eventType)).toEqual(['ThemeRecorded', 'ThemeAssessed', 'ThemeDecided']);
    expect(await listThemes(db, { year: 2024 })).toEqual([]);
  });

  it('computes the core process over the stored topics and their measures', async () => {
    // the measure was planned to end 2025-06-30 and still runs on 2025-11-30: not on time
    expect(await coreProcessView(db, { level: 'SOZIALRAUM' }, '2025-11-30')).toEqual([
      {
        area: kalk,
        year: 2025,
        found: 1,
        foundBottomUp: 1,
        foundTopDown: 0,
        assessed: 1,
        decided: 1,
        turnedIntoMeasures: 1,
        turnedIntoProjects: 0,
        closed: 0,
        medianDaysToDecision: 70,
        linkedMeasures: 1,
        linkedMeasuresOnTime: 0,
        shareOnTime: 0,
      },
    ]);
    expect((await coreProcessView(db, { level: 'SOZIALRAUM' }, '2025-06-15'))[0]?.shareOnTime).toBe(1);
  });

  it('a withdrawn topic is gone from the list and the figures, its history stays', async () => {
    await projectPlanningRecordEvents(db, [event('theme', null, v1.key, 4)]);
    expect(await listThemes(db)).toEqual([]);
    expect(await coreProcessView(db, {}, '2025-11-30')).toEqual([]);
    expect((await auditTrail(db, 'theme', v1.key)).at(-1)?.eventType).toBe('ThemeWithdrawn');
  });
});
