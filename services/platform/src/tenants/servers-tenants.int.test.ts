// Tenants in servers mode (SP_ENGINES=servers): Köln and Musterstadt on one Kafka broker, one
// PostgreSQL server and one ClickHouse HTTP server (chdb-http). The town is created through the
// admin API and gets a PostgreSQL and a ClickHouse database of its own and topics and consumer
// groups under its own prefix (tenant-engines.servers.ts). Played as a user would: each tenant's
// data is readable in its own API only, a key naming the other tenant is refused, and both come back
// with their data after a restart of the deployment. The stores themselves are checked too, and the
// operator's rebuild of the warehouses from the topics (pnpm data:rebuild, servers-rebuild.ts), and
// the operator's logical backup and restore of the servers (pnpm data:backup / data:restore,
// servers.backup.ts).
import { cpSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgDatabase } from '@sp/database-pg';
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import { startChdbHttp, startKafka, startPostgres, tempDir } from '@sp/testing';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { BackupError, sha256 } from '../data-dir.backup.js';
import { RebuildRefused, rebuildServers } from '../servers-rebuild.js';
import { backupServers, checkServersBackup, restoreServers, type ServersBackupManifest, verifyTopics } from '../servers.backup.js';
import { openEngines, type Engines } from '../engines.js';
import { startDeployment, type Deployment } from './deployment.js';
import { dropServersTenantStores } from './tenant-engines.servers.js';
import { joinPresence, RebuildRunning } from './replica-presence.js';
import { demoLoaderDeps } from './demo-tenants.js';
import { buildMusterstadtDemo, loadMusterstadtDemo, musterstadtDemo } from './musterstadt.demo.js';

type Kafka = Awaited<ReturnType<typeof startKafka>>;
type Postgres = Awaited<ReturnType<typeof startPostgres>>;
type Chdb = Awaited<ReturnType<typeof startChdbHttp>>;
type Gql = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };

