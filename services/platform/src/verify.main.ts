// `pnpm data:verify`: checks the embedded data directory (SP_DATA_DIR) and every tenant's in
// <data>/tenants/ while the platform is stopped; prints one line per finding and exits 1 when
// something is wrong (data-dir.verify.ts). A tenant's warehouse is checked through a chdb-http
// process of its own (chDB binds one directory per process: this one holds the default tenant's).
import { loadConfig } from './config.js';
import { type Finding, verifyDataDir } from './data-dir.verify.js';
import { openWarehouseProcess, tenantDir } from './tenants/tenant-engines.js';
import { definedTenants } from './tenants/tenant-file.js';

const config = loadConfig();
const mark = { ok: '✓', info: '·', error: '✗' } as const;
const print = (findings: Finding[]) => {
  for (const f of findings) process.stdout.write(`  ${mark[f.level]} ${f.what}\n`);
};
process.stdout.write(`Datenverzeichnis prüfen: ${config.dataDir}\n`);
const own = await verifyDataDir(config.dataDir);
print(own.findings);
let ok = own.ok;
for (const id of definedTenants(config.dataDir)) {
  process.stdout.write(`Mandant ${id}: ${tenantDir(config.dataDir, id)}\n`);
  const tenant = await verifyDataDir(tenantDir(config.dataDir, id), (path) => openWarehouseProcess(path));
  print(tenant.findings);
  ok &&= tenant.ok;
}
process.stdout.write(ok ? 'In Ordnung.\n' : 'Fehler gefunden (siehe ✗).\n');
process.exit(ok ? 0 : 1);
