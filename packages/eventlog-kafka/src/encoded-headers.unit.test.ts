// The adapter's pre-encoded headers and the patched kafkajs record encoder (patches/kafkajs@2.2.4.patch)
// give the bytes kafkajs' own encoding gives: what consumers read is unchanged.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { encodedHeaders } from './encoded-headers.js';

const require = createRequire(import.meta.url);
const kafkajsDir = require.resolve('kafkajs').replace(/index\.js$/, '');
type RecordArgs = { offsetDelta?: number; timestampDelta?: number; key?: string | Buffer | null; value: Buffer | string | null; headers?: Record<string, string>; encodedHeaders?: Buffer };
const Record = require(`${kafkajsDir}src/protocol/recordBatch/record/v0`) as (args: RecordArgs) => { buffer: Buffer };

const headerSets: Record<string, string>[] = [
  {},
  {
    'sp-schema-id': '12',
    'sp-record-type': 'area-statistic',
    'sp-schema-version': '3',
    'sp-amt': 'statistik',
    'sp-delivery-id': '2b0c3a8e-1f4e-4f59-9a4f-6c1c0f8b7d21',
    'sp-delivered-by': 'statistik-bench',
    'content-type': 'application/vnd.sp.record-event+avro',
  },
  { 'ü-name': 'Köln – Ehrenfeld ✓', empty: '', long: 'x'.repeat(300) },
];

describe('pre-encoded record headers (kafkajs patch)', () => {
  it('are the bytes kafkajs writes for the same headers, in every record shape', () => {
    const values = [Buffer.alloc(0), Buffer.alloc(100, 1), Buffer.alloc(20_000, 2), null];
    const keys = ['bevoelkerung|05315000|STADTTEIL|101|2001-01', 'Straße/ä', Buffer.from([0, 1, 2]), null, ''];
    const deltas: [number, number][] = [
      [0, 0],
      [63, 64],
      [9_999, 1_700_000_000_000],
      [1, -5],
      [200_000, 2 ** 40],
    ];
    for (const headers of headerSets)
      for (const value of values)
        for (const key of keys)
          for (const [offsetDelta, timestampDelta] of deltas) {
            const plain = Record({ offsetDelta, timestampDelta, key, value, headers }).buffer;
            const pre = Record({ offsetDelta, timestampDelta, key, value, headers, encodedHeaders: encodedHeaders(headers).bytes }).buffer;
            expect(pre.equals(plain)).toBe(true);
          }
  });

  it('are written as given: the patch is applied (else every record would encode its headers anew)', () => {
    const headers = { a: 'b' };
    const marker = Buffer.from([2, 2, 0x61, 2, 0x63]); // one header "a" = "c": not what `headers` says
    const out = Record({ key: 'k', value: Buffer.from('v'), headers, encodedHeaders: marker }).buffer;
    expect(out.subarray(out.length - marker.length).equals(marker)).toBe(true);
  });

  it('are encoded once per headers object', () => {
    const headers = { x: 'y' };
    expect(encodedHeaders(headers)).toBe(encodedHeaders(headers));
    expect(encodedHeaders(headers).size).toBe(8 + 1 + 1);
  });
});
