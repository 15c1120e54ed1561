// Two replicas of the platform in servers mode (the k8s manifest runs two pods, each with an emptyDir
// of its own) on one Kafka broker, one PostgreSQL and one ClickHouse HTTP server, behind no balancer:
// the test sends each request to the replica a balancer could have chosen. Played as the operator and
// the Ämter would meet it:
// - a tenant created through one replica is served by the other at once (by path, by its Ämter's keys
//   alone, in the public list of tenants), not after the other's restart;
// - the same tenant created through both replicas at once is created once: one 201, one 409, and
//   the loser does not undo the winner's stores;
// - a demo tenant both replicas create as they start together (SP_DEMO=1) is opened by both: the
//   loser of the creation waits for the winner's tenant instead of stopping its start; a claim that
//   ends with no tenant is a clear error;
// - a replica started with an empty data directory routes a tenant's keys to it (the key hashes are
//   the registry's, not files of the pod that created the tenant);
// - without SP_ADMIN_TOKEN, the admin token one replica made is every replica's, a new pod's too;
// - a tenant removed through one replica while the other has it open is closed by the other, and its
//   topics, consumer groups and databases are deleted.
import { rmSync } from 'node:fs';
import { createPgDatabase } from '@sp/database-pg';
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import { startChdbHttp, startKafka, startPostgres, tempDir } from '@sp/testing';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { demoTenant } from './demo-tenants.js';
import { tenantDefinitionSchema } from '@sp/tenancy';
import { startDeployment, type Deployment } from './deployment.js';
import { TenantRepository } from './tenant.repository.js';

type Kafka = Awaited<ReturnType<typeof startKafka>>;
type Postgres = Awaited<ReturnType<typeof startPostgres>>;
type Chdb = Awaited<ReturnType<typeof startChdbHttp>>;
type Gql = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };
type Replica = { dataDir: string; engines: Engines; d: Deployment };

