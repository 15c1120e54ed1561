// Confluent wire format: magic byte 0, 4-byte big-endian schema id, Avro binary body. Any consumer
// reads the id, fetches the writer schema (registry.json) and decodes — no out-of-band agreement.

export const MAGIC_BYTE = 0;
export const WIRE_HEADER_BYTES = 5;

export class WireFormatError extends Error {
  override readonly name = 'WireFormatError';
  readonly code = 'BAD_WIRE_FORMAT';
}

/** Throws unless the id fits the header's four bytes. */
export function checkSchemaId(schemaId: number): void {
  if (!Number.isInteger(schemaId) || schemaId < 0 || schemaId > 0xffffffff) throw new WireFormatError(`schema id ${schemaId} out of range`);
}

export function frame(schemaId: number, body: Uint8Array): Buffer {
  checkSchemaId(schemaId);
  const out = Buffer.allocUnsafe(WIRE_HEADER_BYTES + body.length);
  out.writeUInt8(MAGIC_BYTE, 0);
  out.writeUInt32BE(schemaId, 1);
  out.set(body, WIRE_HEADER_BYTES);
  return out;
}

export function unframe(bytes: Uint8Array): { schemaId: number; body: Buffer } {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < WIRE_HEADER_BYTES) throw new WireFormatError(`message of ${buf.length} bytes is shorter than the 5-byte header`);
  const magic = buf.readUInt8(0);
  if (magic !== MAGIC_BYTE) throw new WireFormatError(`unknown magic byte ${magic}, expected ${MAGIC_BYTE}`);
  return { schemaId: buf.readUInt32BE(1), body: buf.subarray(WIRE_HEADER_BYTES) };
}
