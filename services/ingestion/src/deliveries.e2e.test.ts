// The ingestion HTTP API end to end against a real Kafka broker and a real PostgreSQL: every bullet
// of issue 3 — accepted deliveries, each kind of bad input, idempotency, 409, withdrawals, 503 while
// the broker is down, the audit trail, concurrent deliveries and schema evolution.
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { createKafkaEventLog, type KafkaEventLog } from '@sp/eventlog-kafka';
import { defaultSchemasDir, EventCodec, eventHeaderNames, SchemaRegistry, type RecordEvent } from '@sp/events';
import { anAreaStatistic, anOffer, aGoal, aMeasure } from '@sp/events/testing';
import type { FeedError } from '@sp/feeds';
import type { LogEvent } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { freePort, startKafka, startNodeService, startPostgres, type KafkaInstance, type PostgresInstance } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from './api-keys.js';
import { loadCatalogue } from '@sp/indicators';
import { createIngestionApp } from './ingestion.app.js';
import type { IngestionModuleOptions } from './ingestion.module.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

let kafka: KafkaInstance;
let pg: PostgresInstance;
let eventLog: KafkaEventLog;
let database: PgDatabase;
let app: NestFastifyApplication;
let base: string;
let moduleOptions: IngestionModuleOptions;

const amts = ['statistik', 'jugendamt', 'planung', 'jobcenter'] as const;
const keys = Object.fromEntries(amts.map((a) => [a, generateApiKey(`${a}-test`)])) as Record<(typeof amts)[number], string>;
const BODY_LIMIT = 256 * 1024;
const codec = new EventCodec(SchemaRegistry.load());

beforeAll(async () => {
  [kafka, pg] = await Promise.all([startKafka({ partitions: 4 }), startPostgres()]);
  eventLog = createKafkaEventLog({
    brokers: kafka.brokers,
    clientId: 'ingestion-e2e',
    appendTimeoutMs: 3000,
    logLevel: 'nothing',
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250 },
  });
  database = createPgDatabase({ url: pg.url });
  moduleOptions = {
    eventLog,
    database,
    spatial: spatialChecksFrom(loadReference('koeln')),
    config: {
      apiKeys: amts.map((amt) => ({ id: `${amt}-test`, amt, hash: hashApiKey(keys[amt], amt === 'planung' ? 'scrypt' : 'sha256') })),
      bodyLimitBytes: BODY_LIMIT,
      appendTimeoutMs: 4000,
      retryAfterSeconds: 7,
    },
    planningCheck: controllingPlanningCheck(),
    indicatorCodes: loadCatalogue()
      .latest()
      .map((i) => i.code),
  };
  app = await createIngestionApp(moduleOptions);
  await app.listen(0, '127.0.0.1');
  base = await app.getUrl();
}, 240_000);

afterAll(async () => {
  await app?.close();
  await eventLog?.close();
  await database?.close();
  await Promise.all([kafka?.wipe(), pg?.wipe()]);
});

type Answer = { status: number; headers: Headers; body: any };

