// `pnpm data:rebuild` in servers mode (servers-rebuild.ts) on a real Kafka broker, PostgreSQL and
// ClickHouse HTTP server (chdb-http): Köln and a town created through the admin API, their warehouses
// lost (the cells truncated, as after a new indicator definition or a damaged ClickHouse), rebuilt
// from their Kafka topics; refused while the platform runs; and afterwards the live projection goes
// on from where it was (a new version counts once).
import { startChdbHttp, startKafka, startPostgres, tempDir } from '@sp/testing';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from './config.js';
import { openEngines, type Engines } from './engines.js';
import { RebuildRefused, rebuildServers } from './servers-rebuild.js';
import { startDeployment, type Deployment } from './tenants/deployment.js';

type Kafka = Awaited<ReturnType<typeof startKafka>>;
type Postgres = Awaited<ReturnType<typeof startPostgres>>;
type Chdb = Awaited<ReturnType<typeof startChdbHttp>>;
type Gql = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };

describe('pnpm data:rebuild in servers mode', () => {
  let kafka: Kafka;
  let postgres: Postgres;
  let chdb: Chdb;
  let config: PlatformConfig;
  let engines: Engines | undefined;
  let d: Deployment | undefined;
  let koelnKey: string;
  let townKey: string;

  const start = async () => {
    engines = await openEngines(config);
    d = await startDeployment(config, engines);
    return d;
  };
  const stop = async () => {
    await d?.close();
    await engines?.close();
    d = undefined;
    engines = undefined;
  };
  const deliver = (url: string, key: string, records: unknown[]) =>
    fetch(`${url}/v1/deliveries/area-statistic`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ records }) });
  const record = (level: string, code: string, value: number, version: number) => ({
    key: `bevoelkerung|${level}|${code}|2012`,
    version,
    dataset: 'bevoelkerung',
    areaLevel: level,
    areaCode: code,
    period: '2012',
    observations: [{ measure: 'einwohner', dimensions: {}, value }],
    synthetic: true,
  });
  /** Einwohner 2012 of one area as the tenant's GraphQL answers, polled until it is `want` (or the last answer) */
  const einwohner = async (base: string, level: string, area: string, want: number | null) => {
    let last: unknown;
    for (let i = 0; i < 120; i++) {
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: `{ indicatorValues(indicator: "einwohner", level: ${level}, period: "2012", areas: ["${area}"]) { value } }` }),
      });
      const body = (await res.json()) as Gql;
      last = body.data ? ((body.data.indicatorValues as { value: number | null }[])[0]?.value ?? null) : (body.errors?.[0]?.extensions?.code ?? res.status);
      if (last === want) return last;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return last;
  };
  const cells = async (database: string) => {
    const ch = createClickHouseWarehouse({ url: chdb.url });
    try {
      return Number((await ch.query<{ n: string }>(`SELECT count() AS n FROM ${database}.cells`))[0]!.n);
    } finally {
      await ch.close();
    }
  };

  beforeAll(async () => {
    [kafka, postgres, chdb] = await Promise.all([startKafka(), startPostgres(), startChdbHttp()]);
    config = loadConfig({
      SP_ENGINES: 'servers',
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      SP_DATA_DIR: tempDir('sp-servers-rebuild-'),
      SP_PORT: '0',
      SP_DEMO: '0',
    });
    const deployment = await start();
    const created = await fetch(`${deployment.url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deployment.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'musterstadt', name: 'Musterstadt', kind: 'gemeinde', reference: 'musterstadt' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    townKey = ((await created.json()) as { apiKeys: Record<string, string> }).apiKeys.statistik!;
    koelnKey = deployment.platform.keys.keys.statistik!;
    for (const [url, key, rec] of [
      [deployment.url, koelnKey, record('STADTTEIL', '101', 12345, 1)],
      [deployment.tenantUrl('musterstadt'), townKey, record('SOZIALRAUM', '1', 4321, 1)],
    ] as const) {
      const res = await deliver(url, key, [rec]);
      expect(res.status, await res.clone().text()).toBeLessThan(300);
    }
    expect(await einwohner(deployment.url, 'STADTTEIL', '101', 12345)).toBe(12345);
    expect(await einwohner(deployment.tenantUrl('musterstadt'), 'SOZIALRAUM', '1', 4321)).toBe(4321);
  }, 600_000);

  afterAll(async () => {
    await stop();
    await kafka?.wipe();
    await postgres?.wipe();
    await chdb?.stop();
  }, 120_000);

  it('refuses while the platform runs, naming the consumer groups', async () => {
    const refused = await rebuildServers(config).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(RebuildRefused);
    expect(String((refused as Error).message)).toMatch(/\baggregator: 1 member\b/);
    expect(String((refused as Error).message)).toMatch(/tenant\.musterstadt\.aggregator: 1 member/);
    // nothing was touched: both tenants still answer
    expect(await einwohner(d!.url, 'STADTTEIL', '101', 12345)).toBe(12345);
  });

  it("rebuilds every tenant's lost warehouse from its Kafka topics, and the live projection goes on from where it was", async () => {
    await stop();
    const ch = createClickHouseWarehouse({ url: chdb.url });
    try {
      for (const db of ['default', 'sp_tenant_musterstadt']) {
        await ch.command(`TRUNCATE TABLE ${db}.cells`);
        await ch.command(`TRUNCATE TABLE ${db}.record_versions`);
      }
    } finally {
      await ch.close();
    }
    expect(await cells('default')).toBe(0);
    expect(await rebuildServers(config)).toEqual(['koeln', 'musterstadt']);
    expect(await cells('default')).toBeGreaterThan(0);
    expect(await cells('sp_tenant_musterstadt')).toBeGreaterThan(0);
    await start();
    expect(await einwohner(d!.url, 'STADTTEIL', '101', 12345)).toBe(12345);
    expect(await einwohner(d!.tenantUrl('musterstadt'), 'SOZIALRAUM', '1', 4321)).toBe(4321);
    // the live groups kept their offsets: a new version is projected once, on top of the rebuilt cells
    const res = await deliver(d!.tenantUrl('musterstadt'), townKey, [record('SOZIALRAUM', '1', 4400, 2)]);
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    expect(await einwohner(d!.tenantUrl('musterstadt'), 'SOZIALRAUM', '1', 4400)).toBe(4400);
  });
});
