// `pnpm data:rebuild`: rebuilds every read model from the event log, the source of truth, while
// the platform is stopped: the database (moved aside, kept, and created anew: version records,
// registry, controlling) and the warehouse (indicator cells and indices, truncated and replayed).
import 'reflect-metadata';
import { loadConfig } from './config.js';
import { openEngines } from './engines.js';
import { startPlatform } from './platform.js';
import { step } from './progress.js';

const config = loadConfig();
if (config.SP_ENGINES !== 'embedded') {
  process.stderr.write('data:rebuild works on the embedded data directory (SP_ENGINES=embedded); with SP_ENGINES=servers the read models live in PostgreSQL and ClickHouse\n');
  process.exit(2);
}
step(`Lesemodelle aus dem Ereignisprotokoll neu aufbauen (${config.dataDir})`);
const engines = await openEngines(config, { rebuildDatabase: true });
// the rebuild runs inside the platform's start (the one composition); it listens on a free port meanwhile
const platform = await startPlatform({ ...config, SP_HOST: '127.0.0.1', SP_PORT: 0 }, engines);
await platform.close();
await engines.close();
process.stdout.write(
  `Fertig${engines.repair?.movedTo ? `; die alte Datenbank liegt in ${engines.repair.movedTo}` : ''}${engines.warehouseRepair?.movedTo ? `; das beschädigte Warehouse liegt in ${engines.warehouseRepair.movedTo}` : ''}.\n`,
);
