// `pnpm data:restore <backup> <new data dir>`: checks a backup (manifest, every file's SHA-256),
// lays its event log and secrets down in a new or empty directory and rebuilds every read model
// (version records, registry, controlling, indicator warehouse) from the log, with the same start
// the platform runs (the one composition). Then `SP_DATA_DIR=<new data dir> pnpm start`.
import 'reflect-metadata';
import { resolve } from 'node:path';
import { loadConfig } from './config.js';
import { BackupError, restoreFiles } from './data-dir.backup.js';
import { markDemoLoaded } from './demo.loader.js';
import { openEngines } from './engines.js';
import { startPlatform } from './platform.js';
import { step } from './progress.js';

const [backup, target] = process.argv.slice(2);
if (!backup || !target) {
  process.stderr.write('usage: pnpm data:restore <backup directory> <new data directory>   (the data directory must be new or empty)\n');
  process.exit(2);
}
let records: number;
try {
  step(`Sicherung ${backup} prüfen und nach ${target} zurückspielen`);
  const manifest = restoreFiles(backup, target);
  records = manifest.records;
  process.stdout.write(`  ✓ ${manifest.files.length} Dateien geprüft (SHA-256), ${manifest.records} Ereignisse bis zum Schnitt vom ${manifest.createdAt}\n`);
} catch (error) {
  if (!(error instanceof BackupError)) throw error;
  process.stderr.write(`Wiederherstellung abgelehnt (${error.code}): ${error.message}\n`);
  process.exit(2);
}
const config = loadConfig({ ...process.env, SP_DATA_DIR: resolve(target), SP_ENGINES: 'embedded' });
const engines = await openEngines(config, { rebuildDatabase: true });
const platform = await startPlatform({ ...config, SP_HOST: '127.0.0.1', SP_PORT: 0 }, engines);
// the demo marker lives in the database, not in the log: a restored directory with data must not get the demo loaded over it
if (records > 0) await markDemoLoaded(engines.database, `restored from ${resolve(backup)}`);
await platform.close();
await engines.close();
process.stdout.write(`Fertig. Start: SP_DATA_DIR=${resolve(target)} pnpm start\n`);
