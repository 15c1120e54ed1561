// The read model of a tenant's delivered datasets (docs/indicators.md §9): every version of every
// `dataset` record, in the tenant's database. Idempotent: a version is stored once; redelivered it
// is the same (versions are checked at the door: a version is never given two declarations).
import { type DatasetRecord, looseRecordSchemas, type RecordEvent } from '@sp/events';
import type { Database } from '@sp/ports';

export class DeliveredDatasetStore {
  constructor(private readonly db: Database) {}

  async migrate(): Promise<void> {
    await this.db.exec(`CREATE TABLE IF NOT EXISTS delivered_datasets (
      code text NOT NULL,
      version integer NOT NULL,
      delivered_at_ms bigint NOT NULL,
      record jsonb NOT NULL,
      PRIMARY KEY (code, version)
    )`);
  }

  async apply(events: readonly RecordEvent<'dataset'>[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const e of events) {
        // withdrawals are refused at the door; one written past it takes nothing back
        if (e.tombstone || !e.payload) continue;
        await tx.query(
          `INSERT INTO delivered_datasets (code, version, delivered_at_ms, record) VALUES ($1, $2, $3, $4)
           ON CONFLICT (code, version) DO NOTHING`,
          [e.payload.code, e.payload.version, e.deliveredAt, JSON.stringify(e.payload)],
        );
      }
    });
  }

  /** the latest version of every delivered dataset, in the order first delivered */
  async load(): Promise<DatasetRecord[]> {
    const { rows } = await this.db.query<{ record: unknown; first_ms: string | number }>(
      `SELECT DISTINCT ON (code) record, (SELECT min(delivered_at_ms) FROM delivered_datasets f WHERE f.code = d.code) AS first_ms
         FROM delivered_datasets d ORDER BY code, version DESC`,
    );
    // loose: a record written by a newer schema version keeps what this code does not know
    const records = rows.map((r) => ({ record: looseRecordSchemas.dataset.parse(typeof r.record === 'string' ? JSON.parse(r.record) : r.record) as DatasetRecord, first: Number(r.first_ms) }));
    return records.sort((a, b) => a.first - b.first || a.record.code.localeCompare(b.record.code)).map((r) => r.record);
  }
}
