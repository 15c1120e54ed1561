// PostgreSQL tables of the ingestion service, as numbered migrations applied once each.
//  ingest_records          current version + payload hash per (record type, key): idempotency and 409s
//  ingest_deliveries       one row per accepted delivery: who, when, what (audit)
//    … with the records of the delivery and the log position of their events as parallel arrays
//    (one row per delivery: a 1,000-record batch writes one row, not a thousand)
//  ingest_reservations     versions decided and reserved (with their payload hash) before their events
//                          are appended, removed when the delivery is recorded: what is left belongs
//                          to a delivery that was not answered, and only its exact payload completes it
import type { Database } from '@sp/ports';

export const ingestMigrations: readonly { id: number; sql: string }[] = [
  {
    id: 1,
    sql: `
      CREATE TABLE ingest_records (
        record_type   text        NOT NULL,
        key           text        NOT NULL,
        version       integer     NOT NULL CHECK (version >= 1),
        payload_hash  text        NOT NULL,
        tombstone     boolean     NOT NULL,
        amt           text        NOT NULL,
        delivery_id   uuid        NOT NULL,
        schema_id     integer     NOT NULL,
        topic         text        NOT NULL,
        partition     integer     NOT NULL,
        "offset"      bigint      NOT NULL,
        payload       jsonb,
        updated_at    timestamptz NOT NULL,
        PRIMARY KEY (record_type, key)
      );
      CREATE TABLE ingest_deliveries (
        delivery_id    uuid        PRIMARY KEY,
        amt            text        NOT NULL,
        record_type    text        NOT NULL,
        kind           text        NOT NULL CHECK (kind IN ('records', 'withdrawals')),
        delivered_by   text        NOT NULL,
        delivered_at   timestamptz NOT NULL,
        content_type   text        NOT NULL,
        record_count   integer     NOT NULL,
        created_count  integer     NOT NULL,
        catalogue_version integer  NOT NULL,
        topic          text        NOT NULL,
        -- per record of the delivery, in delivery order
        row_numbers    integer[]   NOT NULL,
        keys           text[]      NOT NULL,
        versions       integer[]   NOT NULL,
        created        boolean[]   NOT NULL,
        tombstones     boolean[]   NOT NULL,
        schema_ids     integer[]   NOT NULL,
        partitions     integer[]   NOT NULL,
        offsets        bigint[]    NOT NULL
      );
      CREATE INDEX ingest_deliveries_amt_time ON ingest_deliveries (amt, delivered_at DESC)
    `,
  },
  {
    id: 2,
    sql: `
      CREATE TABLE ingest_reservations (
        record_type   text        NOT NULL,
        key           text        NOT NULL,
        version       integer     NOT NULL CHECK (version >= 1),
        payload_hash  text        NOT NULL,
        tombstone     boolean     NOT NULL,
        amt           text        NOT NULL,
        delivery_id   uuid        NOT NULL,
        reserved_at   timestamptz NOT NULL,
        payload       jsonb,
        PRIMARY KEY (record_type, key, version)
      )
    `,
  },
];

/** Applies pending migrations; an advisory lock keeps concurrently starting instances apart. */
export async function migrateIngest(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [INGEST_MIGRATION_LOCK]);
    await tx.query('CREATE TABLE IF NOT EXISTS ingest_migrations (id integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await tx.query<{ id: number }>('SELECT id FROM ingest_migrations');
    const applied = new Set(rows.map((r) => Number(r.id)));
    for (const m of ingestMigrations) {
      if (applied.has(m.id)) continue;
      for (const statement of m.sql
        .split(';')
        .map((s) => s.trim())
        .filter(Boolean))
        await tx.query(statement);
      await tx.query('INSERT INTO ingest_migrations (id) VALUES ($1)', [m.id]);
    }
  });
}

/** arbitrary constant: "ingest" in ASCII */
const INGEST_MIGRATION_LOCK = '116101103101115116';
