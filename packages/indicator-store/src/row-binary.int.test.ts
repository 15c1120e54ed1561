// The rebuild's RowBinary writer writes what the engine itself writes: the same values, serialised
// by RowBinaryWriter and by chDB (`SELECT … INTO OUTFILE … FORMAT RowBinary`), are the same bytes,
// and read back as they were written.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RowBinaryWriter } from './row-binary.js';

const strings = ['', "it's", 'back\\slash', 'tab\tnew\nline', 'Straße Köln-Mülheim — 🏙️ 中文', 'x'.repeat(127), 'y'.repeat(128), 'ü'.repeat(9000)];

describe('RowBinaryWriter', () => {
  let wh: Warehouse;
  let dir: string;
  beforeAll(() => {
    dir = tempDir('sp-row-binary-');
    wh = openChdbWarehouse({ path: join(dir, 'warehouse') });
  });
  afterAll(async () => wh?.close());

  it('writes the bytes the engine writes, and they read back as written', async () => {
    const columns = 'a UInt8, b UInt32, c UInt64, d UInt64, s String, l LowCardinality(String), ss Array(String), m Map(String, String), ms Array(Map(String, String)), f Float64, fs Array(Float64)';
    const rows = strings.map((s, i) => ({
      a: i,
      b: 4_000_000_000 + i,
      c: 1_735_689_600_000 + i * 2 ** 40,
      d: 2n ** 64n - 1n - BigInt(i),
      s,
      l: s,
      ss: [s, 'k', s],
      m: (i % 2 === 0 ? {} : { [s]: s, z: 'w' }) as Record<string, string>,
      ms: [{ alter: 'u15', geschlecht: s }, {}] as Record<string, string>[],
      f: i === 0 ? -1 : i / 3,
      fs: [0.1, 2.5, 1e300, i],
    }));
    const w = new RowBinaryWriter(16); // starts small: the buffer grows
    for (const r of rows) {
      w.uint8(r.a);
      w.uint32(r.b);
      w.uint64(r.c);
      w.uint64(r.d);
      w.string(r.s);
      w.string(r.l);
      w.strings(r.ss);
      w.stringMap(r.m);
      w.size(r.ms.length);
      for (const m of r.ms) w.stringMap(m);
      w.float64(r.f);
      w.float64s(r.fs);
    }
    const mine = w.bytes();

    await wh.command(`CREATE TABLE rb (${columns}) ENGINE = MergeTree ORDER BY a`);
    await wh.insertFormatted('rb', { format: 'RowBinary', data: mine });
    const file = join(dir, 'engine.bin');
    await wh.command(`SELECT * FROM rb ORDER BY a INTO OUTFILE '${file}' FORMAT RowBinary`);
    expect(Buffer.compare(mine, readFileSync(file))).toBe(0);

    const back = await wh.query<Record<string, unknown>>('SELECT * FROM rb ORDER BY a');
    expect(back).toEqual(rows.map((r) => ({ ...r, c: String(r.c), d: String(r.d), fs: [0.1, 2.5, 1e300, r.a] })));
  });

  it('refuses a UInt64 that is not a non-negative safe integer', () => {
    const w = new RowBinaryWriter();
    expect(() => w.uint64(2 ** 53)).toThrow(RangeError);
    expect(() => w.uint64(-1)).toThrow(RangeError);
  });
});
