// The read model of a tenant's delivered spatial reference: the latest version of every `area-level`
// and `area` record (a withdrawn key keeps its tombstone's version and no payload), in the tenant's
// database. Idempotent: an event applies only when its version is at least the stored one, so a
// redelivered batch changes nothing and an older version never overwrites a newer one.
import type { AreaLevelRecord, AreaRecord, RecordEvent, ReferenceRecordType } from '@sp/events';
import type { Database } from '@sp/ports';

const tables: Record<ReferenceRecordType, string> = { 'area-level': 'delivered_area_levels', area: 'delivered_areas' };

export interface DeliveredRecords {
  levels: AreaLevelRecord[];
  areas: AreaRecord[];
}

export class DeliveredReferenceStore {
  constructor(private readonly db: Database) {}

  async migrate(): Promise<void> {
    for (const table of Object.values(tables)) {
      await this.db.exec(`CREATE TABLE IF NOT EXISTS ${table} (
        record_key text PRIMARY KEY,
        version integer NOT NULL,
        payload jsonb
      )`);
    }
  }

  async apply(events: readonly RecordEvent<ReferenceRecordType>[]): Promise<void> {
    await this.db.transaction(async (tx) => {
      for (const e of events) {
        await tx.query(
          `INSERT INTO ${tables[e.recordType]} AS t (record_key, version, payload) VALUES ($1, $2, $3)
           ON CONFLICT (record_key) DO UPDATE SET version = excluded.version, payload = excluded.payload WHERE excluded.version >= t.version`,
          [e.key, e.version, e.tombstone ? null : JSON.stringify(e.payload)],
        );
      }
    });
  }

  /** the current records (withdrawn ones left out), by key */
  async load(): Promise<DeliveredRecords> {
    const read = async <T>(table: string) =>
      (await this.db.query<{ payload: T | string }>(`SELECT payload FROM ${table} WHERE payload IS NOT NULL ORDER BY record_key`)).rows.map((r) =>
        typeof r.payload === 'string' ? (JSON.parse(r.payload) as T) : r.payload,
      );
    return { levels: await read<AreaLevelRecord>(tables['area-level']), areas: await read<AreaRecord>(tables.area) };
  }
}
