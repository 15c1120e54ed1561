// A delivery's body read as records — parsed, then (after validation) encoded — in the functions
// both the service's thread (delivery.service.ts) and the delivery readers' workers
// (delivery.worker.ts) run, so a body reads the same wherever it is read.
import { hash } from 'node:crypto';
import type { AnyRecord, AreaStatistic, RecordType, SchemaRegistry } from '@sp/events';
import { parseCsvDelivery, parseGeoJsonDelivery, parseJsonDelivery, type ParsedDelivery, type ValidRecord } from '@sp/feeds';
import type { DeliveryItem } from './delivery.decider.js';
import { PayloadBytes } from './payload-bytes.js';
import { withRecordKeys } from './record-keys.js';

export type BodyFormat = 'json' | 'csv' | 'geojson';

/** An item with the Avro bytes of its payload (null for a withdrawal). */
export interface EncodedItem extends DeliveryItem {
  payloadBytes: Buffer | null;
}

/**
 * The payload of an item read in a delivery reader (DeliveryService.readInWorker): its content is its
 * Avro bytes (payloadBytes), not an object on the service's thread. Only area statistics are read
 * there, whose content the thread does not read (no references to check, keepsPayload false); where
 * it would (hashes under earlier schema versions) it decodes the bytes.
 */
export const IN_BYTES: AnyRecord = Object.freeze({ inBytes: true }) as unknown as AnyRecord;

export function parseBody(recordType: RecordType, format: BodyFormat, body: Buffer): ParsedDelivery {
  return format === 'csv' ? parseCsvDelivery(recordType, body) : format === 'geojson' ? parseGeoJsonDelivery(recordType, body) : parseJsonDelivery(body);
}

/**
 * The validated records as items: record keys of area statistics (docs/disclosure.md), the payload's
 * Avro bytes under the latest schema and their hash. The hashes under earlier schema versions are
 * computed after the look-up, for the keys whose answered version was written under one
 * (DeliveryService.withEarlierHashes): for every record they cost a quarter of the service's CPU
 * (bench/ingestion, issue 17.3).
 */
export function encodeRecords(registry: SchemaRegistry, recordType: RecordType, records: readonly ValidRecord<RecordType>[], recordKeySecret: string | undefined): EncodedItem[] {
  // the bytes EventCodec.encodePayload() makes (latest.payloadType.toBuffer), written into shared chunks
  const encoder = new PayloadBytes(registry.latest(recordType).payloadType);
  return records.map(({ row, record: delivered }) => {
    const record = recordKeySecret && recordType === 'area-statistic' ? withRecordKeys(delivered as AreaStatistic, recordKeySecret) : delivered;
    const payloadBytes = encoder.encode(record);
    return { row, key: record.key, version: record.version, payload: record, payloadBytes, hash: payloadHash(payloadBytes) };
  });
}

/**
 * "Same payload" for idempotency: sha256 of the payload's Avro bytes. Avro binary is canonical for
 * a schema (fields in schema order; validation sorted the dimension maps), so equal records hash
 * equal however their JSON or CSV was laid out.
 */
export function payloadHash(payloadBytes: Uint8Array): string {
  return hash('sha256', payloadBytes, 'hex');
}
