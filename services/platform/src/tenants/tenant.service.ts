// Creating, listing and removing tenants, in the domain's words: a definition is checked (schema, a
// reference the deployment knows, Ämter that name only the reference's datasets, an id not taken),
// the id is claimed in the registry for the creation (one at a time in the whole deployment), the
// tenant's stores and runtime are started, and only then is it registered; if any step fails nothing
// of it stays behind. A removal (a Gebietskörperschaft leaving, or a tenant created by mistake) is
// asked with the tenant's id twice, takes the tenant out of the registry first — no replica opens it
// from then on — and then deletes its stores: its log, database, warehouse and directory. The
// deletion is recorded until it is complete, so a replica that stops half-way leaves it to the next.
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

export type RemoveTenantResult =
  | { kind: 'removed'; id: string }
  | { kind: 'rejected'; status: 400 | 404 | 409; code: 'CONFIRMATION_REQUIRED' | 'UNKNOWN_TENANT' | 'DEFAULT_TENANT' | 'TENANT_BUSY'; message: string }
  | { kind: 'pending'; id: string; message: string };

export interface TenantRuntimeStarter {
  /** starts the tenant's stores and runtime; throws when it cannot (nothing is left running) */
  start(tenant: Tenant): Promise<Omit<CreatedTenant, 'tenant'> & { apiKeyHashes: readonly string[] }>;
  /** stops it and removes what start made (used when registering fails, and to delete a removed tenant's stores) */
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
      return {
        kind: 'rejected',
        code: 'TENANT_EXISTS',
        message: `field id: tenant "${definition.id}" is being created or removed by another request; it exists once a creation answers 201`,
      };
    }
    try {
      if ((await this.deps.repository.list()).some((t) => t.id === definition.id)) return exists(definition.id);
      // a removed tenant whose stores are not all deleted yet: created now, it would find them
      if ((await this.deps.repository.pendingRemovals()).includes(definition.id)) {
        return { kind: 'rejected', code: 'TENANT_EXISTS', message: `field id: tenant "${definition.id}" was removed and its data is still being deleted; try again in a minute` };
      }
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

  /**
   * Removes a registered tenant and deletes its data. `confirm` must repeat the id (the deletion
   * cannot be undone but from a backup). Answers 'pending' when the tenant is out of the registry
   * but some of its stores could not be deleted yet (servers mode: another replica still had it open,
   * so its consumer groups had members): that is retried at every start and registry read, and the
   * id cannot be created again before it succeeded.
   */
  async remove(id: string, confirm: string | undefined): Promise<RemoveTenantResult> {
    if (id === this.deps.defaultTenant) {
      return { kind: 'rejected', status: 409, code: 'DEFAULT_TENANT', message: `tenant "${id}" is the deployment's default tenant (its database holds the registry); it cannot be removed` };
    }
    if (confirm !== id) {
      return {
        kind: 'rejected',
        status: 400,
        code: 'CONFIRMATION_REQUIRED',
        message: `removing tenant "${id}" deletes its log, database, warehouse and keys; confirm with ?confirm=${id} (got ${confirm === undefined ? 'none' : JSON.stringify(confirm)})`,
      };
    }
    const holder = randomUUID();
    if (!(await this.deps.repository.claim(id, holder))) {
      return { kind: 'rejected', status: 409, code: 'TENANT_BUSY', message: `tenant "${id}" is being created or removed by another request; ask again when it has answered` };
    }
    try {
      if (!(await this.deps.repository.deregister(id))) {
        const pending = (await this.deps.repository.pendingRemovals()).includes(id);
        if (!pending) return { kind: 'rejected', status: 404, code: 'UNKNOWN_TENANT', message: `no tenant "${id}"; GET /admin/tenants lists them` };
        // removed before, its deletion left unfinished: finished now
      }
      try {
        await this.deps.runtimes.discard(id);
      } catch (error) {
        return {
          kind: 'pending',
          id,
          message: `tenant "${id}" is removed from the registry; deleting its data is not finished (${error instanceof Error ? error.message : String(error)}) and is retried at every start and registry read (servers mode: every 10 s)`,
        };
      }
      await this.deps.repository.removed(id);
      return { kind: 'removed', id };
    } finally {
      await this.deps.repository.release(id, holder);
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
