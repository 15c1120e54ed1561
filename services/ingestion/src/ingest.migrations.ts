// PostgreSQL tables of the ingestion service, as numbered migrations applied once each.
//  ingest_records          current version + payload hash per (record type, key): idempotency and 409s
//  ingest_deliveries       one row per accepted delivery: who, when, what (audit)
//    … with the records of the delivery and the log position of their events as parallel arrays
//    (one row per delivery: a 1,000-record batch writes one row, not a thousand)
//  ingest_reservations     versions decided and reserved (with their payload hash) before their events
//                          are appended, removed when the delivery is recorded: what is left belongs
//                          to a delivery that was not answered, and only its exact payload completes it
//  ingest_reserve_if_unchanged()  the reservation in one autocommit statement: takes the keys' advisory
//                          locks, checks that nothing of the keys changed since the delivery's look-up and
//                          reserves (delivery.service.ts, step 1)
// Since migration 4 a key's answered version and its reservation are one row of ingest_keys; the
// names above are views of it (ingest_records: the answered rows; ingest_reservations: the reserved).
import type { Database } from '@sp/ports';

/** A migration: `sql` is split at semicolons; `statements` are run as they are (a function body has semicolons). */
export const ingestMigrations: readonly ({ id: number; sql: string } | { id: number; statements: readonly string[] })[] = [
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
  {
    id: 3,
    // What the look-up saw of a key, as text: "<answered version or 0>/<reserved versions, ascending, comma-separated>".
    // VOLATILE (the default): each statement of the function takes a fresh snapshot, so the check after the
    // locks sees every delivery committed before they were granted — in one plain statement the snapshot
    // would be taken before the wait. Reservations are probed key by key (OFFSET 0), as in lookup().
    statements: [
      `CREATE OR REPLACE FUNCTION ingest_reserve_if_unchanged(
         p_record_type text, p_lock_ids bigint[], p_keys text[], p_seen text[],
         p_amt text, p_delivery_id uuid, p_reserved_at timestamptz,
         p_r_keys text[], p_r_versions integer[], p_r_hashes text[], p_r_tombstones boolean[], p_r_payloads jsonb[])
       RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
       BEGIN
         PERFORM count(pg_advisory_xact_lock(id)) FROM (SELECT unnest(p_lock_ids) AS id ORDER BY 1) ids;
         IF EXISTS (
           SELECT 1 FROM unnest(p_keys, p_seen) AS s(key, seen)
            WHERE s.seen IS DISTINCT FROM
                  coalesce((SELECT c.version FROM ingest_records c WHERE c.record_type = p_record_type AND c.key = s.key), 0)::text || '/' ||
                  coalesce((SELECT string_agg(r.version::text, ',' ORDER BY r.version)
                              FROM (SELECT version FROM ingest_reservations WHERE record_type = p_record_type AND key = s.key OFFSET 0) r), '')
         ) THEN
           RETURN false;
         END IF;
         INSERT INTO ingest_reservations (record_type, key, version, payload_hash, tombstone, amt, delivery_id, reserved_at, payload)
         SELECT p_record_type, u.key, u.version, u.payload_hash, u.tombstone, p_amt, p_delivery_id, p_reserved_at, u.payload
           FROM unnest(p_r_keys, p_r_versions, p_r_hashes, p_r_tombstones, p_r_payloads) AS u(key, version, payload_hash, tombstone, payload);
         RETURN true;
       END
       $fn$`,
    ],
  },
  {
    id: 4,
    // PostgreSQL writes a record once per step (issue 17.3, bench/ingestion/README.md, session 14): the
    // reservation is a state of the key's row instead of a row of ingest_reservations inserted before
    // the append and deleted by the record statement. One row per key, answered or only reserved:
    //  - the answered columns (version … updated_at) are all set or, for a key whose first version is
    //    only reserved, all NULL; the view ingest_records shows the answered rows with the columns and
    //    NOT NULLs its readers rely on, so a reservation is never shown as a version;
    //  - reserved_*: the highest reserved version above the answered one (the decider reads only that
    //    one and its Amt: a lower one can neither be completed nor answered any more), cleared by the
    //    record statement that answers it or a higher version.
    // fillfactor 60: the reservation and the answer update the row in place (HOT, no index entry) when
    // its page has room; with full pages every update wrote a new index entry.
    // Reservations at or below their key's answered version are left from superseded deliveries: dropped.
    statements: [
      'ALTER TABLE ingest_records RENAME TO ingest_keys',
      `ALTER TABLE ingest_keys
         ALTER COLUMN version DROP NOT NULL, ALTER COLUMN payload_hash DROP NOT NULL, ALTER COLUMN tombstone DROP NOT NULL,
         ALTER COLUMN amt DROP NOT NULL, ALTER COLUMN delivery_id DROP NOT NULL, ALTER COLUMN schema_id DROP NOT NULL,
         ALTER COLUMN topic DROP NOT NULL, ALTER COLUMN partition DROP NOT NULL, ALTER COLUMN "offset" DROP NOT NULL,
         ALTER COLUMN updated_at DROP NOT NULL,
         ADD COLUMN reserved_version integer CHECK (reserved_version >= 1),
         ADD COLUMN reserved_hash text,
         ADD COLUMN reserved_tombstone boolean,
         ADD COLUMN reserved_amt text,
         ADD COLUMN reserved_delivery_id uuid,
         ADD COLUMN reserved_at timestamptz,
         ADD COLUMN reserved_payload jsonb,
         ADD CONSTRAINT ingest_keys_answered_or_reserved CHECK (
           num_nulls(version, payload_hash, tombstone, amt, delivery_id, schema_id, topic, partition, "offset", updated_at) IN (0, 10)
           AND num_nulls(reserved_version, reserved_hash, reserved_tombstone, reserved_amt, reserved_delivery_id, reserved_at) IN (0, 6)
           AND (version IS NOT NULL OR reserved_version IS NOT NULL)
           AND (reserved_version IS NULL OR reserved_version > coalesce(version, 0))),
         SET (fillfactor = 60)`,
      `INSERT INTO ingest_keys (record_type, key, reserved_version, reserved_hash, reserved_tombstone, reserved_amt, reserved_delivery_id, reserved_at, reserved_payload)
       SELECT DISTINCT ON (r.record_type, r.key) r.record_type, r.key, r.version, r.payload_hash, r.tombstone, r.amt, r.delivery_id, r.reserved_at, r.payload
         FROM ingest_reservations r LEFT JOIN ingest_keys k ON k.record_type = r.record_type AND k.key = r.key
        WHERE r.version > coalesce(k.version, 0)
        ORDER BY r.record_type, r.key, r.version DESC
       ON CONFLICT (record_type, key) DO UPDATE SET
         reserved_version = EXCLUDED.reserved_version, reserved_hash = EXCLUDED.reserved_hash, reserved_tombstone = EXCLUDED.reserved_tombstone,
         reserved_amt = EXCLUDED.reserved_amt, reserved_delivery_id = EXCLUDED.reserved_delivery_id, reserved_at = EXCLUDED.reserved_at,
         reserved_payload = EXCLUDED.reserved_payload`,
      'DROP TABLE ingest_reservations',
      `CREATE VIEW ingest_records AS
       SELECT record_type, key, version, payload_hash, tombstone, amt, delivery_id, schema_id, topic, partition, "offset", payload, updated_at
         FROM ingest_keys WHERE version IS NOT NULL`,
      `CREATE VIEW ingest_reservations AS
       SELECT record_type, key, reserved_version AS version, reserved_hash AS payload_hash, reserved_tombstone AS tombstone, reserved_amt AS amt,
              reserved_delivery_id AS delivery_id, reserved_at, reserved_payload AS payload
         FROM ingest_keys WHERE reserved_version IS NOT NULL`,
      // the same signature as migration 3's; what the look-up saw of a key is now "<answered version or 0>/<reserved version or empty>".
      // The rows of known keys are updated and the others inserted, not upserted: INSERT … ON CONFLICT
      // DO UPDATE writes two WAL records per row (the row's lock, then the update; for a new key the
      // insertion's confirmation) and probes the index twice. A plain INSERT is safe under the keys'
      // advisory locks: every writer of a reservation holds them. `k.key = ANY(…)` makes the rows to
      // update an index scan of exactly these keys: joined on u alone, the planner hashed every row of
      // the record type (its statistics said the table was small).
      `CREATE OR REPLACE FUNCTION ingest_reserve_if_unchanged(
         p_record_type text, p_lock_ids bigint[], p_keys text[], p_seen text[],
         p_amt text, p_delivery_id uuid, p_reserved_at timestamptz,
         p_r_keys text[], p_r_versions integer[], p_r_hashes text[], p_r_tombstones boolean[], p_r_payloads jsonb[])
       RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
       BEGIN
         PERFORM count(pg_advisory_xact_lock(id)) FROM (SELECT unnest(p_lock_ids) AS id ORDER BY 1) ids;
         IF EXISTS (
           SELECT 1 FROM unnest(p_keys, p_seen) AS s(key, seen)
            WHERE s.seen IS DISTINCT FROM
                  coalesce((SELECT coalesce(k.version, 0)::text || '/' || coalesce(k.reserved_version::text, '')
                              FROM ingest_keys k WHERE k.record_type = p_record_type AND k.key = s.key), '0/')
         ) THEN
           RETURN false;
         END IF;
         -- the same statement as IngestRepository.reserve()
         WITH u AS (
           SELECT * FROM unnest(p_r_keys, p_r_versions, p_r_hashes, p_r_tombstones, p_r_payloads) AS u(key, version, payload_hash, tombstone, payload)
         ), updated AS (
           UPDATE ingest_keys AS k SET reserved_version = u.version, reserved_hash = u.payload_hash, reserved_tombstone = u.tombstone,
                  reserved_amt = p_amt, reserved_delivery_id = p_delivery_id, reserved_at = p_reserved_at, reserved_payload = u.payload
             FROM u WHERE k.record_type = p_record_type AND k.key = ANY(p_r_keys) AND k.key = u.key
           RETURNING k.key
         )
         INSERT INTO ingest_keys (record_type, key, reserved_version, reserved_hash, reserved_tombstone, reserved_amt, reserved_delivery_id, reserved_at, reserved_payload)
         SELECT p_record_type, u.key, u.version, u.payload_hash, u.tombstone, p_amt, p_delivery_id, p_reserved_at, u.payload
           FROM u WHERE NOT EXISTS (SELECT 1 FROM updated WHERE updated.key = u.key);
         RETURN true;
       END
       $fn$`,
    ],
  },
];

/** Applies pending migrations (up to `upTo`: a test makes the tables of an earlier release); an advisory lock keeps concurrently starting instances apart. */
export async function migrateIngest(db: Database, upTo = Number.POSITIVE_INFINITY): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [INGEST_MIGRATION_LOCK]);
    await tx.query('CREATE TABLE IF NOT EXISTS ingest_migrations (id integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())');
    const { rows } = await tx.query<{ id: number }>('SELECT id FROM ingest_migrations');
    const applied = new Set(rows.map((r) => Number(r.id)));
    for (const m of ingestMigrations) {
      if (applied.has(m.id) || m.id > upTo) continue;
      const statements =
        'statements' in m
          ? m.statements
          : m.sql
              .split(';')
              .map((s) => s.trim())
              .filter(Boolean);
      for (const statement of statements) await tx.query(statement);
      await tx.query('INSERT INTO ingest_migrations (id) VALUES ($1)', [m.id]);
    }
  });
}

/** arbitrary constant: "ingest" in ASCII */
const INGEST_MIGRATION_LOCK = '116101103101115116';
