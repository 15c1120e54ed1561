// `pnpm data:rebuild`: rebuilds every read model from the event log, the source of truth, while
// the platform is stopped: the database (moved aside, kept, and created anew: version records,
// registry, controlling) and the warehouse (indicator cells and indices, truncated and replayed) —
// of the default tenant and of every other tenant in <data>/tenants/ (each tenant's database and
// warehouse moved aside, kept, and rebuilt from its own log when it is opened). The registry of
// tenants is a table of the default tenant's database: each tenant's definition is written beside
// its data first (tenant.json, from the registry as it is), and the tenants are registered again
// from it when the rebuilt database starts. In servers mode: servers-rebuild.ts.
import 'reflect-metadata';
import { existsSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import { openPgliteDatabase } from '@sp/database-pglite';
import { loadConfig } from './config.js';
import { openEngines } from './engines.js';
import { step } from './progress.js';
import { RebuildRefused, rebuildServers } from './servers-rebuild.js';
import { startDeployment } from './tenants/deployment.js';
import { tenantDir } from './tenants/tenant-engines.js';
import { definedTenants, writeTenantFile } from './tenants/tenant-file.js';
import { TenantRepository } from './tenants/tenant.repository.js';

const config = loadConfig();
if (config.SP_ENGINES === 'servers') {
  // the warehouses from the Kafka topics, with the platform stopped (servers-rebuild.ts)
  try {
    const tenants = await rebuildServers(config);
    process.stdout.write(`Fertig: Warehouse neu aufgebaut für ${tenants.join(', ')}.\n`);
    process.exit(0);
  } catch (error) {
    process.stderr.write(`data:rebuild: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(error instanceof RebuildRefused ? 2 : 1);
  }
}
step(`Lesemodelle aus dem Ereignisprotokoll neu aufbauen (${config.dataDir})`);
// the registry before its database is moved aside (a directory of a release before tenant.json has the registry only)
if (existsSync(join(config.dataDir, 'postgres'))) {
  const database = await openPgliteDatabase({ dataDir: join(config.dataDir, 'postgres') });
  try {
    const repository = new TenantRepository(database);
    await repository.migrate();
    for (const tenant of await repository.list()) writeTenantFile(tenantDir(config.dataDir, tenant.id), tenant);
  } catch (error) {
    process.stderr.write(`  the registry of tenants could not be read (${error instanceof Error ? error.message : String(error)}); the tenants are registered from their tenant.json\n`);
  } finally {
    await database.close();
  }
}
const tenants = definedTenants(config.dataDir);
const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const movedAside: string[] = [];
for (const id of tenants) {
  for (const store of ['postgres', 'warehouse']) {
    const dir = join(tenantDir(config.dataDir, id), store);
    if (!existsSync(dir)) continue;
    renameSync(dir, `${dir}.before-rebuild-${stamp}`);
    movedAside.push(`${dir}.before-rebuild-${stamp}`);
  }
}
const engines = await openEngines(config, { rebuildDatabase: true });
// the rebuild runs inside each runtime's start (the one composition): the default tenant's now, each
// tenant's when it is opened below (its log without a database or warehouse); on a free local port meanwhile
const deployment = await startDeployment({ ...config, SP_HOST: '127.0.0.1', SP_PORT: 0 }, engines);
for (const id of deployment.registered()) {
  if (!tenants.includes(id)) continue;
  step(`Mandant ${id}: Lesemodelle aus dem Ereignisprotokoll neu aufbauen`);
  const lease = await deployment.open(id);
  lease.release();
}
await deployment.close();
await engines.close();
process.stdout.write(
  `Fertig${engines.repair?.movedTo ? `; die alte Datenbank liegt in ${engines.repair.movedTo}` : ''}${engines.warehouseRepair?.movedTo ? `; das beschädigte Warehouse liegt in ${engines.warehouseRepair.movedTo}` : ''}${movedAside.length > 0 ? `; die alten Lesemodelle der Mandanten liegen in ${movedAside.join(', ')}` : ''}.\n`,
);
