// What a rebuild that resolves while reading keeps per record key (RecordVersionRows): the
// (version, tombstone) pairs stored so far (the first-in-log rule, as firstInLog()), its highest
// version and the bytes of that version's leaf columns (a later withdrawal's leaf). Kept in typed
// arrays and byte chunks, keyed by the key's UTF-8 bytes, instead of a Map of strings to objects
// (session 19): the transcoded path has the key as bytes, and a Map of 100,000 fresh strings cost
// ≈ 0.1 s of the main thread per 100,000 events in its lookups and allocations, and its entries
// were the largest part of what the garbage collector marked while a rebuild read the log.

/** bytes kept in chunks of 1 MiB (or one of its own for more), by handle: chunk × 2^32 + offset */
export class ByteChunks {
  private readonly chunks: Buffer[] = [];
  private current = Buffer.alloc(0);
  private at = 0;

  /** keeps src[start, end); its handle */
  put(src: Buffer, start: number, end: number): number {
    const len = end - start;
    if (this.at + len > this.current.length) {
      this.current = Buffer.allocUnsafe(Math.max(1 << 20, len));
      this.chunks.push(this.current);
      this.at = 0;
    }
    const handle = (this.chunks.length - 1) * 2 ** 32 + this.at;
    const c = this.current;
    const d = this.at;
    if (len > 64) src.copy(c, d, start, end);
    else for (let i = 0; i < len; i++) c[d + i] = src[start + i]!;
    this.at += len;
    return handle;
  }

  /** the chunk a handle's bytes are in, at offset(handle) */
  chunk(handle: number): Buffer {
    return this.chunks[Math.floor(handle / 2 ** 32)]!;
  }

  static offset(handle: number): number {
    return handle % 2 ** 32;
  }
}

/** a copy of `a` in a new typed array of the same kind with `size` elements (the rest zero) */
export function grown<T extends Int32Array | Float64Array | Uint8Array>(a: T, size: number): T {
  const b = new (a.constructor as new (n: number) => T)(size);
  b.set(a);
  return b;
}

const NONE = -1;
/** seenCount: the pair in `seen`, or more than one (in `many`) */
const ONE = 1,
  MANY = 2;

export class RecordTable {
  /** per slot: a record's index + 1, 0 for none (open addressing, at most half full) */
  private slots = new Int32Array(1 << 16);
  private mask = (1 << 16) - 1;
  /** records */
  count = 0;
  private hashes = new Int32Array(1 << 14);
  private keyAt = new Float64Array(1 << 14);
  private keyLen = new Int32Array(1 << 14);
  /** the stored (version, tombstone) pairs as version × 2 + tombstone (any version the log has, negative ones too): none, ONE (in seen) or MANY (in many) */
  private seenCount = new Uint8Array(1 << 14);
  private seen = new Float64Array(1 << 14);
  /** the highest version stored, -1 none */
  topVersion = new Float64Array(1 << 14);
  /** its leaf columns' bytes (a handle of `leaves`) and their length; -1 none */
  leafAt = new Float64Array(1 << 14);
  leafLen = new Int32Array(1 << 14);
  private readonly many = new Map<number, number[]>();
  private readonly keys = new ByteChunks();
  /** the leaf columns' bytes of the records' highest versions */
  readonly leaves = new ByteChunks();

  /** The record of the key in buf[at, at + len) (its UTF-8 bytes), added if it is new: its index. */
  find(buf: Buffer, at: number, len: number): number {
    let h = 0x811c9dc5 ^ len;
    for (let i = 0; i < len; i++) h = Math.imul(h ^ buf[at + i]!, 0x01000193);
    h ^= h >>> 15;
    let s = h & this.mask;
    for (;;) {
      const r = this.slots[s]!;
      if (r === 0) break;
      const i = r - 1;
      if (this.hashes[i] === h && this.keyLen[i] === len && this.sameKey(i, buf, at, len)) return i;
      s = (s + 1) & this.mask;
    }
    const i = this.count++;
    if (i === this.hashes.length) this.grow();
    this.hashes[i] = h;
    this.keyAt[i] = this.keys.put(buf, at, at + len);
    this.keyLen[i] = len;
    this.seenCount[i] = 0;
    this.topVersion[i] = NONE;
    this.leafAt[i] = NONE;
    this.slots[s] = i + 1;
    if (this.count * 2 > this.slots.length) this.rehash();
    return i;
  }

  /** firstInLog() for record i: true, and noted, the first time this (version, tombstone) comes; false after */
  firstInLog(i: number, version: number, tombstone: 0 | 1): boolean {
    const id = version * 2 + tombstone;
    const count = this.seenCount[i]!;
    if (count === 0) {
      this.seen[i] = id;
      this.seenCount[i] = ONE;
      return true;
    }
    if (count === ONE) {
      const seen = this.seen[i]!;
      if (seen === id) return false;
      this.many.set(i, [seen, id]);
      this.seenCount[i] = MANY;
      return true;
    }
    const all = this.many.get(i)!;
    if (all.includes(id)) return false;
    all.push(id);
    return true;
  }

  /** notes version (the record's highest so far) and its leaf columns' bytes src[start, end) */
  setTop(i: number, version: number, src: Buffer, start: number, end: number): void {
    this.topVersion[i] = version;
    this.leafAt[i] = this.leaves.put(src, start, end);
    this.leafLen[i] = end - start;
  }

  private sameKey(i: number, buf: Buffer, at: number, len: number): boolean {
    const handle = this.keyAt[i]!;
    const c = this.keys.chunk(handle);
    const o = ByteChunks.offset(handle);
    for (let k = 0; k < len; k++) if (c[o + k] !== buf[at + k]) return false;
    return true;
  }

  private grow(): void {
    const n = this.hashes.length * 2;
    this.hashes = grown(this.hashes, n);
    this.keyAt = grown(this.keyAt, n);
    this.keyLen = grown(this.keyLen, n);
    this.seen = grown(this.seen, n);
    this.seenCount = grown(this.seenCount, n);
    this.topVersion = grown(this.topVersion, n);
    this.leafAt = grown(this.leafAt, n);
    this.leafLen = grown(this.leafLen, n);
  }

  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let i = 0; i < this.count; i++) {
      let s = this.hashes[i]! & mask;
      while (slots[s] !== 0) s = (s + 1) & mask;
      slots[s] = i + 1;
    }
    this.slots = slots;
    this.mask = mask;
  }
}
