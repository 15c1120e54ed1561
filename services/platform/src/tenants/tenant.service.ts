// Creating and listing tenants, in the domain's words: a definition is checked (schema, a reference
// the deployment knows, Ämter that name only the reference's datasets, an id not taken), the id is
// claimed in the registry for the creation (one at a time in the whole deployment), the tenant's
// stores and runtime are started, and only then is it registered; if any step fails nothing of it
// stays behind.
import { randomUUID } from 'node:crypto';
import { tenantDefinitionSchema, type Tenant, type TenantDefinition } from '@sp/tenancy';
import type { TenantRepository } from './tenant.repository.js';

export interface CreatedTenant {
  tenant: Tenant;
  /** where the tenant's API, GraphQL and dashboard answer */
  url: string;
  /** Amt code → API key of the tenant's Ämter (also kept, 0600, in the tenant's directory) */
  apiKeys: Record<string, string>;
  apiKeysFile: string;
}

export type CreateTenantResult =
  | { kind: 'accepted'; created: CreatedTenant }
  | { kind: 'rejected'; code: 'INVALID_TENANT' | 'UNKNOWN_REFERENCE' | 'TENANT_EXISTS'; message: string; issues?: { path: string; message: string }[] }
  | { kind: 'unavailable'; code: 'TENANT_START_FAILED'; message: string };

export interface TenantRuntimeStarter {
  /** starts the tenant's stores and runtime; throws when it cannot (nothing is left running) */
  start(tenant: Tenant): Promise<Omit<CreatedTenant, 'tenant'> & { apiKeyHashes: readonly string[] }>;
  /** stops it and removes what start made (used when registering fails) */
  discard(id: string): Promise<void>;
  /** stops its runtime here and leaves its stores (another registered it) */
  close(id: string): Promise<void>;
}

export interface TenantServiceDeps {
  repository: TenantRepository;
  runtimes: TenantRuntimeStarter;
  defaultTenant: string;
  references: readonly string[];
  /** the dataset codes of a reference's feed catalogue: what the tenant's own Ämter may name */
  datasetsOf: (reference: string) => readonly string[];
  url: (id: string) => string;
}

export class TenantService {
  constructor(private readonly deps: TenantServiceDeps) {}

  async list(): Promise<{ default: string; references: readonly string[]; tenants: (Tenant & { url: string })[] }> {
    const tenants = await this.deps.repository.list();
    return { default: this.deps.defaultTenant, references: this.deps.references, tenants: tenants.map((t) => ({ ...t, url: this.deps.url(t.id) })) };
  }

  async create(input: unknown): Promise<CreateTenantResult> {
    const parsed = tenantDefinitionSchema.safeParse(input);
    if (!parsed.success) {
      const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(body)', message: i.message }));
      return { kind: 'rejected', code: 'INVALID_TENANT', message: `the tenant definition is invalid: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, issues };
    }
    const definition = parsed.data;
    if (!this.deps.references.includes(definition.reference)) {
      return {
        kind: 'rejected',
        code: 'UNKNOWN_REFERENCE',
        message: `field reference: "${definition.reference}" is not a spatial reference of this deployment; accepted: ${this.deps.references.join(', ')}`,
      };
    }
    const unknownDatasets = this.unknownDatasets(definition);
    if (unknownDatasets.length > 0) {
      return {
        kind: 'rejected',
        code: 'INVALID_TENANT',
        message: `the tenant definition is invalid: ${unknownDatasets.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
        issues: unknownDatasets,
      };
    }
    if (definition.id === this.deps.defaultTenant) return exists(definition.id);
    // one creation of an id at a time in the whole deployment (servers mode: every replica's): a
    // second one would start the same stores and, losing the race to register, undo them under the first
    const holder = randomUUID();
    if (!(await this.deps.repository.claim(definition.id, holder))) {
      return { kind: 'rejected', code: 'TENANT_EXISTS', message: `field id: tenant "${definition.id}" is being created by another request; it exists once that one answers 201` };
    }
    try {
      if ((await this.deps.repository.list()).some((t) => t.id === definition.id)) return exists(definition.id);
      const tenant: Tenant = { ...definition, createdAt: new Date().toISOString() };
      let started: Omit<CreatedTenant, 'tenant'> & { apiKeyHashes: readonly string[] };
      try {
        started = await this.deps.runtimes.start(tenant);
      } catch (error) {
        await this.deps.runtimes.discard(definition.id).catch(() => undefined);
        return { kind: 'unavailable', code: 'TENANT_START_FAILED', message: `tenant "${definition.id}" could not be started: ${error instanceof Error ? error.message : String(error)}` };
      }
      const { apiKeyHashes, ...created } = started;
      const stored = await this.deps.repository.create(definition, apiKeyHashes).catch(async (error: unknown) => {
        await this.deps.runtimes.discard(definition.id);
        throw error;
      });
      if (stored === 'exists') {
        // registered without a claim meanwhile (a restore): the stores are that tenant's now, so
        // only this runtime is closed, nothing removed
        await this.deps.runtimes.close(definition.id);
        return exists(definition.id);
      }
      return { kind: 'accepted', created: { tenant: stored, ...created } };
    } finally {
      await this.deps.repository.release(definition.id, holder);
    }
  }

  /** datasets a tenant's Amt names that its reference's feed catalogue does not have */
  private unknownDatasets(definition: TenantDefinition): { path: string; message: string }[] {
    if (!definition.amts) return [];
    const known = this.deps.datasetsOf(definition.reference);
    return definition.amts.flatMap((amt, i) =>
      (amt.datasets ?? []).flatMap((d, j) =>
        known.includes(d) ? [] : [{ path: `amts.${i}.datasets.${j}`, message: `"${d}" is no dataset of the reference ${definition.reference}; accepted: ${known.join(', ')}` }],
      ),
    );
  }
}

function exists(id: string): CreateTenantResult {
  return { kind: 'rejected', code: 'TENANT_EXISTS', message: `field id: tenant "${id}" exists; choose another id` };
}
