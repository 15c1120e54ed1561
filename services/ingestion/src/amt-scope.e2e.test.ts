// No Amt writes into another's work (issue 13, deliver 3), and planning records name only records
// that exist (deliver 1): each forbidden write is played against the HTTP API on the embedded log
// and PGlite, and must be refused with the status and code below, naming the owner, and change
// nothing — no event, no recorded version.
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openPgliteDatabase, type PgliteDatabase } from '@sp/database-pglite';
import { openEmbeddedEventLog, type EmbeddedEventLog } from '@sp/eventlog-embedded';
import { topology } from '@sp/events';
import { aGoal, aMeasure, aMilestone, anOffer, aStatusReport } from '@sp/events/testing';
import { loadCatalogue } from '@sp/indicators';
import { loadReference } from '@sp/spatial';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from './api-keys.js';
import { createIngestionApp } from './ingestion.app.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

const amts = ['planung', 'jugendamt', 'gesundheitsamt', 'wohnungsamt', 'sozialamt', 'schulamt'] as const;
type Amt = (typeof amts)[number];
const keys = Object.fromEntries(amts.map((a) => [a, generateApiKey(`${a}-scope`)])) as Record<Amt, string>;

let eventLog: EmbeddedEventLog;
let database: PgliteDatabase;
let app: NestFastifyApplication;
let base: string;

const goal = aGoal({ key: 'ziel:scope', indicator: 'sgb2_quote' });
/** Jugendamt's measure, delivered by the Sozialplanung, Sozialamt a partner */
const measure = aMeasure({
  key: 'massnahme:scope',
  goalKeys: [goal.key],
  leadAmt: 'jugendamt',
  participants: ['sozialamt', 'Träger: Beispiel e.V.'],
  status: 'in_progress',
  actualStart: '2025-01-10',
});
/** Schulamt's measure, no partners */
const otherMeasure = aMeasure({ key: 'massnahme:schulamt', goalKeys: [goal.key], leadAmt: 'schulamt', participants: [], status: 'in_progress', actualStart: '2025-01-10' });

async function post(amt: Amt, recordType: string, records: unknown[]): Promise<{ status: number; body: any }> {
  const res = await fetch(`${base}/v1/deliveries/${recordType}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${keys[amt]}`, 'content-type': 'application/json' },
    body: JSON.stringify({ records }),
  });
  return { status: res.status, body: await res.json() };
}

async function logSize(recordType: string): Promise<bigint> {
  let n = 0n;
  for (const v of (await eventLog.endOffsets(`records.${recordType}`)).values()) n += v;
  return n;
}

async function recorded(recordType: string, key: string): Promise<number | null> {
  const { rows } = await database.query<{ version: number }>('SELECT version FROM ingest_records WHERE record_type = $1 AND key = $2', [recordType, key]);
  return rows[0]?.version ?? null;
}

/** Plays a forbidden write: the answer, and nothing appended or recorded for the key. */
async function forbidden<R extends { key: string }>(amt: Amt, recordType: string, record: R): Promise<{ status: number; body: any }> {
  const [size, version] = [await logSize(recordType), await recorded(recordType, record.key)];
  const res = await post(amt, recordType, [record]);
  expect(await logSize(recordType)).toBe(size);
  expect(await recorded(recordType, record.key)).toBe(version);
  return res;
}

beforeAll(async () => {
  const dir = tempDir('sp-amt-scope-');
  eventLog = await openEmbeddedEventLog({ dir: join(dir, 'eventlog') });
  database = await openPgliteDatabase({ dataDir: join(dir, 'postgres') });
  app = await createIngestionApp({
    eventLog,
    database,
    spatial: spatialChecksFrom(loadReference('koeln')),
    config: { apiKeys: amts.map((amt) => ({ id: `${amt}-scope`, amt, hash: hashApiKey(keys[amt]) })) },
    topology: topology({ partitions: 2 }),
    planningCheck: controllingPlanningCheck(),
    indicatorCodes: loadCatalogue()
      .latest()
      .map((i) => i.code),
  });
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
  expect((await post('planung', 'goal', [goal])).status).toBe(200);
  expect((await post('planung', 'measure', [measure, otherMeasure])).status).toBe(200);
  expect((await post('jugendamt', 'offer', [anOffer({ key: 'kita:fremd', amt: 'jugendamt', version: 7 })])).status).toBe(200);
}, 120_000);

afterAll(async () => {
  await app?.close();
  await eventLog?.close();
  await database?.close();
});

