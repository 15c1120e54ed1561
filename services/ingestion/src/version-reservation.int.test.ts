// A 2xx means exactly this payload, durably, for good (issue 14) — on Kafka + PostgreSQL and on the
// embedded log + PGlite. The crash window: the log acknowledged key@v1 = A, the process died before
// PostgreSQL recorded it (a child process SIGKILLs itself right after the append:
// crash-window.fixture.ts). Before the reservation, a resend of a different B as v1 was answered
// 200 "created" although the log already held A as v1. Also: a store that fails before, during or
// after the append answers 503 with Retry-After and leaves nothing half-written.
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { EventCodec, SchemaRegistry, topology, type AreaStatistic } from '@sp/events';
import { anAreaStatistic } from '@sp/events/testing';
import { DatabaseError, EventLogError, type Database, type EventLog, type LogEvent, type Queryable } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { freePort, startKafka, startNodeService, startPostgres, tempDir, type KafkaInstance, type PostgresInstance } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from './api-keys.js';
import { lockIds } from './ingest.repository.js';
import { createIngestionApp } from './ingestion.app.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

const TOPIC = 'records.area-statistic';
const key = generateApiKey('statistik-crash');
const apiKeys = [{ id: 'statistik-crash', amt: 'statistik', hash: hashApiKey(key) }];
const codec = new EventCodec(SchemaRegistry.load());

interface Pair {
  /** env of the crash-window fixture */
  fixtureEnv: Record<string, string>;
  /** opens the stores in this process (after the fixture died: the embedded ones allow one process) */
  open(): Promise<{ eventLog: EventLog; database: Database }>;
  close(): Promise<void>;
}

function statistic(areaCode: string, value: number, version = 1): AreaStatistic {
  return anAreaStatistic({ areaCode, period: '2011', version, observations: [{ measure: 'einwohner', dimensions: {}, value }] });
}

async function post(base: string, path: string, body: unknown): Promise<{ status: number; headers: Headers; body: any }> {
  const res = await fetch(`${base}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: await res.json() };
}

async function eventsOf(log: EventLog, recordKey: string): Promise<{ version: number; value: number | undefined }[]> {
  const seen: LogEvent[] = [];
  const sub = await log.subscribe({ groupId: `reader-${Math.random().toString(36).slice(2)}`, topics: [TOPIC], startFrom: 'earliest', handleBatch: async (b) => void seen.push(...b.events) });
  await sub.caughtUp(60_000);
  await sub.stop();
  return seen
    .filter((e) => e.key === recordKey)
    .sort((a, b) => Number(a.offset - b.offset))
    .map((e) => {
      const { event } = codec.decode(e.value);
      return { version: event.version, value: (event.payload as AreaStatistic | null)?.observations[0]?.value };
    });
}

async function count(db: Database, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${sql}`, params)).rows[0]!.n);
}

/** The database with the first statement matching `pattern` failing like a full disk (PGlite reports SQLSTATE 53100 as INTERNAL today). */
function failingOnce(db: Database, pattern: RegExp): Database & { failed: () => boolean } {
  let failed = false;
  const diskFull = (sql: string) => {
    if (failed || !pattern.test(sql)) return;
    failed = true;
    throw new DatabaseError('INTERNAL', 'could not extend file "base/5/16384": No space left on device', '53100');
  };
  return {
    query: async (sql, params) => {
      diskFull(sql);
      return db.query(sql, params);
    },
    transaction: (fn) =>
      db.transaction((tx) =>
        fn({
          query: async (sql: string, params?: readonly unknown[]) => {
            diskFull(sql);
            return tx.query(sql, params);
          },
        } as Queryable),
      ),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    failed: () => failed,
  } as Database & { failed: () => boolean };
}

/**
 * The database with `meanwhile` run once right before or right after the first statement matching
 * `pattern` (what another process does just before that statement, or between two statements).
 */