async function post(path: string, body: unknown, opts: { amt?: keyof typeof keys | null; key?: string; contentType?: string } = {}): Promise<Answer> {
  const headers: Record<string, string> = { 'content-type': opts.contentType ?? 'application/json' };
  const key = opts.key ?? (opts.amt === null ? undefined : keys[opts.amt ?? 'statistik']);
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: typeof body === 'string' ? body : Buffer.isBuffer(body) ? new Uint8Array(body) : JSON.stringify(body) });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function get(path: string, amt: keyof typeof keys = 'statistik'): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${keys[amt]}` } });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function endOffsets(topic: string): Promise<bigint> {
  let sum = 0n;
  for (const v of (await eventLog.endOffsets(topic)).values()) sum += v;
  return sum;
}

const STAT = 'records.area-statistic';
const OFFER = 'records.offer';

/** All events of a topic, read by a fresh consumer group. */
async function readTopic(topic: string, log = eventLog): Promise<LogEvent[]> {
  const seen: LogEvent[] = [];
  const sub = await log.subscribe({ groupId: `reader-${Math.random().toString(36).slice(2)}`, topics: [topic], startFrom: 'earliest', handleBatch: async (b) => void seen.push(...b.events) });
  await sub.caughtUp(60_000);
  await sub.stop();
  return seen.sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

describe('accepted deliveries', () => {
  it('answers /health', async () => {
    const res = await fetch(`${base}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok', catalogueVersion: 5 });
  });

  it('accepts a JSON batch, appends one Avro event per record keyed by record key, and answers with their positions', async () => {
    const before = await endOffsets(STAT);
    const records = ['101', '102', '103'].map((areaCode) => anAreaStatistic({ areaCode }));
    const res = await post('/v1/deliveries/area-statistic', { records });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ amt: 'statistik', recordType: 'area-statistic', created: 3, unchanged: 0, deliveredBy: 'statistik-test' });
    expect(res.body.records.map((r: any) => [r.key, r.version, r.status, r.topic])).toEqual(records.map((r) => [r.key, 1, 'created', STAT]));
    expect(await endOffsets(STAT)).toBe(before + 3n);
  });

  it('accepts a CSV upload from Excel: ; separators, BOM, German decimal commas, one row per observation', async () => {
    const csv =
      '\uFEFFdataset;areaLevel;areaCode;period;measure;dim_alter;value;version;source\r\n' +
      'bevoelkerung;STADTTEIL;201;2012;einwohner;;12.345;1;Amt 15\r\n' +
      'bevoelkerung;STADTTEIL;201;2012;einwohner_alter;0-3;345,0;1;Amt 15\r\n' +
      'bevoelkerung;STADTTEIL;202;2012;einwohner;;100.490;1;Amt 15\r\n';
    const res = await post('/v1/deliveries/area-statistic', Buffer.from(csv, 'utf8'), { contentType: 'text/csv; charset=utf-8' });
    expect(res.status).toBe(200);
    expect(res.body.records.map((r: any) => [r.row, r.key])).toEqual([
      [2, 'bevoelkerung|STADTTEIL|201|2012'],
      [4, 'bevoelkerung|STADTTEIL|202|2012'],
    ]);
  });

  it('accepts offers of the taxonomy inside the city', async () => {
    const res = await post(
      '/v1/deliveries/offer',
      { records: [anOffer(), anOffer({ key: 'syn:treff:1', offerType: 'Offener Treff', targetGroups: ['pflegende_angehoerige'], capacity: null })] },
      { amt: 'jugendamt' },
    );
    expect(res.status).toBe(200);
    expect(res.body.created).toBe(2);
  });
});

