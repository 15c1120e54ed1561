// Rebuilds the ingestion's version records (ingest_records) from the event log, the source of
// truth: after the database was lost or damaged, every key's latest version, its payload hash,
// its log position and (for planning records) its payload are read back from the record events,
// so a repeated delivery is again `unchanged`, a stale one 409, and versions are never issued twice.
// The audit rows (ingest_deliveries) of deliveries that created nothing are not in the log and are
// not restored; reservations of unanswered deliveries are dropped (their sender retries).
import type { EventCodec, RecordType } from '@sp/events';
import type { Database, EventLog } from '@sp/ports';
import { TOMBSTONE_HASH } from './delivery.decider.js';
import { keepsPayload, payloadHash } from './delivery.service.js';

export interface IngestRebuildDeps {
  database: Database;
  eventLog: EventLog;
  codec: EventCodec;
  /** the record topics to read (every topic ingestion appends to; they must exist) */
  topics: readonly string[];
  /**
   * the log is the truth and the database may be ahead of it (servers mode: a PostgreSQL dump taken
   * after the log's cut, docs/backup.md): every version record and reservation is replaced by what
   * the log holds, and the audit rows of deliveries whose created events lie at or past the log's
   * end go (their records, delivered again, are accepted anew). Without it the rebuild only raises
   * versions, for a database that starts empty.
   */
  replace?: boolean;
}

interface LatestVersion {
  recordType: RecordType;
  key: string;
  version: number;
  hash: string;
  tombstone: boolean;
  amt: string;
  deliveryId: string;
  schemaId: number;
  topic: string;
  partition: number;
  offset: bigint;
  payload: unknown;
  at: Date;
}

/** Replays `topics` under a fresh consumer group and upserts the latest version of every key. */
export async function rebuildIngestRecords(deps: IngestRebuildDeps, timeoutMs = 600_000): Promise<{ events: number; records: number; droppedDeliveries: number }> {
  const latest = new Map<string, LatestVersion>();
  let events = 0;
  const replay = await deps.eventLog.subscribe({
    groupId: `ingest-rebuild-${Date.now()}`,
    topics: [...deps.topics],
    startFrom: 'earliest',
    maxBatchSize: 2000,
    handleBatch: async (batch) => {
      for (const e of batch.events) {
        const { event, writer } = deps.codec.decode(e.value);
        events++;
        const id = `${event.recordType}\u0000${event.key}`;
        const known = latest.get(id);
        if (known && known.version >= event.version) continue;
        const hash = event.tombstone || event.payload === null ? TOMBSTONE_HASH : payloadHash(deps.codec.encodePayload(event.recordType, writer.version, event.payload));
        latest.set(id, {
          recordType: event.recordType,
          key: event.key,
          version: event.version,
          hash,
          tombstone: event.tombstone,
          amt: event.amt,
          deliveryId: event.deliveryId,
          schemaId: writer.id,
          topic: e.topic,
          partition: e.partition,
          offset: e.offset,
          payload: keepsPayload(event.recordType) && !event.tombstone ? event.payload : null,
          at: new Date(event.deliveredAt),
        });
      }
    },
  });
  try {
    await replay.caughtUp(timeoutMs);
  } finally {
    await replay.stop();
  }
  const rows = [...latest.values()];
  // nothing appends while a rebuild runs (a repair before ingestion accepts, or an operator's restore)
  const ends = deps.replace ? await Promise.all(deps.topics.map(async (t) => [t, await deps.eventLog.endOffsets(t)] as const)) : [];
  let droppedDeliveries = 0;
  await deps.database.transaction(async (tx) => {
    if (deps.replace) {
      await tx.query('DELETE FROM ingest_reservations');
      await tx.query('DELETE FROM ingest_records');
      for (const [topic, end] of ends) {
        const byPartition = Array.from({ length: Math.max(0, ...end.keys()) + 1 }, (_, p) => (end.get(p) ?? 0n).toString());
        const { rows: dropped } = await tx.query<{ n: string }>(
          `WITH gone AS (
             DELETE FROM ingest_deliveries d WHERE d.topic = $1 AND EXISTS (
               SELECT 1 FROM unnest(d.created, d.partitions, d.offsets) AS r(created, partition, "offset")
                WHERE r.created AND r."offset" >= coalesce(($2::bigint[])[r.partition + 1], 0))
             RETURNING 1)
           SELECT count(*) AS n FROM gone`,
          [topic, byPartition],
        );
        droppedDeliveries += Number(dropped[0]?.n ?? 0);
      }
    }
    for (let i = 0; i < rows.length; i += 1000) {
      const chunk = rows.slice(i, i + 1000);
      await tx.query(
        `INSERT INTO ingest_records (record_type, key, version, payload_hash, tombstone, amt, delivery_id, schema_id, topic, partition, "offset", payload, updated_at)
         SELECT * FROM unnest($1::text[], $2::text[], $3::int[], $4::text[], $5::boolean[], $6::text[], $7::uuid[], $8::int[], $9::text[], $10::int[], $11::bigint[], $12::jsonb[], $13::timestamptz[])
         ON CONFLICT (record_type, key) DO UPDATE SET
           version = EXCLUDED.version, payload_hash = EXCLUDED.payload_hash, tombstone = EXCLUDED.tombstone, amt = EXCLUDED.amt,
           delivery_id = EXCLUDED.delivery_id, schema_id = EXCLUDED.schema_id, topic = EXCLUDED.topic, partition = EXCLUDED.partition,
           "offset" = EXCLUDED."offset", payload = EXCLUDED.payload, updated_at = EXCLUDED.updated_at
         WHERE ingest_records.version < EXCLUDED.version`,
        [
          chunk.map((r) => r.recordType),
          chunk.map((r) => r.key),
          chunk.map((r) => r.version),
          chunk.map((r) => r.hash),
          chunk.map((r) => r.tombstone),
          chunk.map((r) => r.amt),
          chunk.map((r) => r.deliveryId),
          chunk.map((r) => r.schemaId),
          chunk.map((r) => r.topic),
          chunk.map((r) => r.partition),
          chunk.map((r) => r.offset.toString()),
          chunk.map((r) => (r.payload === null ? null : JSON.stringify(r.payload))),
          chunk.map((r) => r.at.toISOString()),
        ],
      );
    }
  });
  return { events, records: rows.length, droppedDeliveries };
}