describe('two replicas of a servers-mode deployment share its tenants', () => {
  let kafka: Kafka;
  let postgres: Postgres;
  let chdb: Chdb;
  let a: Replica;
  let b: Replica;
  let townKeys: Record<string, string>;

  const configOf = (dataDir: string): PlatformConfig =>
    loadConfig({
      SP_ENGINES: 'servers',
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      SP_DATA_DIR: dataDir,
      SP_PORT: '0',
    });
  const startReplica = async (dataDir: string): Promise<Replica> => {
    const config = configOf(dataDir);
    const engines = await openEngines(config);
    return { dataDir, engines, d: await startDeployment(config, engines) };
  };
  const stopReplica = async (r: Replica | undefined) => {
    await r?.d.close();
    await r?.engines.close();
  };
  const create = (r: Replica, body: object) =>
    fetch(`${r.d.url}/admin/tenants`, { method: 'POST', headers: { authorization: `Bearer ${r.d.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const deliver = (url: string, key: string, records: unknown[]) =>
    fetch(`${url}/v1/deliveries/area-statistic`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ records }) });
  const record = (value: number, version: number) => ({
    key: 'bevoelkerung|SOZIALRAUM|1|2012',
    version,
    dataset: 'bevoelkerung',
    areaLevel: 'SOZIALRAUM',
    areaCode: '1',
    period: '2012',
    observations: [{ measure: 'einwohner', dimensions: {}, value }],
    synthetic: true,
  });
  /** the town's Einwohner of Sozialraum 1 in 2012 as the replica answers, polled until it is `want` */
  const einwohner = async (r: Replica, tenant: string, want: number) => {
    let last: unknown;
    for (let i = 0; i < 120; i++) {
      const res = await fetch(`${r.d.tenantUrl(tenant)}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ indicatorValues(indicator: "einwohner", level: SOZIALRAUM, period: "2012", areas: ["1"]) { value } }' }),
      });
      const body = (await res.json()) as Gql;
      last = body.data ? (body.data.indicatorValues as { value: number | null }[])[0]?.value : (body.errors?.[0]?.extensions?.code ?? res.status);
      if (last === want) return last;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    return last;
  };

  beforeAll(async () => {
    [kafka, postgres, chdb] = await Promise.all([startKafka(), startPostgres(), startChdbHttp()]);
    a = await startReplica(tempDir('sp-replica-a-'));
    b = await startReplica(tempDir('sp-replica-b-'));
    // no SP_ADMIN_TOKEN: the first replica made it, the second took it from the database
    expect(b.d.adminToken).toBe(a.d.adminToken);
    const created = await create(a, { id: 'musterstadt', name: 'Musterstadt', kind: 'gemeinde', reference: 'musterstadt' });
    expect(created.status, await created.clone().text()).toBe(201);
    townKeys = ((await created.json()) as { apiKeys: Record<string, string> }).apiKeys;
  }, 600_000);

  afterAll(async () => {
    await stopReplica(a);
    await stopReplica(b);
    await kafka?.wipe();
    await postgres?.wipe();
    await chdb?.stop();
  }, 120_000);

  it('serves a tenant created through the other replica: by path, by key alone, in the list of tenants', async () => {
    // by path: the replica that did not create it knows it
    const byPath = await deliver(b.d.tenantUrl('musterstadt'), townKeys.statistik!, [record(4321, 1)]);
    expect(byPath.status, await byPath.clone().text()).toBeLessThan(300);
    expect(await einwohner(b, 'musterstadt', 4321)).toBe(4321);
    expect(await einwohner(a, 'musterstadt', 4321)).toBe(4321);
    // by its key alone, at the deployment's root (the router finds the tenant by the key's hash)
    const byKey = await deliver(b.d.url, townKeys.statistik!, [record(4322, 2)]);
    expect(byKey.status, await byKey.clone().text()).toBeLessThan(300);
    expect(await einwohner(a, 'musterstadt', 4322)).toBe(4322);
    const listed = (await (await fetch(`${b.d.url}/tenants`)).json()) as { tenants: { id: string }[] };
    expect(listed.tenants.map((t) => t.id)).toContain('musterstadt');
  });

  it('answers a request for a tenant registered just after its last read of the registry from a new read, not 404', async () => {
    await fetch(`${b.d.url}/tenants`); // b has just read the registry
    // another replica registers a tenant (as its creation does at the end) within the second after that read
    const definition = tenantDefinitionSchema.parse({ id: 'drittstadt', name: 'Drittstadt', kind: 'gemeinde', reference: 'musterstadt' });
    const repository = new TenantRepository(a.engines.database);
    expect(await repository.create(definition)).not.toBe('exists');
    try {
      // a probe, so that the closed tenant is not opened: 200 "closed" once b knows it, 404 UNKNOWN_TENANT from the old read
      const probe = await fetch(`${b.d.url}/t/drittstadt/health/ready`);
      expect(probe.status, await probe.clone().text()).toBe(200);
    } finally {
      await repository.remove('drittstadt');
    }
  });

  it('creates a tenant asked of both replicas at once exactly once, and it works', async () => {
    const body = { id: 'zweitstadt', name: 'Zweitstadt', kind: 'gemeinde', reference: 'musterstadt' };
    const answers = await Promise.all([create(a, body), create(b, body)]);
    const statuses = answers.map((r) => r.status).sort();
    expect(statuses, JSON.stringify(await Promise.all(answers.map((r) => r.clone().text())))).toEqual([201, 409]);
    const winner = answers.find((r) => r.status === 201)!;
    const keys = ((await winner.json()) as { apiKeys: Record<string, string> }).apiKeys;
    // the loser left the winner's stores alone: a delivery through either replica lands and is read through both
    const res = await deliver(a.d.tenantUrl('zweitstadt'), keys.statistik!, [record(777, 1)]);
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    expect(await einwohner(b, 'zweitstadt', 777)).toBe(777);
    const again = await deliver(b.d.tenantUrl('zweitstadt'), keys.statistik!, [record(778, 2)]);
    expect(again.status, await again.clone().text()).toBeLessThan(300);
    expect(await einwohner(a, 'zweitstadt', 778)).toBe(778);
  });

  it('opens a demo tenant on both replicas that both create as they start: the loser waits for the winner', async () => {
    const definition = { id: 'demostadt', name: 'Demostadt', kind: 'gemeinde', reference: 'musterstadt' } as const;
    const leases = await Promise.allSettled([demoTenant(a.d, definition), demoTenant(b.d, definition)]);
    try {
      // before, the loser's creation was answered TENANT_EXISTS and its start stopped with it
      const failed = leases.flatMap((l) => (l.status === 'rejected' ? [String(l.reason)] : []));
      expect(failed).toEqual([]);
      const [onA, onB] = leases.map((l) => (l as PromiseFulfilledResult<Awaited<ReturnType<typeof demoTenant>>>).value.runtime);
      expect([onA!.id, onB!.id]).toEqual(['demostadt', 'demostadt']);
      // one tenant: the same keys at both
      expect(onB!.platform.keys.keys).toEqual(onA!.platform.keys.keys);
    } finally {
      for (const l of leases) if (l.status === 'fulfilled') l.value.release();
    }
  });

  it('says so when the creation it waits for ends with no tenant (its claim lapsed)', async () => {
    // a replica claimed the id and stopped mid-creation: its claim lapses with no tenant registered
    await a.engines.database.query(`INSERT INTO platform_tenant_claims (id, holder, expires_at) VALUES ('geisterstadt', 'gone', now() + interval '1 second')`);
    await expect(b.d.awaitCreated('geisterstadt', { pollMs: 100 })).rejects.toThrow(/"geisterstadt": the creation another replica claimed ended .* registered no tenant/);
    await expect(b.d.awaitCreated('geisterstadt', { timeoutMs: 0 })).rejects.toThrow(/registered no tenant/);
    // a creation still under way past the wait's bound
    await a.engines.database.query(`INSERT INTO platform_tenant_claims (id, holder, expires_at) VALUES ('langsamstadt', 'slow', now() + interval '1 minute')`);
    await expect(b.d.awaitCreated('langsamstadt', { timeoutMs: 0 })).rejects.toThrow(/"langsamstadt": another replica has been creating it for more than 0 s; it is not registered yet/);
  });

  it("routes a tenant's keys on a replica started with an empty data directory", async () => {
    // the pod that created the tenant is replaced: the new one has none of its files
    const adminToken = a.d.adminToken;
    await stopReplica(a);
    rmSync(a.dataDir, { recursive: true, force: true });
    a = await startReplica(tempDir('sp-replica-a2-'));
    expect(a.d.adminToken).toBe(adminToken);
    const byKey = await deliver(a.d.url, townKeys.statistik!, [record(4323, 3)]);
    expect(byKey.status, await byKey.clone().text()).toBeLessThan(300);
    expect(await einwohner(b, 'musterstadt', 4323)).toBe(4323);
  });

  it('removes a tenant through one replica while the other has it open: the other closes it, and its topics, groups and databases are deleted', async () => {
    // zweitstadt is open on both replicas (the test before delivered and read through each)
    expect(await einwohner(b, 'zweitstadt', 778)).toBe(778);
    const removed = await fetch(`${a.d.url}/admin/tenants/zweitstadt?confirm=zweitstadt`, { method: 'DELETE', headers: { authorization: `Bearer ${a.d.adminToken}` } });
    // 200 (202 only when a store could not be deleted: out of the registry, the rest follows)
    expect([200, 202], await removed.clone().text()).toContain(removed.status);
    expect(await removed.json()).toMatchObject({ removed: 'zweitstadt' });
    // the other replica learns it at its next registry read (every 10 s; the list of tenants reads it now)
    const listed = (await (await fetch(`${b.d.url}/tenants`)).json()) as { tenants: { id: string }[] };
    expect(listed.tenants.map((t) => t.id)).not.toContain('zweitstadt');
    expect(b.d.registered()).not.toContain('zweitstadt');
    for (let i = 0; i < 20 && [...b.d.runtimes.keys()].includes('zweitstadt'); i++) await new Promise((resolve) => setTimeout(resolve, 250));
    expect([...b.d.runtimes.keys()]).not.toContain('zweitstadt');
    const gql = await fetch(`${b.d.tenantUrl('zweitstadt')}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ areas(level: STADT) { name } }"}' });
    expect(gql.status).toBe(404);
    // a removal left pending is finished at a registry read
    const repository = new TenantRepository(a.engines.database);
    for (let i = 0; i < 40 && (await repository.pendingRemovals()).length > 0; i++) {
      await fetch(`${a.d.url}/tenants`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(await repository.pendingRemovals()).toEqual([]);
    const log = createKafkaEventLog({ brokers: kafka.brokers, clientId: 'test-removal', logLevel: 'nothing' });
    try {
      const admin = await log.admin();
      expect((await admin.listTopics()).filter((t) => t.startsWith('tenant.zweitstadt.'))).toEqual([]);
      // the groups b still held when a deleted the rest: b deletes them once it has closed the tenant
      const groupsLeft = async () => (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('tenant.zweitstadt.'));
      for (let i = 0; i < 40 && (await groupsLeft()).length > 0; i++) await new Promise((resolve) => setTimeout(resolve, 250));
      expect(await groupsLeft()).toEqual([]);
      // the town beside it keeps its own
      expect((await admin.listTopics()).some((t) => t.startsWith('tenant.musterstadt.'))).toBe(true);
    } finally {
      await log.close();
    }
    const pg = await createPgDatabase({ url: postgres.url, max: 1 });
    try {
      const databases = (await pg.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'sp_tenant_%'`)).rows.map((r) => r.datname);
      expect(databases).not.toContain('sp_tenant_zweitstadt');
      expect(databases).toContain('sp_tenant_musterstadt');
    } finally {
      await pg.close();
    }
    const ch = createClickHouseWarehouse({ url: chdb.url });
    try {
      const databases = (await ch.query<{ name: string }>(`SELECT name FROM system.databases WHERE name LIKE 'sp_tenant_%'`)).map((r) => r.name);
      expect(databases).not.toContain('sp_tenant_zweitstadt');
      expect(databases).toContain('sp_tenant_musterstadt');
    } finally {
      await ch.close();
    }
    expect(await einwohner(a, 'musterstadt', 4323)).toBe(4323);
  });
});