describe('versions', () => {
  const record = anAreaStatistic({ areaCode: '301', period: '2011' });

  it('is idempotent: the same key, version and payload again gives the same answer and no second event', async () => {
    const first = await post('/v1/deliveries/area-statistic', [record]);
    expect(first.status).toBe(200);
    const offsets = await endOffsets(STAT);
    const again = await post('/v1/deliveries/area-statistic', [{ ...record, observations: [...record.observations] }]);
    expect(again.status).toBe(200);
    expect(again.body.records.map((r: any) => [r.key, r.version, r.partition, r.offset])).toEqual(first.body.records.map((r: any) => [r.key, r.version, r.partition, r.offset]));
    expect(again.body).toMatchObject({ created: 0, unchanged: 1 });
    expect(await endOffsets(STAT)).toBe(offsets);
  });

  it('rejects a different payload under an existing version, and an older version, with 409 naming the current version', async () => {
    const v2 = await post('/v1/deliveries/area-statistic', [{ ...record, version: 2, observations: [{ measure: 'einwohner', dimensions: {}, value: 1 }] }]);
    expect(v2.status).toBe(200);
    const offsets = await endOffsets(STAT);
    const changed = await post('/v1/deliveries/area-statistic', [{ ...record, version: 2, observations: [{ measure: 'einwohner', dimensions: {}, value: 2 }] }]);
    expect(changed.status).toBe(409);
    expect(changed.body.errors[0]).toMatchObject({ row: 0, field: 'version', value: 2, code: 'VERSION_CONFLICT' });
    expect(changed.body.errors[0].message).toMatch(/current version is 2/);
    expect(changed.body.currentVersions).toEqual({ [record.key]: 2 });
    const older = await post('/v1/deliveries/area-statistic', [record]);
    expect(older.status).toBe(409);
    expect(older.body.errors[0].message).toMatch(/older than the current version; the current version is 2/);
    expect(await endOffsets(STAT)).toBe(offsets);
  });

  it('a batch with one conflicting record is rejected whole', async () => {
    const offsets = await endOffsets(STAT);
    const res = await post('/v1/deliveries/area-statistic', [anAreaStatistic({ areaCode: '302', period: '2011' }), record]);
    expect(res.status).toBe(409);
    expect(res.body.errors.map((e: FeedError) => e.row)).toEqual([1]);
    expect(await endOffsets(STAT)).toBe(offsets);
    const rows = await database.query('SELECT 1 FROM ingest_records WHERE key = $1', [anAreaStatistic({ areaCode: '302', period: '2011' }).key]);
    expect(rows.rowCount).toBe(0);
  });

  it('withdraws a record with a tombstone event; again is idempotent; an unknown key is 404', async () => {
    const offer = anOffer({ key: 'syn:kita:withdraw-me' });
    expect((await post('/v1/deliveries/offer', [offer], { amt: 'jugendamt' })).status).toBe(200);
    const offsets = await endOffsets(OFFER);
    const w = await post('/v1/deliveries/offer/withdrawals', { withdrawals: [{ key: offer.key }] }, { amt: 'jugendamt' });
    expect(w.status).toBe(200);
    expect(w.body.records[0]).toMatchObject({ key: offer.key, version: 2, status: 'created' });
    expect(await endOffsets(OFFER)).toBe(offsets + 1n);
    const again = await post('/v1/deliveries/offer/withdrawals', [{ key: offer.key }], { amt: 'jugendamt' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: 0, unchanged: 1 });
    expect(await endOffsets(OFFER)).toBe(offsets + 1n);
    const unknown = await post('/v1/deliveries/offer/withdrawals', [{ key: 'nope' }], { amt: 'jugendamt' });
    expect(unknown.status).toBe(404);
    expect(unknown.body.errors[0]).toMatchObject({ code: 'UNKNOWN_KEY', field: 'key', value: 'nope' });
    // another Amt cannot withdraw (or overwrite) the key
    const foreign = await post('/v1/deliveries/offer/withdrawals', [{ key: offer.key, version: 9 }], { amt: 'planung' });
    expect(foreign.status).toBe(403);
    expect(foreign.body.errors[0].code).toBe('KEY_OF_OTHER_AMT');
    // the tombstone is in the log
    const events = (await readTopic(OFFER)).filter((e) => e.key === offer.key).map((e) => codec.decode(e.value).event);
    expect(events.map((e) => [e.version, e.tombstone, e.payload === null])).toEqual([
      [1, false, false],
      [2, true, true],
    ]);
  });

  it('serialises concurrent deliveries of the same key: one event per accepted version, the highest wins', async () => {
    const base = anAreaStatistic({ areaCode: '401', period: '2010' });
    const offsets = await endOffsets(STAT);
    // the same new record five times at once: exactly one event
    const same = await Promise.all(Array.from({ length: 5 }, () => post('/v1/deliveries/area-statistic', [base])));
    expect(same.map((r) => r.status)).toEqual([200, 200, 200, 200, 200]);
    expect(same.filter((r) => r.body.created === 1)).toHaveLength(1);
    expect(await endOffsets(STAT)).toBe(offsets + 1n);
    // versions 2..6 at once: each is either appended or rejected as older, never both orders half-way
    const versions = await Promise.all(
      [2, 3, 4, 5, 6].map((version) => post('/v1/deliveries/area-statistic', [{ ...base, version, observations: [{ measure: 'einwohner', dimensions: {}, value: version }] }])),
    );
    const accepted = versions.filter((r) => r.status === 200).length;
    expect(versions.every((r) => r.status === 200 || r.status === 409)).toBe(true);
    expect(await endOffsets(STAT)).toBe(offsets + 1n + BigInt(accepted));
    const { rows } = await database.query<{ version: number }>('SELECT version FROM ingest_records WHERE key = $1', [base.key]);
    expect(rows[0]!.version).toBe(6);
  });
});