describe('tenants on servers (Kafka, PostgreSQL, ClickHouse)', () => {
  const dataDir = tempDir('sp-servers-tenants-');
  let kafka: Kafka;
  let postgres: Postgres;
  let chdb: Chdb;
  let config: PlatformConfig;
  let engines: Engines | undefined;
  let d: Deployment | undefined;
  let townSr1: number;

  const gql = async (base: string, query: string): Promise<Gql> => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await res.json()) as Gql;
  };
  const einwohner = async (base: string, level: string, area: string) => {
    const r = await gql(base, `{ indicatorValues(indicator: "einwohner", level: ${level}, period: "2012", areas: ["${area}"]) { value } }`);
    return r.data ? ((r.data.indicatorValues as { value: number | null }[])[0]?.value ?? null) : (r.errors?.[0]?.extensions?.code ?? 'error');
  };
  const deliver = (base: string, key: string, records: unknown[], headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/deliveries/area-statistic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ records }),
    });
  const koelnRecord = {
    key: 'bevoelkerung|STADTTEIL|101|2012',
    version: 1,
    dataset: 'bevoelkerung',
    areaLevel: 'STADTTEIL',
    areaCode: '101',
    period: '2012',
    observations: [{ measure: 'einwohner', dimensions: {}, value: 12345 }],
    synthetic: false,
  };
  const start = async (on: PlatformConfig = config) => {
    engines = await openEngines(on);
    d = await startDeployment(on, engines);
    return d;
  };
  const stop = async () => {
    await d?.close();
    await engines?.close();
    d = undefined;
    engines = undefined;
  };

  beforeAll(async () => {
    [kafka, postgres, chdb] = await Promise.all([startKafka(), startPostgres(), startChdbHttp()]);
    config = loadConfig({
      SP_ENGINES: 'servers',
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      SP_DATA_DIR: dataDir,
      SP_PORT: '0',
      SP_ADMIN_TOKEN: 'admin-token-of-the-servers-tenants-test-0123',
    });
    const deployment = await start();
    const created = await fetch(`${deployment.url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${deployment.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...musterstadtDemo, suppressionThreshold: 3 }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    const runtime = deployment.runtimes.get('musterstadt')!;
    expect(runtime.engines.describe).toContain('sp_tenant_musterstadt');
    await loadMusterstadtDemo(demoLoaderDeps(deployment, runtime));
    townSr1 = buildMusterstadtDemo(runtime.platform.reference).find((r) => r.dataset === 'bevoelkerung' && r.areaCode === '1' && r.period === '2012')!.observations[0]!.value;
    const res = await deliver(deployment.url, deployment.platform.keys.keys.statistik!, [koelnRecord]);
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    await deployment.platform.projections.caughtUp();
  }, 600_000);

  afterAll(async () => {
    await stop();
    await kafka?.wipe();
    await postgres?.wipe();
    await chdb?.stop();
  }, 120_000);

  it("each tenant reads its own figures; Köln's key cannot write into the town", async () => {
    const town = d!.tenantUrl('musterstadt');
    expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1);
    expect(await einwohner(d!.url, 'STADTTEIL', '101')).toBe(12345);
    expect(typeof (await einwohner(d!.url, 'SOZIALRAUM', '1'))).not.toBe('number');
    expect(await einwohner(town, 'STADTTEIL', '101')).not.toBe(12345);
    const attack = await deliver(town, d!.platform.keys.keys.statistik!, [{ ...koelnRecord, key: 'bevoelkerung|SOZIALRAUM|1|2012', version: 9, areaLevel: 'SOZIALRAUM', areaCode: '1' }]);
    expect(attack.status).toBe(403);
    await d!.runtimes.get('musterstadt')!.platform.projections.caughtUp();
    expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1);
  });

  it('keeps the tenants apart in the stores: own databases, own topics and groups', async () => {
    const pg = createPgDatabase({ url: postgres.url, max: 1 });
    const ch = createClickHouseWarehouse({ url: chdb.url });
    const log = createKafkaEventLog({ brokers: kafka.brokers, clientId: 'servers-tenants-check' });
    try {
      const dbs = (await pg.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE 'sp_tenant_%'")).rows.map((r) => r.datname);
      expect(dbs).toEqual(['sp_tenant_musterstadt']);
      // the town's registry tables live in its database, not in the default one
      const townPg = createPgDatabase({ url: Object.assign(new URL(postgres.url), { pathname: '/sp_tenant_musterstadt' }).toString(), max: 1 });
      try {
        const tables = (await townPg.query<{ n: string }>("SELECT count(*) AS n FROM information_schema.tables WHERE table_schema = 'public'")).rows[0]!.n;
        expect(Number(tables)).toBeGreaterThan(3);
      } finally {
        await townPg.close();
      }
      const count = async (db: string) => Number((await ch.query<{ n: string }>(`SELECT count() AS n FROM ${db}.schema_migrations`))[0]!.n);
      expect(await count('sp_tenant_musterstadt')).toBeGreaterThan(0);
      expect(await count('default')).toBeGreaterThan(0);
      const admin = await log.admin();
      const topics = await admin.listTopics();
      expect(topics.filter((t) => t.startsWith('tenant.musterstadt.')).length).toBeGreaterThan(3);
      expect(topics).toContain('tenant.musterstadt.records.area-statistic');
      expect(topics).toContain('records.area-statistic');
      const groups = (await admin.listGroups()).groups.map((g) => g.groupId);
      const townGroups = groups.filter((g) => g.startsWith('tenant.musterstadt.'));
      expect(townGroups.length).toBeGreaterThan(0);
      // every group the town has, Köln has under its plain name: same names, different groups
      for (const g of townGroups) expect(groups).toContain(g.slice('tenant.musterstadt.'.length));
    } finally {
      await Promise.all([pg.close(), ch.close(), log.close()]);
    }
  });

  it('starts the registered tenant again after a restart, with its data', async () => {
    await stop();
    await start();
    const town = d!.tenantUrl('musterstadt');
    expect(d!.registered()).toContain('musterstadt');
    expect(d!.runtimes.has('musterstadt')).toBe(false);
    expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1);
    expect(d!.runtimes.has('musterstadt')).toBe(true);
    expect(await einwohner(d!.url, 'STADTTEIL', '101')).toBe(12345);
  });

  it('opens a tenant on a replica whose data directory is empty with the same API keys and record-key secret', async () => {
    // (the k8s manifest gives each platform pod an emptyDir: a new pod, or a restarted one, has none of the files)
    const keys = d!.runtimes.get('musterstadt')!.platform.keys.keys;
    const tenantFiles = join(dataDir, 'tenants', 'musterstadt');
    const secret = readFileSync(join(tenantFiles, 'record-key-secret'), 'utf8');
    await stop();
    for (const file of ['api-keys.json', 'record-key-secret']) rmSync(join(tenantFiles, file));
    await start();
    const town = d!.tenantUrl('musterstadt');
    expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1);
    // the same keys (the town's Ämter deliver with what they were given) and the same secret (one
    // perturbation of each count, whichever replica answers, before and after a restart)
    expect(d!.runtimes.get('musterstadt')!.platform.keys.keys).toEqual(keys);
    expect(readFileSync(join(tenantFiles, 'record-key-secret'), 'utf8')).toBe(secret);
    const townPg = createPgDatabase({ url: Object.assign(new URL(postgres.url), { pathname: '/sp_tenant_musterstadt' }).toString(), max: 1 });
    try {
      const { rows } = await townPg.query<{ name: string }>("SELECT name FROM identity_documents WHERE name IN ('api-keys', 'record-key-secret') ORDER BY name");
      expect(rows.map((r) => r.name)).toEqual(['api-keys', 'record-key-secret']);
    } finally {
      await townPg.close();
    }
  });

  it('refuses pnpm data:rebuild while the platform runs, naming its consumer groups', async () => {
    const refused = await rebuildServers(config).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(RebuildRefused);
    // the platform's row (replica-presence.ts) is there from its start on, before its consumers join
    expect(String((refused as Error).message)).toMatch(/the platform is running \(platform processes on /);
    // nothing was touched
    expect(await einwohner(d!.tenantUrl('musterstadt'), 'SOZIALRAUM', '1')).toBe(townSr1);
  });

  it("rebuilds every tenant's lost warehouse from its Kafka topics (pnpm data:rebuild); the live projection goes on from where it was", async () => {
    const townKey = d!.runtimes.get('musterstadt')!.platform.keys.keys.statistik!;
    await stop();
    // and a platform does not start while a rebuild runs
    const db = createPgDatabase({ url: postgres.url, max: 1 });
    const rebuilding = await joinPresence(db, 'rebuild');
    const opened = await openEngines(config);
    try {
      await expect(startDeployment(config, opened)).rejects.toBeInstanceOf(RebuildRunning);
    } finally {
      await opened.close();
      await rebuilding.stop();
      await db.close();
    }
    const ch = createClickHouseWarehouse({ url: chdb.url });
    const cells = async (db: string) => Number((await ch.query<{ n: string }>(`SELECT count() AS n FROM ${db}.cells`))[0]!.n);
    try {
      // a lost warehouse (or one a new indicator definition needs anew): its read models are empty
      for (const db of ['default', 'sp_tenant_musterstadt']) {
        await ch.command(`TRUNCATE TABLE ${db}.cells`);
        await ch.command(`TRUNCATE TABLE ${db}.record_versions`);
      }
      expect(await rebuildServers(config)).toEqual(['koeln', 'musterstadt']);
      expect(await cells('default')).toBeGreaterThan(0);
      expect(await cells('sp_tenant_musterstadt')).toBeGreaterThan(0);
    } finally {
      await ch.close();
    }
    await start();
    const town = d!.tenantUrl('musterstadt');
    expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1);
    expect(await einwohner(d!.url, 'STADTTEIL', '101')).toBe(12345);
    // the live groups kept their offsets: a new version is projected once, on top of the rebuilt cells
    const res = await deliver(town, townKey, [
      { ...koelnRecord, key: 'bevoelkerung|SOZIALRAUM|1|2012', version: 50, areaLevel: 'SOZIALRAUM', areaCode: '1', observations: [{ measure: 'einwohner', dimensions: {}, value: townSr1 + 7 }] },
    ]);
    expect(res.status, await res.clone().text()).toBeLessThan(300);
    await d!.runtimes.get('musterstadt')!.platform.projections.caughtUp();
    expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1 + 7);
  });

  const backupDir = tempDir('sp-servers-backup-');
  let backup: ServersBackupManifest;
  const koelnV2 = { ...koelnRecord, version: 2, observations: [{ measure: 'einwohner', dimensions: {}, value: 777 }] };

  it('backs up the servers while the platform runs (pnpm data:backup); a restore into servers that hold the data is refused, nothing touched', async () => {
    backup = await backupServers(config, backupDir, {
      // delivered between the cut and the dump: its version record and audit row are in the dump, its event is not in the copied log
      afterCut: async () => {
        const res = await deliver(d!.url, d!.platform.keys.keys.statistik!, [koelnV2]);
        expect(res.status, await res.clone().text()).toBe(200);
      },
    });
    expect(backup.tenants.map((t) => t.id)).toEqual(['koeln', 'musterstadt']);
    const count = (topic: string) => backup.topics.find((t) => t.name === topic)?.partitions.reduce((n, p) => n + p.count, 0);
    expect(count('records.area-statistic')).toBeGreaterThan(0);
    expect(count('tenant.musterstadt.records.area-statistic')).toBeGreaterThan(0);
    expect(backup.topics.find((t) => t.name === 'records.area-statistic')!.partitions).toHaveLength(4);
    const refused = await restoreServers(config, backupDir).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(BackupError);
    expect((refused as BackupError).code).toBe('TARGET_NOT_EMPTY');
    expect((refused as Error).message).toMatch(/topic records\.area-statistic holds \d+ records.*database postgres holds \d+ tables/);
    await d!.platform.projections.caughtUp();
    expect(await einwohner(d!.url, 'STADTTEIL', '101')).toBe(777);
    // a partition file that does not hold what the manifest counts is refused before anything is written
    const damaged = tempDir('sp-servers-backup-damaged-');
    cpSync(backupDir, damaged, { recursive: true });
    const file = backup.topics.flatMap((t) => t.partitions).find((p) => p.count > 1)!.file;
    const lines = readFileSync(join(damaged, file), 'utf8').split('\n');
    writeFileSync(join(damaged, file), [lines[1], lines[0], ...lines.slice(2)].join('\n'));
    expect(() => checkServersBackup(damaged)).toThrow(/does not match its SHA-256/);
    // … and so is one whose SHA-256 was made to match: its records are out of order
    const manifest = JSON.parse(readFileSync(join(damaged, 'manifest.json'), 'utf8')) as ServersBackupManifest;
    manifest.files.find((f) => f.path === file)!.sha256 = sha256(join(damaged, file));
    writeFileSync(join(damaged, 'manifest.json'), JSON.stringify(manifest));
    expect(() => checkServersBackup(damaged)).toThrow(/holds \d+ records with another checksum/);
  });

  it('restores the backup into emptied servers (pnpm data:restore): the same cells through GraphQL, the keys from before, a version after the cut accepted anew', async () => {
    const townKey = d!.runtimes.get('musterstadt')!.platform.keys.keys.statistik!;
    const koelnKey = d!.platform.keys.keys.statistik!;
    await stop();
    // empty servers on the same machines: the topics deleted, the town's databases dropped, a new empty default database
    await dropServersTenantStores(config, 'musterstadt');
    const log = createKafkaEventLog({ brokers: kafka.brokers, clientId: 'servers-tenants-empty' });
    const pg = createPgDatabase({ url: postgres.url, max: 1 });
    try {
      const admin = await log.admin();
      const ours = (await admin.listTopics()).filter((t) => !t.startsWith('_'));
      await admin.deleteTopics({ topics: ours });
      for (let i = 0; i < 100 && (await admin.listTopics()).some((t) => ours.includes(t)); i++) await new Promise((r) => setTimeout(r, 100));
      await pg.query('CREATE DATABASE sp_restored');
    } finally {
      await Promise.all([log.close(), pg.close()]);
    }
    // and a new data directory: what the restored platform knows comes from the backup
    const restoredDir = tempDir('sp-servers-restored-');
    const restored: PlatformConfig = { ...config, DATABASE_URL: Object.assign(new URL(postgres.url), { pathname: '/sp_restored' }).toString(), SP_DATA_DIR: restoredDir, dataDir: restoredDir };
    const result = await restoreServers(restored, backupDir);
    expect(result.tenants).toEqual(['koeln', 'musterstadt']);
    expect(result.shifted).toBe(0);
    expect(result.records).toBe(backup.topics.reduce((n, t) => n + t.partitions.reduce((m, p) => m + p.count, 0), 0));
    // the restore's verify read the topics back; against another checksum it fails loudly
    const other = structuredClone(backup);
    const changed = other.topics.flatMap((t) => t.partitions).find((p) => p.count > 0)!;
    changed.checksum = '0'.repeat(64);
    await expect(verifyTopics(restored, other)).rejects.toThrow(/VERIFY_FAILED|the records differ from the backup's \(checksum\)/);
    await start(restored);
    const town = d!.tenantUrl('musterstadt');
    expect(d!.registered()).toContain('musterstadt');
    expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1 + 7);
    // the cut: version 2 came after it, so the restored log and the rebuilt version records end at version 1
    expect(await einwohner(d!.url, 'STADTTEIL', '101')).toBe(12345);
    const again = await deliver(d!.url, koelnKey, [koelnV2]);
    expect(again.status, await again.clone().text()).toBe(200);
    expect(((await again.json()) as { records: { status: string }[] }).records[0]!.status).toBe('created');
    // the town's Ämter deliver with the keys they were given (restored from its database)
    const townAgain = await deliver(town, townKey, [
      { ...koelnRecord, key: 'bevoelkerung|SOZIALRAUM|1|2012', version: 50, areaLevel: 'SOZIALRAUM', areaCode: '1', observations: [{ measure: 'einwohner', dimensions: {}, value: townSr1 + 7 }] },
    ]);
    expect(townAgain.status, await townAgain.clone().text()).toBe(200);
    expect(((await townAgain.json()) as { records: { status: string }[] }).records[0]!.status).toBe('unchanged');
    await d!.platform.projections.caughtUp();
    expect(await einwohner(d!.url, 'STADTTEIL', '101')).toBe(777);
  });

  it("removes a tenant's databases and topics when its creation is undone", async () => {
    await stop();
    await dropServersTenantStores(config, 'musterstadt');
    const pg = createPgDatabase({ url: postgres.url, max: 1 });
    const ch = createClickHouseWarehouse({ url: chdb.url });
    const log = createKafkaEventLog({ brokers: kafka.brokers, clientId: 'servers-tenants-drop' });
    try {
      expect((await pg.query("SELECT 1 FROM pg_database WHERE datname = 'sp_tenant_musterstadt'")).rows).toEqual([]);
      expect(await ch.query("SELECT name FROM system.databases WHERE name = 'sp_tenant_musterstadt'")).toEqual([]);
      const admin = await log.admin();
      expect((await admin.listTopics()).filter((t) => t.startsWith('tenant.musterstadt.'))).toEqual([]);
      expect(await admin.listTopics()).toContain('records.area-statistic');
    } finally {
      await Promise.all([pg.close(), ch.close(), log.close()]);
    }
  });
});
