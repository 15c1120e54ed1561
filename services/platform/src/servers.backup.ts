// Logical backup and restore of a servers-mode deployment (SP_ENGINES=servers: Kafka, PostgreSQL,
// ClickHouse), for an operator without a Kafka or PostgreSQL administrator (docs/backup.md,
// "Servers mode"). Kafka's topics are the source of truth; PostgreSQL holds projections and state
// that is not in the log (sign-in, API keys, the registry of tenants, the delivery audit); ClickHouse
// holds projections only and is rebuilt, not copied.
//
// The backup, while the platform runs: (1) the cut — every topic's end offset, for the default tenant
// and every registered tenant — first, (2) then pg_dump of the default tenant's database and of each
// tenant's, (3) then each topic's records up to the cut. So every event of the copied log was
// appended before the dump began: everything the dump knows of it (its version record, its delivery's
// audit row, the tenant it belongs to, its Amt's key) is in the dump. The dump may be ahead of the cut
// by what was delivered meanwhile; the restore replaces the version records by the log's and drops
// the audit rows of deliveries past the cut (ingest.rebuild.ts, `replace`), and replays the other
// projections. The other order would leave log events whose tenant, keys or audit the dump lacks.
//
// The restore, into empty servers: checks every file, refuses servers that hold the topics' records
// or the platform's tables, pg_restore, creates the topics as the platform does (partitions as in the
// source, retention unlimited), produces every record back into its partition in offset order (keys,
// values, headers and timestamps byte for byte), reads them back and compares counts and checksums
// with the manifest, then rebuilds as `pnpm data:rebuild` does (servers-rebuild.ts).
//
// Layout of a backup directory:
//   manifest.json                       written last: the cut, each partition's count and checksum, every file's SHA-256
//   postgres/<tenant>.dump              pg_dump --format=custom of the tenant's database
//   topics/<topic>/<partition>.jsonl    one record per line: offset, timestamp, key, value, headers (bytes in base64)
import { createWriteStream, mkdirSync, readFileSync, renameSync, statSync, writeFileSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import { createPgDatabase } from '@sp/database-pg';
import { createKafkaEventLog, produceRecords, type RawRecord, RecordDigest, readTopicsUpTo, type TopicCut } from '@sp/eventlog-kafka';
import { tenantIdSchema } from '@sp/tenancy';
import { z } from 'zod';
import type { PlatformConfig } from './config.js';
import { BackupError, MANIFEST_FILE, refuseNonEmpty, sha256 } from './data-dir.backup.js';
import { runPgProgram } from './pg-tools.js';
import { step } from './progress.js';
import { rebuildServers } from './servers-rebuild.js';
import { defaultTenantId } from './tenants/deployment.js';
import { tenantPostgres, tenantTopicPrefix } from './tenants/tenant-engines.servers.js';
import { TenantRepository } from './tenants/tenant.repository.js';

export const SERVERS_BACKUP_FORMAT = 1;
const KIND = 'sozialplanung-servers-backup';

const partitionSchema = z.object({
  partition: z.number().int().min(0),
  /** the source's log start and end (exclusive) at the cut */
  start: z.string().regex(/^\d+$/),
  end: z.string().regex(/^\d+$/),
  count: z.number().int().min(0),
  /** RecordDigest of the partition's records (content, not offsets) */
  checksum: z.string().regex(/^[0-9a-f]{64}$/),
  file: z.string().min(1),
});
const manifestSchema = z.object({
  kind: z.literal(KIND),
  backupFormat: z.number().int(),
  createdAt: z.string(),
  /** when the end offsets were read: the cut */
  cutAt: z.string(),
  source: z.object({ brokers: z.string(), database: z.string() }),
  tenants: z.array(z.object({ id: tenantIdSchema, database: z.string(), dump: z.string() })),
  topics: z.array(z.object({ name: z.string().min(1), tenant: tenantIdSchema, partitions: z.array(partitionSchema).min(1) })),
  files: z.array(z.object({ path: z.string().min(1), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  /** topics on the broker not backed up, and why */
  skipped: z.array(z.object({ topic: z.string(), reason: z.string() })).default([]),
});
export type ServersBackupManifest = z.infer<typeof manifestSchema>;

export interface ServersBackupOptions {
  /** runs between the cut and the dump (tests: a delivery in that window, which the dump sees and the copied log does not) */
  afterCut?: () => Promise<void>;
}

/** host, port and database of a URL, without user or password: what the manifest says of the source */
function describeUrl(url: string): string {
  const u = new URL(url);
  return `${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
}

const kafkaOf = (config: PlatformConfig, clientId: string) => createKafkaEventLog({ brokers: config.KAFKA_BROKERS!.split(','), clientId });
const copyOptions = (config: PlatformConfig, clientId: string) => ({ brokers: config.KAFKA_BROKERS!.split(','), clientId });

function toLine(r: RawRecord): string {
  return `${JSON.stringify({
    o: r.offset.toString(),
    t: r.timestamp,
    k: r.key === null ? null : r.key.toString('base64'),
    v: r.value === null ? null : r.value.toString('base64'),
    h: r.headers.map(([name, value]) => [name, value.toString('base64')]),
  })}\n`;
}

const lineSchema = z.object({ o: z.string().regex(/^\d+$/), t: z.string(), k: z.string().nullable(), v: z.string().nullable(), h: z.array(z.tuple([z.string(), z.string()])) });

function fromLine(line: string): RawRecord {
  const l = lineSchema.parse(JSON.parse(line));
  return {
    offset: BigInt(l.o),
    timestamp: l.t,
    key: l.k === null ? null : Buffer.from(l.k, 'base64'),
    value: l.v === null ? null : Buffer.from(l.v, 'base64'),
    headers: l.h.map(([name, value]) => [name, Buffer.from(value, 'base64')] as [string, Buffer]),
  };
}

function readRecords(path: string): RawRecord[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map(fromLine);
}

/** the registered tenants other than the default (none when the registry was never created) */
async function registeredTenants(config: PlatformConfig): Promise<string[]> {
  const db = createPgDatabase({ url: config.DATABASE_URL!, max: 1 });
  try {
    const { rows } = await db.query<{ t: string | null }>(`SELECT to_regclass('platform_tenants')::text AS t`);
    if (!rows[0]?.t) return [];
    return (await new TenantRepository(db).list()).map((t) => t.id).filter((id) => id !== defaultTenantId);
  } finally {
    await db.close();
  }
}

/** Takes a logical backup of the servers `config` names into the new or empty directory `target`. */
export async function backupServers(config: PlatformConfig, target: string, options: ServersBackupOptions = {}): Promise<ServersBackupManifest> {
  refuseNonEmpty(target, 'backup target');
  const tenants = await registeredTenants(config);
  const log = kafkaOf(config, 'platform-backup');
  const topics: ServersBackupManifest['topics'] = [];
  const skipped: ServersBackupManifest['skipped'] = [];
  let cutAt: string;
  try {
    // (1) the cut, before anything else
    const names = (await log.adminCall('listing topics', (admin) => admin.listTopics())).sort();
    for (const name of names) {
      // Kafka's own (__consumer_offsets, …)
      if (name.startsWith('_')) continue;
      const tenant = name.startsWith('tenant.') ? tenants.find((id) => name.startsWith(tenantTopicPrefix(id))) : defaultTenantId;
      if (!tenant) {
        skipped.push({ topic: name, reason: 'a tenant topic of no registered tenant (one removed, or one being created right now)' });
        continue;
      }
      const offsets = await log.adminCall(`reading the offsets of ${name}`, (admin) => admin.fetchTopicOffsets(name), name);
      topics.push({
        name,
        tenant,
        partitions: offsets
          .sort((a, b) => a.partition - b.partition)
          .map((o) => ({ partition: o.partition, start: o.low, end: o.high, count: 0, checksum: '', file: join('topics', name, `${o.partition}.jsonl`) })),
      });
    }
    cutAt = new Date().toISOString();
  } finally {
    await log.close();
  }
  await options.afterCut?.();
  mkdirSync(join(target, 'postgres'), { recursive: true });
  // (2) the databases, after the cut
  const dumps: ServersBackupManifest['tenants'] = [];
  for (const id of [defaultTenantId, ...tenants]) {
    const { name: database, url } = tenantPostgres(config, id, defaultTenantId);
    const dump = join('postgres', `${id}.dump`);
    step(`PostgreSQL-Datenbank ${database} sichern (pg_dump)`);
    // the presence of the running processes and tenant creations under way are no state to restore
    await runPgProgram('pg_dump', url, ['--format=custom', '--exclude-table-data=platform_replicas', '--exclude-table-data=platform_tenant_claims', `--file=${join(target, dump)}`]);
    dumps.push({ id, database, dump });
  }
  // (3) the records up to the cut
  step(`${topics.length} Kafka-Topics bis zum Schnitt exportieren`);
  const streams = new Map<string, WriteStream>();
  const digests = new Map<string, RecordDigest>();
  for (const t of topics) {
    mkdirSync(join(target, 'topics', t.name), { recursive: true });
    for (const p of t.partitions) {
      const key = `${t.name}/${p.partition}`;
      digests.set(key, new RecordDigest());
      streams.set(key, createWriteStream(join(target, p.file)));
    }
  }
  try {
    await readTopicsUpTo(copyOptions(config, 'platform-backup-export'), cutsOf(topics), async (topic, partition, record) => {
      const key = `${topic}/${partition}`;
      digests.get(key)!.update(record);
      const stream = streams.get(key)!;
      if (!stream.write(toLine(record))) await new Promise<void>((resolve) => stream.once('drain', resolve));
    });
  } finally {
    await Promise.all([...streams.values()].map((s) => new Promise<void>((resolve, reject) => s.end((error?: Error | null) => (error ? reject(error) : resolve())))));
  }
  for (const t of topics) {
    for (const p of t.partitions) {
      const digest = digests.get(`${t.name}/${p.partition}`)!;
      p.count = digest.count;
      p.checksum = digest.digest();
    }
  }
  const files = [...dumps.map((d) => d.dump), ...topics.flatMap((t) => t.partitions.map((p) => p.file))];
  const manifest: ServersBackupManifest = {
    kind: KIND,
    backupFormat: SERVERS_BACKUP_FORMAT,
    createdAt: new Date().toISOString(),
    cutAt,
    source: { brokers: config.KAFKA_BROKERS!, database: describeUrl(config.DATABASE_URL!) },
    tenants: dumps,
    topics,
    files: files.map((path) => ({ path, bytes: statSync(join(target, path)).size, sha256: sha256(join(target, path)) })),
    skipped,
  };
  // the manifest last: a backup cut off before it is recognisably incomplete
  const tmp = join(target, `.${MANIFEST_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(target, MANIFEST_FILE));
  return manifest;
}

function cutsOf(topics: ServersBackupManifest['topics']): TopicCut[] {
  return topics.map((t) => ({ topic: t.name, partitions: t.partitions.map((p) => ({ partition: p.partition, start: BigInt(p.start), end: BigInt(p.end) })) }));
}

/** Reads and checks a servers backup: manifest, every file's size and SHA-256, each partition's count and checksum. */
export function checkServersBackup(backup: string): ServersBackupManifest {
  const path = join(backup, MANIFEST_FILE);
  let raw: { kind?: unknown };
  try {
    raw = JSON.parse(readFileSync(path, 'utf8')) as { kind?: unknown };
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') {
      throw new BackupError('INCOMPLETE_BACKUP', `${backup} has no ${MANIFEST_FILE}: not a backup, or one that was cut off before it finished; take a new backup`);
    }
    throw new BackupError('DAMAGED_BACKUP', `${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (raw.kind === 'sozialplanung-backup') {
    throw new BackupError('WRONG_KIND', `${backup} is a backup of an embedded data directory: restore it without SP_ENGINES=servers (pnpm data:restore <backup> <new data directory>)`);
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) throw new BackupError('DAMAGED_BACKUP', `${path} is not a valid servers backup manifest: ${parsed.error.message}`);
  const manifest = parsed.data;
  if (manifest.backupFormat > SERVERS_BACKUP_FORMAT) {
    throw new BackupError('NEWER_BACKUP', `${backup} was written by a newer release (servers backup format ${manifest.backupFormat}); this release restores format ${SERVERS_BACKUP_FORMAT}`);
  }
  for (const file of manifest.files) {
    const full = join(backup, file.path);
    if (file.path.split(/[\\/]/).includes('..')) throw new BackupError('DAMAGED_BACKUP', `${path} names a file outside the backup: ${file.path}`);
    let bytes: number;
    try {
      bytes = statSync(full).size;
    } catch {
      throw new BackupError('INCOMPLETE_BACKUP', `${backup}: ${file.path} is missing (the manifest lists it); the backup cannot be restored`);
    }
    if (bytes !== file.bytes) throw new BackupError('DAMAGED_BACKUP', `${backup}: ${file.path} has ${bytes} bytes, the manifest says ${file.bytes}; the backup is damaged`);
    if (sha256(full) !== file.sha256) throw new BackupError('DAMAGED_BACKUP', `${backup}: ${file.path} does not match its SHA-256 in the manifest; the backup is damaged`);
  }
  const listed = new Set(manifest.files.map((f) => f.path));
  for (const t of manifest.topics)
    for (const p of t.partitions) if (!listed.has(p.file)) throw new BackupError('DAMAGED_BACKUP', `${path}: ${p.file} (${t.name}/${p.partition}) is not among its files`);
  for (const d of manifest.tenants) if (!listed.has(d.dump)) throw new BackupError('DAMAGED_BACKUP', `${path}: ${d.dump} (the database of ${d.id}) is not among its files`);
  // each partition's records as the manifest counts them, before anything is written (the same check runs on Kafka after the restore)
  for (const t of manifest.topics) {
    for (const p of t.partitions) {
      const digest = new RecordDigest();
      try {
        for (const record of readRecords(join(backup, p.file))) digest.update(record);
      } catch (error) {
        throw new BackupError('DAMAGED_BACKUP', `${backup}: ${p.file} holds a line that is not a record: ${(error as Error).message}`);
      }
      if (digest.count !== p.count || digest.digest() !== p.checksum) {
        throw new BackupError(
          'DAMAGED_BACKUP',
          `${backup}: ${p.file} holds ${digest.count} records${digest.count === p.count ? ' with another checksum' : ''}; the manifest says ${p.count} for ${t.name}/${p.partition}`,
        );
      }
    }
  }
  return manifest;
}

/** Everything in the target servers that a restore would collide with; empty when they are empty. */
async function occupied(config: PlatformConfig, manifest: ServersBackupManifest): Promise<string[]> {
  const found: string[] = [];
  const log = kafkaOf(config, 'platform-restore-check');
  try {
    const existing = new Set(await log.adminCall('listing topics', (admin) => admin.listTopics()));
    for (const t of manifest.topics) {
      if (!existing.has(t.name)) continue;
      const offsets = await log.adminCall(`reading the offsets of ${t.name}`, (admin) => admin.fetchTopicOffsets(t.name), t.name);
      const records = offsets.reduce((n, o) => n + (BigInt(o.high) - BigInt(o.low)), 0n);
      if (records > 0n) found.push(`topic ${t.name} holds ${records} records`);
      else if (offsets.length !== t.partitions.length) found.push(`topic ${t.name} exists with ${offsets.length} partitions, the backup's has ${t.partitions.length}`);
    }
  } finally {
    await log.close();
  }
  const admin = createPgDatabase({ url: config.DATABASE_URL!, max: 1 });
  try {
    for (const tenant of manifest.tenants) {
      const own = tenant.id === defaultTenantId;
      const { name, url } = tenantPostgres(config, tenant.id, defaultTenantId);
      if (!own && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length === 0) continue;
      const db = own ? admin : createPgDatabase({ url, max: 1 });
      try {
        const { rows } = await db.query<{ table_name: string }>(`SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name`);
        if (rows.length > 0)
          found.push(
            `database ${name} holds ${rows.length} tables (${rows
              .slice(0, 3)
              .map((r) => r.table_name)
              .join(', ')}${rows.length > 3 ? ', …' : ''})`,
          );
      } finally {
        if (!own) await db.close();
      }
    }
  } finally {
    await admin.close();
  }
  return found;
}

export interface ServersRestoreResult {
  manifest: ServersBackupManifest;
  records: number;
  /** records that landed at another offset than in the source (0 for the platform's own topics) */
  shifted: number;
  tenants: string[];
}

/**
 * Restores a servers backup into the empty servers `config` names and rebuilds the warehouses.
 * BackupError: refused before anything was written (exit 2), or VERIFY_FAILED after the records
 * were produced (the copy in Kafka differs from the backup: do not start the platform on it).
 */
export async function restoreServers(config: PlatformConfig, backup: string): Promise<ServersRestoreResult> {
  const manifest = checkServersBackup(backup);
  const collisions = await occupied(config, manifest);
  if (collisions.length > 0) {
    throw new BackupError(
      'TARGET_NOT_EMPTY',
      `the servers are not empty: ${collisions.join('; ')}. Restore into a new PostgreSQL database (DATABASE_URL) and a Kafka cluster without these topics, or delete them first (nothing was written)`,
    );
  }
  // PostgreSQL: the default tenant's database is DATABASE_URL's; each tenant's is created beside it
  const admin = createPgDatabase({ url: config.DATABASE_URL!, max: 1 });
  try {
    for (const tenant of manifest.tenants) {
      const own = tenant.id === defaultTenantId;
      const { name, url } = tenantPostgres(config, tenant.id, defaultTenantId);
      step(`PostgreSQL-Datenbank ${name} zurückspielen (pg_restore)`);
      if (!own && (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rows.length === 0) await admin.query(`CREATE DATABASE "${name}"`);
      // owners and grants of the source's roles are not carried over: the target's user owns everything
      await runPgProgram('pg_restore', url, ['--no-owner', '--no-acl', '--exit-on-error', '--single-transaction', join(backup, tenant.dump)]);
    }
  } finally {
    await admin.close();
  }
  // Kafka: the topics as the platform creates them (ensureTopics: unlimited retention), each record into its partition
  step(`${manifest.topics.length} Kafka-Topics anlegen und ihre Ereignisse zurückspielen`);
  const log = kafkaOf(config, 'platform-restore');
  try {
    await log.ensureTopics(manifest.topics.map((t) => ({ name: t.name, partitions: t.partitions.length })));
  } finally {
    await log.close();
  }
  const { records, shifted } = await produceRecords(
    copyOptions(config, 'platform-restore'),
    manifest.topics.flatMap((t) => t.partitions.filter((p) => p.count > 0).map((p) => ({ topic: t.name, partition: p.partition, records: () => readRecords(join(backup, p.file)) }))),
  );
  // verify: what Kafka holds now, read back, against the manifest
  step('Zurückgespielte Ereignisse prüfen (Anzahl und Prüfsumme je Partition)');
  await verifyTopics(config, manifest);
  process.stdout.write(`  ✓ ${records} Ereignisse in ${manifest.topics.reduce((n, t) => n + t.partitions.length, 0)} Partitionen geprüft: Anzahl und Prüfsumme wie in der Sicherung\n`);
  // the read models: every warehouse from its log, the version records replaced by the log's (the dump may be ahead of the cut)
  const tenants = await rebuildServers(config, { versionRecords: true });
  return { manifest, records, shifted, tenants };
}

/**
 * Reads every topic of the backup back from the servers `config` names and compares each
 * partition's count and checksum with the manifest; throws BackupError VERIFY_FAILED naming the
 * partitions that differ.
 */
export async function verifyTopics(config: PlatformConfig, manifest: ServersBackupManifest): Promise<void> {
  const digests = new Map<string, RecordDigest>();
  for (const t of manifest.topics) for (const p of t.partitions) digests.set(`${t.name}/${p.partition}`, new RecordDigest());
  const check = kafkaOf(config, 'platform-restore-verify');
  const restoredCuts: TopicCut[] = [];
  try {
    // one topic after the other: kafkajs keeps one metadata per client (KafkaEventLog.adminCall)
    for (const t of manifest.topics) {
      const offsets = await check.adminCall(`reading the offsets of ${t.name}`, (a) => a.fetchTopicOffsets(t.name), t.name);
      restoredCuts.push({ topic: t.name, partitions: offsets.map((o) => ({ partition: o.partition, start: BigInt(o.low), end: BigInt(o.high) })) });
    }
  } finally {
    await check.close();
  }
  await readTopicsUpTo(copyOptions(config, 'platform-restore-verify'), restoredCuts, (topic, partition, record) => digests.get(`${topic}/${partition}`)?.update(record));
  const differences: string[] = [];
  for (const t of manifest.topics) {
    for (const p of t.partitions) {
      const digest = digests.get(`${t.name}/${p.partition}`)!;
      const count = digest.count;
      const checksum = digest.digest();
      if (count !== p.count) differences.push(`${t.name}/${p.partition}: ${count} records, the backup has ${p.count}`);
      else if (checksum !== p.checksum) differences.push(`${t.name}/${p.partition}: the records differ from the backup's (checksum)`);
    }
  }
  if (differences.length > 0) {
    throw new BackupError(
      'VERIFY_FAILED',
      `the restored topics do not match the backup: ${differences.slice(0, 10).join('; ')}${differences.length > 10 ? ` (and ${differences.length - 10} more)` : ''}. Do not start the platform on them; empty the servers and restore again`,
    );
  }
}