describe('bad input: 4xx with the error list, nothing published, the service keeps serving', () => {
  const csvHeader = 'dataset;areaLevel;areaCode;period;measure;value;version\n';
  const cases: [string, () => Promise<Answer>, number, Partial<FeedError>][] = [
    ['malformed JSON', () => post('/v1/deliveries/area-statistic', '{"records": [{"key": '), 400, { code: 'INVALID_JSON' }],
    ['malformed CSV', () => post('/v1/deliveries/area-statistic', `${csvHeader}"bevoelkerung;STADTTEIL;101;2012;einwohner;1;1\n`, { contentType: 'text/csv' }), 400, { code: 'INVALID_CSV' }],
    ['wrong type', () => post('/v1/deliveries/area-statistic', [{ ...anAreaStatistic(), version: 'eins' }]), 422, { code: 'WRONG_TYPE', row: 0, field: 'version', value: 'eins' }],
    ['missing field', () => post('/v1/deliveries/offer', [{ ...anOffer(), name: undefined }], { amt: 'jugendamt' }), 422, { code: 'MISSING_FIELD', row: 0, field: 'name' }],
    ['unknown area code', () => post('/v1/deliveries/area-statistic', [anAreaStatistic({ areaCode: '999' })]), 422, { code: 'UNKNOWN_AREA', field: 'areaCode', value: '999' }],
    ['malformed period', () => post('/v1/deliveries/area-statistic', [anAreaStatistic({ period: '2012/13' })]), 422, { code: 'BAD_PERIOD', field: 'period', value: '2012/13' }],
    ['future period', () => post('/v1/deliveries/area-statistic', [anAreaStatistic({ period: `${new Date().getFullYear() + 2}` })]), 422, { code: 'FUTURE_PERIOD', field: 'period' }],
    [
      'negative count',
      () => post('/v1/deliveries/area-statistic', `${csvHeader}bevoelkerung;STADTTEIL;101;2012;einwohner;-5;1\n`, { contentType: 'text/csv' }),
      422,
      { code: 'NEGATIVE_COUNT', row: 2, field: 'value', value: -5 },
    ],
    ['coordinates outside the city', () => post('/v1/deliveries/offer', [anOffer({ location: { lat: 52.52, lon: 13.405 } })], { amt: 'jugendamt' }), 422, { code: 'OUTSIDE_CITY', field: 'location' }],
    ['unknown offer type', () => post('/v1/deliveries/offer', [anOffer({ offerType: 'casino' })], { amt: 'jugendamt' }), 422, { code: 'UNKNOWN_OFFER_TYPE', field: 'offerType', value: 'casino' }],
    [
      'unknown target group',
      () => post('/v1/deliveries/offer', [anOffer({ targetGroups: ['zombies'] })], { amt: 'jugendamt' }),
      422,
      { code: 'UNKNOWN_TARGET_GROUP', field: 'targetGroups[0]', value: 'zombies' },
    ],
    ['capacity without unit', () => post('/v1/deliveries/offer', [{ ...anOffer(), capacity: { value: 12 } }], { amt: 'jugendamt' }), 422, { code: 'CAPACITY_WITHOUT_UNIT', field: 'capacity.unit' }],
    [
      'body over the size limit',
      () =>
        post(
          '/v1/deliveries/area-statistic',
          Array.from({ length: 2000 }, (_, i) => anAreaStatistic({ source: `padding ${i} ${'x'.repeat(200)}` })),
        ),
      413,
      { code: 'BODY_TOO_LARGE' },
    ],
    ['record type of another Amt', () => post('/v1/deliveries/offer', [anOffer()], { amt: 'statistik' }), 403, { code: 'RECORD_TYPE_NOT_ALLOWED', field: 'recordType', value: 'offer' }],
    ['dataset of another Amt', () => post('/v1/deliveries/area-statistic', [anAreaStatistic({ dataset: 'sgb2' })]), 403, { code: 'DATASET_NOT_ALLOWED', field: 'dataset', value: 'sgb2' }],
    ['missing API key', () => post('/v1/deliveries/area-statistic', [anAreaStatistic()], { amt: null }), 401, { code: 'UNAUTHENTICATED' }],
    ['wrong API key', () => post('/v1/deliveries/area-statistic', [anAreaStatistic()], { key: generateApiKey('statistik-test') }), 401, { code: 'UNAUTHENTICATED' }],
    ['unsupported content type', () => post('/v1/deliveries/area-statistic', 'a=b', { contentType: 'application/x-www-form-urlencoded' }), 415, { code: 'UNSUPPORTED_MEDIA_TYPE' }],
    ['unknown record type', () => post('/v1/deliveries/pizza', []), 404, { code: 'UNKNOWN_RECORD_TYPE' }],
  ];

  it.each(cases)('%s', async (_name, send, status, expected) => {
    const before = [await endOffsets(STAT), await endOffsets(OFFER)];
    const recorded = (await database.query('SELECT count(*)::int AS n FROM ingest_deliveries')).rows[0];
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.body.errors).toContainEqual(expect.objectContaining(expected));
    for (const e of res.body.errors as FeedError[]) {
      expect(Object.keys(e).sort()).toEqual(['accepted', 'code', 'field', 'message', 'row', 'value']);
      expect(e.accepted.length).toBeGreaterThan(0);
    }
    expect([await endOffsets(STAT), await endOffsets(OFFER)]).toEqual(before);
    expect((await database.query('SELECT count(*)::int AS n FROM ingest_deliveries')).rows[0]).toEqual(recorded);
    expect((await fetch(`${base}/health`)).status).toBe(200);
  });

  it('accepts a good delivery right after all the bad ones', async () => {
    expect((await post('/v1/deliveries/area-statistic', [anAreaStatistic({ areaCode: '501' })])).status).toBe(200);
  });
});

