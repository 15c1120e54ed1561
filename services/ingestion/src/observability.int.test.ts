// Issue 21 on the standalone ingestion's HTTP server (embedded log and PGlite here; main.ts mounts
// the same on Kafka and PostgreSQL): live and ready, a delivery counted by its route template, and
// readiness naming the database once it is gone.
import 'reflect-metadata';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { openPgliteDatabase } from '@sp/database-pglite';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { topology } from '@sp/events';
import { anAreaStatistic } from '@sp/events/testing';
import type { Database, EventLog } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { instrumentDatabase, instrumentEventLog, Telemetry } from '@sp/telemetry';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateApiKey, hashApiKey } from './api-keys.js';
import { createIngestionApp } from './ingestion.app.js';
import { mountObservability } from './observability.routes.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

const key = generateApiKey('statistik-observe');
const records = topology({ partitions: 2 });

describe('the standalone ingestion answers /health/* and /metrics', () => {
  let eventLog: EventLog & { close(): Promise<void> };
  let database: Database;
  let telemetry: Telemetry;
  let app: NestFastifyApplication;
  let base: string;

  beforeAll(async () => {
    eventLog = await openEmbeddedEventLog({ dir: tempDir('sp-ingest-observe-log-') });
    database = await openPgliteDatabase({ dataDir: tempDir('sp-ingest-observe-db-') });
    telemetry = new Telemetry({ service: 'ingestion', env: {} });
    app = await createIngestionApp({
      eventLog: instrumentEventLog(eventLog, telemetry),
      database: instrumentDatabase(database, telemetry),
      spatial: spatialChecksFrom(loadReference('koeln')),
      config: { apiKeys: [{ id: 'statistik-observe', amt: 'statistik', hash: hashApiKey(key) }], retryAfterSeconds: 3 },
      topology: records,
      planningCheck: controllingPlanningCheck(),
      indicatorCodes: [],
    });
    mountObservability(app, { eventLog, database, topic: { name: records.topicFor('area-statistic'), partitions: 2 }, telemetry });
    await app.listen(0, '127.0.0.1');
    base = await app.getUrl();
  });
  afterAll(async () => {
    await app?.close();
    await eventLog?.close();
    await telemetry?.shutdown();
  });

  it('is live and ready, and counts a delivery by its route template', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', service: 'ingestion', checks: { eventLog: { state: 'up' }, database: { state: 'up' } } });

    const res = await fetch(`${base}/v1/deliveries/area-statistic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [anAreaStatistic()] }),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^sp_http_requests_total\{service="ingestion",route="\/v1\/deliveries\/:recordType",method="POST",status_class="2xx"\} 1$/m);
    expect(metrics).toMatch(/^sp_eventlog_append_duration_seconds_count\{service="ingestion",topic="records\.area-statistic",outcome="ok"\} 1$/m);
  });

  it('reports not-ready naming the database once the database is closed', async () => {
    await (database as Database & { close(): Promise<void> }).close();
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
    const body = (await ready.json()) as { down: string[]; checks: Record<string, { state: string }> };
    expect(body.down).toEqual(['database']);
    expect(body.checks.eventLog!.state).toBe('up');
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});
