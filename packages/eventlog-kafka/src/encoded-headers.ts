// The headers of a Kafka record encoded once, as kafkajs writes them into each record — VarInt
// count, then per header VarInt|String key and VarInt|Bytes value (the record format v2) —, for the
// `encodedHeaders` field of kafkajs' messages (patches/kafkajs@2.2.4.patch). The events of one
// delivery share one headers object (delivery.service.ts), so a delivery of 1,000 events encodes its
// headers once instead of one zero-filled 512-byte encoder per header and record (the event codec's
// seven headers: eight encoders per record with the record's own; bench/ingestion README, issue
// 17.3). Same bytes on the wire: encoded-headers.unit.test.ts compares them with kafkajs' own encoding.
import type { Headers } from '@sp/ports';

const encoded = new WeakMap<Headers, { bytes: Buffer; size: number }>();

/** ZigZag then unsigned LEB128, as kafkajs' Encoder.writeVarInt (lengths: far below 2^31) */
function varInt(n: number, out: number[]): void {
  let v = n >= 0 ? n * 2 : -n * 2 - 1;
  while (v >= 128) {
    out.push((v % 128) | 128);
    v = Math.floor(v / 128);
  }
  out.push(v);
}

/**
 * The headers as one Buffer in the record's header layout (made once per headers object), and
 * the record bytes the adapter counts for them when it cuts produce requests (recordBytes).
 */
export function encodedHeaders(headers: Headers): { bytes: Buffer; size: number } {
  let e = encoded.get(headers);
  if (!e) {
    const names = Object.keys(headers);
    const parts: Buffer[] = [];
    const prefix: number[] = [];
    varInt(names.length, prefix);
    parts.push(Buffer.from(prefix));
    let size = 0;
    for (const name of names) {
      const key = Buffer.from(name, 'utf8');
      const value = Buffer.from(String(headers[name]), 'utf8');
      const lengths: number[] = [];
      varInt(key.length, lengths);
      parts.push(Buffer.from(lengths), key);
      lengths.length = 0;
      varInt(value.length, lengths);
      parts.push(Buffer.from(lengths), value);
      size += 8 + key.length + value.length;
    }
    e = { bytes: Buffer.concat(parts), size };
    encoded.set(headers, e);
  }
  return e;
}
