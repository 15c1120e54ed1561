import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodePayload, encodeFrame, FRAME_HEADER_BYTES, scanFrames, VALUE_SLAB_BYTES, type FrameRecord } from './record-frame.js';

const record = (offset: bigint, value = `value-${offset}`): FrameRecord => ({
  offset,
  timestamp: 1_700_000_000_123,
  key: `Stadtteil-${offset}-Köln`,
  headers: { 'schema-id': '7', amt: 'Sozialamt' },
  value: new TextEncoder().encode(value),
});

const frames = (from: bigint, n: number) => Buffer.concat(Array.from({ length: n }, (_, i) => encodeFrame(record(from + BigInt(i)))));

describe('record framing', () => {
  it('round-trips key, headers, timestamp, offset and binary value', () => {
    const original: FrameRecord = { ...record(42n), value: new Uint8Array([0, 1, 255, 0]), headers: {} };
    const frame = encodeFrame(original);
    expect(frame.readUInt32LE(0)).toBe(frame.length - FRAME_HEADER_BYTES);
    expect(decodePayload(frame.subarray(FRAME_HEADER_BYTES))).toEqual(original);
    expect(decodePayload(encodeFrame(record(7n)).subarray(FRAME_HEADER_BYTES))).toEqual(record(7n));
  });

  it('decodes headers that repeat, differ at the same position or are not ASCII exactly (the decoder reuses the last strings per position)', () => {
    const long = 'x'.repeat(100);
    const variants: FrameRecord[] = [
      { ...record(1n), headers: { 'schema-id': '7', amt: 'Sozialamt' } },
      { ...record(2n), headers: { 'schema-id': '7', amt: 'Sozialamt' } },
      { ...record(3n), headers: { 'schema-id': '8', amt: 'Jugendamt' } },
      { ...record(4n), headers: { amt: 'Jugendamt', 'schema-id': '8' } },
      { ...record(5n), headers: { 'schema-id': '8', amt: 'Gesundheitsamt Köln' } },
      { ...record(6n), headers: { 'schema-id': '8', amt: 'Gesundheitsamt Kölm' } },
      { ...record(7n), headers: { 'schema-id': long, amt: `${long}ö` } },
      { ...record(8n), headers: { 'schema-id': `${long.slice(1)}y`, amt: `${long}ö` } },
      { ...record(9n), headers: {} },
      { ...record(10n), headers: { 'schema-id': '7', amt: 'Sozialamt', 'sp-x': '' } },
    ];
    const buf = Buffer.concat(variants.map(encodeFrame));
    const decoded = scanFrames(buf, 1n, { decode: true }).records!;
    expect(decoded).toEqual(variants);
    for (const r of decoded) expect(Object.keys(r.headers)).toEqual(Object.keys(variants[Number(r.offset) - 1]!.headers));
    // the value is a copy: it does not pin the read buffer, at most a slab of copied values
    expect(decoded[0]!.value.buffer).not.toBe(buf.buffer);
    expect(decoded[0]!.value.buffer.byteLength).toBeLessThanOrEqual(VALUE_SLAB_BYTES);
  });

  it('copies values across slab boundaries and a value larger than half a slab on its own, none overwriting another', () => {
    const sizes = [...Array.from({ length: 60 }, (_, i) => 1000 + ((i * 997) % 3000)), VALUE_SLAB_BYTES / 2 + 1, 10, VALUE_SLAB_BYTES];
    const records = sizes.map((n, i) => ({ ...record(BigInt(i + 1)), value: new Uint8Array(n).map((_, j) => (i * 31 + j) % 251) }));
    const first = scanFrames(Buffer.concat(records.slice(0, 30).map(encodeFrame)), 1n, { decode: true }).records!;
    const rest = scanFrames(Buffer.concat(records.slice(30).map(encodeFrame)), 31n, { decode: true }).records!;
    expect([...first, ...rest]).toEqual(records);
    const slabs = new Set([...first, ...rest].map((r) => r.value.buffer));
    expect(slabs.size).toBeGreaterThan(2);
    for (const s of slabs) expect(s.byteLength).toBeLessThanOrEqual(VALUE_SLAB_BYTES);
  });

  it('protects the payload with a CRC32 (IEEE, as zlib computes it)', () => {
    const frame = encodeFrame(record(0n));
    expect(frame.readUInt32LE(4)).toBe(crc32(frame.subarray(FRAME_HEADER_BYTES)));
    // known check value of the IEEE polynomial
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('scans consecutive frames and reports their positions', () => {
    const buf = frames(5n, 3);
    const scan = scanFrames(buf, 5n);
    expect(scan.stop).toEqual({ kind: 'end' });
    expect(scan.validBytes).toBe(buf.length);
    expect(scan.frames.map((f) => f.offset)).toEqual([5n, 6n, 7n]);
    expect(scan.frames[1]!.position).toBe(scan.frames[0]!.length);
    expect(scanFrames(buf, 5n, { decode: true }).records).toEqual([record(5n), record(6n), record(7n)]);
  });

  it('stops at a torn tail, keeping every complete frame before it', () => {
    const good = frames(0n, 2);
    const next = encodeFrame(record(2n));
    for (const cut of [1, FRAME_HEADER_BYTES - 1, FRAME_HEADER_BYTES + 3, next.length - 1]) {
      const scan = scanFrames(Buffer.concat([good, next.subarray(0, cut)]), 0n);
      expect(scan.frames).toHaveLength(2);
      expect(scan.validBytes).toBe(good.length);
      expect(scan.stop).toEqual({ kind: 'incomplete', position: good.length });
    }
  });

  it('detects a flipped bit as corruption at that frame', () => {
    const buf = frames(0n, 3);
    const second = scanFrames(buf, 0n).frames[1]!;
    const damaged = Buffer.from(buf);
    damaged[second.position + second.length - 1]! ^= 0x01;
    const scan = scanFrames(damaged, 0n);
    expect(scan.frames).toHaveLength(1);
    expect(scan.validBytes).toBe(second.position);
    expect(scan.stop).toMatchObject({ kind: 'corrupt', position: second.position, reason: 'CRC mismatch' });
  });

  it('treats an impossible length or an out-of-sequence offset as corruption', () => {
    const zeros = Buffer.alloc(64);
    expect(scanFrames(zeros, 0n).stop).toMatchObject({ kind: 'corrupt', reason: expect.stringContaining('impossible payload length') });
    const huge = Buffer.alloc(16);
    huge.writeUInt32LE(0xffffffff, 0);
    expect(scanFrames(huge, 0n).stop).toMatchObject({ kind: 'corrupt' });
    // a valid frame, but a stale one from an earlier life of the file
    const stale = Buffer.concat([frames(0n, 2), encodeFrame(record(1n))]);
    expect(scanFrames(stale, 0n).stop).toMatchObject({ kind: 'corrupt', reason: 'offset 1 where 2 was expected' });
  });

  it('rejects records that cannot be framed', () => {
    expect(() => encodeFrame({ ...record(0n), value: new Uint8Array(65 * 1024 * 1024) })).toThrow(/exceeds the limit/);
  });
});
