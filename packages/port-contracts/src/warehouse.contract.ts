// The Warehouse port's contract: what every adapter (in-process chDB, @clickhouse/client against a
// server) must do the same way. Invoked once per adapter from that adapter's *.int.test.ts.
// The aggregator relies on the ReplacingMergeTree/FINAL and AggregatingMergeTree checks below.
import { WarehouseError, type PortErrorCode, type Warehouse } from '@sp/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface WarehouseContractHarness {
  /** Opens a warehouse on this suite's storage; called again after close() to check persistence. */
  open(): Promise<Warehouse>;
  /** Restarts whatever holds the storage (e.g. the server process); called between close() and open(). */
  restart?(): Promise<void>;
}

async function expectWarehouseError(promise: Promise<unknown>, code: PortErrorCode, engineCode?: number): Promise<WarehouseError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a WarehouseError ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WarehouseError);
  const we = error as WarehouseError;
  expect({ code: we.code, message: we.message }).toMatchObject({ code });
  if (engineCode !== undefined) expect(Number(we.engineCode)).toBe(engineCode);
  return we;
}

const awkwardStrings = [
  "it's",
  'back\\slash',
  'trailing backslash \\',
  "\\'",
  'quote " double',
  'tab\tnew\nline\rcr',
  'Straße, Jugendamt Köln-Mülheim — 🏙️ 中文',
  '{not:Placeholder}',
  "'; DROP TABLE people; --",
  '',
];

