// The tenant registry: which tenants the deployment serves, kept in the deployment's database (the
// default tenant's; in the embedded default its PGlite). A tenant's own data never lives here.
import type { Database } from '@sp/ports';
import { tenantDefinitionSchema, type Tenant, type TenantDefinition } from '@sp/tenancy';

const ddl = `CREATE TABLE IF NOT EXISTS platform_tenants (
  id text PRIMARY KEY,
  definition jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
)`;

export class TenantRepository {
  constructor(private readonly database: Database) {}

  async migrate(): Promise<void> {
    await this.database.exec(ddl);
  }

  async list(): Promise<Tenant[]> {
    const { rows } = await this.database.query<{ definition: unknown; created_at: string | Date }>(`SELECT definition, created_at FROM platform_tenants ORDER BY created_at, id`);
    return rows.map((r) => ({ ...tenantDefinitionSchema.parse(typeof r.definition === 'string' ? JSON.parse(r.definition) : r.definition), createdAt: new Date(r.created_at).toISOString() }));
  }

  /** stores a new tenant; 'exists' when the id is taken (the row is left as it was) */
  async create(definition: TenantDefinition): Promise<Tenant | 'exists'> {
    const { rows } = await this.database.query<{ created_at: string | Date }>(`INSERT INTO platform_tenants (id, definition) VALUES ($1, $2::jsonb) ON CONFLICT (id) DO NOTHING RETURNING created_at`, [
      definition.id,
      JSON.stringify(definition),
    ]);
    const row = rows[0];
    return row ? { ...definition, createdAt: new Date(row.created_at).toISOString() } : 'exists';
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
}
