// The Avro bytes of a delivery's payloads, written one after another into shared chunks instead of a
// buffer of its own per record. avsc's toBuffer() (what EventCodec.encodePayload() calls) writes into
// its scratch buffer, then allocates a zero-filled buffer of the record's size and copies: per record
// of a delivery of 1,000 one allocation, one fill and one copy on the service's thread (issue 17.3,
// bench/ingestion/README.md, session 15). Type.encode() writes the same bytes at a position of a
// buffer we hand it; each payload is a view of its chunk. Same bytes, same errors as toBuffer().

/** What encodes a payload (an avsc Type: `encode` returns the end position, or minus the bytes missing). */
export interface PayloadType {
  encode(value: unknown, buf: Buffer, pos?: number): number;
}

const CHUNK = 64 * 1024;

export class PayloadBytes {
  private chunk = Buffer.allocUnsafe(CHUNK);
  private pos = 0;

  constructor(private readonly type: PayloadType) {}

  /** The payload's bytes: a view of the current chunk (a new chunk when it does not fit). */
  encode(value: unknown): Buffer {
    let end = this.type.encode(value, this.chunk, this.pos);
    if (end < 0) {
      // what is missing plus room for the records that follow
      this.chunk = Buffer.allocUnsafe(Math.max(CHUNK, 2 * (this.chunk.length - this.pos - end)));
      this.pos = 0;
      end = this.type.encode(value, this.chunk, 0);
      if (end < 0) throw new Error(`Avro encoding needs ${-end} bytes more than it said`);
    }
    const bytes = this.chunk.subarray(this.pos, end);
    this.pos = end;
    return bytes;
  }
}