function racingOnce(db: Database, pattern: RegExp, at: 'before' | 'after', meanwhile: () => Promise<void>): Database & { ran: () => boolean } {
  let ran = false;
  const once = async (sql: string): Promise<void> => {
    if (!ran && pattern.test(sql)) {
      ran = true;
      await meanwhile();
    }
  };
  const run = async <T>(sql: string, statement: () => Promise<T>): Promise<T> => {
    if (at === 'before') await once(sql);
    const result = await statement();
    if (at === 'after') await once(sql);
    return result;
  };
  return {
    query: (sql, params) => run(sql, () => db.query(sql, params)),
    transaction: (fn) => db.transaction((tx) => fn({ query: (sql: string, params?: readonly unknown[]) => run(sql, () => tx.query(sql, params)) } as Queryable)),
    exec: (sql) => db.exec(sql),
    close: () => db.close(),
    ran: () => ran,
  } as Database & { ran: () => boolean };
}

/**
 * v1 of `key` answered by another ingestion process with another payload, as its record statement
 * would leave ingest_records (the race tests' "meanwhile").
 */
async function answeredElsewhere(db: Database, key: string, deliveryId: string): Promise<void> {
  await db.query(
    `INSERT INTO ingest_records (record_type, key, version, payload_hash, tombstone, amt, delivery_id, schema_id, topic, partition, "offset", updated_at)
     VALUES ('area-statistic', $1, 1, $2, false, 'statistik', $3, 1, $4, 0, 0, now())`,
    [key, 'a'.repeat(64), deliveryId, TOPIC],
  );
}

function failingAppend(log: EventLog, error: Error): EventLog {
  return {
    ensureTopics: (t) => log.ensureTopics(t),
    append: async () => {
      throw error;
    },
    subscribe: (o) => log.subscribe(o),
    committedOffsets: (g, t) => log.committedOffsets(g, t),
    endOffsets: (t) => log.endOffsets(t),
    close: () => log.close(),
  };
}

async function ingestion(eventLog: EventLog, database: Database): Promise<{ app: NestFastifyApplication; base: string }> {
  const app = await createIngestionApp({
    eventLog,
    database,
    spatial: spatialChecksFrom(loadReference('koeln')),
    config: { apiKeys, retryAfterSeconds: 3 },
    topology: topology({ partitions: 2 }),
    planningCheck: controllingPlanningCheck(),
    indicatorCodes: [],
  });
  await app.listen(0, '127.0.0.1');
  return { app, base: await app.getUrl() };
}

const pairs: [string, () => Promise<Pair>][] = [
  [
    'Kafka + PostgreSQL',
    async () => {
      let kafka: KafkaInstance;
      let pg: PostgresInstance;
      [kafka, pg] = await Promise.all([startKafka({ partitions: 2 }), startPostgres()]);
      const { createKafkaEventLog } = await import('@sp/eventlog-kafka');
      const { createPgDatabase } = await import('@sp/database-pg');
      const eventLog = createKafkaEventLog({
        brokers: kafka.brokers,
        clientId: 'reservation-test',
        logLevel: 'nothing',
        consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250 },
      });
      const database = createPgDatabase({ url: pg.url });
      return {
        fixtureEnv: { SP_FIXTURE_ENGINES: 'servers', KAFKA_BROKERS: kafka.brokers.join(','), DATABASE_URL: pg.url },
        open: async () => ({ eventLog, database }),
        close: async () => {
          await eventLog.close();
          await database.close();
          await Promise.all([kafka.wipe(), pg.wipe()]);
        },
      };
    },
  ],
  [
    'embedded log + PGlite',
    async () => {
      const dir = tempDir('sp-reservation-');
      let opened: { eventLog: EventLog; database: Database } | undefined;
      return {
        fixtureEnv: { SP_FIXTURE_ENGINES: 'embedded', SP_DATA_DIR: dir },
        open: async () => {
          const { openEmbeddedEventLog } = await import('@sp/eventlog-embedded');
          const { openPgliteDatabase } = await import('@sp/database-pglite');
          opened ??= { eventLog: await openEmbeddedEventLog({ dir: join(dir, 'eventlog') }), database: await openPgliteDatabase({ dataDir: join(dir, 'postgres') }) };
          return opened;
        },
        close: async () => {
          await opened?.eventLog.close();
          await opened?.database.close();
        },
      };
    },
  ],
];

