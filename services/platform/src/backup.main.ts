// `pnpm data:backup <target>`: an online backup of the embedded data directory (SP_DATA_DIR), its
// tenants included, into
// a new or empty directory, while the platform runs and deliveries continue (data-dir.backup.ts,
// docs/backup.md). With SP_ENGINES=servers a logical backup of the servers instead: the topics' cut,
// pg_dump of the databases, the topics' records up to the cut (servers.backup.ts).
// Exit 0 with the cut printed; 2 for a refusal (message says why).
import { loadConfig } from './config.js';
import { BackupError, backupDataDir } from './data-dir.backup.js';
import { backupServers } from './servers.backup.js';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: pnpm data:backup <target directory>   (SP_DATA_DIR names the data directory, or SP_ENGINES=servers the servers; the target must be new or empty)\n');
  process.exit(2);
}
const config = loadConfig();
if (config.SP_ENGINES === 'servers') {
  try {
    const started = Date.now();
    const manifest = await backupServers(config, target);
    const records = manifest.topics.reduce((n, t) => n + t.partitions.reduce((m, p) => m + p.count, 0), 0);
    process.stdout.write(
      `Sicherung der Server nach ${target}: ${records} Ereignisse in ${manifest.topics.length} Topics bis zum Schnitt (${manifest.cutAt}), ${manifest.tenants.length} Datenbanken (${Date.now() - started} ms)\n`,
    );
    for (const t of manifest.topics) for (const p of t.partitions) if (p.count > 0) process.stdout.write(`  ${t.name}/${p.partition}: bis Offset ${p.end} (${p.count} Ereignisse)\n`);
    for (const s of manifest.skipped) process.stderr.write(`  nicht gesichert: Topic ${s.topic} (${s.reason})\n`);
    process.exit(0);
  } catch (error) {
    if (!(error instanceof BackupError)) throw error;
    process.stderr.write(`Sicherung abgelehnt (${error.code}): ${error.message}\n`);
    process.exit(2);
  }
}
try {
  const started = Date.now();
  const manifest = await backupDataDir(config.dataDir, target);
  process.stdout.write(`Sicherung von ${config.dataDir} nach ${target}: ${manifest.records} Ereignisse bis zum Schnitt, ${manifest.files.length} Dateien (${Date.now() - started} ms)\n`);
  for (const [partition, end] of Object.entries(manifest.cut)) if (end !== '0') process.stdout.write(`  ${partition}: bis Offset ${end}\n`);
  for (const tenant of manifest.tenants) process.stdout.write(`  Mandant ${tenant.id}: ${tenant.records} Ereignisse bis zum Schnitt\n`);
  for (const s of manifest.skipped) process.stderr.write(`  nicht gesichert: ${s.path} (${s.reason})\n`);
} catch (error) {
  if (!(error instanceof BackupError)) throw error;
  process.stderr.write(`Sicherung abgelehnt (${error.code}): ${error.message}\n`);
  process.exit(2);
}
