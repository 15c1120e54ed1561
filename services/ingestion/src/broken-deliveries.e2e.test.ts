// The regression corpus (issue 13, deliver 6) played against the ingestion HTTP API on both
// engine sets — the embedded log with PGlite, and Kafka with PostgreSQL: each broken delivery of broken-deliveries.corpus.ts must get its 4xx with the
// code (and field) listed, and change nothing — no event in any topic, no recorded version, no
// reservation, no delivery row. The good deliveries first prove the corpus does not pass by
// refusing everything.
import { join } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createPgDatabase } from '@sp/database-pg';
import { openPgliteDatabase } from '@sp/database-pglite';
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { recordTypes, topology } from '@sp/events';
import { loadCatalogue } from '@sp/indicators';
import type { Database, EventLog } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { startKafka, startPostgres, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from './api-keys.js';
import { type BrokenDelivery, brokenDeliveries, type GoodDelivery, goodDeliveries } from './broken-deliveries.corpus.js';
import { createIngestionApp } from './ingestion.app.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

const amts = ['statistik', 'jugendamt', 'planung'] as const;
const keys = Object.fromEntries(amts.map((a) => [a, generateApiKey(`${a}-corpus`)])) as Record<(typeof amts)[number], string>;

interface Engines {
  eventLog: EventLog;
  database: Database;
  close(): Promise<void>;
}

async function embedded(): Promise<Engines> {
  const dir = tempDir('sp-corpus-');
  const eventLog = await openEmbeddedEventLog({ dir: join(dir, 'eventlog') });
  const database = await openPgliteDatabase({ dataDir: join(dir, 'postgres') });
  return { eventLog, database, close: async () => void (await Promise.all([eventLog.close(), database.close()])) };
}

async function servers(): Promise<Engines> {
  const [kafka, pg] = await Promise.all([startKafka({ partitions: 2 }), startPostgres()]);
  const eventLog = createKafkaEventLog({
    brokers: kafka.brokers,
    clientId: 'ingestion-corpus',
    appendTimeoutMs: 5000,
    logLevel: 'nothing',
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250 },
  });
  const database = createPgDatabase({ url: pg.url });
  return {
    eventLog,
    database,
    close: async () => {
      await Promise.all([eventLog.close(), database.close()]);
      await Promise.all([kafka.wipe(), pg.wipe()]);
    },
  };
}

describe.each([
  ['embedded log and PGlite', embedded],
  ['Kafka and PostgreSQL', servers],
] as const)('on the %s', (_engines, open) => {
  let engines: Engines;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    engines = await open();
    app = await createIngestionApp({
      eventLog: engines.eventLog,
      database: engines.database,
      spatial: spatialChecksFrom(loadReference('koeln')),
      config: { apiKeys: amts.map((amt) => ({ id: `${amt}-corpus`, amt, hash: hashApiKey(keys[amt]) })) },
      topology: topology({ partitions: 2 }),
      planningCheck: controllingPlanningCheck(),
      indicatorCodes: loadCatalogue()
        .latest()
        .map((i) => i.code),
    });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  }, 240_000);

  afterAll(async () => {
    await app?.close();
    await engines?.close();
  });

  async function post(d: GoodDelivery | BrokenDelivery): Promise<{ status: number; body: any }> {
    const body = typeof d.body === 'string' ? d.body : Buffer.isBuffer(d.body) ? new Uint8Array(d.body) : JSON.stringify(d.body);
    const res = await fetch(`${base}/v1/deliveries/${d.path}`, { method: 'POST', headers: { authorization: `Bearer ${keys[d.amt]}`, 'content-type': d.contentType }, body });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  /** Everything a delivery could have changed: the end of every topic and the ingestion tables. */
  async function state(): Promise<Record<string, string>> {
    const out: Record<string, string> = {};
    for (const t of recordTypes) {
      let n = 0n;
      // a record type no Amt of this catalogue may deliver (area-level, area) has no topic: nothing in it
      const ends = await engines.eventLog.endOffsets(`records.${t}`).catch((e: unknown) => {
        if ((e as { code?: string }).code === 'UNKNOWN_TOPIC') return new Map<number, bigint>();
        throw e;
      });
      for (const v of ends.values()) n += v;
      out[`records.${t}`] = n.toString();
    }
    for (const table of ['ingest_records', 'ingest_reservations', 'ingest_deliveries']) {
      const { rows } = await engines.database.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table}`);
      out[table] = rows[0]!.n;
    }
    return out;
  }

  describe('good deliveries are accepted', () => {
    it.each(goodDeliveries.map((d) => [d.name, d] as const))('%s', async (_name, d) => {
      const res = await post(d);
      expect(res.status, JSON.stringify(res.body?.errors)).toBe(200);
    });
  });

  describe('broken deliveries get a clear 4xx and change nothing', () => {
    it.each(brokenDeliveries.map((d) => [`${d.name} (${d.contentType === 'text/csv' ? 'CSV' : 'JSON'}, ${d.source}) → ${d.status} ${d.code}`, d] as const))(
      '%s',
      async (_name, d) => {
        const before = await state();
        const res = await post(d);
        expect({ status: res.status, code: res.body?.errors?.[0]?.code }, JSON.stringify(res.body?.errors?.slice(0, 3))).toEqual({ status: d.status, code: d.code });
        const [first] = res.body.errors;
        if (d.field) expect(first.field).toBe(d.field);
        if (d.message) expect(first.message).toMatch(d.message);
        // every error says what would be accepted, and the answer stays small whatever came in
        for (const e of res.body.errors) expect(e.accepted.length).toBeGreaterThan(0);
        expect(JSON.stringify(res.body).length).toBeLessThan(4096);
        expect(await state()).toEqual(before);
      },
      30_000,
    );
  });
});
