// Encodes record events as Avro in the wire format and decodes them back, validated by zod.
// decode() gives the event as its writer wrote it; decodeAs() reads it through Avro schema
// resolution as a given (newer) version, so a consumer built for v2 also reads v1 events.
import avro from 'avsc';
import { type AvroDecoder, compileAvroDecoder, StringTable } from './avro-reader.js';
import { parseRecordEvent, type AnyRecordEvent, type RecordEvent } from './envelope.schema.js';
import type { RecordType } from './record-types.js';
import type { RegisteredSchema, SchemaIdentity, SchemaRegistry } from './schema-registry.js';
import { checkSchemaId, frame, MAGIC_BYTE, unframe, WIRE_HEADER_BYTES, WireFormatError } from './wire-format.js';

/** Headers put on every event so tools can route and inspect without decoding. */
export const eventHeaderNames = {
  schemaId: 'sp-schema-id',
  recordType: 'sp-record-type',
  schemaVersion: 'sp-schema-version',
  amt: 'sp-amt',
  deliveryId: 'sp-delivery-id',
  deliveredBy: 'sp-delivered-by',
  contentType: 'content-type',
} as const;
export const EVENT_CONTENT_TYPE = 'application/vnd.sp.record-event+avro';

export interface DecodedEvent<E = AnyRecordEvent> {
  event: E;
  /** the schema the producer wrote with */
  writer: SchemaIdentity;
  /** the schema the event was read as (= writer for decode()) */
  reader: SchemaIdentity;
}

function identity(s: RegisteredSchema): SchemaIdentity {
  return { id: s.id, recordType: s.recordType, version: s.version };
}

export class EventCodec {
  private readonly heads = new Map<number, avro.Type>();
  /** encodeWithPayloadBytes' scratch buffer for event heads (grown when a head does not fit) */
  private scratch = Buffer.allocUnsafe(1024);
  /** decodeTrusted's compiled decoders by reader<writer id (null: a schema it does not compile, avsc decodes) */
  private readonly decoders = new Map<string, AvroDecoder | null>();
  /** the short strings the compiled decoders share (avro-reader.ts) */
  private readonly strings = new StringTable();

  constructor(readonly registry: SchemaRegistry) {}

  /** Wire-format bytes of an event written with schema (recordType, schemaVersion). */
  encode<R extends RecordType>(recordType: R, schemaVersion: number, event: RecordEvent<R>): Buffer {
    const schema = this.registry.get(recordType, schemaVersion);
    if (event.recordType !== recordType) throw new Error(`event of ${event.recordType} encoded as ${recordType}`);
    return frame(schema.id, schema.eventType.toBuffer(event));
  }

  headers(recordType: RecordType, schemaVersion: number, event: Pick<RecordEvent, 'amt' | 'deliveryId' | 'deliveredBy'>): Record<string, string> {
    const schema = this.registry.get(recordType, schemaVersion);
    return {
      [eventHeaderNames.schemaId]: String(schema.id),
      [eventHeaderNames.recordType]: recordType,
      [eventHeaderNames.schemaVersion]: String(schema.version),
      [eventHeaderNames.amt]: event.amt,
      [eventHeaderNames.deliveryId]: event.deliveryId,
      [eventHeaderNames.deliveredBy]: event.deliveredBy,
      [eventHeaderNames.contentType]: EVENT_CONTENT_TYPE,
    };
  }

  /** Decodes with the writer's schema (found by the id in the message) and validates with zod. */
  decode(bytes: Uint8Array): DecodedEvent {
    const { schemaId, body } = unframe(bytes);
    const writer = this.registry.byId(schemaId);
    const event = parseRecordEvent(plain(writer.eventType.fromBuffer(body)));
    return { event, writer: identity(writer), reader: identity(writer) };
  }

  /**
   * Decodes as `readerVersion` of the event's record type (default: the latest registered), filling
   * fields the writer did not know with their defaults.
   */
  decodeAs(bytes: Uint8Array, readerVersion?: number): DecodedEvent {
    const { schemaId, body } = unframe(bytes);
    const writer = this.registry.byId(schemaId);
    const reader = readerVersion === undefined ? this.registry.latest(writer.recordType) : this.registry.get(writer.recordType, readerVersion);
    const value = reader.id === writer.id ? reader.eventType.fromBuffer(body) : reader.eventType.fromBuffer(body, this.registry.resolver(reader, writer));
    return { event: parseRecordEvent(plain(value)), writer: identity(writer), reader: identity(reader) };
  }