describe('milestones and status reports only for measures the Amt leads, delivered or is a partner of', () => {
  it('Gesundheitsamt cannot post a red status report on Jugendamt’s measure (403 naming the lead)', async () => {
    const res = await forbidden('gesundheitsamt', 'status-report', aStatusReport({ key: 'bericht:scope:ga', measureKey: measure.key, reportedBy: 'gesundheitsamt', trafficLight: 'red' }));
    expect(res.status).toBe(403);
    expect(res.body.errors).toEqual([expect.objectContaining({ row: 0, field: 'measureKey', value: measure.key, code: 'MEASURE_OF_OTHER_AMT' })]);
    expect(res.body.errors[0].message).toMatch(/led by Amt jugendamt \(delivered by planung; participants: sozialamt, Träger: Beispiel e\.V\.\); Amt gesundheitsamt may deliver status reports only/);
  });

  it('Wohnungsamt cannot post a milestone on Jugendamt’s measure', async () => {
    const res = await forbidden('wohnungsamt', 'milestone', aMilestone({ key: 'meilenstein:scope:wa', measureKey: measure.key }));
    expect(res.status).toBe(403);
    expect(res.body.errors[0]).toMatchObject({ code: 'MEASURE_OF_OTHER_AMT', value: measure.key });
  });

  it('an Amt cannot move its own milestone onto a measure of another Amt', async () => {
    const own = aMilestone({ key: 'meilenstein:scope:ja', measureKey: measure.key });
    expect((await post('jugendamt', 'milestone', [own])).status).toBe(200);
    const res = await forbidden('jugendamt', 'milestone', { ...own, version: 2, measureKey: otherMeasure.key });
    expect(res.status).toBe(403);
    expect(res.body.errors[0]).toMatchObject({ code: 'MEASURE_OF_OTHER_AMT', value: otherMeasure.key });
    expect(res.body.errors[0].message).toMatch(/led by Amt schulamt/);
  });

  it.each([
    ['the lead Amt', 'jugendamt'],
    ['a partner named in participants', 'sozialamt'],
    ['the Amt that delivered the measure', 'planung'],
  ] as const)('%s may', async (_who, amt) => {
    expect((await post(amt, 'status-report', [aStatusReport({ key: `bericht:scope:${amt}`, measureKey: measure.key, reportedBy: amt })])).status).toBe(200);
    expect((await post(amt, 'milestone', [aMilestone({ key: `meilenstein:scope:${amt}:2`, measureKey: measure.key })])).status).toBe(200);
  });
});

describe('offers only in the delivering Amt’s name', () => {
  it('Gesundheitsamt cannot register an offer in Jugendamt’s name (403 naming both)', async () => {
    const res = await forbidden('gesundheitsamt', 'offer', anOffer({ key: 'kita:im-namen-des-jugendamts', amt: 'jugendamt' }));
    expect(res.status).toBe(403);
    expect(res.body.errors[0]).toMatchObject({ field: 'amt', value: 'jugendamt', code: 'AMT_MISMATCH', accepted: '"amt": "gesundheitsamt" (your own Amt)' });
  });

  it('a key conflict with another Amt’s offer reveals nothing of it, not even its version', async () => {
    const res = await forbidden('gesundheitsamt', 'offer', anOffer({ key: 'kita:fremd', amt: 'gesundheitsamt', version: 8 }));
    expect(res.status).toBe(403);
    expect(res.body.errors).toEqual([expect.objectContaining({ field: 'key', value: 'kita:fremd', code: 'KEY_OF_OTHER_AMT' })]);
    expect(res.body.currentVersions ?? {}).toEqual({});
    expect(res.body.errors[0].message).not.toMatch(/7|jugendamt|version/);
  });
});

describe('references between planning records must exist (422 naming the field and the key)', () => {
  it.each([
    ['a goal naming a parent goal that does not exist', 'planung', 'goal', aGoal({ key: 'ziel:waise', parentKey: 'ziel:gibt-es-nicht', indicator: null }), 'parentKey', 'ziel:gibt-es-nicht'],
    ['a goal naming an indicator outside the catalogue', 'planung', 'goal', aGoal({ key: 'ziel:ohne-indikator', indicator: 'kita_versorgungsquote' }), 'indicator', 'kita_versorgungsquote'],
    ['a measure naming a goal that does not exist', 'planung', 'measure', aMeasure({ key: 'massnahme:ohne-ziel', goalKeys: ['ziel:gibt-es-nicht'] }), 'goalKeys[0]', 'ziel:gibt-es-nicht'],
    [
      'a milestone naming a measure that does not exist',
      'jugendamt',
      'milestone',
      aMilestone({ key: 'meilenstein:ohne-massnahme', measureKey: 'massnahme:gibt-es-nicht' }),
      'measureKey',
      'massnahme:gibt-es-nicht',
    ],
    [
      'a status report naming a measure that does not exist',
      'jugendamt',
      'status-report',
      aStatusReport({ key: 'bericht:ohne-massnahme', measureKey: 'massnahme:gibt-es-nicht' }),
      'measureKey',
      'massnahme:gibt-es-nicht',
    ],
  ] as const)('%s', async (_what, amt, recordType, record, field, missing) => {
    const res = await forbidden(amt, recordType, record);
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([expect.objectContaining({ row: 0, field, value: missing, code: 'UNKNOWN_REFERENCE' })]);
  });
});