describe('planning records', () => {
  beforeAll(async () => {
    // the goal the measures of aMeasure() serve
    expect((await post('/v1/deliveries/goal', [aGoal()], { amt: 'planung' })).status).toBe(200);
  });

  it('checks a new version against the previous one with the controlling decider (illegal transitions → 422)', async () => {
    const measure = aMeasure({ key: 'measure:decider' });
    expect((await post('/v1/deliveries/measure', [measure], { amt: 'planung' })).status).toBe(200);
    const offsets = await endOffsets('records.measure');
    const completedWithoutStart = await post('/v1/deliveries/measure', [{ ...measure, version: 2, status: 'completed' }], { amt: 'planung' });
    expect(completedWithoutStart.status).toBe(422);
    expect(completedWithoutStart.body.errors[0]).toMatchObject({ row: 0, code: 'INVALID_TRANSITION' });
    expect(completedWithoutStart.body.errors[0].message).toMatch(/^MEASURE_/);
    expect(await endOffsets('records.measure')).toBe(offsets);
    const started = await post('/v1/deliveries/measure', [{ ...measure, version: 2, status: 'in_progress', actualStart: '2025-01-10' }], { amt: 'planung' });
    expect(started.status).toBe(200);
  });

  it('refuses to withdraw a goal that current measures serve, naming them; withdraws it once they are withdrawn', async () => {
    const goal = aGoal({ key: 'goal:withdraw-me' });
    const measure = aMeasure({ key: 'measure:serves-withdrawn-goal', goalKeys: [goal.key] });
    expect((await post('/v1/deliveries/goal', [goal], { amt: 'planung' })).status).toBe(200);
    expect((await post('/v1/deliveries/measure', [measure], { amt: 'planung' })).status).toBe(200);
    const offsets = await endOffsets('records.goal');
    const refused = await post('/v1/deliveries/goal/withdrawals', [{ key: goal.key }], { amt: 'planung' });
    expect(refused.status).toBe(422);
    expect(refused.body.errors[0]).toMatchObject({ row: 0, code: 'INVALID_TRANSITION', value: null });
    expect(refused.body.errors[0].message).toMatch(/^GOAL_HAS_MEASURES: .*measure:serves-withdrawn-goal/);
    expect(await endOffsets('records.goal')).toBe(offsets);
    expect((await post('/v1/deliveries/measure/withdrawals', [{ key: measure.key }], { amt: 'planung' })).status).toBe(200);
    const withdrawn = await post('/v1/deliveries/goal/withdrawals', [{ key: goal.key }], { amt: 'planung' });
    expect(withdrawn.status).toBe(200);
    expect(withdrawn.body.records[0]).toMatchObject({ key: goal.key, version: 2, status: 'created' });
    // a later version brings it back; a measure may name it again
    expect((await post('/v1/deliveries/goal', [{ ...goal, version: 3 }], { amt: 'planung' })).status).toBe(200);
    expect((await post('/v1/deliveries/measure', [{ ...measure, version: 3 }], { amt: 'planung' })).status).toBe(200);
  });

  it('refuses a goal whose chain of parents would lead back to it, over any number of levels and within one delivery (422 GOAL_PARENT_CYCLE naming the chain); nothing is appended', async () => {
    const goal = (key: string, parentKey: string | null, version = 1) => aGoal({ key, parentKey, version });
    expect((await post('/v1/deliveries/goal', [goal('goal:top', null), goal('goal:mid', 'goal:top'), goal('goal:low', 'goal:mid')], { amt: 'planung' })).status).toBe(200);
    const offsets = await endOffsets('records.goal');
    // three levels: the top under the lowest
    const three = await post('/v1/deliveries/goal', [goal('goal:top', 'goal:low', 2)], { amt: 'planung' });
    expect(three.status).toBe(422);
    expect(three.body.errors[0]).toMatchObject({ row: 0, field: 'parentKey', value: 'goal:low', code: 'INVALID_TRANSITION' });
    expect(three.body.errors[0].message).toContain('GOAL_PARENT_CYCLE: the parent goals would form a cycle: goal:top → goal:low → goal:mid → goal:top');
    // two goals of one delivery, each under the other
    const pair = await post('/v1/deliveries/goal', [goal('goal:pair-a', 'goal:pair-b'), goal('goal:pair-b', 'goal:pair-a')], { amt: 'planung' });
    expect(pair.status).toBe(422);
    expect(pair.body.errors.map((e: FeedError) => e.row)).toEqual([0, 1]);
    expect(await endOffsets('records.goal')).toBe(offsets);
    // the same goal moved under another branch: a tree still, accepted
    expect((await post('/v1/deliveries/goal', [goal('goal:other', null), goal('goal:mid', 'goal:other', 2)], { amt: 'planung' })).status).toBe(200);
    expect((await post('/v1/deliveries/goal', [goal('goal:top', 'goal:low', 2)], { amt: 'planung' })).status).toBe(200);
  });

  it('lets no two goal deliveries at once each close half of a cycle (the goal system is locked for a goal delivery)', async () => {
    for (let round = 0; round < 6; round++) {
      const [p, q] = [`goal:race-${round}-p`, `goal:race-${round}-q`];
      expect((await post('/v1/deliveries/goal', [aGoal({ key: p }), aGoal({ key: q })], { amt: 'planung' })).status).toBe(200);
      const answers = await Promise.all([
        post('/v1/deliveries/goal', [aGoal({ key: p, version: 2, parentKey: q })], { amt: 'planung' }),
        post('/v1/deliveries/goal', [aGoal({ key: q, version: 2, parentKey: p })], { amt: 'planung' }),
      ]);
      expect(answers.map((a) => a.status).sort()).toEqual([200, 422]);
    }
  });

  it('calls an injected transition check with the previous version', async () => {
    const measure = aMeasure({ key: 'measure:e2e' });
    expect((await post('/v1/deliveries/measure', [measure], { amt: 'planung' })).status).toBe(200);
    const calls: unknown[] = [];
    const checked = await createIngestionApp({
      ...moduleOptions,
      planningCheck: async (input) => {
        calls.push(input);
        return input.changes.flatMap((change) =>
          change.previous && (change.previous as { status: string }).status === 'proposed' && (change.next as { status: string }).status === 'completed'
            ? [{ change, issue: { field: 'status', code: 'MEASURE_NOT_STARTED', message: 'a measure that never started cannot be completed' } }]
            : [],
        );
      },
    });
    try {
      const res = await checked.inject({
        method: 'POST',
        url: '/v1/deliveries/measure',
        headers: { authorization: `Bearer ${keys.planung}`, 'content-type': 'application/json' },
        payload: JSON.stringify([{ ...measure, version: 2, status: 'completed' }]),
      });
      expect(res.statusCode).toBe(422);
      expect(res.json().errors[0]).toMatchObject({ code: 'INVALID_TRANSITION', field: 'status', value: 'completed' });
      expect(calls).toHaveLength(1);
    } finally {
      await checked.close();
    }
  });
});

