// Reads and writes the ingestion tables through the Database port. Statements take whole batches
// (unnest of arrays), so a delivery of 1,000 records costs a handful of round trips.
import { createHash } from 'node:crypto';
import type { Database, Queryable } from '@sp/ports';
import type { RecordType } from '@sp/events';

export interface CurrentRecord {
  key: string;
  version: number;
  payloadHash: string;
  tombstone: boolean;
  amt: string;
  deliveryId: string;
  schemaId: number;
  topic: string;
  partition: number;
  offset: string;
  payload: unknown;
}

export interface RecordVersionRow {
  key: string;
  version: number;
  payloadHash: string;
  tombstone: boolean;
  partition: number;
  offset: string;
  /** kept for planning records only: the controlling check compares a new version with it */
  payload: unknown | null;
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
 * Advisory lock ids of a delivery's keys: one 64-bit id per key, so deliveries with disjoint keys
 * run in parallel. Advisory locks live in PostgreSQL's shared lock table (max_locks_per_transaction
 * × connections), so a very large delivery locks hash buckets instead — coarser, still correct.
 */
const MAX_EXACT_LOCKS = 4096;

function lockIds(recordType: RecordType, keys: readonly string[]): string[] {
  const ids = new Set<bigint>();
  const buckets = keys.length > MAX_EXACT_LOCKS;
  for (const key of keys) {
    const h = createHash('sha256').update(recordType).update('\0').update(key).digest();
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
   * between two deliveries sharing keys). Held until the transaction ends: the version check, the
   * append to the log and the recording of the new versions happen as one step per key.
   */
  async lockKeys(tx: Queryable, recordType: RecordType, keys: readonly string[]): Promise<void> {
    await tx.query('SELECT count(pg_advisory_xact_lock(id)) FROM (SELECT unnest($1::bigint[]) AS id ORDER BY 1) ids', [lockIds(recordType, keys)]);
  }

  async currentRecords(tx: Queryable, recordType: RecordType, keys: readonly string[], withPayload: boolean): Promise<Map<string, CurrentRecord>> {
    const { rows } = await tx.query<Record<string, unknown>>(
      `SELECT key, version, payload_hash, tombstone, amt, delivery_id::text AS delivery_id, schema_id, topic, partition, "offset"::text AS "offset"${withPayload ? ', payload' : ''}
         FROM ingest_records WHERE record_type = $1 AND key = ANY($2::text[])`,
      [recordType, keys],
    );
    return new Map(
      rows.map((r) => [
        String(r.key),
        {
          key: String(r.key),
          version: Number(r.version),
          payloadHash: String(r.payload_hash),
          tombstone: Boolean(r.tombstone),
          amt: String(r.amt),
          deliveryId: String(r.delivery_id),
          schemaId: Number(r.schema_id),
          topic: String(r.topic),
          partition: Number(r.partition),
          offset: String(r.offset),
          payload: r.payload ?? null,
        },
      ]),
    );
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

  /** New current versions; all rows come from one delivery of one Amt to one topic. */
  async recordVersions(
    tx: Queryable,
    recordType: RecordType,
    delivery: { deliveryId: string; amt: string; topic: string; schemaId: number },
    rows: readonly RecordVersionRow[],
    at: Date,
  ): Promise<void> {
    if (rows.length === 0) return;
    await tx.query(
      `INSERT INTO ingest_records (record_type, key, version, payload_hash, tombstone, amt, delivery_id, schema_id, topic, partition, "offset", payload, updated_at)
       SELECT $1, u.key, u.version, u.payload_hash, u.tombstone, $2, $3, $4, $5, u.partition, u."offset", u.payload, $6
         FROM unnest($7::text[], $8::int[], $9::text[], $10::boolean[], $11::int[], $12::bigint[], $13::jsonb[])
           AS u(key, version, payload_hash, tombstone, partition, "offset", payload)
       ON CONFLICT (record_type, key) DO UPDATE SET
         version = EXCLUDED.version, payload_hash = EXCLUDED.payload_hash, tombstone = EXCLUDED.tombstone, amt = EXCLUDED.amt,
         delivery_id = EXCLUDED.delivery_id, schema_id = EXCLUDED.schema_id, topic = EXCLUDED.topic, partition = EXCLUDED.partition,
         "offset" = EXCLUDED."offset", payload = EXCLUDED.payload, updated_at = EXCLUDED.updated_at
       WHERE ingest_records.version < EXCLUDED.version`,
      [
        recordType,
        delivery.amt,
        delivery.deliveryId,
        delivery.schemaId,
        delivery.topic,
        at,
        rows.map((r) => r.key),
        rows.map((r) => r.version),
        rows.map((r) => r.payloadHash),
        rows.map((r) => r.tombstone),
        rows.map((r) => r.partition),
        rows.map((r) => r.offset),
        rows.map((r) => (r.payload === null ? null : JSON.stringify(r.payload))),
      ],
    );
  }

  async recordDelivery(tx: Queryable, d: DeliveryRow, topic: string, events: readonly DeliveryEventRow[]): Promise<void> {
    await tx.query(
      `INSERT INTO ingest_deliveries (delivery_id, amt, record_type, kind, delivered_by, delivered_at, content_type, record_count, created_count, catalogue_version,
                                      topic, row_numbers, keys, versions, created, tombstones, schema_ids, partitions, offsets)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::int[], $13::text[], $14::int[], $15::boolean[], $16::boolean[], $17::int[], $18::int[], $19::bigint[])`,
      [
        d.deliveryId,
        d.amt,
        d.recordType,
        d.kind,
        d.deliveredBy,
        d.deliveredAt,
        d.contentType,
        d.recordCount,
        d.createdCount,
        d.catalogueVersion,
        topic,
        events.map((e) => e.row),
        events.map((e) => e.key),
        events.map((e) => e.version),
        events.map((e) => e.status === 'created'),
        events.map((e) => e.tombstone),
        events.map((e) => e.schemaId),
        events.map((e) => e.partition),
        events.map((e) => e.offset),
      ],
    );
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
