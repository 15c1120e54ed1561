// The read model of a tenant's delivered indicator and index definitions: every version of every
// `indicator-definition` record (not only the latest: results of each version stay queryable, so
// each version stays in the catalogue), in the tenant's database. Idempotent: a version is stored
// once; redelivered, it is the same (versions are checked at the door: a version is never given
// two definitions).
import type { RecordEvent } from '@sp/events';
import { type Indicator, indicatorSchema } from '@sp/indicators';
import type { Database } from '@sp/ports';

export class DeliveredCatalogueStore {
  constructor(private readonly db: Database) {}

  async migrate(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS delivered_indicator_definitions (
      code text NOT NULL,
      version integer NOT NULL,
      delivered_at_ms bigint NOT NULL,
      spec jsonb NOT NULL,
      PRIMARY KEY (code, version)
    )`);
  }

  async apply(events: readonly RecordEvent<'indicator-definition'>[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const e of events) {
        // withdrawals are refused at the door; one written past it takes nothing back
        if (e.tombstone || !e.payload) continue;
        await tx.query(
          `INSERT INTO delivered_indicator_definitions (code, version, delivered_at_ms, spec) VALUES ($1, $2, $3, $4)
           ON CONFLICT (code, version) DO NOTHING`,
          [e.payload.code, e.payload.version, e.deliveredAt, e.payload.spec],
        );
      }
    });
  }

  /** every delivered version, in the order delivered (an index after the inputs delivered for it) */
  async load(): Promise<Indicator[]> {
    const { rows } = await this.db.query<{ spec: unknown }>('SELECT spec FROM delivered_indicator_definitions ORDER BY delivered_at_ms, code, version');
    return rows.map((r) => indicatorSchema.parse(typeof r.spec === 'string' ? JSON.parse(r.spec) : r.spec));
  }
}
