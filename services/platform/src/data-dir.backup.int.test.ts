// The backup's files and the data directory's format on real files, without starting the platform
// (the whole round trip under load is test/e2e/backup-restore.e2e.test.ts): a backup's manifest
// lists every file with its SHA-256; a damaged, an incomplete backup and a non-empty target are
// refused and nothing is written; a restored log opens with the same events. A data directory of
// a newer format is refused, one without a format file but with data is format 1. Each tenant's
// directory with a definition and a log is backed up with its own cut; others are named, not copied.
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { tempDir } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { BackupError, backupDataDir, checkBackup, restoreFiles } from './data-dir.backup.js';
import { checkDataDirFormat, DataFormatError, FORMAT_FILE, readDataDirFormat } from './data-dir.format.js';

async function aDataDir(root: string, dataDir = join(root, 'data')): Promise<string> {
  const log = await openEmbeddedEventLog({ dir: join(dataDir, 'eventlog') });
  await log.ensureTopics([{ name: 'records.offer', partitions: 2 }]);
  await log.append(
    'records.offer',
    Array.from({ length: 10 }, (_, i) => ({ key: `k${i}`, value: new TextEncoder().encode(`v${i}`) })),
  );
  await log.close();
  writeFileSync(join(dataDir, 'api-keys.json'), '{"statistik":"sp_test_key"}', { mode: 0o600 });
  writeFileSync(join(dataDir, 'record-key-secret'), 'a-secret-of-the-record-keys', { mode: 0o600 });
  return dataDir;
}

const expectRefused = (run: () => unknown, code: BackupError['code'], message: RegExp) => {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(BackupError);
    expect((error as BackupError).code).toBe(code);
    expect((error as Error).message).toMatch(message);
    return;
  }
  throw new Error(`expected ${code}`);
};

