// <data>/tenants/<id>/tenant.json: the tenant's definition beside its data. The registry itself is a
// table of the default tenant's database (tenant.repository.ts), which is a projection a restore
// rebuilds from the log and which another process cannot read while the platform runs; the file
// lets an online backup carry each tenant whole (data-dir.backup.ts), and lets the restore register
// it again (restore.main.ts). Written when a tenant is created, and at every start for each
// registered tenant (tenants created before the file existed get it then).
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type Tenant, tenantDefinitionSchema } from '@sp/tenancy';
import { z } from 'zod';

export const TENANT_FILE = 'tenant.json';

const tenantFileSchema = tenantDefinitionSchema.and(z.object({ createdAt: z.string().min(1) }));

/** the ids of the tenants whose directory in <data>/tenants/ holds a definition, sorted (not the PGlite template's .template) */
export function definedTenants(dataDir: string): string[] {
  const root = join(dataDir, 'tenants');
  if (!existsSync(root)) return [];
  return readdirSync(root)
    .filter((id) => !id.startsWith('.') && existsSync(join(root, id, TENANT_FILE)))
    .sort();
}

/** writes the tenant's file into its directory (replaced in one step, never half written) */
export function writeTenantFile(dir: string, tenant: Tenant): void {
  mkdirSync(dir, { recursive: true });
  const content = `${JSON.stringify(tenant, null, 2)}\n`;
  const path = join(dir, TENANT_FILE);
  if (existsSync(path) && readFileSync(path, 'utf8') === content) return;
  const tmp = join(dir, `.${TENANT_FILE}.${process.pid}.tmp`);
  writeFileSync(tmp, content);
  renameSync(tmp, path);
}

/** the tenant whose directory this is; throws naming the file when it is missing or invalid */
export function readTenantFile(dir: string): Tenant {
  const path = join(dir, TENANT_FILE);
  try {
    return tenantFileSchema.parse(JSON.parse(readFileSync(path, 'utf8'))) as Tenant;
  } catch (error) {
    throw new Error(`${path} is not a tenant's definition: ${error instanceof Error ? error.message : String(error)}`);
  }
}