describe('durability', () => {
  it('answers 503 with Retry-After while the broker is down, records nothing, and accepts the same delivery afterwards', async () => {
    const record = anAreaStatistic({ areaCode: '601', period: '2009' });
    const deliveries = (await database.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest_deliveries')).rows[0]!.n;
    await kafka.stop();
    try {
      const res = await post('/v1/deliveries/area-statistic', [record]);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('7');
      expect(res.body.errors[0]).toMatchObject({ code: 'LOG_UNAVAILABLE' });
      expect((await database.query('SELECT 1 FROM ingest_records WHERE key = $1', [record.key])).rowCount).toBe(0);
      expect((await database.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest_deliveries')).rows[0]!.n).toBe(deliveries);
      expect((await fetch(`${base}/health`)).status).toBe(200);
    } finally {
      await kafka.start();
    }
    let res: Answer | undefined;
    for (let i = 0; i < 30 && res?.status !== 200; i++) {
      res = await post('/v1/deliveries/area-statistic', [record]);
      if (res.status !== 200) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(res!.status).toBe(200);
    expect(res!.body.created).toBe(1);
  });
});

describe('audit', () => {
  it('traces a delivery to its events; every event says who delivered it and when', async () => {
    const records = ['701', '702'].map((areaCode) => anAreaStatistic({ areaCode, period: '2008' }));
    const res = await post('/v1/deliveries/area-statistic', records);
    const { deliveryId } = res.body;
    const trace = await get(`/v1/deliveries/${deliveryId}`);
    expect(trace.status).toBe(200);
    expect(trace.body).toMatchObject({ deliveryId, amt: 'statistik', deliveredBy: 'statistik-test', kind: 'records', recordType: 'area-statistic', recordCount: 2, created: 2 });
    expect(trace.body.events.map((e: any) => [e.key, e.version, e.topic])).toEqual(records.map((r) => [r.key, 1, STAT]));
    const log = await readTopic(STAT);
    for (const e of trace.body.events) {
      const found = log.find((l) => l.partition === e.partition && l.offset === BigInt(e.offset))!;
      expect(found.key).toBe(e.key);
      expect(found.headers[eventHeaderNames.schemaId]).toBe(String(e.schemaId));
      const { event, writer } = codec.decode(found.value);
      expect(writer).toMatchObject({ recordType: 'area-statistic', version: SchemaRegistry.load().latest('area-statistic').version });
      expect(event).toMatchObject({ key: e.key, version: 1, amt: 'statistik', deliveryId, deliveredBy: 'statistik-test', tombstone: false });
      expect(Math.abs(event.deliveredAt - Date.parse(trace.body.deliveredAt))).toBe(0);
    }
    expect((await get(`/v1/deliveries/${deliveryId}`, 'jugendamt')).status).toBe(404);
    expect((await get('/v1/deliveries/not-a-uuid')).status).toBe(404);
  });
});

describe('schema evolution', () => {
  it('after a new area-statistic version (a defaulted field) is published, older and newer events stand side by side and both decode', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-schemas-e2e-'));
    cpSync(defaultSchemasDir(), dir, { recursive: true });
    const current = SchemaRegistry.load(dir).latest('area-statistic').version;
    const next = current + 1;
    const schema = JSON.parse(readFileSync(join(dir, `area-statistic/v${current}.avsc`), 'utf8'));
    schema.fields.push({ name: 'quality', type: 'string', default: 'amtlich' });
    writeFileSync(join(dir, `area-statistic/v${next}.avsc`), JSON.stringify(schema, null, 2));
    execFileSync(process.execPath, [join(dir, 'register.mjs'), 'area-statistic', String(next)]);
    const registry = SchemaRegistry.load(dir);
    const upgraded = await createIngestionApp({ ...moduleOptions, registry });
    try {
      const record = anAreaStatistic({ areaCode: '101' }); // delivered as v1 earlier in this file
      // a record written under the older schema, delivered again unchanged: its hash under the new
      // schema differs (the new field), under the schema it was written with it is the same —
      // unchanged, not a conflict
      const earlier = anAreaStatistic({ areaCode: '105' });
      expect((await post('/v1/deliveries/area-statistic', [earlier])).status).toBe(200);
      const again = await upgraded.inject({
        method: 'POST',
        url: '/v1/deliveries/area-statistic',
        headers: { authorization: `Bearer ${keys.statistik}`, 'content-type': 'application/json' },
        payload: JSON.stringify([earlier]),
      });
      expect(again.statusCode, again.body).toBe(200);
      expect(again.json().records.map((r: { status: string }) => r.status)).toEqual(['unchanged']);
      const res = await upgraded.inject({
        method: 'POST',
        url: '/v1/deliveries/area-statistic',
        headers: { authorization: `Bearer ${keys.statistik}`, 'content-type': 'application/json' },
        payload: JSON.stringify([{ ...record, version: 2 }]),
      });
      expect(res.statusCode).toBe(200);
      expect(res.json().schema).toEqual({ id: registry.get('area-statistic', next).id, version: next });
    } finally {
      await upgraded.close();
    }
    const consumer = new EventCodec(registry);
    const events = (await readTopic(STAT)).filter((e) => e.key === 'bevoelkerung|STADTTEIL|101|2012').map((e) => consumer.decodeAs(e.value));
    expect(events.map((d) => [d.event.version, d.writer.version, d.reader.version, (d.event.payload as RecordEvent<'area-statistic'>['payload'] & { quality: string })!.quality])).toEqual([
      [1, current, next, 'amtlich'],
      [2, next, next, 'amtlich'],
    ]);
    // a consumer that knows only the older versions still reads the older event
    expect(codec.decode((await readTopic(STAT)).find((e) => e.key === 'bevoelkerung|STADTTEIL|101|2012')!.value).event.version).toBe(1);
  });
});

describe('standalone process', () => {
  it('dist/main.js serves one Amt with Kafka and PostgreSQL from its environment', async () => {
    const port = await freePort();
    const key = generateApiKey('jobcenter-main');
    const svc = await startNodeService('services/ingestion/dist/main.js', {
      env: {
        SP_INGESTION_AMT: 'jobcenter',
        SP_INGESTION_API_KEYS: JSON.stringify([{ id: 'jobcenter-main', amt: 'jobcenter', hash: hashApiKey(key) }]),
        KAFKA_BROKERS: kafka.brokers.join(','),
        DATABASE_URL: pg.url,
        SP_INGESTION_PORT: String(port),
        HOST: '127.0.0.1',
      },
      ready: /listening on/,
    });
    try {
      const record = anAreaStatistic({ dataset: 'sgb2', areaCode: '609', period: '2012-07', observations: [{ measure: 'sgb2_personen', dimensions: { alter: 'u15' }, value: 1234 }] });
      const res = await fetch(`http://127.0.0.1:${port}/v1/deliveries/area-statistic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify([record]),
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ amt: 'jobcenter', created: 1 });
      // a key of another Amt is not valid at the jobcenter's instance
      const other = await fetch(`http://127.0.0.1:${port}/v1/deliveries/area-statistic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys.statistik}`, 'content-type': 'application/json' },
        body: '[]',
      });
      expect(other.status).toBe(401);
    } finally {
      await svc.stop();
    }
  });
});
