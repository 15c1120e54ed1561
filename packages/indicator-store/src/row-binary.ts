// A growing buffer of ClickHouse RowBinary values (https://clickhouse.com/docs/interfaces/formats/RowBinary):
// little-endian fixed-width numbers, strings and array/map sizes as LEB128 lengths. LowCardinality(String)
// is written as String, Map(K, V) as its size and then the key/value pairs. The rebuild's staging rows
// are written this way: the engine reads them without its text parser (warehouse.port.ts, RowBinary).

export class RowBinaryWriter {
  private buf: Buffer;
  private at = 0;

  constructor(initialBytes = 1 << 20) {
    this.buf = Buffer.allocUnsafe(initialBytes);
  }

  /** starts over (the bytes handed out before are overwritten) */
  reset(): void {
    this.at = 0;
  }

  /** bytes written so far */
  get length(): number {
    return this.at;
  }

  /** The bytes written (a view; the writer must not be used afterwards). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.at);
  }

  /**
   * Room for `n` more bytes after length: the buffer to write them into from `length` on (valid
   * until the next write); setLength() then takes what was written (record-versions.transcoder.ts).
   */
  reserve(n: number): Buffer {
    this.room(n);
    return this.buf;
  }

  /** the bytes up to `n` are the written ones (after reserve(); n ≤ length + the room reserved) */
  setLength(n: number): void {
    if (n < 0 || n > this.buf.length) throw new RangeError(`RowBinaryWriter: length ${n} outside the buffer`);
    this.at = n;
  }

  /** bytes already in RowBinary (rows another writer serialised), as they are */
  raw(bytes: Uint8Array): void {
    this.room(bytes.length);
    this.buf.set(bytes, this.at);
    this.at += bytes.length;
  }

  uint8(n: number): void {
    this.room(1);
    this.buf[this.at++] = n;
  }

  uint32(n: number): void {
    this.room(4);
    this.buf.writeUInt32LE(n, this.at);
    this.at += 4;
  }

  /** a UInt64 from a safe integer or a bigint */
  uint64(n: number | bigint): void {
    this.room(8);
    if (typeof n === 'bigint') {
      if (n >= 0n && n <= 0xffff_ffffn) {
        this.buf.writeUInt32LE(Number(n), this.at);
        this.buf.writeUInt32LE(0, this.at + 4);
      } else this.buf.writeBigUInt64LE(n, this.at);
    } else {
      if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`RowBinary UInt64: ${n} is not a non-negative safe integer`);
      this.buf.writeUInt32LE(n % 0x1_0000_0000, this.at);
      this.buf.writeUInt32LE(Math.floor(n / 0x1_0000_0000), this.at + 4);
    }
    this.at += 8;
  }

  float64(x: number): void {
    this.room(8);
    this.buf.writeDoubleLE(x, this.at);
    this.at += 8;
  }

  /** an array's or map's size, or a string's byte length (LEB128) */
  size(n: number): void {
    this.room(5);
    while (n >= 0x80) {
      this.buf[this.at++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.at++] = n;
  }

  /** a String (UTF-8, its byte length first) */
  string(s: string): void {
    const len = s.length;
    // short ASCII strings (keys, codes, measures, dimensions: nearly all of them) byte by byte,
    // which is faster than Buffer#write for a few characters
    if (len < 0x80) {
      this.room(len + 1);
      const buf = this.buf;
      const start = this.at;
      let i = 0;
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[start + 1 + i] = c;
      }
      if (i === len) {
        buf[start] = len;
        this.at = start + 1 + len;
        return;
      }
    }
    // at most 3 bytes per UTF-16 unit; written after a 1-byte length, moved on in the rare case
    // that the length needs more than one byte
    const max = len * 3;
    this.room(max + 5);
    const n = this.buf.write(s, this.at + 1, max, 'utf8');
    if (n < 0x80) {
      this.buf[this.at] = n;
      this.at += 1 + n;
      return;
    }
    let lenBytes = 1;
    for (let v = n; v >= 0x80; v >>>= 7) lenBytes++;
    this.buf.copyWithin(this.at + lenBytes, this.at + 1, this.at + 1 + n);
    this.size(n);
    this.at += n;
  }

  /** an Array(String) (or Array(LowCardinality(String))) */
  strings(xs: readonly string[]): void {
    this.size(xs.length);
    for (const x of xs) this.string(x);
  }

  /** an Array(Float64) */
  float64s(xs: readonly number[]): void {
    this.size(xs.length);
    this.room(xs.length * 8);
    for (const x of xs) {
      this.buf.writeDoubleLE(x, this.at);
      this.at += 8;
    }
  }

  /** a Map(String, String), in the object's key order */
  stringMap(m: Readonly<Record<string, string>>): void {
    const keys = Object.keys(m);
    this.size(keys.length);
    for (const k of keys) {
      this.string(k);
      this.string(m[k]!);
    }
  }

  private room(n: number): void {
    if (this.at + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.at + n));
    this.buf.copy(next, 0, 0, this.at);
    this.buf = next;
  }
}
