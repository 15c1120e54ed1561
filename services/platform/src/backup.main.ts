// `pnpm data:backup <target>`: an online backup of the embedded data directory (SP_DATA_DIR), its
// tenants included, into
// a new or empty directory, while the platform runs and deliveries continue (data-dir.backup.ts,
// docs/backup.md). Exit 0 with the cut printed; 2 for a refusal (message says why).
import { loadConfig } from './config.js';
import { BackupError, backupDataDir } from './data-dir.backup.js';

const target = process.argv[2];
if (!target) {
  process.stderr.write('usage: pnpm data:backup <target directory>   (SP_DATA_DIR names the data directory; the target must be new or empty)\n');
  process.exit(2);
}
const config = loadConfig();
if (config.SP_ENGINES !== 'embedded') {
  process.stderr.write('data:backup backs up the embedded data directory; with SP_ENGINES=servers use the engines\' own tools (docs/backup.md, "Servers mode")\n');
  process.exit(2);
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
