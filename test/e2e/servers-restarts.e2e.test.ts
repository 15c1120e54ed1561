// Issue 14's "done when" for SP_ENGINES=servers: the platform process keeps running while
// PostgreSQL (pg_terminate_backend, then pg_ctl stop -m fast / start) and the Kafka broker restart
// under steady ingestion load. Every answer is logged: only 2xx and 503 (with Retry-After) are
// allowed; a 503 delivery is sent again once the servers are back, as a client would; in the end
// every delivery was answered 2xx and is in the read models exactly once — offers in the registry
// (a projection into PostgreSQL), area statistics in the warehouse. After a crash (SIGKILL) the
// platform is ready again without waiting for its consumer groups, which wait out Kafka's session
// timeout in the background.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from '@clickhouse/client';
import { createPgDatabase } from '@sp/database-pg';
import { populationRecords } from '@sp/demo';
import { anOffer } from '@sp/events/testing';
import { freePort, startChdbHttp, startKafka, startNodeService, startPostgres, tempDir, waitFor } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Service = Awaited<ReturnType<typeof startNodeService>>;
type Kafka = Awaited<ReturnType<typeof startKafka>>;
type Postgres = Awaited<ReturnType<typeof startPostgres>>;
type Chdb = Awaited<ReturnType<typeof startChdbHttp>>;

interface Delivery {
  recordType: 'offer' | 'area-statistic';
  amt: string;
  /** names the delivery in the answers' log */
  key: string;
  records: Record<string, unknown>[];
}
interface Answer {
  key: string;
  at: number;
  status: number;
  retryAfter: string | null;
  body: string;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the platform on servers survives PostgreSQL and Kafka restarts under load (issue 14)', () => {
  const dataDir = join(tempDir('sp-servers-restarts-'), 'data');
  let kafka: Kafka;
  let postgres: Postgres;
  let chdb: Chdb;
  let platform: Service | undefined;
  let env: Record<string, string>;
  let url: string;
  const answers: Answer[] = [];

