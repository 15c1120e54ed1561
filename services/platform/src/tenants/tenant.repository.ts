// The tenant registry: which tenants the deployment serves, kept in the deployment's database (the
// default tenant's; in the embedded default its PGlite). A tenant's own data never lives here.
// In servers mode every replica of the platform reads the same registry (docs/tenants.md, "Servers
// mode"): the tenants, the hashes of their Ämter's API keys (so a replica routes a key to its
// tenant without having opened it, whatever its own data directory holds), and the claims of
// creations under way (so the same tenant asked of two replicas at once is created once), and the
// removals whose stores are not deleted yet (finished by whichever replica gets to them first).
import { applySchemaOnce, type Database } from '@sp/ports';
import { tenantDefinitionSchema, type Tenant, type TenantDefinition } from '@sp/tenancy';

const ddl = [
  `CREATE TABLE IF NOT EXISTS platform_tenants (
  id text PRIMARY KEY,
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`,
  `ALTER TABLE platform_tenants ADD COLUMN IF NOT EXISTS api_key_hashes jsonb`,
  `CREATE TABLE IF NOT EXISTS platform_tenant_claims (
  id text PRIMARY KEY,
  holder text NOT NULL,
  expires_at timestamptz NOT NULL
)`,
  `CREATE TABLE IF NOT EXISTS platform_tenant_removals (
  id text PRIMARY KEY,
  requested_at timestamptz NOT NULL DEFAULT now()
)`,
];

/** how long a claim on a tenant id holds when its holder stops before releasing it (a creation takes seconds) */
const CLAIM_TTL_S = 600;

export class TenantRepository {
  constructor(private readonly database: Database) {}

  async migrate(): Promise<void> {
    await applySchemaOnce(this.database, 'sp tenant registry schema', ddl);
  }

  async list(): Promise<Tenant[]> {
    const { rows } = await this.database.query<{ definition: unknown; created_at: string | Date }>(`SELECT definition, created_at FROM platform_tenants ORDER BY created_at, id`);
    return rows.map((r) => ({ ...tenantDefinitionSchema.parse(typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition), createdAt: new Date(r.created_at).toISOString() }));
  }

  /** stores a new tenant with its Ämter's key hashes; 'exists' when the id is taken (the row is left as it was) */
  async create(definition: TenantDefinition, apiKeyHashes: readonly string[] = []): Promise<Tenant | 'exists'> {
    const { rows } = await this.database.query<{ created_at: string | Date }>(
      `INSERT INTO platform_tenants (id, definition, api_key_hashes) VALUES ($1, $2::jsonb, $3::jsonb) ON CONFLICT (id) DO NOTHING RETURNING created_at`,
      [definition.id, JSON.stringify(definition), JSON.stringify(apiKeyHashes)],
    );
    const row = rows[0];
    return row ? { ...definition, createdAt: new Date(row.created_at).toISOString() } : 'exists';
  }

  /** the `sha256:` hashes of each registered tenant's API keys, as the replica that last opened it stored them */
  async apiKeyHashes(): Promise<Map<string, string[]>> {
    const { rows } = await this.database.query<{ id: string; api_key_hashes: unknown }>(`SELECT id, api_key_hashes FROM platform_tenants WHERE api_key_hashes IS NOT NULL`);
    return new Map(rows.map((r) => [r.id, (typeof r.api_key_hashes === 'string' ? JSON.parse(r.api_key_hashes) : r.api_key_hashes) as string[]]));
  }

  /** stores a tenant's key hashes (a tenant's runtime adds keys for Ämter new to its pack when it opens) */
  async setApiKeyHashes(id: string, hashes: readonly string[]): Promise<void> {
    const value = JSON.stringify([...hashes].sort());
    await this.database.query(`UPDATE platform_tenants SET api_key_hashes = $2::jsonb WHERE id = $1 AND api_key_hashes IS DISTINCT FROM $2::jsonb`, [id, value]);
  }

  /**
   * Claims a tenant id for creating or removing it: true for the one caller that holds it now (in
   * the whole deployment), false while another holds it. A claim whose holder stopped without releasing it
   * lapses after CLAIM_TTL_S.
   */
  async claim(id: string, holder: string): Promise<boolean> {
    const { rows } = await this.database.query(
      `INSERT INTO platform_tenant_claims (id, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))
       ON CONFLICT (id) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at WHERE platform_tenant_claims.expires_at < now()
       RETURNING holder`,
      [id, holder, CLAIM_TTL_S],
    );
    return rows.length > 0;
  }

  async release(id: string, holder: string): Promise<void> {
    await this.database.query(`DELETE FROM platform_tenant_claims WHERE id = $1 AND holder = $2`, [id, holder]);
  }

  /** registers a tenant restored from a backup, with its creation time; 'exists' when the id is taken */
  async restore(tenant: Tenant): Promise<'restored' | 'exists'> {
    const { createdAt, ...definition } = tenant;
    const { rows } = await this.database.query(`INSERT INTO platform_tenants (id, definition, created_at) VALUES ($1, $2::jsonb, $3) ON CONFLICT (id) DO NOTHING RETURNING id`, [
      definition.id,
      JSON.stringify(definition),
      createdAt,
    ]);
    return rows.length > 0 ? 'restored' : 'exists';
  }

  async remove(id: string): Promise<void> {
    await this.database.query(`DELETE FROM platform_tenants WHERE id = $1`, [id]);
  }

  /**
   * Takes a tenant out of the registry and records its removal, in one statement: from then on no
   * replica opens it, and until removed(id) its stores are to be deleted (a replica that stops
   * half-way leaves the record, and the next start or registry read finishes the deletion).
   * False when the id is not registered.
   */
  async deregister(id: string): Promise<boolean> {
    const { rows } = await this.database.query(
      `WITH gone AS (DELETE FROM platform_tenants WHERE id = $1 RETURNING id)
       INSERT INTO platform_tenant_removals (id) SELECT id FROM gone ON CONFLICT (id) DO UPDATE SET requested_at = now() RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** tenants taken out of the registry whose stores are not deleted yet */
  async pendingRemovals(): Promise<string[]> {
    const { rows } = await this.database.query<{ id: string }>(`SELECT id FROM platform_tenant_removals ORDER BY requested_at, id`);
    return rows.map((r) => r.id);
  }

  /** a removal whose stores are deleted: its id may be created again */
  async removed(id: string): Promise<void> {
    await this.database.query(`DELETE FROM platform_tenant_removals WHERE id = $1`, [id]);
  }

  /** the ids claimed by a creation or removal under way (claims not lapsed) */
  async claimed(): Promise<Set<string>> {
    const { rows } = await this.database.query<{ id: string }>(`SELECT id FROM platform_tenant_claims WHERE expires_at >= now()`);
    return new Set(rows.map((r) => r.id));
  }
}
