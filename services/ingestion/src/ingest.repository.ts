// Reads and writes the ingestion tables through the Database port. Statements take whole batches
// (unnest of arrays), so a delivery of 1,000 records costs three round trips: the look-up, the
// reservation (locks, check, insert: one autocommit statement) and, after the append, the record
// statement. When the check finds the keys changed, lock, look-up and reserve run in one transaction.
import { hash } from 'node:crypto';
import type { Measure, RecordType } from '@sp/events';
import type { Database, Queryable } from '@sp/ports';
import type { CommittedVersion, KeyState, ReferencedRecord, Reservation } from './delivery.decider.js';
import type { PlanningLookups } from './planning-transition.check.js';

/** A version decided and reserved before its event is appended. */
export interface ReservationRow {
  key: string;
  version: number;
  payloadHash: string;
  tombstone: boolean;
  payload: unknown | null;
}

/** What the look-up saw of each distinct key of a delivery: "<answered version or 0>/<reserved versions ascending>". */
export interface KeysSeen {
  keys: string[];
  states: string[];
}

export interface DeliveryRow {
  deliveryId: string;
  amt: string;
  recordType: RecordType;
  kind: 'records' | 'withdrawals';
  deliveredBy: string;
  deliveredAt: Date;
  contentType: string;
  recordCount: number;
  createdCount: number;
  catalogueVersion: number;
}

export interface DeliveryEventRow {
  seq: number;
  row: number | null;
  key: string;
  version: number;
  status: 'created' | 'unchanged';
  tombstone: boolean;
  schemaId: number;
  topic: string;
  partition: number;
  offset: string;
}

/**
 * A record of a delivery as the record statement takes it: a created one also carries what becomes
 * its current version in ingest_records (payload hash; payload for the types that keep it).
 */
export interface RecordedEventRow extends DeliveryEventRow {
  payloadHash: string | null;
  /** kept for planning records, definitions and datasets only: the checks compare a new version with it */
  payload: unknown | null;
}

/**
 * Advisory lock ids of a delivery's keys: one 64-bit id per key, so deliveries with disjoint keys
 * run in parallel. Advisory locks live in PostgreSQL's shared lock table (max_locks_per_transaction
 * × connections), so a very large delivery locks hash buckets instead — coarser, still correct.
 */
const MAX_EXACT_LOCKS = 4096;

/** the goal system's advisory lock id, hashed like a key's (lockIds) under a name no record type has */
const GOAL_SYSTEM_LOCK = hash('sha256', 'lock\0goal-system', 'buffer').readBigInt64BE(0).toString();

export function lockIds(recordType: RecordType, keys: readonly string[]): string[] {
  const ids = new Set<bigint>();
  const buckets = keys.length > MAX_EXACT_LOCKS;
  for (const key of keys) {
    // the one-shot hash: half the time of createHash().update()… for a short text (1,000 per delivery)
    const h = hash('sha256', `${recordType}\0${key}`, 'buffer');
    ids.add(buckets ? BigInt(h.readUInt32BE(0) % MAX_EXACT_LOCKS) - 2n ** 62n : h.readBigInt64BE(0));
  }
  return [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)).map(String);
}

export class IngestRepository {
  constructor(private readonly db: Database) {}

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /**
   * Takes the transaction-scoped advisory locks of these keys, in ascending order (no deadlocks
   * between two deliveries sharing keys). Held until the transaction ends: look-up, decision and
   * reservation are one step per key, also between ingestion processes sharing the database.
   */
  async lockKeys(tx: Queryable, recordType: RecordType, keys: readonly string[]): Promise<void> {
    await tx.query('SELECT count(pg_advisory_xact_lock(id)) FROM (SELECT unnest($1::bigint[]) AS id ORDER BY 1) ids', [lockIds(recordType, keys)]);
  }