describe.each(pairs)('%s', (_name, makePair) => {
  let pair: Pair;
  beforeAll(async () => {
    pair = await makePair();
  }, 240_000);
  afterAll(async () => pair?.close());

  it('a version whose append was acknowledged just before the process died is held for exactly that payload', async () => {
    const A = statistic('205', 100);
    const B = statistic('205', 200);
    // 1. the child appends A as v1 and dies before recording it
    const port = await freePort();
    const child = await startNodeService('services/ingestion/dist/crash-window.fixture.js', {
      env: { ...pair.fixtureEnv, SP_INGESTION_API_KEYS: JSON.stringify(apiKeys), SP_INGESTION_PORT: String(port), SP_CRASH_KEY: A.key },
      ready: /listening on/,
    });
    await expect(post(`http://127.0.0.1:${port}`, '/v1/deliveries/area-statistic', [A])).rejects.toThrow();
    await new Promise<void>((r) => (child.process.signalCode ? r() : child.process.once('exit', () => r())));
    expect(child.process.signalCode).toBe('SIGKILL');

    // 2. the log holds A as v1, PostgreSQL has not recorded it
    const { eventLog, database } = await pair.open();
    expect(await eventsOf(eventLog, A.key)).toEqual([{ version: 1, value: 100 }]);
    expect(await count(database, 'ingest_records WHERE key = $1', [A.key])).toBe(0);

    // 3. a fresh service on the same stores: B as v1 is refused, naming what holds v1 and what would be accepted
    const { app, base } = await ingestion(eventLog, database);
    try {
      const other = await post(base, '/v1/deliveries/area-statistic', [B]);
      expect(other.status).toBe(409);
      expect(other.body.errors[0]).toMatchObject({ row: 0, field: 'version', value: 1, code: 'VERSION_RESERVED' });
      expect(other.body.errors[0].message).toMatch(/held by an earlier delivery \([0-9a-f-]{36}\) that was not answered and may already be in the log, with another payload \(sha256 [0-9a-f]{64}\)/);
      expect(other.body.errors[0].accepted).toMatch(/again as version 1 \(to complete it\), or version 2 or higher/);
      expect(await eventsOf(eventLog, A.key)).toHaveLength(1);

      // A again completes it; then it is unchanged; B as v2 is a correction
      const resend = await post(base, '/v1/deliveries/area-statistic', [A]);
      expect(resend.status).toBe(200);
      expect(resend.body.records[0]).toMatchObject({ key: A.key, version: 1, status: 'created' });
      const again = await post(base, '/v1/deliveries/area-statistic', [A]);
      expect(again.status).toBe(200);
      expect(again.body.records[0]).toMatchObject({ version: 1, status: 'unchanged', offset: resend.body.records[0].offset });
      expect((await post(base, '/v1/deliveries/area-statistic', [statistic('205', 200, 2)])).status).toBe(200);
      // every v1 in the log is A; the reservation is gone
      expect(await eventsOf(eventLog, A.key)).toEqual([
        { version: 1, value: 100 },
        { version: 1, value: 100 },
        { version: 2, value: 200 },
      ]);
      expect(await count(database, 'ingest_reservations WHERE key = $1', [A.key])).toBe(0);
    } finally {
      await app.close();
    }
  }, 180_000);

  it('a full disk while recording after the append: 503 with Retry-After, nothing recorded, the version held for that payload', async () => {
    const { eventLog, database } = await pair.open();
    const A = statistic('206', 100);
    const failing = failingOnce(database, /INSERT INTO ingest_deliveries/);
    const { app, base } = await ingestion(eventLog, failing);
    try {
      const deliveries = await count(database, 'ingest_deliveries');
      const res = await post(base, '/v1/deliveries/area-statistic', [A]);
      expect(failing.failed()).toBe(true);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.body.errors[0]).toMatchObject({ code: 'DATABASE_UNAVAILABLE', value: '53100' });
      expect(await count(database, 'ingest_records WHERE key = $1', [A.key])).toBe(0);
      expect(await count(database, 'ingest_deliveries')).toBe(deliveries);
      expect(await eventsOf(eventLog, A.key)).toHaveLength(1);
      expect((await post(base, '/v1/deliveries/area-statistic', [statistic('206', 999)])).status).toBe(409);
      const resend = await post(base, '/v1/deliveries/area-statistic', [A]);
      expect(resend.status).toBe(200);
      expect(resend.body).toMatchObject({ created: 1 });
    } finally {
      await app.close();
    }
  });

  it('a full disk while reserving: 503, nothing appended, nothing held', async () => {
    const { eventLog, database } = await pair.open();
    const A = statistic('207', 100);
    const failing = failingOnce(database, /ingest_reserve_new_versions|ingest_reserve_if_unchanged|INSERT INTO ingest_reservations/);
    const { app, base } = await ingestion(eventLog, failing);
    try {
      const res = await post(base, '/v1/deliveries/area-statistic', [A]);
      expect(failing.failed()).toBe(true);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.body.errors[0]).toMatchObject({ code: 'DATABASE_UNAVAILABLE' });
      expect(await eventsOf(eventLog, A.key)).toEqual([]);
      expect(await count(database, 'ingest_reservations WHERE key = $1', [A.key])).toBe(0);
      // nothing was held: another payload is as welcome as the first
      expect((await post(base, '/v1/deliveries/area-statistic', [statistic('207', 999)])).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('a version another process records between the look-up and the reservation: decided again under the locks, 409, nothing appended', async () => {
    const { eventLog, database } = await pair.open();
    const C = statistic('213', 50);
    const A = statistic('208', 100);
    const B = statistic('208', 200);
    // C answered before: [C, B] is not new versions only (C is unchanged), so it is looked up and decided.
    // Between that look-up (which found nothing of B's key) and the reservation, another ingestion
    // process answers v1 of B's key with another payload (as its record statement would leave it)
    const racing = racingOnce(database, /CROSS JOIN LATERAL \(SELECT \* FROM ingest_reservations/, 'after', async () => {
      await answeredElsewhere(database, A.key, '00000000-0000-4000-8000-000000000208');
    });
    const { app, base } = await ingestion(eventLog, racing);
    try {
      expect((await post(base, '/v1/deliveries/area-statistic', [C])).status).toBe(200);
      const res = await post(base, '/v1/deliveries/area-statistic', [C, B]);
      expect(racing.ran()).toBe(true);
      // without the check the reservation of v1 would have been written and B appended as a second v1
      expect(res.status).toBe(409);
      expect(res.body.errors[0]).toMatchObject({ row: 1, field: 'version', value: 1, code: 'VERSION_CONFLICT' });
      expect(await eventsOf(eventLog, B.key)).toEqual([]);
      expect(await count(database, 'ingest_reservations WHERE key = $1', [B.key])).toBe(0);
      // the next version is welcome, decided on the first try
      expect((await post(base, '/v1/deliveries/area-statistic', [statistic('208', 300, 2)])).status).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('a version another process records just before the reservation of new versions: refused under the locks, looked up and decided, 409, nothing appended', async () => {
    const { eventLog, database } = await pair.open();
    const A = statistic('305', 100);
    const B = statistic('305', 200);
    const C = statistic('306', 300);
    // the delivery [C, B] is new versions only as far as this service knows; just before its one
    // statement takes the keys' locks, another ingestion process answers v1 of B's key with another payload
    const racing = racingOnce(database, /ingest_reserve_new_versions/, 'before', async () => {
      await answeredElsewhere(database, A.key, '00000000-0000-4000-8000-000000000214');
    });
    const { app, base } = await ingestion(eventLog, racing);
    try {
      const res = await post(base, '/v1/deliveries/area-statistic', [C, B]);
      expect(racing.ran()).toBe(true);
      // reserved without that check, B would have been appended as a second v1 (and C with it)
      expect(res.status).toBe(409);
      expect(res.body.errors).toHaveLength(1);
      expect(res.body.errors[0]).toMatchObject({ row: 1, field: 'version', value: 1, code: 'VERSION_CONFLICT' });
      expect(await eventsOf(eventLog, B.key)).toEqual([]);
      expect(await eventsOf(eventLog, C.key)).toEqual([]);
      expect(await count(database, 'ingest_reservations WHERE key = ANY($1)', [[B.key, C.key]])).toBe(0);
      // C alone, and B as v2, are new versions: reserved by the one statement, answered
      expect((await post(base, '/v1/deliveries/area-statistic', [C])).body).toMatchObject({ created: 1 });
      expect((await post(base, '/v1/deliveries/area-statistic', [statistic('305', 200, 2)])).body).toMatchObject({ created: 1 });
      expect(await eventsOf(eventLog, B.key)).toEqual([{ version: 2, value: 200 }]);
    } finally {
      await app.close();
    }
  });

  it('deliveries racing on the same keys through two services: every key@version in the log has one payload', async () => {
    const { eventLog, database } = await pair.open();
    const one = await ingestion(eventLog, database);
    const two = await ingestion(eventLog, database);
    try {
      const codes = ['209', '210', '211', '212'];
      const sends = [1, 2, 3].flatMap((value) =>
        [one, two].map((s, i) =>
          post(
            s.base,
            '/v1/deliveries/area-statistic',
            codes.map((c) => statistic(c, value * 10 + i)),
          ),
        ),
      );
      const answers = await Promise.all(sends);
      expect(answers.every((a) => a.status === 200 || a.status === 409)).toBe(true);
      expect(answers.filter((a) => a.status === 200)).toHaveLength(1);
      for (const c of codes) {
        const events = await eventsOf(eventLog, statistic(c, 0).key);
        expect(events).toHaveLength(1);
        expect(await count(database, 'ingest_reservations WHERE key = $1', [statistic(c, 0).key])).toBe(0);
      }
    } finally {
      await one.app.close();
      await two.app.close();
    }
  });

  it('two unanswered versions of a key: the lower one is refused, the higher one completes and ends both', async () => {
    const { eventLog, database } = await pair.open();
    const at = (value: number, version: number) => statistic('304', value, version);
    const healthy = await ingestion(eventLog, database);
    const broken = await ingestion(failingAppend(eventLog, new EventLogError('UNAVAILABLE', 'no leader for partition')), database);
    try {
      expect((await post(healthy.base, '/v1/deliveries/area-statistic', [at(100, 1)])).status).toBe(200);
      // v2 and then v3 decided and reserved, neither appended nor answered
      expect((await post(broken.base, '/v1/deliveries/area-statistic', [at(200, 2)])).status).toBe(503);
      expect((await post(broken.base, '/v1/deliveries/area-statistic', [at(300, 3)])).status).toBe(503);
      const lower = await post(healthy.base, '/v1/deliveries/area-statistic', [at(200, 2)]);
      expect(lower.status).toBe(409);
      expect(lower.body.errors[0]).toMatchObject({ code: 'VERSION_RESERVED', value: 2 });
      expect(lower.body.errors[0].message).toMatch(/older than version 3/);
      const other = await post(healthy.base, '/v1/deliveries/area-statistic', [at(999, 3)]);
      expect(other.status).toBe(409);
      expect(other.body.errors[0]).toMatchObject({ code: 'VERSION_RESERVED', value: 3 });
      const completed = await post(healthy.base, '/v1/deliveries/area-statistic', [at(300, 3)]);
      expect(completed.status).toBe(200);
      expect(completed.body.records[0]).toMatchObject({ version: 3, status: 'created' });
      expect(await eventsOf(eventLog, at(0, 1).key)).toEqual([
        { version: 1, value: 100 },
        { version: 3, value: 300 },
      ]);
      const { rows } = await database.query<{ version: number }>('SELECT version FROM ingest_records WHERE key = $1', [at(0, 1).key]);
      expect(rows).toEqual([{ version: 3 }]);
      expect(await count(database, 'ingest_reservations WHERE key = $1', [at(0, 1).key])).toBe(0);
      // v2 is now simply older than the answered version
      expect((await post(healthy.base, '/v1/deliveries/area-statistic', [at(200, 2)])).body.errors[0]).toMatchObject({ code: 'VERSION_CONFLICT' });
    } finally {
      await healthy.app.close();
      await broken.app.close();
    }
  });

  it("the reservation statement's advisory locks are the service's (ingest_lock_id = lockIds), the keys compare bytewise", async () => {
    const { database } = await pair.open();
    const keys = ['05315000:stadtteil:101|bevoelkerung|2011', '', 'ä', 'Köln-Mülheim/Straße', 'z'.repeat(500), '😀 emoji', 'a\\b"c', '\u00e9 vs e\u0301'];
    for (const recordType of ['area-statistic', 'measure'] as const) {
      const { rows } = await database.query<{ id: string }>('SELECT ingest_lock_id($1, k)::text AS id FROM unnest($2::text[]) WITH ORDINALITY AS u(k, n) ORDER BY n', [recordType, keys]);
      expect(rows.map((r) => r.id).sort()).toEqual([...lockIds(recordType, keys)].sort());
    }
    const { rows: collations } = await database.query<{ table_name: string; column_name: string; collation_name: string }>(
      `SELECT table_name, column_name, collation_name FROM information_schema.columns
        WHERE table_name IN ('ingest_records', 'ingest_reservations') AND column_name IN ('record_type', 'key') ORDER BY 1, 2`,
    );
    expect(collations.map((c) => c.collation_name)).toEqual(['C', 'C', 'C', 'C']);
  });

  it.each([
    ['an I/O error the log reports as INTERNAL', new EventLogError('INTERNAL', 'writing to 00000000.log failed: EIO: i/o error, write', 'EIO'), 'EIO', '301'],
    ['a read-only file system (a raw errno error)', Object.assign(new Error('EROFS: read-only file system, open'), { code: 'EROFS' }), 'EROFS', '302'],
    ['a broker that is not available', new EventLogError('UNAVAILABLE', 'no leader for partition'), 'UNAVAILABLE', '303'],
  ])('the log failing with %s: 503 with Retry-After, nothing recorded', async (_what, error, code, areaCode) => {
    const { eventLog, database } = await pair.open();
    const A = statistic(areaCode, 100);
    const { app, base } = await ingestion(failingAppend(eventLog, error), database);
    try {
      const res = await post(base, '/v1/deliveries/area-statistic', [A]);
      expect(res.status).toBe(503);
      expect(res.headers.get('retry-after')).toBe('3');
      expect(res.body.errors[0]).toMatchObject({ code: 'LOG_UNAVAILABLE', value: code });
      expect(await count(database, 'ingest_records WHERE key = $1', [A.key])).toBe(0);
      expect(await count(database, 'ingest_deliveries WHERE $1 = ANY(keys)', [A.key])).toBe(0);
    } finally {
      await app.close();
    }
    // the log back: the same delivery is accepted
    const { app: healthy, base: healthyBase } = await ingestion(eventLog, database);
    try {
      expect((await post(healthyBase, '/v1/deliveries/area-statistic', [A])).status).toBe(200);
    } finally {
      await healthy.close();
    }
  });
});
