// Online backup and restore of the embedded data directory (docs/backup.md).
// The event log is the source of truth; chDB (indicator warehouse) and PGlite (version records,
// registry, controlling, dead letters) are projections of it. A backup is therefore a consistent
// cut of the committed log (taken while the platform appends; see @sp/eventlog-embedded's
// snapshotCommittedLog) plus what is not in the log and cannot be derived from it: the Ämter' API
// keys, the sign-in's users, signing keys and secrets (identity/), the record-key secret (the cell-key perturbation depends on it, so
// without it the restored indicator values would differ). The projections are not copied: a
// restore lays down the log and rebuilds them from it, so they reflect exactly the cut.
// Every tenant of the deployment the same way (backup format 2): each has a log, keys and secrets of
// its own in <data>/tenants/<id>/, and its definition there (tenant.json, tenants/tenant-file.ts).
// Layout of a backup directory:
//   manifest.json     written last: format, cut (end offset per partition), files with size + SHA-256,
//                     and each tenant's cut
//   eventlog/…        the log's copy (topics.json, commits.log, topics/<topic>/<partition>.log)
//   api-keys.json, identity/…, record-key-secret, admin-token   as far as the data directory has them
//   tenants/<id>/     tenant.json, eventlog/…, its api-keys.json, identity/…, record-key-secret
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { snapshotCommittedLog } from '@sp/eventlog-embedded';
import { tenantIdSchema } from '@sp/tenancy';
import { z } from 'zod';
import { DATA_DIR_FORMAT, FORMAT_FILE, formatFileContent, readDataDirFormat } from './data-dir.format.js';
import { TENANT_FILE } from './tenants/tenant-file.js';

/** 2: with the deployment's tenants (tenants/<id>/…); a backup of format 1 has the default tenant only */
export const BACKUP_FORMAT = 2;
export const MANIFEST_FILE = 'manifest.json';
/** kept in the data directory next to the engines' files; not derivable from the log */
const secretFiles = [
  'api-keys.json',
  'record-key-secret',
  // the embedded provider (docs/auth.md): without them the users and their sessions' keys were lost
  'identity/users.json',
  // the users deleted (their tokens stay refused until they expire)
  'identity/deleted-users.json',
  'identity/signing-keys.json',
  'identity/dashboard-client-secret',
  'identity/provider-cookie-secret',
] as const;
/** the deployment's own: the admin API's token (a tenant has none) */
const deploymentFiles = ['admin-token'] as const;