  const start = () => startNodeService('services/platform/dist/main.js', { env, ready: /Dashboard:/, timeoutMs: 120_000 });
  const keys = () => JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>;
  const send = async (d: Delivery): Promise<Answer> => {
    const at = Date.now();
    try {
      const res = await fetch(`${url}/v1/deliveries/${d.recordType}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys()[d.amt]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records: d.records }),
        signal: AbortSignal.timeout(30_000),
      });
      const answer = { key: d.key, at, status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.text()).slice(0, 300) };
      answers.push(answer);
      return answer;
    } catch (error) {
      // no answer at all (connection refused or reset) would mean the platform went down
      const answer = { key: d.key, at, status: 0, retryAfter: null, body: String(error) };
      answers.push(answer);
      return answer;
    }
  };

  // the load: offers (registry, PostgreSQL; five a delivery, so its transactions take a while) and
  // area statistics (warehouse), each key once
  // (every Stadtteil and year: enough keys that the load lasts through all restarts)
  const population = populationRecords();
  let next = 0;
  const nextDelivery = (): Delivery => {
    const i = next++;
    if (i % 2 === 0) {
      const offers = [0, 1, 2, 3, 4].map((j) => anOffer({ key: `syn:e2e-restart:${i}-${j}`, name: `Angebot ${i}-${j}` }));
      return { recordType: 'offer', amt: 'jugendamt', key: `offers-${i}`, records: offers as unknown as Record<string, unknown>[] };
    }
    const r = population[(i >> 1) % population.length]!;
    return { recordType: 'area-statistic', amt: 'statistik', key: r.key, records: [r as unknown as Record<string, unknown>] };
  };
  const sent = new Map<string, Delivery>();

  /** three clients sending one delivery each after the other until stopped (bounded: at most 4 minutes) */
  const runLoad = () => {
    let stopped = false;
    const until = Date.now() + 240_000;
    const worker = async () => {
      while (!stopped && Date.now() < until && next < population.length * 2) {
        const d = nextDelivery();
        sent.set(d.key, d);
        const a = await send(d);
        if (a.status === 503) await sleep(100);
        await sleep(30);
      }
    };
    const workers = Promise.all([worker(), worker(), worker()]);
    return async () => {
      stopped = true;
      await workers;
    };
  };

  beforeAll(async () => {
    [kafka, postgres, chdb] = await Promise.all([startKafka(), startPostgres(), startChdbHttp()]);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      SP_ENGINES: 'servers',
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      SP_DEMO: '0',
      SP_DATA_DIR: dataDir,
      SP_PORT: String(port),
      SP_HOST: '127.0.0.1',
    };
    platform = await start();
  }, 300_000);

  afterAll(async () => {
    await platform?.stop();
    await kafka?.wipe();
    await postgres?.wipe();
    await chdb?.stop();
  }, 120_000);

  const stillRunning = () => {
    const tail = () => `the platform exited; its output ends:\n${platform!.output().slice(-3000)}`;
    expect(platform!.process.exitCode, tail()).toBeNull();
    expect(platform!.process.signalCode, tail()).toBeNull();
    expect(platform!.output()).not.toMatch(/Unhandled 'error' event|uncaught|Connection terminated unexpectedly\n\s+at /i);
  };

  // These two cases failed in full-suite runs (8 answers 500 during the Kafka restart, or the
  // registry missing accepted offers) until the Kafka adapter renewed its idempotent producer after a
  // failed request: the broker had written a request whose answer was lost, and the next batch
  // reused its sequence numbers — taken for a retry and dropped although acknowledged (2xx, not in
  // the log), or refused OUT_OF_ORDER_SEQUENCE_NUMBER (500). packages/eventlog-kafka/src/lost-acknowledgement.int.test.ts
  it('answers every delivery 2xx or 503 while PostgreSQL and Kafka restart, and the process never exits', async () => {
    const stopLoad = runLoad();
    const admin = createPgDatabase({ url: postgres.url, max: 1 });
    try {
      await sleep(3000);
      // connections cut in the middle of transactions (ingestion's and the projections'): before
      // issue 14 the first one ended the process with an unhandled 'error' event
      let inTransaction = 0;
      const deadline = Date.now() + 30_000;
      while (inTransaction < 3 && Date.now() < deadline) {
        // OFFSET 0 keeps the filter apart from the call: PostgreSQL may evaluate quals in any order
        const cut = await admin.query<{ pid: number }>(
          `SELECT pid FROM (SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND xact_start IS NOT NULL
             AND state IN ('active', 'idle in transaction') AND backend_type = 'client backend' OFFSET 0) t WHERE pg_terminate_backend(pid)`,
        );
        inTransaction += cut.rowCount;
        if (cut.rowCount) {
          await sleep(500);
          stillRunning();
        } else await sleep(5);
      }
      expect(inTransaction).toBeGreaterThanOrEqual(3);
      // then every connection of the platform at once, the server stays up
      await admin.query(`SELECT pg_terminate_backend(pid) FROM (SELECT pid FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND backend_type = 'client backend' OFFSET 0) t`);
      await sleep(3000);
      stillRunning();
    } finally {
      await admin.close();
    }
    await postgres.stop(); // pg_ctl stop -m fast
    await sleep(4000);
    stillRunning();
    await postgres.start();
    await sleep(4000);
    await kafka.stop();
    await sleep(4000);
    stillRunning();
    await kafka.start();
    await sleep(6000);
    await stopLoad();
    stillRunning();

    const during = [...answers];
    const unexpected = during.filter((a) => !(a.status >= 200 && a.status < 300) && a.status !== 503);
    expect(unexpected, `the platform's output ends:\n${platform!.output().slice(-4000)}`).toEqual([]);
    for (const a of during.filter((x) => x.status === 503)) expect(a.retryAfter).toMatch(/^\d+$/);
    // (503s are allowed, not required: a request may also wait out a short outage and succeed)
    expect(during.filter((a) => a.status >= 200 && a.status < 300).length).toBeGreaterThan(10);
    process.stdout.write(`[servers-restarts] ${during.length} answers during the restarts: ${during.filter((a) => a.status < 300).length} 2xx, ${during.filter((a) => a.status === 503).length} 503\n`);

    // a client sends a 503 delivery again later: each ends 2xx (created, or unchanged when the first try got through)
    const pending = () => [...sent.values()].filter((d) => !answers.some((a) => a.key === d.key && a.status >= 200 && a.status < 300));
    await waitFor(
      async () => {
        for (const d of pending()) await send(d);
        return pending().length === 0;
      },
      { timeoutMs: 90_000, intervalMs: 1000 },
    );
    expect(
      answers.filter((a) => !(a.status >= 200 && a.status < 300) && a.status !== 503),
      `the platform's output ends:\n${platform!.output().slice(-4000)}`,
    ).toEqual([]);
    stillRunning();
  }, 300_000);

  it('shows every accepted delivery exactly once in the read models', async () => {
    const offers = [...sent.values()].filter((d) => d.recordType === 'offer').flatMap((d) => d.records.map((r) => r.key as string));
    const stats = [...sent.values()].filter((d) => d.recordType === 'area-statistic');
    const db = createPgDatabase({ url: postgres.url, max: 1 });
    const ch = createClient({ url: chdb.url });
    try {
      const registry = async () =>
        (await db.query<{ offer_key: string; n: number }>(`SELECT offer_key, count(*)::int AS n FROM registry_offer WHERE offer_key LIKE 'syn:e2e-restart:%' GROUP BY offer_key`)).rows;
      await waitFor(async () => (await registry()).length >= offers.length, { timeoutMs: 300_000, intervalMs: 500 });
      const rows = await registry();
      expect(rows.map((r) => r.offer_key).sort()).toEqual([...offers].sort());
      expect(rows.filter((r) => r.n !== 1)).toEqual([]);
      const versions = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM registry_offer_version WHERE offer_key LIKE 'syn:e2e-restart:%'`);
      expect(versions.rows[0]!.n).toBe(offers.length);

      const expected = new Map(stats.map((d) => [d.key, (d.records[0]!.observations as { value: number }[]).reduce((s, o) => s + o.value, 0)]));
      const warehouse = async () =>
        (await (
          await ch.query({
            query: `SELECT leaf_key, sum(value) AS total, count() AS cells FROM cells FINAL WHERE present = 1 AND dataset = 'bevoelkerung' GROUP BY leaf_key`,
            format: 'JSONEachRow',
          })
        ).json()) as { leaf_key: string; total: number }[];
      await waitFor(async () => (await warehouse()).length >= expected.size, { timeoutMs: 120_000, intervalMs: 500 });
      const totals = new Map((await warehouse()).map((r) => [r.leaf_key, Number(r.total)]));
      expect(totals).toEqual(expected);
      const recordRows = (await (
        await ch.query({ query: `SELECT record_key, count() AS n FROM record_versions FINAL WHERE dataset = 'bevoelkerung' GROUP BY record_key HAVING n <> 1`, format: 'JSONEachRow' })
      ).json()) as unknown[];
      expect(recordRows).toEqual([]);
    } finally {
      await db.close();
      await ch.close();
    }
    stillRunning();
  }, 600_000);

  it('is ready again soon after a crash, without waiting for its consumer groups', async () => {
    await platform!.kill(); // SIGKILL: the consumer groups keep the dead members until their session times out
    const started = Date.now();
    platform = await start();
    const readyMs = Date.now() - started;
    process.stdout.write(`[servers-restarts] restart after SIGKILL to ready: ${readyMs} ms\n`);
    expect(readyMs).toBeLessThan(15_000);
    // ingestion needs no consumer: a delivery right away is accepted
    const key = 'syn:e2e-restart:after-crash';
    const d: Delivery = { recordType: 'offer', amt: 'jugendamt', key, records: [anOffer({ key, name: 'Nach dem Absturz' }) as unknown as Record<string, unknown>] };
    expect((await send(d)).status).toBe(200);
    // and the consumers, once in, project it
    const db = createPgDatabase({ url: postgres.url, max: 1 });
    try {
      await waitFor(async () => (await db.query(`SELECT 1 FROM registry_offer WHERE offer_key = $1`, [key])).rowCount === 1, { timeoutMs: 90_000, intervalMs: 500 });
    } finally {
      await db.close();
    }
  }, 240_000);
});
