// The Köln demo on the servers (SP_ENGINES=servers: Kafka, PostgreSQL, chdb-http as the ClickHouse
// stand-in), as a big city's first start would run it: every projection catches up, the GraphQL
// contract holds, and a second start on the same servers — even from a fresh data directory —
// finds the demo already loaded, because the marker lives in PostgreSQL with the data.
// (This load once stalled for good: the projector's key lists outgrew the HTTP request line.)
import { join } from 'node:path';
import { checkContract, clientFor } from '@sp/gateway/testing';
import { freePort, startChdbHttp, startKafka, startNodeService, startPostgres, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Engine = { stop(): Promise<void> } | { wipe(): Promise<void> };

describe('the Köln demo on Kafka, PostgreSQL and ClickHouse', () => {
  const engines: Engine[] = [];
  let env: Record<string, string>;
  let url: string;

  const start = (dataDir: string) => startNodeService('services/platform/dist/main.js', { env: { ...env, SP_DATA_DIR: dataDir }, ready: /Dashboard:/, timeoutMs: 900_000 });

  beforeAll(async () => {
    const [kafka, postgres, chdb] = await Promise.all([startKafka(), startPostgres(), startChdbHttp()]);
    engines.push(kafka, postgres, chdb);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    env = {
      SP_ENGINES: 'servers',
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      SP_PORT: String(port),
      SP_HOST: '127.0.0.1',
    };
  }, 300_000);

  afterAll(async () => {
    for (const e of engines) await ('wipe' in e ? e.wipe() : e.stop());
  }, 120_000);

  it('loads the demo on the first start and reuses it on the next, from another data directory', async () => {
    const first = await start(join(tempDir('sp-servers-demo-'), 'data'));
    try {
      const out = first.output();
      expect(out).toContain('Gebietsstatistiken 7654 Datensätze');
      expect(out).toMatch(/✓ Projektionen \(Indikatoren, Register, Controlling\)/);
      const gql = clientFor((u, init) => fetch(u, init), url);
      expect(await checkContract(gql)).toEqual([]);
      const offers = await gql<{ offers: { totalCount: number } }>('{ offers(first: 1) { totalCount } }');
      expect(offers.data!.offers.totalCount).toBe(1136);
    } finally {
      await first.stop();
    }

    const second = await start(join(tempDir('sp-servers-demo-'), 'data'));
    try {
      expect(second.output()).toContain('Köln-Demo bereits geladen');
      expect(second.output()).not.toContain('Gebietsstatistiken');
      expect(await checkContract(clientFor((u, init) => fetch(u, init), url))).toEqual([]);
    } finally {
      await second.stop();
    }
  }, 1_800_000);
});