  /**
   * The goal system's advisory lock, taken by every goal delivery before its keys' (so in one order:
   * no deadlock): a goal is checked against its ancestors, which are not its delivery's keys, and two
   * deliveries at once must not each close half of a cycle.
   */
  async lockGoalSystem(tx: Queryable): Promise<void> {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [GOAL_SYSTEM_LOCK]);
  }

  /**
   * What PostgreSQL knows of the delivery's keys (answered version and reservations) and the current
   * goals and measures its records name, in one round trip. Reservations are looked up key by key
   * (LATERAL; OFFSET 0 keeps the planner from flattening it into a scan by record type): the table is a queue whose rows are deleted a moment after they
   * are written, and a scan by record type alone walked every dead row since the last vacuum — the
   * look-up of a batch of 1,000 grew from 25 to ~110 ms over 150 batches (bench/ingestion/pg-phases.mjs).
   */
  async lookup(
    tx: Queryable,
    recordType: RecordType,
    keys: readonly string[],
    referenced: { goals: readonly string[]; measures: readonly string[] },
  ): Promise<{ states: Map<string, KeyState>; goals: Map<string, ReferencedRecord>; measures: Map<string, ReferencedRecord>; seen: KeysSeen }> {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT false AS reserved, record_type, key, version, payload_hash, tombstone, amt, delivery_id::text AS delivery_id, schema_id, topic, partition, "offset"::text AS "offset",
              payload, NULL::timestamptz AS reserved_at
         FROM ingest_records
        WHERE (record_type = $1 AND key = ANY($2::text[])) OR (record_type = 'goal' AND key = ANY($3::text[])) OR (record_type = 'measure' AND key = ANY($4::text[]))
       UNION ALL
       SELECT true, r.record_type, r.key, r.version, r.payload_hash, r.tombstone, r.amt, r.delivery_id::text, NULL, NULL, NULL, NULL, r.payload, r.reserved_at
         FROM (SELECT DISTINCT unnest($2::text[]) AS key) AS k
              CROSS JOIN LATERAL (SELECT * FROM ingest_reservations WHERE record_type = $1 AND key = k.key OFFSET 0) AS r
        ORDER BY 1, 3, 4`,
      [recordType, keys, referenced.goals, referenced.measures],
    );
    const own = new Set(keys);
    const goalKeys = new Set(referenced.goals);
    const measureKeys = new Set(referenced.measures);
    const states = new Map<string, KeyState>();
    const goals = new Map<string, ReferencedRecord>();
    const measures = new Map<string, ReferencedRecord>();
    const answered = new Map<string, number>();
    const reservedVersions = new Map<string, number[]>();
    for (const r of rows) {
      const key = String(r.key);
      const rt = String(r.record_type);
      if (r.reserved === true) reservedVersions.set(key, [...(reservedVersions.get(key) ?? []), Number(r.version)]);
      else if (rt === recordType && own.has(key)) answered.set(key, Number(r.version));
      const known = {
        version: Number(r.version),
        payloadHash: String(r.payload_hash),
        tombstone: Boolean(r.tombstone),
        amt: String(r.amt),
        deliveryId: String(r.delivery_id),
        payload: r.payload ?? null,
      };
      if (r.reserved === true) {
        const state = states.get(key) ?? { committed: undefined, reservations: [] };
        const reservation: Reservation = { ...known, reservedAt: r.reserved_at instanceof Date ? r.reserved_at : new Date(String(r.reserved_at)) };
        states.set(key, { ...state, reservations: [...state.reservations, reservation] });
        continue;
      }
      if (rt === recordType && own.has(key)) {
        const committed: CommittedVersion = { ...known, schemaId: Number(r.schema_id), topic: String(r.topic), partition: Number(r.partition), offset: String(r.offset) };
        const state = states.get(key) ?? { committed: undefined, reservations: [] };
        states.set(key, { ...state, committed });
      }
      const referencedRecord: ReferencedRecord = { key, amt: known.amt, tombstone: known.tombstone, payload: known.tombstone ? null : known.payload };
      if (rt === 'goal' && goalKeys.has(key)) goals.set(key, referencedRecord);
      if (rt === 'measure' && measureKeys.has(key)) measures.set(key, referencedRecord);
    }
    // a reservation at or below the answered version is left from a delivery superseded since
    for (const [key, state] of states) {
      const above = state.reservations.filter((v) => v.version > (state.committed?.version ?? 0));
      if (above.length !== state.reservations.length) states.set(key, { ...state, reservations: above });
    }
    // the same text ingest_reserve_if_unchanged() makes of a key (ingest.migrations.ts, migration 3)
    const seen: KeysSeen = { keys: [...own], states: [] };
    for (const key of seen.keys) seen.states.push(`${answered.get(key) ?? 0}/${(reservedVersions.get(key) ?? []).sort((a, b) => a - b).join(',')}`);
    return { states, goals, measures, seen };
  }

  /**
   * Step 1 without a transaction: one autocommit statement takes the keys' advisory locks, checks
   * that what is known of every key (answered version, reserved versions) is still what the look-up
   * saw, and reserves. False, nothing written, when a key changed meanwhile (another process
   * decided on it): the caller decides again under the locks. The decision then holds exactly as if
   * the locks had been taken before the look-up — what is checked is all the decider reads of a key.
   */
  async reserveIfUnchanged(recordType: RecordType, seen: KeysSeen, delivery: { deliveryId: string; amt: string; at: Date }, rows: readonly ReservationRow[]): Promise<boolean> {
    // the keys go once (issue 17.3): PostgreSQL makes their lock ids (ingest_lock_id(), the same as
    // lockIds') unless they are hash buckets, and a reservation per key in the keys' order is sent
    // as NULL keys (migration 4)
    const ids = seen.keys.length > MAX_EXACT_LOCKS ? lockIds(recordType, seen.keys) : null;
    const [keys, ...columns] = reservationColumns(rows);
    const sameKeys = keys.length === seen.keys.length && keys.every((k, i) => k === seen.keys[i]);
    const { rows: out } = await this.db.query<{ ok: boolean }>(
      'SELECT ingest_reserve_if_unchanged($1, $2::bigint[], $3::text[], $4::text[], $5, $6::uuid, $7, $8::text[], $9::int[], $10::text[], $11::boolean[], $12::jsonb[]) AS ok',
      [recordType, ids, seen.keys, seen.states, delivery.amt, delivery.deliveryId, delivery.at, sameKeys ? null : keys, ...columns],
    );
    return out[0]?.ok === true;
  }

  /**
   * Step 1 in one statement for a delivery of new versions only (ingest_reserve_new_versions,
   * migration 5): takes the keys' advisory locks, checks under them that each key is new or has only
   * versions of this Amt lower than the delivered one — the decider's "create" for every record —
   * and reserves. False, nothing written, when any key does not meet that: the caller looks up and
   * decides. No look-up before it: the keys and versions go once (issue 17.3).
   */
  async reserveNewVersions(recordType: RecordType, delivery: { deliveryId: string; amt: string; at: Date }, rows: readonly ReservationRow[]): Promise<boolean> {
    const [keys, ...columns] = reservationColumns(rows);
    const ids = keys.length > MAX_EXACT_LOCKS ? lockIds(recordType, keys) : null;
    const { rows: out } = await this.db.query<{ ok: boolean }>(
      'SELECT ingest_reserve_new_versions($1, $2::bigint[], $3, $4::uuid, $5, $6::text[], $7::int[], $8::text[], $9::boolean[], $10::jsonb[]) AS ok',
      [recordType, ids, delivery.amt, delivery.deliveryId, delivery.at, keys, ...columns],
    );
    return out[0]?.ok === true;
  }

  /** Reserves the versions a delivery decided on; committed with the transaction, before the append. */
  async reserve(tx: Queryable, recordType: RecordType, delivery: { deliveryId: string; amt: string; at: Date }, rows: readonly ReservationRow[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO ingest_reservations (record_type, key, version, payload_hash, tombstone, amt, delivery_id, reserved_at, payload)
       SELECT $1, u.key, u.version, u.payload_hash, u.tombstone, $2, $3, $4, u.payload
         FROM unnest($5::text[], $6::int[], $7::text[], $8::boolean[], $9::jsonb[]) AS u(key, version, payload_hash, tombstone, payload)`,
      [recordType, delivery.amt, delivery.deliveryId, delivery.at, ...reservationColumns(rows)],
    );
  }

  /**
   * Records an appended delivery in one statement (atomic without a transaction): the new current
   * versions (the created records), the end of their reservations (and of any older ones of the same
   * keys), and the delivery's audit row. A version lower than the one already recorded leaves the
   * record as it is. The reservations are found key by key and deleted by row id, for the same reason
   * as in lookup(). The records go once, as the audit row's arrays (the versions are its created
   * entries): each array of 1,000 costs the service ~0.5 ms to write (issue 17.3).
   */
  async record(recordType: RecordType, delivery: DeliveryRow & { topic: string; schemaId: number }, events: readonly RecordedEventRow[]): Promise<void> {
    const d = delivery;
    const keepsPayloads = events.some((e) => e.payload !== null);
    await this.db.query(
      `WITH u AS (
         SELECT * FROM unnest($14::text[], $15::int[], $16::boolean[], $17::boolean[], $19::int[], $20::bigint[], $21::text[], $22::jsonb[])
           AS u(key, version, created, tombstone, partition, "offset", payload_hash, payload)
          WHERE created
       ), recorded AS (
         INSERT INTO ingest_records (record_type, key, version, payload_hash, tombstone, amt, delivery_id, schema_id, topic, partition, "offset", payload, updated_at)
         SELECT $1, u.key, u.version, u.payload_hash, u.tombstone, $2, $3, $4, $5, u.partition, u."offset", u.payload, $6 FROM u
         ON CONFLICT (record_type, key) DO UPDATE SET
           version = EXCLUDED.version, payload_hash = EXCLUDED.payload_hash, tombstone = EXCLUDED.tombstone, amt = EXCLUDED.amt,
           delivery_id = EXCLUDED.delivery_id, schema_id = EXCLUDED.schema_id, topic = EXCLUDED.topic, partition = EXCLUDED.partition,
           "offset" = EXCLUDED."offset", payload = EXCLUDED.payload, updated_at = EXCLUDED.updated_at
         WHERE ingest_records.version < EXCLUDED.version
         RETURNING 1
       ), released AS (
         DELETE FROM ingest_reservations
          WHERE ctid = ANY(ARRAY(
            SELECT r.ctid FROM u
                   CROSS JOIN LATERAL (SELECT ctid FROM ingest_reservations WHERE record_type = $1 AND key = u.key AND version <= u.version OFFSET 0) AS r))
         RETURNING 1
       ), audited AS (
         INSERT INTO ingest_deliveries (delivery_id, amt, record_type, kind, delivered_by, delivered_at, content_type, record_count, created_count, catalogue_version,
                                        topic, row_numbers, keys, versions, created, tombstones, schema_ids, partitions, offsets)
         VALUES ($3, $2, $1, $7, $8, $6, $9, $10, $11, $12, $5, $13::int[], $14::text[], $15::int[], $16::boolean[], $17::boolean[], $18::int[], $19::int[], $20::bigint[])
         RETURNING 1
       )
       SELECT (SELECT count(*) FROM recorded) AS recorded, (SELECT count(*) FROM released) AS released, (SELECT count(*) FROM audited) AS audited`,
      [
        recordType,
        d.amt,
        d.deliveryId,
        d.schemaId,
        d.topic,
        d.deliveredAt,
        d.kind,
        d.deliveredBy,
        d.contentType,
        d.recordCount,
        d.createdCount,
        d.catalogueVersion,
        events.map((e) => e.row),
        events.map((e) => e.key),
        events.map((e) => e.version),
        events.map((e) => e.status === 'created'),
        events.map((e) => e.tombstone),
        events.map((e) => e.schemaId),
        events.map((e) => e.partition),
        events.map((e) => e.offset),
        events.map((e) => (e.status === 'created' ? e.payloadHash : null)),
        // no array of 1,000 nulls for the record types that keep no payload: a NULL array pads the unnest with nulls
        keepsPayloads ? events.map((e) => (e.status === 'created' && e.payload !== null ? JSON.stringify(e.payload) : null)) : null,
      ],
    );
  }

  /** The look-ups of the planning transition check, inside the delivery's transaction; measures already looked up are not asked for again. */
  planningLookups(tx: Queryable, known: ReadonlyMap<string, ReferencedRecord>): PlanningLookups {
    return {
      measures: async (keys) => {
        const missing = keys.filter((k) => !known.has(k));
        const fetched = new Map<string, ReferencedRecord>();
        if (missing.length) {
          const { rows } = await tx.query<{ key: string; amt: string; payload: unknown }>(
            `SELECT key, amt, payload FROM ingest_records WHERE record_type = 'measure' AND key = ANY($1::text[]) AND NOT tombstone`,
            [missing],
          );
          for (const r of rows) fetched.set(r.key, { key: r.key, amt: r.amt, tombstone: false, payload: r.payload });
        }
        const out = new Map<string, Measure>();
        for (const k of keys) {
          const m = known.get(k) ?? fetched.get(k);
          if (m && !m.tombstone && m.payload) out.set(k, m.payload as Measure);
        }
        return out;
      },
      measuresServingGoals: (goalKeys) => this.measuresServingGoals(tx, goalKeys),
      // a reserved version counts beside the current one: it is decided, not yet in the log and in
      // ingest_records (the delivery holding it may still be appending)
      goalParents: async (goalKeys) => {
        const { rows } = await tx.query<{ key: string; parent: string | null }>(
          `SELECT key, payload ->> 'parentKey' AS parent FROM ingest_records WHERE record_type = 'goal' AND key = ANY($1::text[]) AND NOT tombstone
           UNION ALL
           SELECT r.key, r.payload ->> 'parentKey'
             FROM (SELECT DISTINCT unnest($1::text[]) AS key) AS k
                  CROSS JOIN LATERAL (SELECT * FROM ingest_reservations WHERE record_type = 'goal' AND key = k.key AND NOT tombstone OFFSET 0) AS r`,
          [goalKeys],
        );
        const out = new Map<string, string[]>();
        for (const r of rows) if (r.parent !== null && !out.get(r.key)?.includes(r.parent)) out.set(r.key, [...(out.get(r.key) ?? []), r.parent]);
        return out;
      },
    };
  }

  /** For each goal key, the keys of the current (not withdrawn) measures naming it in goalKeys. */
  async measuresServingGoals(tx: Queryable, goalKeys: readonly string[]): Promise<Map<string, string[]>> {
    const { rows } = await tx.query<{ goal_key: string; key: string }>(
      `SELECT g.goal_key, r.key FROM ingest_records r, unnest($1::text[]) AS g(goal_key)
        WHERE r.record_type = 'measure' AND NOT r.tombstone AND r.payload -> 'goalKeys' @> jsonb_build_array(g.goal_key)
        ORDER BY g.goal_key, r.key`,
      [goalKeys],
    );
    const out = new Map<string, string[]>();
    for (const r of rows) out.set(r.goal_key, [...(out.get(r.goal_key) ?? []), r.key]);
    return out;
  }

  async findDelivery(deliveryId: string): Promise<{ delivery: DeliveryRow; events: DeliveryEventRow[] } | undefined> {
    if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(deliveryId)) return undefined;
    const { rows } = await this.db.query<Record<string, unknown>>(
      `SELECT delivery_id::text AS delivery_id, amt, record_type, kind, delivered_by, delivered_at, content_type, record_count, created_count, catalogue_version
         FROM ingest_deliveries WHERE delivery_id = $1`,
      [deliveryId],
    );
    const d = rows[0];
    if (!d) return undefined;
    const ev = await this.db.query<Record<string, unknown>>(
      `SELECT u.ord - 1 AS seq, u.row_number, u.key, u.version, u.created, u.tombstone, u.schema_id, d.topic, u.partition, u."offset"::text AS "offset"
         FROM ingest_deliveries d,
              unnest(d.row_numbers, d.keys, d.versions, d.created, d.tombstones, d.schema_ids, d.partitions, d.offsets)
                WITH ORDINALITY AS u(row_number, key, version, created, tombstone, schema_id, partition, "offset", ord)
        WHERE d.delivery_id = $1 ORDER BY u.ord`,
      [deliveryId],
    );
    return {
      delivery: {
        deliveryId: String(d.delivery_id),
        amt: String(d.amt),
        recordType: d.record_type as RecordType,
        kind: d.kind as DeliveryRow['kind'],
        deliveredBy: String(d.delivered_by),
        deliveredAt: d.delivered_at instanceof Date ? d.delivered_at : new Date(String(d.delivered_at)),
        contentType: String(d.content_type),
        recordCount: Number(d.record_count),
        createdCount: Number(d.created_count),
        catalogueVersion: Number(d.catalogue_version),
      },
      events: ev.rows.map((e) => ({
        seq: Number(e.seq),
        row: e.row_number === null ? null : Number(e.row_number),
        key: String(e.key),
        version: Number(e.version),
        status: e.created === true ? 'created' : 'unchanged',
        tombstone: Boolean(e.tombstone),
        schemaId: Number(e.schema_id),
        topic: String(e.topic),
        partition: Number(e.partition),
        offset: String(e.offset),
      })),
    };
  }
}

/** The reservation rows as the statements' array parameters: keys, versions, payload hashes, tombstones, payloads (JSON). */
function reservationColumns(rows: readonly ReservationRow[]): [string[], number[], string[], boolean[], (string | null)[] | null] {
  // a NULL array of payloads (none kept: area statistics) pads the statements' unnest with nulls
  const payloads = rows.some((r) => r.payload !== null) ? rows.map((r) => (r.payload === null ? null : JSON.stringify(r.payload))) : null;
  return [rows.map((r) => r.key), rows.map((r) => r.version), rows.map((r) => r.payloadHash), rows.map((r) => r.tombstone), payloads];
}
