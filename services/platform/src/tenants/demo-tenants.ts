// The demo tenants of the README's main command (Musterstadt, Hamburg): created through the tenant
// service when not registered, and loaded by their demo loaders through their own API with their own
// keys, like the Köln demo on the default tenant.
import type { TenantDefinitionInput } from '@sp/tenancy';
import type { DemoLoaderDeps } from '../demo.loader.js';
import type { Deployment, TenantRuntime } from './deployment.js';
import type { TenantLease } from './tenant-pool.js';

/**
 * A lease on the tenant's runtime (release it when done); the tenant is created first when it is not
 * registered. Replicas started together (servers mode) all create it: the one whose creation is
 * answered TENANT_EXISTS — another replica holds the claim, or registered it since this one read the
 * registry — waits for that tenant and opens it, rather than stopping its start.
 */
export async function demoTenant(deployment: Deployment, definition: TenantDefinitionInput): Promise<TenantLease<TenantRuntime>> {
  if (!deployment.registered().includes(definition.id)) {
    const created = await deployment.tenants.create(definition);
    if (created.kind === 'rejected' && created.code === 'TENANT_EXISTS') {
      process.stdout.write(`  … Mandant ${definition.id} wird von einem anderen Replikat angelegt; warte darauf\n`);
      await deployment.awaitCreated(definition.id);
    } else if (created.kind !== 'accepted') throw new Error(`demo tenant ${definition.id}: ${created.code}: ${created.message}`);
  }
  return deployment.open(definition.id);
}

/** what a demo loader needs of a tenant's runtime: its API under the deployment's URL, its keys, catalogues and database */
export function demoLoaderDeps(deployment: Deployment, runtime: TenantRuntime): DemoLoaderDeps {
  return {
    baseUrl: deployment.tenantUrl(runtime.id),
    keys: runtime.platform.keys.keys,
    feeds: runtime.platform.feeds,
    reference: runtime.platform.reference,
    database: runtime.engines.database,
    caughtUp: () => runtime.platform.projections.caughtUp(),
  };
}