describe('backup and restore files', () => {
  it("backs up each tenant's directory with its definition and its own cut; names what it leaves out and why", async () => {
    const root = tempDir('sp-backup-tenant-files-');
    const dataDir = await aDataDir(root);
    // a tenant: its own log, keys and definition
    const tenant = await aDataDir(root, join(dataDir, 'tenants', 'stadt-b'));
    writeFileSync(join(tenant, 'tenant.json'), '{"id":"stadt-b","name":"Stadt B","kind":"gemeinde","reference":"musterstadt","createdAt":"2026-12-06T00:00:00.000Z"}');
    // a tenant being created (no definition yet), one without a log, and the PGlite template: none is a tenant to back up
    mkdirSync(join(dataDir, 'tenants', 'stadt-c', 'postgres'), { recursive: true });
    mkdirSync(join(dataDir, 'tenants', 'stadt-d'), { recursive: true });
    writeFileSync(join(dataDir, 'tenants', 'stadt-d', 'tenant.json'), '{}');
    mkdirSync(join(dataDir, 'tenants', '.template', 'postgres'), { recursive: true });
    const manifest = await backupDataDir(dataDir, join(root, 'backup'));
    expect(manifest.backupFormat).toBe(2);
    expect(manifest.tenants).toEqual([{ id: 'stadt-b', cut: manifest.cut, records: 10 }]);
    expect(manifest.files.map((f) => f.path).filter((p) => p.startsWith('tenants/'))).toEqual(
      expect.arrayContaining(['tenants/stadt-b/tenant.json', 'tenants/stadt-b/api-keys.json', 'tenants/stadt-b/record-key-secret', 'tenants/stadt-b/eventlog/topics/records.offer/0.log']),
    );
    expect(manifest.skipped.map((s) => s.path)).toEqual(['tenants/stadt-c', 'tenants/stadt-d']);
    expect(manifest.skipped[0]!.reason).toMatch(/no tenant\.json/);
    expect(manifest.skipped[1]!.reason).toMatch(/no event log/);

    const restored = join(root, 'restored');
    restoreFiles(join(root, 'backup'), restored);
    const log = await openEmbeddedEventLog({ dir: join(restored, 'tenants', 'stadt-b', 'eventlog') });
    const ends = await log.endOffsets('records.offer');
    await log.close();
    expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(10n);
    expect(existsSync(join(restored, 'tenants', 'stadt-c'))).toBe(false);
  });

  it('writes a manifest with every file and restores a log with the same events', async () => {
    const root = tempDir('sp-backup-files-');
    const dataDir = await aDataDir(root);
    const manifest = await backupDataDir(dataDir, join(root, 'backup'));
    expect(manifest.records).toBe(10);
    expect(manifest.files.map((f) => f.path).sort()).toEqual(
      ['api-keys.json', 'eventlog/commits.log', 'eventlog/topics.json', 'eventlog/topics/records.offer/0.log', 'eventlog/topics/records.offer/1.log', 'record-key-secret'].sort(),
    );
    expect(checkBackup(join(root, 'backup')).cut).toEqual(manifest.cut);

    const restored = join(root, 'restored');
    restoreFiles(join(root, 'backup'), restored);
    expect(readFileSync(join(restored, 'record-key-secret'), 'utf8')).toBe('a-secret-of-the-record-keys');
    expect(readDataDirFormat(restored)).toBe(2);
    const log = await openEmbeddedEventLog({ dir: join(restored, 'eventlog') });
    const ends = await log.endOffsets('records.offer');
    await log.close();
    expect([...ends.values()].reduce((a, b) => a + b, 0n)).toBe(10n);
  });

  it('refuses a damaged backup, an incomplete one and a non-empty target, writing nothing', async () => {
    const root = tempDir('sp-backup-refused-');
    const dataDir = await aDataDir(root);
    const backup = join(root, 'backup');
    await backupDataDir(dataDir, backup);
    const target = join(root, 'never');

    const secret = join(backup, 'record-key-secret');
    writeFileSync(secret, 'b-secret-of-the-record-keys');
    expectRefused(() => restoreFiles(backup, target), 'DAMAGED_BACKUP', /record-key-secret does not match its SHA-256/);
    writeFileSync(secret, 'a-secret-of-the-record-keys');
    rmSync(join(backup, 'eventlog/topics.json'));
    expectRefused(() => restoreFiles(backup, target), 'INCOMPLETE_BACKUP', /eventlog\/topics\.json is missing/);
    rmSync(join(backup, 'manifest.json'));
    expectRefused(() => restoreFiles(backup, target), 'INCOMPLETE_BACKUP', /has no manifest\.json/);
    expect(existsSync(target)).toBe(false);

    await expect(backupDataDir(dataDir, backup)).rejects.toThrow(/backup target .* is not an empty directory/);
    await expect(backupDataDir(join(root, 'nothing'), join(root, 'b2'))).rejects.toThrow(/holds no event log/);
  });
});

describe('data directory format', () => {
  it('is null for a new directory, 1 for data without a format file, and refuses a newer one', () => {
    const root = tempDir('sp-format-');
    expect(checkDataDirFormat(join(root, 'new'))).toEqual({ found: null, action: 'new' });
    mkdirSync(join(root, 'old', 'eventlog'), { recursive: true });
    expect(checkDataDirFormat(join(root, 'old'))).toEqual({ found: 1, action: 'migrate' });
    writeFileSync(join(root, 'old', FORMAT_FILE), '{"format": 3}');
    expect(() => checkDataDirFormat(join(root, 'old'))).toThrow(DataFormatError);
    expect(() => checkDataDirFormat(join(root, 'old'))).toThrow(/has format 3 .*written by a newer release; this release reads formats 1 to 2/);
    writeFileSync(join(root, 'old', FORMAT_FILE), 'not json');
    expect(() => checkDataDirFormat(join(root, 'old'))).toThrow(/is not a valid format file/);
  });
});
