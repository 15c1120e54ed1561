// `pnpm data:restore <backup> <new data dir>`: checks a backup (manifest, every file's SHA-256),
// lays its event logs and secrets down in a new or empty directory, registers its tenants again and
// rebuilds every read model of every tenant (version records, registry, controlling, indicator
// warehouse) from its log, with the same start the platform runs (the one composition).
// Then `SP_DATA_DIR=<new data dir> pnpm start`.
// With SP_ENGINES=servers: `pnpm data:restore <backup>` into the empty servers the variables name
// (servers.backup.ts): pg_restore, the topics' records produced back and verified, the warehouses rebuilt.
import 'reflect-metadata';
import { resolve } from 'node:path';
import { loadConfig } from './config.js';
import { BackupError, restoreFiles } from './data-dir.backup.js';
import { markDemoLoaded } from './demo.loader.js';
import { openEngines } from './engines.js';
import { step } from './progress.js';
import { RebuildRefused } from './servers-rebuild.js';
import { restoreServers } from './servers.backup.js';
import { startDeployment } from './tenants/deployment.js';

const [backup, target] = process.argv.slice(2);
if (loadConfig().SP_ENGINES === 'servers') {
  if (!backup) {
    process.stderr.write('usage: SP_ENGINES=servers pnpm data:restore <backup directory>   (into the empty servers KAFKA_BROKERS, DATABASE_URL and CLICKHOUSE_URL name)\n');
    process.exit(2);
  }
  try {
    step(`Sicherung ${backup} prüfen und in die Server zurückspielen`);
    const restored = await restoreServers(loadConfig(), backup);
    if (restored.shifted > 0) {
      process.stderr.write(
        `  Hinweis: ${restored.shifted} Ereignisse liegen auf anderen Offsets als in der Quelle (ihre Partition begann dort nicht bei 0); die Offsets im Lieferprotokoll stimmen für sie nicht\n`,
      );
    }
    process.stdout.write(
      `Fertig: ${restored.records} Ereignisse zurückgespielt und geprüft, Warehouse neu aufgebaut für ${restored.tenants.join(', ')}. Start: pnpm start (mit denselben Variablen)\n`,
    );
    process.exit(0);
  } catch (error) {
    if (error instanceof BackupError) {
      process.stderr.write(`Wiederherstellung ${error.code === 'VERIFY_FAILED' ? 'fehlgeschlagen' : 'abgelehnt'} (${error.code}): ${error.message}\n`);
      process.exit(error.code === 'VERIFY_FAILED' ? 1 : 2);
    }
    if (error instanceof RebuildRefused) {
      process.stderr.write(`Wiederherstellung: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
if (!backup || !target) {
  process.stderr.write('usage: pnpm data:restore <backup directory> <new data directory>   (the data directory must be new or empty)\n');
  process.exit(2);
}
let records: number;
let tenants: { id: string; records: number }[];
try {
  step(`Sicherung ${backup} prüfen und nach ${target} zurückspielen`);
  const manifest = restoreFiles(backup, target);
  records = manifest.records;
  tenants = manifest.tenants;
  process.stdout.write(`  ✓ ${manifest.files.length} Dateien geprüft (SHA-256), ${manifest.records} Ereignisse bis zum Schnitt vom ${manifest.createdAt}\n`);
} catch (error) {
  if (!(error instanceof BackupError)) throw error;
  process.stderr.write(`Wiederherstellung abgelehnt (${error.code}): ${error.message}\n`);
  process.exit(2);
}
const config = loadConfig({ ...process.env, SP_DATA_DIR: resolve(target), SP_ENGINES: 'embedded' });
const engines = await openEngines(config, { rebuildDatabase: true });
// the rebuild runs inside each runtime's start (the one composition): the default tenant's now —
// which registers the tenants again from their tenant.json, the registry being part of the rebuilt
// database — and each tenant's when it is opened below (its log without a database or warehouse);
// on a free local port meanwhile
const deployment = await startDeployment({ ...config, SP_HOST: '127.0.0.1', SP_PORT: 0 }, engines);
for (const { id, records: events } of tenants) {
  step(`Mandant ${id}: Lesemodelle aus ${events} Ereignissen aufbauen`);
  const lease = await deployment.open(id);
  lease.release();
}
// the demo marker lives in the database, not in the log: a restored directory with data must not get the demo loaded over it
if (records > 0) await markDemoLoaded(engines.database, `restored from ${resolve(backup)}`);
await deployment.close();
await engines.close();
process.stdout.write(`Fertig. Start: SP_DATA_DIR=${resolve(target)} pnpm start\n`);
