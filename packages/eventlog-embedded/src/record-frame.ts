// On-disk framing of one event in a partition's segment file, and the scan that recovery and
// reads use. Pure functions over byte buffers, so framing, CRC and torn-tail detection are unit
// tested without touching a file.
//
// Frame (little endian):
//   u32 payloadLength | u32 crc32(payload) | payload
// payload:
//   u8 version (1) | i64 offset | f64 timestamp (epoch ms)
//   u32 keyLength | key (utf8)
//   u16 headerCount | per header: u16 nameLength, name, u32 valueLength, value (utf8)
//   u32 valueLength | value
// The offset is inside the CRC'd payload so a frame copied to the wrong place, or a stale frame
// left behind a truncation, is detected rather than silently re-numbered.
import { crc32 } from 'node:zlib';
import type { Headers } from '@sp/ports';

export const FRAME_HEADER_BYTES = 8;
export const FRAME_VERSION = 1;
/** Larger length fields are treated as corruption, not as a request to read gigabytes. */
export const MAX_PAYLOAD_BYTES = 64 * 1024 * 1024;

export interface FrameRecord {
  offset: bigint;
  timestamp: number;
  key: string;
  headers: Headers;
  value: Uint8Array;
}

export function encodeFrame(record: FrameRecord): Buffer {
  const key = Buffer.from(record.key, 'utf8');
  const headerEntries = Object.entries(record.headers).map(([name, value]) => [Buffer.from(name, 'utf8'), Buffer.from(value, 'utf8')] as const);
  if (headerEntries.length > 0xffff) throw new RangeError(`too many headers (${headerEntries.length}); at most 65535 are accepted`);
  let headersBytes = 2;
  for (const [name, value] of headerEntries) {
    if (name.length > 0xffff) throw new RangeError(`header name longer than 65535 bytes`);
    headersBytes += 2 + name.length + 4 + value.length;
  }
  const payloadLength = 1 + 8 + 8 + 4 + key.length + headersBytes + 4 + record.value.byteLength;
  if (payloadLength > MAX_PAYLOAD_BYTES) throw new RangeError(`event of ${payloadLength} bytes exceeds the limit of ${MAX_PAYLOAD_BYTES} bytes`);

  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payloadLength);
  let p = FRAME_HEADER_BYTES;
  p = frame.writeUInt8(FRAME_VERSION, p);
  p = frame.writeBigInt64LE(record.offset, p);
  p = frame.writeDoubleLE(record.timestamp, p);
  p = frame.writeUInt32LE(key.length, p);
  p += key.copy(frame, p);
  p = frame.writeUInt16LE(headerEntries.length, p);
  for (const [name, value] of headerEntries) {
    p = frame.writeUInt16LE(name.length, p);
    p += name.copy(frame, p);
    p = frame.writeUInt32LE(value.length, p);
    p += value.copy(frame, p);
  }
  p = frame.writeUInt32LE(record.value.byteLength, p);
  frame.set(record.value, p);
  frame.writeUInt32LE(payloadLength, 0);
  frame.writeUInt32LE(crc32(frame.subarray(FRAME_HEADER_BYTES)), 4);
  return frame;
}

/** Strings of at most this many bytes are decoded by the fast paths below (keys, header names and values). */
const SHORT_STRING_BYTES = 64;

/**
 * A short UTF-8 string: all ASCII (checked byte by byte) is decoded as latin1, which gives the same
 * string without the UTF-8 decoder (and, unlike appending the characters one by one, as one flat
 * string: 100,000 frames' keys and headers 0.3 → 0.15 s, bench/indicators/README.md §4 session 17);
 * otherwise by Buffer#toString.
 */
function shortString(buf: Buffer, start: number, end: number): string {
  if (end - start > SHORT_STRING_BYTES) return buf.toString('utf8', start, end);
  for (let i = start; i < end; i++) if (buf[i]! >= 0x80) return buf.toString('utf8', start, end);
  return buf.toString('latin1', start, end);
}

/**
 * The header names and values decoded last, by position (name of header i in slot 2i, its value in
 * 2i + 1): consecutive events carry mostly the same headers (schema id, record type, Amt, delivery),
 * so a header whose bytes equal the last ones at its position is not decoded again. The same bytes
 * decode to the same string, so the result does not depend on the cache; its bytes are copies, so it
 * pins no read buffer.
 */
const lastHeaderStrings: ({ bytes: Uint8Array; s: string } | undefined)[] = [];
const CACHED_HEADER_SLOTS = 64;

function headerString(buf: Buffer, start: number, end: number, slot: number): string {
  const len = end - start;
  if (len > SHORT_STRING_BYTES || slot >= CACHED_HEADER_SLOTS) return buf.toString('utf8', start, end);
  const last = lastHeaderStrings[slot];
  if (last !== undefined && last.bytes.length === len) {
    const b = last.bytes;
    let i = 0;
    while (i < len && b[i] === buf[start + i]) i++;
    if (i === len) return last.s;
  }
  const s = shortString(buf, start, end);
  lastHeaderStrings[slot] = { bytes: new Uint8Array(buf.subarray(start, end)), s };
  return s;
}

/**
 * Values are copied into slabs of this many bytes, one after another (a value of more than half a
 * slab gets an ArrayBuffer of its own): an ArrayBuffer per event cost a rebuild more than the copy
 * itself (100,000 frames' scan and decode 0.3 → 0.2 s with this alone, bench/indicators/README.md
 * §4 session 17). A value held on to pins its slab, never the read buffer.
 */
