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
//  ingest_reserve_new_versions()  the same for a delivery of new versions only, without a look-up before it
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
    // Issue 17.3 (bench/ingestion/README.md, session 15): PostgreSQL's share of a delivery, per key.
    // - The key columns compare bytewise (COLLATE "C"): under a libc locale (the bench's cluster is
    //   C.UTF-8, a server's often de_DE.UTF-8) every comparison in the primary keys' B-trees went
    //   through strcoll — each look-up, check, reservation, record and delete descends them once
    //   per key. Only the order of the keys changes, which nothing relies on (equality is the same);
    //   the primary keys are rebuilt once, the tables are not rewritten.
    // - ingest_lock_id(): a key's advisory lock id as the service computes it (ingest.repository.ts
    //   lockIds: the first 8 bytes of sha256("<record type>\0<key>"), signed), so the reservation
    //   statement takes its keys' locks without a second array of 1,000 ids from the service; a
    //   process of the previous release still passes its ids, the same ones. STABLE, not IMMUTABLE:
    //   convert_to() is stable, and only then is the body inlined into the statement (as a call per
    //   key it cost 15 ms per 1,000 keys, inlined 2–4).
    // - ingest_reserve_if_unchanged(): p_lock_ids NULL means the keys' own ids; p_r_keys NULL means
    //   the reservations are p_keys' in that order (a delivery of new versions only: the keys once).
    statements: [
      `ALTER TABLE ingest_records ALTER COLUMN record_type TYPE text COLLATE "C", ALTER COLUMN key TYPE text COLLATE "C"`,
      `ALTER TABLE ingest_reservations ALTER COLUMN record_type TYPE text COLLATE "C", ALTER COLUMN key TYPE text COLLATE "C"`,
      `CREATE OR REPLACE FUNCTION ingest_lock_id(p_record_type text, p_key text) RETURNS bigint LANGUAGE sql STABLE PARALLEL SAFE AS $fn$
         SELECT ('x' || encode(substr(sha256(convert_to(p_record_type, 'UTF8') || '\\x00'::bytea || convert_to(p_key, 'UTF8')), 1, 8), 'hex'))::bit(64)::bigint
       $fn$`,
      `CREATE OR REPLACE FUNCTION ingest_reserve_if_unchanged(
         p_record_type text, p_lock_ids bigint[], p_keys text[], p_seen text[],
         p_amt text, p_delivery_id uuid, p_reserved_at timestamptz,
         p_r_keys text[], p_r_versions integer[], p_r_hashes text[], p_r_tombstones boolean[], p_r_payloads jsonb[])
       RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
       BEGIN
         IF p_lock_ids IS NULL THEN
           PERFORM count(pg_advisory_xact_lock(id)) FROM (SELECT DISTINCT ingest_lock_id(p_record_type, k) AS id FROM unnest(p_keys) AS k ORDER BY 1) ids;
         ELSE
           PERFORM count(pg_advisory_xact_lock(id)) FROM (SELECT unnest(p_lock_ids) AS id ORDER BY 1) ids;
         END IF;
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
           FROM unnest(coalesce(p_r_keys, p_keys), p_r_versions, p_r_hashes, p_r_tombstones, p_r_payloads) AS u(key, version, payload_hash, tombstone, payload);
         RETURN true;
       END
       $fn$`,
    ],
  },
  {
    id: 5,
    // Issue 17.3 (bench/ingestion/README.md, session 17): a delivery of new versions only — every key
    // new, or every version of it known so far the delivering Amt's and lower than the delivered one
    // (the decider's "create", delivery.decider.ts) — reserved in one statement without a look-up
    // first: the keys' advisory locks, that condition read under them (each statement of a VOLATILE
    // function takes a fresh snapshot: every delivery committed before the locks were granted is
    // seen), and the reservations. False, nothing written, when any key does not meet it (a resend,
    // a conflict, another Amt's key, a reservation at or above the delivered version — also one left
    // below the answered version, which the decider would ignore): the service then looks up and
    // decides as before. Per key this reads the two tables once instead of twice (look-up, then the
    // check of ingest_reserve_if_unchanged). p_lock_ids NULL: the keys' own ids (ingest_lock_id).
    statements: [
      `CREATE OR REPLACE FUNCTION ingest_reserve_new_versions(
         p_record_type text, p_lock_ids bigint[], p_amt text, p_delivery_id uuid, p_reserved_at timestamptz,
         p_keys text[], p_versions integer[], p_hashes text[], p_tombstones boolean[], p_payloads jsonb[])
       RETURNS boolean LANGUAGE plpgsql VOLATILE AS $fn$
       BEGIN
         IF p_lock_ids IS NULL THEN
           PERFORM count(pg_advisory_xact_lock(id)) FROM (SELECT DISTINCT ingest_lock_id(p_record_type, k) AS id FROM unnest(p_keys) AS k ORDER BY 1) ids;
         ELSE
           PERFORM count(pg_advisory_xact_lock(id)) FROM (SELECT unnest(p_lock_ids) AS id ORDER BY 1) ids;
         END IF;
         IF EXISTS (
           SELECT 1 FROM unnest(p_keys, p_versions) AS u(key, version)
            WHERE EXISTS (SELECT 1 FROM ingest_records c WHERE c.record_type = p_record_type AND c.key = u.key AND (c.version >= u.version OR c.amt <> p_amt))
               OR EXISTS (SELECT 1 FROM (SELECT version, amt FROM ingest_reservations WHERE record_type = p_record_type AND key = u.key OFFSET 0) r
                           WHERE r.version >= u.version OR r.amt <> p_amt)
         ) THEN
           RETURN false;
         END IF;
         INSERT INTO ingest_reservations (record_type, key, version, payload_hash, tombstone, amt, delivery_id, reserved_at, payload)
         SELECT p_record_type, u.key, u.version, u.payload_hash, u.tombstone, p_amt, p_delivery_id, p_reserved_at, u.payload
           FROM unnest(p_keys, p_versions, p_hashes, p_tombstones, p_payloads) AS u(key, version, payload_hash, tombstone, payload);
         RETURN true;
       END
       $fn$`,
    ],
  },
];

/**
 * Applies pending migrations; an advisory lock keeps concurrently starting instances apart.
 * `upTo`: only those up to this id (a test's database of an earlier release).
 */
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
