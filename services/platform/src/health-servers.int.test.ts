// Issue 21 (health, trace) in servers mode, on real engines: a delivery's trace crosses Kafka in
// the event headers to the projection's consumer span. While PostgreSQL is stopped the platform
// answers /health/ready with 503 naming the database (and refuses deliveries with 503, as before);
// after PostgreSQL is back it is ready again without a restart. The same for the Kafka broker and
// the event log. Liveness stays 200 throughout: the process is up, a dependency is not.
import 'reflect-metadata';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { populationRecords } from '@sp/demo';
import { InMemorySpanExporter, Telemetry } from '@sp/telemetry';
import { startChdbHttp, startKafka, startPostgres, tempDir, type ChildService, type KafkaInstance, type PostgresInstance } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { openEngines, type Engines } from './engines.js';
import { startPlatform, type Platform } from './platform.js';

interface ReadyBody {
  status: string;
  down: string[];
  checks: Record<string, { state: string; error?: string }>;
}

describe('readiness of the platform on servers names the dependency that is down', () => {
  let kafka: KafkaInstance;
  let postgres: PostgresInstance;
  let chdb: ChildService;
  let engines: Engines;
  let platform: Platform;
  let dataDir: string;
  const spans = new InMemorySpanExporter();
  const traceId = '0af7651916cd43dd8448eb211c80319c';

  const ready = async () => {
    const res = await fetch(`${platform.url}/health/ready`, { signal: AbortSignal.timeout(15_000) });
    return { status: res.status, body: (await res.json()) as ReadyBody };
  };
  /** polls readiness until `want` holds (a stopped engine is noticed at the next probe) */
  const readyUntil = async (want: (r: Awaited<ReturnType<typeof ready>>) => boolean, timeoutMs = 90_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const r = await ready();
      if (want(r) || Date.now() > deadline) return r;
      await new Promise((res) => setTimeout(res, 500));
    }
  };
  const deliver = (headers: Record<string, string> = {}) =>
    fetch(`${platform.url}/v1/deliveries/area-statistic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${platform.keys.keys.statistik}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ records: [populationRecords()[1]!] }),
      signal: AbortSignal.timeout(60_000),
    });

  beforeAll(async () => {
    [kafka, postgres, chdb] = await Promise.all([startKafka({ partitions: 2 }), startPostgres(), startChdbHttp()]);
    dataDir = join(tempDir('sp-health-servers-'), 'data');
    const config = loadConfig({
      SP_ENGINES: 'servers',
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      SP_DATA_DIR: dataDir,
      SP_PORT: '0',
      SP_DEMO: '0',
    });
    engines = await openEngines(config);
    platform = await startPlatform(config, engines, { telemetry: new Telemetry({ service: 'platform', env: {}, spanExporter: spans }) });
  });
  afterAll(async () => {
    await platform?.close();
    await engines?.close();
    await Promise.all([kafka?.wipe(), postgres?.wipe(), chdb?.stop()]);
  });

  it('is ready with Kafka, PostgreSQL and ClickHouse up', async () => {
    const r = await readyUntil((x) => x.status === 200);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ status: 'ready', down: [], checks: { eventLog: { state: 'up' }, database: { state: 'up' }, warehouse: { state: 'up' } } });
  });

  it("keeps sign-in's users, keys and secrets in PostgreSQL, where every replica finds them, not in its data directory", async () => {
    expect(platform.identity.state).toBe('database');
    const { rows } = await engines.database.query<{ name: string }>('SELECT name FROM identity_documents ORDER BY name');
    // and the API keys and record-key secret the operator did not give (none here), which every replica must share too
    expect(rows.map((r) => r.name)).toEqual(['api-keys', 'dashboard-client-secret', 'provider-cookie-secret', 'record-key-secret', 'signing-keys', 'users']);
    const { rows: users } = await engines.database.query<{ body: { username: string; role: string }[] }>("SELECT body FROM identity_documents WHERE name = 'users'");
    expect(users[0]!.body.map((u) => [u.username, u.role])).toEqual([['admin', 'admin']]);
    expect(existsSync(join(dataDir, 'identity'))).toBe(false);
  });

  it('carries the trace of a delivery through Kafka to the projection', async () => {
    const res = await deliver({ traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    expect(res.status, await res.text()).toBeLessThan(300);
    const deadline = Date.now() + 90_000;
    const inTrace = () => spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    while (!inTrace().some((s) => s.name === 'process aggregator records.area-statistic') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
    const append = inTrace().find((s) => s.name === 'append records.area-statistic');
    const consume = inTrace().find((s) => s.name === 'process aggregator records.area-statistic');
    expect(
      consume?.parentSpanContext?.spanId,
      inTrace()
        .map((s) => s.name)
        .join(', '),
    ).toBe(append!.spanContext().spanId);
  });

  it('reports the database down while PostgreSQL is stopped, and ready again after its restart', async () => {
    await postgres.stop();
    try {
      const down = await readyUntil((x) => x.status === 503);
      expect(down.status).toBe(503);
      expect(down.body.status).toBe('not-ready');
      expect(down.body.down).toEqual(['database']);
      expect(down.body.checks.database!.error).toBeTruthy();
      expect(down.body.checks.eventLog!.state).toBe('up');
      expect((await fetch(`${platform.url}/health/live`)).status).toBe(200);
      // the platform refuses the delivery meanwhile (issue 14), it does not fail it
      const refused = await deliver();
      expect(refused.status).toBe(503);
      expect(refused.headers.get('retry-after')).toBeTruthy();
    } finally {
      await postgres.start();
    }
    const back = await readyUntil((x) => x.status === 200);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
    expect((await deliver()).status).toBeLessThan(300);
  });

  it('reports the event log down while the Kafka broker is stopped, and ready again after its restart', async () => {
    await kafka.stop();
    try {
      const down = await readyUntil((x) => x.status === 503);
      expect(down.status).toBe(503);
      expect(down.body.down).toContain('eventLog');
      expect(down.body.down).not.toContain('database');
      expect(down.body.checks.eventLog!.error).toBeTruthy();
    } finally {
      await kafka.start();
    }
    const back = await readyUntil((x) => x.status === 200, 120_000);
    expect(back.status, JSON.stringify(back.body)).toBe(200);
  });
});