const manifestSchema = z.object({
  kind: z.literal('sozialplanung-backup'),
  backupFormat: z.number().int(),
  dataFormat: z.number().int(),
  createdAt: z.string(),
  source: z.string(),
  cut: z.record(z.string(), z.string()),
  records: z.number().int().min(0),
  files: z.array(z.object({ path: z.string().min(1), bytes: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  /** the tenants other than the default, each with its own cut (none in backup format 1) */
  tenants: z.array(z.object({ id: tenantIdSchema, cut: z.record(z.string(), z.string()), records: z.number().int().min(0) })).default([]),
  /** tenant directories not backed up, and why */
  skipped: z.array(z.object({ path: z.string(), reason: z.string() })).default([]),
});
export type BackupManifest = z.infer<typeof manifestSchema>;

/** An expected error of the operator's commands: the message says what is wrong and what to do. */
export class BackupError extends Error {
  constructor(
    readonly code: 'TARGET_NOT_EMPTY' | 'NOT_A_DATA_DIR' | 'INCOMPLETE_BACKUP' | 'DAMAGED_BACKUP' | 'NEWER_BACKUP' | 'WRONG_KIND' | 'VERIFY_FAILED',
    message: string,
  ) {
    super(message);
    this.name = 'BackupError';
  }
}

export function refuseNonEmpty(dir: string, what: string): void {
  if (existsSync(dir) && (!statSync(dir).isDirectory() || readdirSync(dir).length > 0)) {
    throw new BackupError('TARGET_NOT_EMPTY', `${what} ${dir} is not an empty directory; name a new or empty directory (nothing was written)`);
  }
}

export function sha256(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** The log's cut and the secret files of one tenant's directory (the data directory itself for the default tenant), into `target`/`under`. */
async function backupTenantDir(dir: string, target: string, under: string, names: readonly string[]): Promise<{ cut: Record<string, string>; records: number; files: string[] }> {
  const cut = await snapshotCommittedLog(join(dir, 'eventlog'), join(target, under, 'eventlog'));
  const files = cut.files.map((f) => join(under, 'eventlog', f));
  for (const name of names) {
    if (!existsSync(join(dir, name))) continue;
    mkdirSync(dirname(join(target, under, name)), { recursive: true });
    copyFileSync(join(dir, name), join(target, under, name));
    files.push(join(under, name));
  }
  return { cut: cut.ends, records: cut.records, files };
}

const hasLog = (dir: string) => existsSync(join(dir, 'eventlog', 'topics.json')) || existsSync(join(dir, 'eventlog', 'commits.log'));

/** Takes an online backup of `dataDir` and every tenant in it into the new or empty directory `target`. */
export async function backupDataDir(dataDir: string, target: string): Promise<BackupManifest> {
  if (!hasLog(dataDir)) {
    throw new BackupError('NOT_A_DATA_DIR', `${dataDir} holds no event log (eventlog/topics.json); SP_DATA_DIR must name the platform's data directory`);
  }
  refuseNonEmpty(target, 'backup target');
  mkdirSync(target, { recursive: true });
  const own = await backupTenantDir(dataDir, target, '', [...secretFiles, ...deploymentFiles]);
  const files = own.files;
  const tenants: BackupManifest['tenants'] = [];
  const skipped: BackupManifest['skipped'] = [];
  const tenantsDir = join(dataDir, 'tenants');
  for (const id of existsSync(tenantsDir) ? readdirSync(tenantsDir).sort() : []) {
    const dir = join(tenantsDir, id);
    // .template (an initialised PGlite to copy) and anything else that is no tenant's directory
    if (id.startsWith('.') || !statSync(dir).isDirectory()) continue;
    if (!existsSync(join(dir, TENANT_FILE))) {
      skipped.push({ path: join('tenants', id), reason: `no ${TENANT_FILE}: a tenant being created or removed right now, or one the platform of this release has not started with yet` });
      continue;
    }
    if (!hasLog(dir)) {
      skipped.push({ path: join('tenants', id), reason: 'no event log yet: the tenant has not been opened since it was created' });
      continue;
    }
    const under = join('tenants', id);
    const part = await backupTenantDir(dir, target, under, [TENANT_FILE, ...secretFiles]);
    tenants.push({ id, cut: part.cut, records: part.records });
    files.push(...part.files);
  }
  const manifest: BackupManifest = {
    kind: 'sozialplanung-backup',
    backupFormat: BACKUP_FORMAT,
    dataFormat: readDataDirFormat(dataDir) ?? DATA_DIR_FORMAT,
    createdAt: new Date().toISOString(),
    source: dataDir,
    cut: own.cut,
    records: own.records,
    files: files.map((path) => ({ path, bytes: statSync(join(target, path)).size, sha256: sha256(join(target, path)) })),
    tenants,
    skipped,
  };
  // the manifest last: a backup cut off before it is recognisably incomplete
  const tmp = join(target, `.${MANIFEST_FILE}.tmp`);
  writeFileSync(tmp, `${JSON.stringify(manifest, null, 2)}\n`);
  renameSync(tmp, join(target, MANIFEST_FILE));
  return manifest;
}

/** Reads and checks a backup (manifest, every file's size and SHA-256); throws BackupError naming the first problem. */
export function checkBackup(backup: string): BackupManifest {
  const path = join(backup, MANIFEST_FILE);
  if (!existsSync(path)) {
    throw new BackupError('INCOMPLETE_BACKUP', `${backup} has no ${MANIFEST_FILE}: not a backup, or one that was cut off before it finished; take a new backup`);
  }
  let manifest: BackupManifest;
  try {
    const raw = JSON.parse(readFileSync(path, 'utf8')) as { kind?: unknown };
    if (raw.kind === 'sozialplanung-servers-backup') {
      throw new BackupError(
        'WRONG_KIND',
        `${backup} is a backup of a servers-mode deployment (Kafka, PostgreSQL): restore it with SP_ENGINES=servers and the servers' variables (docs/backup.md, "Servers mode")`,
      );
    }
    manifest = manifestSchema.parse(raw);
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError('DAMAGED_BACKUP', `${path} is not a valid backup manifest: ${(error as Error).message}`);
  }
  if (manifest.backupFormat > BACKUP_FORMAT || manifest.dataFormat > DATA_DIR_FORMAT) {
    throw new BackupError(
      'NEWER_BACKUP',
      `${backup} was written by a newer release (backup format ${manifest.backupFormat}, data format ${manifest.dataFormat}); this release restores backup format ${BACKUP_FORMAT}, data format up to ${DATA_DIR_FORMAT}`,
    );
  }
  for (const file of manifest.files) {
    const full = join(backup, file.path);
    if (file.path.split(/[\\/]/).includes('..')) throw new BackupError('DAMAGED_BACKUP', `${path} names a file outside the backup: ${file.path}`);
    if (!existsSync(full)) throw new BackupError('INCOMPLETE_BACKUP', `${backup}: ${file.path} is missing (the manifest lists it); the backup cannot be restored`);
    const bytes = statSync(full).size;
    if (bytes !== file.bytes) throw new BackupError('DAMAGED_BACKUP', `${backup}: ${file.path} has ${bytes} bytes, the manifest says ${file.bytes}; the backup is damaged`);
    if (sha256(full) !== file.sha256) throw new BackupError('DAMAGED_BACKUP', `${backup}: ${file.path} does not match its SHA-256 in the manifest; the backup is damaged`);
  }
  return manifest;
}

/**
 * Lays a checked backup down in the new or empty directory `dataDir`: the log and the secrets.
 * The read models are rebuilt from the log when the platform opens the directory (restore.main.ts
 * does that right away).
 */
export function restoreFiles(backup: string, dataDir: string): BackupManifest {
  refuseNonEmpty(dataDir, 'restore target');
  const manifest = checkBackup(backup);
  mkdirSync(dataDir, { recursive: true });
  mkdirSync(join(dataDir, 'eventlog', 'groups'), { recursive: true });
  for (const tenant of manifest.tenants) mkdirSync(join(dataDir, 'tenants', tenant.id, 'eventlog', 'groups'), { recursive: true });
  for (const file of manifest.files) {
    mkdirSync(dirname(join(dataDir, file.path)), { recursive: true });
    copyFileSync(join(backup, file.path), join(dataDir, file.path));
  }
  writeFileSync(join(dataDir, FORMAT_FILE), formatFileContent());
  return manifest;
}
