import { describe, expect, it } from 'vitest';
import { EventCodec, eventHeaderNames } from './event-codec.js';
import { recordTypes } from './record-types.js';
import { SchemaRegistry } from './schema-registry.js';
import { anEvent, anOffer, recordFactories } from './testing/record.factories.js';
import { frame, MAGIC_BYTE, unframe, WireFormatError } from './wire-format.js';

const registry = SchemaRegistry.load();
const codec = new EventCodec(registry);

describe('event codec', () => {
  it.each(recordTypes)('round-trips a %s event through Avro and zod', (t) => {
    const event = anEvent(t, recordFactories[t]());
    const bytes = codec.encode(t, 1, event);
    expect(bytes[0]).toBe(MAGIC_BYTE);
    expect(bytes.readUInt32BE(1)).toBe(registry.get(t, 1).id);
    const decoded = codec.decode(bytes);
    expect(decoded.event).toEqual(event);
    expect(decoded.writer).toEqual({ id: registry.get(t, 1).id, recordType: t, version: 1 });
  });

  it.each(recordTypes)('builds the same bytes from a pre-encoded %s payload', (t) => {
    const event = anEvent(t, recordFactories[t]());
    const { payload, ...envelope } = event;
    expect(codec.encodeWithPayloadBytes(t, 1, envelope, codec.encodePayload(t, 1, payload))).toEqual(codec.encode(t, 1, event));
    const tombstone = anEvent(t, null);
    const { payload: _none, ...head } = tombstone;
    expect(codec.encodeWithPayloadBytes(t, 1, head, null)).toEqual(codec.encode(t, 1, tombstone));
  });

  it('builds the same bytes as encode() for a run of events of every schema version through one codec, heads longer than its scratch buffer among them, earlier results untouched', () => {
    // encodeWithPayloadBytes writes each head into a scratch buffer the codec keeps (issue 17.3, session 16)
    const fresh = new EventCodec(registry);
    const made: { bytes: Buffer; expected: Buffer }[] = [];
    let n = 0;
    for (const s of registry.all()) {
      for (let i = 0; i < 40; i++, n++) {
        const long = 'ä😀x'.repeat((n * 97) % 900); // up to 3,600 UTF-16 units: heads of ~0.1 to ~8 kB
        const tombstone = n % 5 === 0;
        const payload = tombstone ? null : { ...recordFactories[s.recordType](), key: `k${n}${long}`, version: 1 + (n % 7) };
        const event = anEvent(s.recordType, payload as never, { key: `k${n}${long}`, version: 1 + (n % 7), deliveredBy: `key-${long}`, deliveredAt: Date.UTC(2025, 0, 1) + n * 1_000_003 });
        let expected: Buffer;
        try {
          expected = codec.encode(s.recordType, s.version, event);
        } catch {
          continue; // a factory record an older schema version cannot hold
        }
        const { payload: p, ...envelope } = event;
        const bytes = fresh.encodeWithPayloadBytes(s.recordType, s.version, envelope, p === null ? null : codec.encodePayload(s.recordType, s.version, p));
        if (!bytes.equals(expected)) expect(bytes.toString('hex')).toBe(expected.toString('hex'));
        made.push({ bytes, expected: Buffer.from(expected) });
      }
    }
    expect(made.length).toBeGreaterThan(200);
    expect(made.filter(({ bytes, expected }) => !bytes.equals(expected))).toEqual([]);
  });

  it('refuses an envelope Avro cannot hold, as encode() does', () => {
    const event = anEvent('offer', recordFactories.offer());
    const { payload, ...envelope } = event;
    const broken = { ...envelope, version: 'two' as unknown as number };
    expect(() => codec.encode('offer', 1, { ...broken, payload })).toThrow();
    expect(() => codec.encodeWithPayloadBytes('offer', 1, broken, codec.encodePayload('offer', 1, payload))).toThrow();
  });

  it('encodes a tombstone without payload', () => {
    const event = anEvent('offer', null, { key: 'schule:1', version: 3 });
    const decoded = codec.decode(codec.encode('offer', 1, event));
    expect(decoded.event).toMatchObject({ key: 'schule:1', version: 3, tombstone: true, payload: null });
  });

  it('puts the schema identity into the headers', () => {
    const h = codec.headers('offer', 1, { amt: 'jugendamt', deliveryId: 'd1', deliveredBy: 'k1' });
    expect(h[eventHeaderNames.schemaId]).toBe(String(registry.get('offer', 1).id));
    expect(h[eventHeaderNames.recordType]).toBe('offer');
    expect(h[eventHeaderNames.schemaVersion]).toBe('1');
  });

  it('rejects bytes that are not in the wire format or name an unknown schema', () => {
    expect(() => unframe(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(WireFormatError);
    expect(() => unframe(Buffer.from([0, 0]))).toThrow(WireFormatError);
    expect(() => codec.decode(frame(9999, Buffer.from([0])))).toThrow(/no schema with id 9999/);
  });

  it('validates decoded events with zod (Avro-valid but semantically broken data is refused)', () => {
    const schema = registry.get('offer', 1);
    const broken = anEvent('offer', anOffer({ version: 0 }), { version: 0 });
    const bytes = frame(schema.id, schema.eventType.toBuffer(broken));
    expect(() => codec.decode(bytes)).toThrow();
    const mismatch = anEvent('offer', anOffer({ key: 'a' }), { key: 'b' });
    expect(() => codec.decode(frame(schema.id, schema.eventType.toBuffer(mismatch)))).toThrow(/differ/);
  });

  it.each(recordTypes)('decodes a %s event for a replay (decodeTrusted) to what decodeAs() gives', (t) => {
    for (const event of [anEvent(t, recordFactories[t]()), anEvent(t, null)]) {
      const bytes = codec.encode(t, 1, event);
      expect({ ...codec.decodeTrusted(bytes) }).toEqual(codec.decodeAs(bytes).event);
    }
  });

  it('checks structurally in decodeTrusted what Avro cannot: key/version of payload and envelope, tombstone without payload', () => {
    const schema = registry.get('offer', 1);
    const mismatch = anEvent('offer', anOffer({ key: 'a' }), { key: 'b' });
    expect(() => codec.decodeTrusted(frame(schema.id, schema.eventType.toBuffer(mismatch)))).toThrow(WireFormatError);
    const tombstoneWithPayload = { ...anEvent('offer', anOffer({ key: 'a' }), { key: 'a' }), tombstone: true };
    expect(() => codec.decodeTrusted(frame(schema.id, schema.eventType.toBuffer(tombstoneWithPayload)))).toThrow(/tombstone carries no payload/);
    expect(() => codec.decodeTrusted(Buffer.from([1, 0, 0, 0, 1, 2]))).toThrow(WireFormatError);
  });
});