export const VALUE_SLAB_BYTES = 64 * 1024;
let slab = new Uint8Array(0);
let slabUsed = 0;

function copyValue(payload: Buffer, start: number, length: number): Uint8Array {
  if (length > VALUE_SLAB_BYTES / 2) return new Uint8Array(payload.subarray(start, start + length));
  if (slabUsed + length > slab.length) {
    slab = new Uint8Array(VALUE_SLAB_BYTES);
    slabUsed = 0;
  }
  const value = slab.subarray(slabUsed, slabUsed + length);
  value.set(payload.subarray(start, start + length));
  slabUsed += length;
  return value;
}

/** Decodes the payload of a frame whose CRC was already checked. Throws on a malformed payload. */
export function decodePayload(payload: Buffer): FrameRecord {
  const length = payload.length;
  const need = (p: number, n: number) => {
    if (p + n > length) throw new RangeError('payload shorter than its fields');
  };
  need(0, 1 + 8 + 8 + 4);
  const version = payload[0];
  if (version !== FRAME_VERSION) throw new RangeError(`unknown frame version ${version}`);
  const offset = payload.readBigInt64LE(1);
  const timestamp = payload.readDoubleLE(9);
  const keyLength = payload.readUInt32LE(17);
  let p = 21;
  need(p, keyLength + 2);
  const key = shortString(payload, p, p + keyLength);
  p += keyLength;
  const headerCount = payload.readUInt16LE(p);
  p += 2;
  const headers: Headers = {};
  for (let i = 0; i < headerCount; i++) {
    need(p, 2);
    const nameLength = payload.readUInt16LE(p);
    p += 2;
    need(p, nameLength + 4);
    const name = headerString(payload, p, p + nameLength, 2 * i);
    p += nameLength;
    const valueLength = payload.readUInt32LE(p);
    p += 4;
    need(p, valueLength);
    headers[name] = headerString(payload, p, p + valueLength, 2 * i + 1);
    p += valueLength;
  }
  need(p, 4);
  const valueLength = payload.readUInt32LE(p);
  p += 4;
  need(p, valueLength);
  if (p + valueLength !== length) throw new RangeError('payload longer than its fields');
  // copied, so a consumer holding on to a value does not pin the whole read buffer
  const value = copyValue(payload, p, valueLength);
  return { offset, timestamp, key, headers, value };
}

export interface ScannedFrame {
  offset: bigint;
  /** position of the frame within the scanned buffer */
  position: number;
  /** frame length including its header */
  length: number;
}

export type ScanStop =
  /** the buffer ended exactly after a frame */
  | { kind: 'end' }
  /** the buffer ends inside a frame: more data is needed, or (at end of file) the tail is torn */
  | { kind: 'incomplete'; position: number }
  /** a frame fails its CRC, has an impossible length, or carries an unexpected offset */
  | { kind: 'corrupt'; position: number; reason: string };

export interface ScanResult {
  frames: ScannedFrame[];
  /** bytes from the start of the buffer that hold valid, complete frames */
  validBytes: number;
  stop: ScanStop;
}

/**
 * Walks the frames in `buf`, checking length, CRC, payload shape and that offsets are consecutive
 * from `expectedOffset`. Stops at the first frame that is incomplete or invalid.
 */
export function scanFrames(buf: Buffer, expectedOffset: bigint, options: { decode?: boolean } = {}): ScanResult & { records?: FrameRecord[] } {
  const frames: ScannedFrame[] = [];
  const records: FrameRecord[] | undefined = options.decode ? [] : undefined;
  let p = 0;
  let next = expectedOffset;
  while (true) {
    if (p === buf.length) return { frames, records, validBytes: p, stop: { kind: 'end' } };
    if (p + FRAME_HEADER_BYTES > buf.length) return { frames, records, validBytes: p, stop: { kind: 'incomplete', position: p } };
    const payloadLength = buf.readUInt32LE(p);
    if (payloadLength < 1 + 8 + 8 + 4 + 2 + 4 || payloadLength > MAX_PAYLOAD_BYTES) {
      return { frames, records, validBytes: p, stop: { kind: 'corrupt', position: p, reason: `impossible payload length ${payloadLength}` } };
    }
    const end = p + FRAME_HEADER_BYTES + payloadLength;
    if (end > buf.length) return { frames, records, validBytes: p, stop: { kind: 'incomplete', position: p } };
    const payload = buf.subarray(p + FRAME_HEADER_BYTES, end);
    if (crc32(payload) !== buf.readUInt32LE(p + 4)) {
      return { frames, records, validBytes: p, stop: { kind: 'corrupt', position: p, reason: 'CRC mismatch' } };
    }
    // recovery only needs the offset; a full decode is done when the caller wants the records
    if (payload.readUInt8(0) !== FRAME_VERSION) {
      return { frames, records, validBytes: p, stop: { kind: 'corrupt', position: p, reason: `unknown frame version ${payload.readUInt8(0)}` } };
    }
    const offset = payload.readBigInt64LE(1);
    if (offset !== next) {
      return { frames, records, validBytes: p, stop: { kind: 'corrupt', position: p, reason: `offset ${offset} where ${next} was expected` } };
    }
    if (records) {
      try {
        records.push(decodePayload(payload));
      } catch (error) {
        return { frames, records, validBytes: p, stop: { kind: 'corrupt', position: p, reason: (error as Error).message } };
      }
    }
    frames.push({ offset, position: p, length: end - p });
    next += 1n;
    p = end;
  }
}