  /**
   * Decodes like decodeAs(), for replays of events that were validated when they were written: the
   * ingestion checks every record with zod before it appends it (validation at the door), and a
   * published schema never changes, so what the log holds passed the same checks. zod and the
   * copy into plain objects cost ~4× the Avro decode itself (a rebuild decodes every event of the
   * log), so only what Avro cannot guarantee and the projections rely on is checked here: a record
   * type of this registry, a tombstone without payload, a payload with the envelope's key and
   * version. Anything else that fails is a WireFormatError or Avro's own error, as in decodeAs().
   * The Avro decoding itself is compiled per (reader, writer) pair (avro-reader.ts: the values avsc
   * gives, ≈ 2× its speed on the rebuild's events); avsc decodes what that does not compile.
   */
  decodeTrusted(bytes: Uint8Array, readerVersion?: number): AnyRecordEvent {
    const { schemaId, body } = unframe(bytes);
    const writer = this.registry.byId(schemaId);
    const reader = readerVersion === undefined ? this.registry.latest(writer.recordType) : this.registry.get(writer.recordType, readerVersion);
    const decode = this.decoder(reader, writer);
    const e = (decode ? decode(body) : reader.id === writer.id ? reader.eventType.fromBuffer(body) : reader.eventType.fromBuffer(body, this.registry.resolver(reader, writer))) as AnyRecordEvent;
    if (e.recordType !== writer.recordType) throw new WireFormatError(`event of schema ${schemaId} says record type ${JSON.stringify(e.recordType)}, expected ${writer.recordType}`);
    if (e.tombstone ? e.payload !== null : !e.payload || e.payload.key !== e.key || e.payload.version !== e.version) {
      throw new WireFormatError(`event ${JSON.stringify(e.key)}@${e.version}: ${e.tombstone ? 'a tombstone carries no payload' : 'payload key/version differ from the envelope'}`);
    }
    return e;
  }

  /**
   * The decoder compiled for reading `writer`'s data as `reader` (avro-reader.ts: the same values as
   * avsc's, without its generic string and map reading), or undefined where avsc decodes.
   */
  private decoder(reader: RegisteredSchema, writer: RegisteredSchema): AvroDecoder | undefined {
    const k = `${reader.id}<${writer.id}`;
    let d = this.decoders.get(k);
    if (d === undefined) {
      d = compileAvroDecoder(writer.eventSchema, reader.eventSchema, this.strings) ?? null;
      this.decoders.set(k, d);
    }
    return d ?? undefined;
  }

  /** Avro bytes of a payload alone (no envelope): a canonical form, e.g. for hashing. */
  encodePayload(recordType: RecordType, schemaVersion: number, payload: unknown): Buffer {
    return this.registry.get(recordType, schemaVersion).payloadType.toBuffer(payload);
  }

  /**
   * Same bytes as encode(), from a payload already encoded by encodePayload() with the same schema
   * version: an Avro record is the concatenation of its fields, and `payload` is the envelope's
   * last field (union index 1 = the record, 0 = null). Saves encoding a payload twice when it was
   * encoded once already to hash it.
   */
  encodeWithPayloadBytes<R extends RecordType>(recordType: R, schemaVersion: number, envelope: Omit<RecordEvent<R>, 'payload'>, payloadBytes: Uint8Array | null): Buffer {
    const schema = this.registry.get(recordType, schemaVersion);
    let head = this.heads.get(schema.id);
    if (!head) {
      const full = schema.eventSchema as { name: string; namespace?: string; fields: { name: string }[] };
      head = avro.Type.forSchema({ ...full, name: `${full.name}Head`, fields: full.fields.filter((f) => f.name !== 'payload') } as never);
      this.heads.set(schema.id, head);
    }
    // The head is written behind room for the wire header into a scratch buffer kept by the codec,
    // then header, head, union branch and payload go into one buffer of the event's size: one
    // allocation and two copies per event, where toBuffer(), concat and frame() took three of each
    // (bench/ingestion, issue 17.3, session 16). Same bytes, same errors as before (frame's range
    // check of the id, avsc's of the envelope).
    checkSchemaId(schema.id);
    let end = head.encode(envelope, this.scratch, WIRE_HEADER_BYTES);
    if (end < 0) {
      this.scratch = Buffer.allocUnsafe(2 * (this.scratch.length - end));
      end = head.encode(envelope, this.scratch, WIRE_HEADER_BYTES);
      if (end < 0) throw new Error(`Avro encoding of an event head needs ${-end} bytes more than it said`);
    }
    const out = Buffer.allocUnsafe(end + 1 + (payloadBytes ? payloadBytes.length : 0));
    out[0] = MAGIC_BYTE;
    out.writeUInt32BE(schema.id, 1);
    this.scratch.copy(out, WIRE_HEADER_BYTES, WIRE_HEADER_BYTES, end);
    out[end] = payloadBytes ? UNION_BRANCH_1 : UNION_BRANCH_0;
    if (payloadBytes) out.set(payloadBytes, end + 1);
    return out;
  }
}

const UNION_BRANCH_0 = 0x00;
const UNION_BRANCH_1 = 0x02; // zig-zag varint of 1

/** avsc returns instances of generated record classes; consumers get plain objects. */
function plain(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object' && !Buffer.isBuffer(value)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = plain(v);
    return out;
  }
  return value;
}
