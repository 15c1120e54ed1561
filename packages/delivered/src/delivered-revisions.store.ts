// How often the writer of a tenant's delivered data (the platform, or the standalone aggregator)
// has applied a delivered reference, datasets or catalogue: one counter per kind in the tenant's database,
// counted up after each change. The readers (standalone gateway and ingestion) poll it to know
// when to apply the stores again (delivered.composition.ts says why polling).
import type { Database } from '@sp/ports';

export type DeliveredKind = 'reference' | 'catalogue' | 'datasets';
export const deliveredKinds: readonly DeliveredKind[] = ['reference', 'datasets', 'catalogue'];

const table = 'delivered_data_revisions';

export class DeliveredRevisions {
  constructor(private readonly db: Database) {}

  /** the writer's: readers create nothing */
  async migrate(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (kind text PRIMARY KEY, revision bigint NOT NULL)`);
  }

  /** counts a change the writer applied; answers the new count */
  async bump(kind: DeliveredKind): Promise<number> {
    const { rows } = await this.db.query<{ revision: string | number }>(
      `INSERT INTO ${table} AS t (kind, revision) VALUES ($1, 1) ON CONFLICT (kind) DO UPDATE SET revision = t.revision + 1 RETURNING revision`,
      [kind],
    );
    return Number(rows[0]!.revision);
  }

  /** the counts, 0 for a kind never applied; null while the writer has not migrated the database */
  async read(): Promise<Record<DeliveredKind, number> | null> {
    const present = await this.db.query<{ present: boolean }>(`SELECT to_regclass('${table}') IS NOT NULL AS present`);
    if (!present.rows[0]?.present) return null;
    const { rows } = await this.db.query<{ kind: string; revision: string | number }>(`SELECT kind, revision FROM ${table}`);
    const counts: Record<DeliveredKind, number> = { reference: 0, catalogue: 0, datasets: 0 };
    for (const r of rows) if ((deliveredKinds as readonly string[]).includes(r.kind)) counts[r.kind as DeliveredKind] = Number(r.revision);
    return counts;
  }
}