export function warehouseContract(name: string, harness: WarehouseContractHarness): void {
  describe(`Warehouse contract: ${name}`, () => {
    let wh: Warehouse;
    beforeAll(async () => {
      wh = await harness.open();
    });
    afterAll(async () => {
      await wh?.close();
    });

    it('creates a table, inserts rows and reads them back with ClickHouse JSON types', async () => {
      await wh.command(`CREATE TABLE types_rt (
        id UInt64, n Int64, small UInt32, f Float64, s String, d Date, t DateTime, t3 DateTime64(3),
        tags Array(String), maybe Nullable(String), ok Bool
      ) ENGINE = MergeTree ORDER BY id`);
      await wh.insert('types_rt', [
        {
          id: 18446744073709551615n,
          n: -9223372036854775807n,
          small: 42,
          f: 1.5,
          s: 'Köln',
          d: '2024-02-29',
          t: new Date('2024-01-02T03:04:05Z'),
          t3: new Date('2024-01-02T03:04:05.678Z'),
          tags: ['a', "b'c"],
          maybe: null,
          ok: true,
        },
        { id: '7', n: '12', small: 0, f: -0.25, s: '', d: '1970-01-02', t: '2000-01-01 00:00:00', t3: '2000-01-01 00:00:00.001', tags: [], maybe: 'x', ok: false },
      ]);
      const rows = await wh.query('SELECT * FROM types_rt ORDER BY id');
      expect(rows).toEqual([
        { id: '7', n: '12', small: 0, f: -0.25, s: '', d: '1970-01-02', t: '2000-01-01 00:00:00', t3: '2000-01-01 00:00:00.001', tags: [], maybe: 'x', ok: false },
        {
          id: '18446744073709551615',
          n: '-9223372036854775807',
          small: 42,
          f: 1.5,
          s: 'Köln',
          d: '2024-02-29',
          t: '2024-01-02 03:04:05',
          t3: '2024-01-02 03:04:05.678',
          tags: ['a', "b'c"],
          maybe: null,
          ok: true,
        },
      ]);
    });

    it('returns [] for an empty result and treats an empty insert as a no-op', async () => {
      await wh.command('CREATE TABLE empty_t (id UInt32) ENGINE = MergeTree ORDER BY id');
      await wh.insert('empty_t', []);
      expect(await wh.query('SELECT * FROM empty_t')).toEqual([]);
    });

    it('inserts pre-serialised rows (JSONCompactEachRow, TabSeparated) into the named columns, and refuses what it cannot take', async () => {
      await wh.command(`CREATE TABLE formatted_t (id UInt32, s String, tags Array(String), dims Map(String, String), f Float64 DEFAULT 7)
        ENGINE = MergeTree ORDER BY id`);
      const rows = awkwardStrings.map((s, i) => [i, s, [s, 'x'], { k: s }]);
      const data = new TextEncoder().encode(rows.map((r) => JSON.stringify(r)).join('\n'));
      await wh.insertFormatted('formatted_t', { format: 'JSONCompactEachRow', columns: ['id', 's', 'tags', 'dims'], data });
      await wh.insertFormatted('formatted_t', { format: 'TabSeparated', columns: ['id', 's'], data: '100\tone\\ttab\n101\ttwo\n' });
      await wh.insertFormatted('formatted_t', { format: 'JSONCompactEachRow', data: '' });
      const back = await wh.query<{ id: number; s: string; tags: string[]; dims: Record<string, string>; f: number }>('SELECT id, s, tags, dims, f FROM formatted_t ORDER BY id');
      expect(back).toEqual([
        ...awkwardStrings.map((s, i) => ({ id: i, s, tags: [s, 'x'], dims: { k: s }, f: 7 })),
        { id: 100, s: 'one\ttab', tags: [], dims: {}, f: 7 },
        { id: 101, s: 'two', tags: [], dims: {}, f: 7 },
      ]);
      await expectWarehouseError(wh.insertFormatted('formatted_t', { format: 'JSONCompactEachRow', columns: ['id'], data: '["not a number"]' }), 'BAD_PARAMETER');
      await expectWarehouseError(wh.insertFormatted('formatted_t', { format: 'Native' as never, data: 'x' }), 'BAD_PARAMETER');
      await expectWarehouseError(wh.insertFormatted('formatted_t', { format: 'CSV', columns: ['id); DROP TABLE formatted_t; --'], data: '1' }), 'BAD_PARAMETER');
      expect(await wh.query('SELECT count() AS n FROM formatted_t')).toEqual([{ n: String(awkwardStrings.length + 2) }]);
    });

    it('inserts RowBinary bytes into the named columns (strings of any length, arrays, maps), and refuses a short or a string payload', async () => {
      await wh.command(`CREATE TABLE rowbinary_t (id UInt32, big UInt64, s LowCardinality(String), tags Array(String), dims Array(Map(String, String)), v Array(Float64), f Float64 DEFAULT 7)
        ENGINE = MergeTree ORDER BY id`);
      // an encoder of its own, independent of the callers' (the format: clickhouse.com/docs/interfaces/formats/RowBinary)
      const parts: Buffer[] = [];
      const size = (n: number) => {
        const out: number[] = [];
        for (; n >= 0x80; n >>>= 7) out.push((n & 0x7f) | 0x80);
        out.push(n);
        parts.push(Buffer.from(out));
      };
      const str = (x: string) => {
        const b = Buffer.from(x, 'utf8');
        size(b.length);
        parts.push(b);
      };
      const fixed = (n: number, write: (b: Buffer) => void) => {
        const b = Buffer.alloc(n);
        write(b);
        parts.push(b);
      };
      const strings = [...awkwardStrings, 'x'.repeat(200), 'ü'.repeat(9000)]; // one- to three-byte lengths
      strings.forEach((x, i) => {
        fixed(4, (b) => b.writeUInt32LE(i));
        fixed(8, (b) => b.writeBigUInt64LE(2n ** 63n + BigInt(i)));
        str(x);
        size(2);
        str(x);
        str('');
        size(2);
        size(1);
        str(x);
        str(x);
        size(0);
        size(2);
        fixed(8, (b) => b.writeDoubleLE(i + 0.5));
        fixed(8, (b) => b.writeDoubleLE(-1 / 3));
      });
      const data = new Uint8Array(Buffer.concat(parts));
      await wh.insertFormatted('rowbinary_t', { format: 'RowBinary', columns: ['id', 'big', 's', 'tags', 'dims', 'v'], data });
      await wh.insertFormatted('rowbinary_t', { format: 'RowBinary', data: new Uint8Array(0) });
      const back = await wh.query<{ id: number; big: string; s: string; tags: string[]; dims: Record<string, string>[]; v: number[]; f: number }>(
        'SELECT id, big, s, tags, dims, v, f FROM rowbinary_t ORDER BY id',
      );
      expect(back).toEqual(strings.map((x, i) => ({ id: i, big: String(2n ** 63n + BigInt(i)), s: x, tags: [x, ''], dims: [{ [x]: x }, {}], v: [i + 0.5, -1 / 3], f: 7 })));
      await expectWarehouseError(wh.insertFormatted('rowbinary_t', { format: 'RowBinary', columns: ['id', 'big'], data: data.subarray(0, 9) }), 'BAD_PARAMETER');
      await expectWarehouseError(wh.insertFormatted('rowbinary_t', { format: 'RowBinary', columns: ['id'], data: 'AAAA' }), 'BAD_PARAMETER');
      expect(await wh.query('SELECT count() AS n FROM rowbinary_t')).toEqual([{ n: String(strings.length) }]);
    });

    it("passes keysDistinct on to the engine: a RowBinary block is inserted without a ReplacingMergeTree's insert-time merge", async () => {
      await wh.command('CREATE TABLE distinct_t (id UInt32, v Float64) ENGINE = ReplacingMergeTree ORDER BY id');
      // two rows of one key in one block: merged on insert by default; kept apart with the hint (a
      // caller that vouches for distinct keys never sends this, so the hint is seen only here)
      const block = Buffer.alloc(24);
      block.writeUInt32LE(1, 0);
      block.writeDoubleLE(0.5, 4);
      block.writeUInt32LE(1, 12);
      block.writeDoubleLE(1.5, 16);
      await wh.insertFormatted('distinct_t', { format: 'RowBinary', columns: ['id', 'v'], data: new Uint8Array(block) });
      expect(await wh.query('SELECT count() AS n FROM distinct_t')).toEqual([{ n: '1' }]);
      await wh.command('TRUNCATE TABLE distinct_t');
      await wh.insertFormatted('distinct_t', { format: 'RowBinary', columns: ['id', 'v'], data: new Uint8Array(block), keysDistinct: true });
      expect(await wh.query('SELECT count() AS n FROM distinct_t')).toEqual([{ n: '2' }]);
      expect(await wh.query('SELECT id, v FROM distinct_t FINAL')).toEqual([{ id: 1, v: 1.5 }]);
    });

    it('binds strings with quotes, backslashes, control characters and unicode exactly', async () => {
      for (const s of awkwardStrings) {
        const rows = await wh.query<{ s: string; len: string }>('SELECT {s:String} AS s, length({s:String}) AS len', { s });
        expect(rows).toEqual([{ s, len: String(Buffer.byteLength(s)) }]);
      }
      const arrays = await wh.query<{ a: string[] }>('SELECT {a:Array(String)} AS a', { a: awkwardStrings });
      expect(arrays[0]!.a).toEqual(awkwardStrings);
    });

    it('keeps an injection attempt a literal value', async () => {
      await wh.command('CREATE TABLE people (id UInt32, name String) ENGINE = MergeTree ORDER BY id');
      await wh.insert('people', [
        { id: 1, name: 'Ayşe' },
        { id: 2, name: "O'Brien" },
      ]);
      const attack = "x' OR 1=1 --";
      expect(await wh.query('SELECT id FROM people WHERE name = {name:String}', { name: attack })).toEqual([]);
      expect(await wh.query('SELECT id FROM people WHERE name = {name:String}', { name: "O'Brien" })).toEqual([{ id: 2 }]);
      await wh.query('SELECT count() AS c FROM people WHERE name = {name:String}', { name: "'; DROP TABLE people; --" });
      expect(await wh.query('SELECT count() AS c FROM people')).toEqual([{ c: '2' }]);
    });

    it('binds typed parameters: Date, 64-bit integers, arrays, maps, null and booleans', async () => {
      const [row] = await wh.query<Record<string, unknown>>(
        `SELECT {t3:DateTime64(3)} AS t3, {t:DateTime} AS t, {big:UInt64} AS big, {neg:Int64} AS neg, {small:UInt32} AS small,
          {ids:Array(UInt32)} AS ids, {dates:Array(DateTime64(3))} AS dates, {m:Map(String, UInt32)} AS m,
          {nothing:Nullable(String)} AS nothing, {yes:Bool} AS yes, {flag:UInt8} AS flag, {d:Date} AS d, {x:Float64} AS x`,
        {
          t3: new Date('2024-01-02T03:04:05.678Z'),
          t: new Date('2024-01-02T03:04:05Z'),
          big: 18446744073709551615n,
          neg: '-9223372036854775808',
          small: 4294967295,
          ids: [1, 2, 3],
          dates: [new Date('2024-01-02T03:04:05.678Z')],
          m: { Nippes: 1, "Ehrenfeld's": 2 },
          nothing: null,
          yes: true,
          flag: false,
          d: '2024-02-29',
          x: 0.1,
        },
      );
      expect(row).toEqual({
        t3: '2024-01-02 03:04:05.678',
        t: '2024-01-02 03:04:05',
        big: '18446744073709551615',
        neg: '-9223372036854775808',
        small: 4294967295,
        ids: [1, 2, 3],
        dates: ['2024-01-02 03:04:05.678'],
        m: { Nippes: 1, "Ehrenfeld's": 2 },
        nothing: null,
        yes: true,
        flag: 0,
        d: '2024-02-29',
        x: 0.1,
      });
      const filtered = await wh.query('SELECT number AS n FROM system.numbers WHERE has({ids:Array(UInt64)}, number) LIMIT 3', { ids: [2, 4] });
      expect(filtered).toEqual([{ n: '2' }, { n: '4' }]);
    });

    it('runs commands with bound parameters', async () => {
      await wh.command('CREATE TABLE cmd_params (id UInt32, s String) ENGINE = MergeTree ORDER BY id');
      await wh.command('INSERT INTO cmd_params (id, s) VALUES ({id:UInt32}, {s:String})', { id: 5, s: "a'b\\c" });
      expect(await wh.query('SELECT * FROM cmd_params')).toEqual([{ id: 5, s: "a'b\\c" }]);
    });

    it('reports typed errors with the engine code', async () => {
      await expectWarehouseError(wh.query('SELECT * FROM no_such_table'), 'UNKNOWN_TABLE', 60);
      await expectWarehouseError(wh.command('INSERT INTO no_such_table VALUES (1)'), 'UNKNOWN_TABLE', 60);
      await expectWarehouseError(wh.insert('no_such_table', [{ id: 1 }]), 'UNKNOWN_TABLE', 60);
      await expectWarehouseError(wh.query('SELEKT 1'), 'SYNTAX_ERROR', 62);
      await expectWarehouseError(wh.query('SELECT no_such_column FROM system.one'), 'UNKNOWN_COLUMN', 47);
      await expectWarehouseError(wh.query('SELECT {n:UInt32} AS n', { n: 'zwölf' }), 'BAD_PARAMETER', 457);
      await expectWarehouseError(wh.query('SELECT {n:UInt32} AS n', { other: 1 }), 'BAD_PARAMETER', 456);
      await expectWarehouseError(wh.insert('people; DROP TABLE people', [{ id: 1 }]), 'BAD_PARAMETER');
      await wh.command('CREATE TABLE strict_rows (id UInt32, at DateTime) ENGINE = MergeTree ORDER BY id');
      await expectWarehouseError(wh.insert('strict_rows', [{ id: 'eins', at: '2024-01-01 00:00:00' }]), 'BAD_PARAMETER');
      expect(await wh.query('SELECT count() AS c FROM strict_rows')).toEqual([{ c: '0' }]);
      // values that would not arrive intact are refused before they reach the engine, naming the parameter
      const unsafe = await expectWarehouseError(wh.query('SELECT {n:UInt64} AS n', { n: Number.MAX_SAFE_INTEGER + 2 }), 'BAD_PARAMETER');
      expect(unsafe.message).toMatch(/parameter n\b.*bigint/);
      await expectWarehouseError(wh.query('SELECT {x:Float64} AS x', { x: Number.NaN }), 'BAD_PARAMETER');
      await expectWarehouseError(wh.query('SELECT {a:Array(UInt8)} AS a', { a: [1, () => 2] }), 'BAD_PARAMETER');
      await expectWarehouseError(wh.query('SELECT {t:DateTime} AS t', { t: new Date('kaputt') }), 'BAD_PARAMETER');
      await expectWarehouseError(
        wh.insert('strict_rows', [
          { id: 1, at: new Date('2024-01-01') },
          { id: 2, at: new Date('kaputt') },
        ]),
        'BAD_PARAMETER',
      );
      expect(await wh.query('SELECT count() AS c FROM strict_rows')).toEqual([{ c: '0' }]);
      // the warehouse is still usable after errors
      expect(await wh.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('deduplicates a ReplacingMergeTree(version) with FINAL, keeping the highest version', async () => {
      await wh.command(`CREATE TABLE indicator_values (
        key String, stadtteil String, value Float64, version UInt64
      ) ENGINE = ReplacingMergeTree(version) ORDER BY key`);
      // separate inserts make separate parts, so only FINAL (or a merge) can dedupe them
      await wh.insert('indicator_values', [{ key: 'a', stadtteil: 'Nippes', value: 1, version: 1 }]);
      await wh.insert('indicator_values', [
        { key: 'a', stadtteil: 'Nippes', value: 3, version: 3 },
        { key: 'b', stadtteil: 'Kalk', value: 10, version: 1 },
      ]);
      await wh.insert('indicator_values', [{ key: 'a', stadtteil: 'Nippes', value: 2, version: 2 }]); // late, older
      await wh.insert('indicator_values', [{ key: 'b', stadtteil: 'Kalk', value: 10, version: 1 }]); // replayed event
      const final = await wh.query('SELECT key, value, version FROM indicator_values FINAL ORDER BY key');
      expect(final).toEqual([
        { key: 'a', value: 3, version: '3' },
        { key: 'b', value: 10, version: '1' },
      ]);
      await wh.command('OPTIMIZE TABLE indicator_values FINAL');
      expect(await wh.query('SELECT count() AS c FROM indicator_values')).toEqual([{ c: '2' }]);
    });

    it('round-trips an AggregatingMergeTree fed by a materialized view', async () => {
      await wh.command('CREATE TABLE leistungen (stadtteil String, betrag UInt32, person String) ENGINE = MergeTree ORDER BY stadtteil');
      await wh.command(`CREATE TABLE leistungen_agg (
        stadtteil String,
        summe AggregateFunction(sum, UInt32),
        anzahl AggregateFunction(count),
        personen AggregateFunction(uniqExact, String),
        hoechst SimpleAggregateFunction(max, UInt32)
      ) ENGINE = AggregatingMergeTree ORDER BY stadtteil`);
      await wh.command(`CREATE MATERIALIZED VIEW leistungen_mv TO leistungen_agg AS
        SELECT stadtteil, sumState(betrag) AS summe, countState() AS anzahl, uniqExactState(person) AS personen, max(betrag) AS hoechst
        FROM leistungen GROUP BY stadtteil`);
      await wh.insert('leistungen', [
        { stadtteil: 'Nippes', betrag: 100, person: 'p1' },
        { stadtteil: 'Nippes', betrag: 50, person: 'p2' },
        { stadtteil: 'Kalk', betrag: 7, person: 'p3' },
      ]);
      await wh.insert('leistungen', [
        { stadtteil: 'Nippes', betrag: 25, person: 'p1' },
        { stadtteil: 'Porz', betrag: 1, person: 'p4' },
      ]);
      const read = () =>
        wh.query(`SELECT stadtteil, sumMerge(summe) AS summe, countMerge(anzahl) AS anzahl, uniqExactMerge(personen) AS personen, max(hoechst) AS hoechst
          FROM leistungen_agg GROUP BY stadtteil ORDER BY stadtteil`);
      const expected = [
        { stadtteil: 'Kalk', summe: '7', anzahl: '1', personen: '1', hoechst: 7 },
        { stadtteil: 'Nippes', summe: '175', anzahl: '3', personen: '2', hoechst: 100 },
        { stadtteil: 'Porz', summe: '1', anzahl: '1', personen: '1', hoechst: 1 },
      ];
      expect(await read()).toEqual(expected);
      await wh.command('OPTIMIZE TABLE leistungen_agg FINAL');
      expect(await read()).toEqual(expected);
      expect(await wh.query('SELECT count() AS c FROM leistungen_agg')).toEqual([{ c: '3' }]);
    });

    it('runs concurrent queries and inserts without mixing up parameters', async () => {
      await wh.command('CREATE TABLE concurrent_t (batch UInt32, i UInt32) ENGINE = MergeTree ORDER BY (batch, i)');
      const queries = Array.from({ length: 24 }, (_, i) => wh.query<{ i: number; s: string }>('SELECT {i:UInt32} AS i, {s:String} AS s', { i, s: `wert-${i}` }));
      const plain = Array.from({ length: 8 }, (_, i) => wh.query<{ c: string }>(`SELECT count() AS c FROM numbers(${1000 * (i + 1)})`));
      const inserts = Array.from({ length: 8 }, (_, batch) =>
        wh.insert(
          'concurrent_t',
          Array.from({ length: 100 }, (_, i) => ({ batch, i })),
        ),
      );
      const [q, p] = await Promise.all([Promise.all(queries), Promise.all(plain), Promise.all(inserts)]);
      q.forEach((rows, i) => {
        expect(rows).toEqual([{ i, s: `wert-${i}` }]);
      });
      p.forEach((rows, i) => {
        expect(rows).toEqual([{ c: String(1000 * (i + 1)) }]);
      });
      expect(await wh.query('SELECT batch, count() AS c FROM concurrent_t GROUP BY batch ORDER BY batch')).toEqual(Array.from({ length: 8 }, (_, batch) => ({ batch, c: '100' })));
    });

    // issue #13: a gateway request's budget reaches the engine, so a runaway read stops there
    const heavy = 'SELECT count() AS c FROM numbers_mt(1000000000000)';

    it('stops a read at its maxExecutionMs (TIMEOUT) and refuses one over maxRowsToRead (LIMIT_EXCEEDED)', async () => {
      const t = performance.now();
      await expectWarehouseError(wh.query(heavy, undefined, { maxExecutionMs: 300 }), 'TIMEOUT', 159);
      expect(performance.now() - t).toBeLessThan(5_000);
      await expectWarehouseError(wh.query('SELECT count() AS c FROM numbers(1000000)', undefined, { maxRowsToRead: 1_000 }), 'LIMIT_EXCEEDED', 158);
      // within its limits a read answers as without them; a statement's own SETTINGS clause is kept
      expect(await wh.query('SELECT {n:UInt32} AS n SETTINGS max_threads = 1', { n: 7 }, { maxExecutionMs: 5_000, maxRowsToRead: 10 })).toEqual([{ n: 7 }]);
    });

    it('does not start an aborted read and stops a running one by its deadline at the latest (CANCELLED)', async () => {
      const before = new AbortController();
      before.abort();
      await expectWarehouseError(wh.query('SELECT 1', undefined, { signal: before.signal }), 'CANCELLED');
      const running = new AbortController();
      const t = performance.now();
      const read = wh.query(heavy, undefined, { signal: running.signal, maxExecutionMs: 1_500 });
      setTimeout(() => running.abort(), 200);
      await expectWarehouseError(read, 'CANCELLED');
      const ms = performance.now() - t;
      expect(ms).toBeLessThan(5_000);
      console.log(`[warehouse ${name}] read aborted after 200 ms settled after ${ms.toFixed(0)} ms (deadline 1500 ms)`);
      expect(await wh.query('SELECT 1 AS one')).toEqual([{ one: 1 }]);
    });

    it('keeps data across close and reopen, then refuses calls once closed', async () => {
      await wh.command('CREATE TABLE durable_t (id UInt32, s String) ENGINE = ReplacingMergeTree ORDER BY id');
      await wh.insert('durable_t', [
        { id: 1, s: 'bleibt' },
        { id: 2, s: 'auch' },
      ]);
      await wh.close();
      await expectWarehouseError(wh.query('SELECT 1'), 'CLOSED');
      await expectWarehouseError(wh.command('SELECT 1'), 'CLOSED');
      await expectWarehouseError(wh.insert('durable_t', [{ id: 3, s: 'x' }]), 'CLOSED');
      await wh.close(); // idempotent
      await harness.restart?.();
      wh = await harness.open();
      expect(await wh.query('SELECT * FROM durable_t ORDER BY id')).toEqual([
        { id: 1, s: 'bleibt' },
        { id: 2, s: 'auch' },
      ]);
      expect(await wh.query('SELECT count() AS c FROM indicator_values FINAL')).toEqual([{ c: '2' }]);
      expect((await wh.query('SELECT sumMerge(summe) AS s FROM leistungen_agg'))[0]).toEqual({ s: '183' });
    });
  });
}
