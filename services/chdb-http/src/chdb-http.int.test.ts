import { ClickHouseLogLevel, createClient as createClientWithLogs, TupleParam, type ClickHouseClient } from '@clickhouse/client';
import { startChdbHttp, tempDir, waitFor, type ChildService } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

// these tests provoke errors on purpose; the client would log each one
const createClient: typeof createClientWithLogs = (config) => createClientWithLogs({ log: { level: ClickHouseLogLevel.OFF }, ...config });

let server: ChildService & { dataDir: string };
let client: ClickHouseClient;
/** CHDB_HTTP_STATEMENT_LOG: one JSON line per statement */
const statementLog = join(tempDir('sp-chdb-http-log-'), 'statements.jsonl');
beforeAll(async () => {
  server = await startChdbHttp({ statementLog });
  client = createClient({ url: server.url });
});
afterAll(async () => {
  await client?.close();
  await server?.stop();
});

const awkward = ["it's", 'back\\slash \\', 'tab\tnl\ncr\r', "\\'", 'Köln-Mülheim 🏙️', "'; DROP TABLE t; --"];

describe('chdb-http (dev-only ClickHouse HTTP interface over chDB)', () => {
  it('answers /ping and GET / like ClickHouse', async () => {
    for (const path of ['/ping', '/']) {
      const res = await fetch(server.url + path);
      expect(res.status).toBe(200);
      expect(await res.text()).toBe('Ok.\n');
    }
    expect(await client.ping()).toEqual({ success: true });
  });

  it('runs a query from ?query= with default_format, ignores settings and reports format and summary headers', async () => {
    const url = `${server.url}/?query=${encodeURIComponent('SELECT number AS n FROM numbers(3)')}&default_format=JSONEachRow&max_threads=1&enable_http_compression=1&wait_end_of_query=1`;
    const res = await fetch(url);
    expect(res.status).toBe(200);
    expect(res.headers.get('x-clickhouse-format')).toBe('JSONEachRow');
    expect(JSON.parse(res.headers.get('x-clickhouse-summary')!)).toMatchObject({ read_rows: '3' });
    expect(await res.text()).toBe('{"n":"0"}\n{"n":"1"}\n{"n":"2"}\n');
  });

  it('lets a FORMAT clause win over default_format and falls back to TabSeparated', async () => {
    const withClause = await fetch(`${server.url}/?default_format=JSONEachRow`, { method: 'POST', body: 'SELECT 1 AS x, 2 AS y FORMAT CSV' });
    expect(await withClause.text()).toBe('1,2\n');
    const plain = await fetch(server.url, { method: 'POST', body: "SELECT 'a' AS x, 2 AS y" });
    expect(plain.headers.get('x-clickhouse-format')).toBe('TabSeparated');
    expect(await plain.text()).toBe('a\t2\n');
  });

  it('logs every statement with its lane, its wait for a turn and its engine time (CHDB_HTTP_STATEMENT_LOG)', async () => {
    await client.command({ query: 'SELECT 4711 AS logged_background', clickhouse_settings: { priority: '2' } });
    await client.query({ query: 'SELECT * FROM nirgendwo_logged' }).catch(() => undefined);
    const logged = () =>
      existsSync(statementLog)
        ? readFileSync(statementLog, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l))
        : [];
    await waitFor(() => logged().some((l) => l.sql.includes('nirgendwo_logged')), { timeoutMs: 10_000 });
    const [background] = logged().filter((l) => l.sql.includes('logged_background'));
    expect(background).toMatchObject({ lane: 'background', ok: true });
    expect(background.waitedMs).toBeGreaterThanOrEqual(0);
    expect(background.ranMs).toBeGreaterThan(0);
    expect(Math.abs(background.atMs - Date.now())).toBeLessThan(60_000);
    expect(logged().find((l) => l.sql.includes('nirgendwo_logged'))).toMatchObject({ lane: 'normal', ok: false });
  });

  it('answers errors with HTTP 500, the exception code header and a body the client parses', async () => {
    const res = await fetch(server.url, { method: 'POST', body: 'SELECT * FROM nirgendwo' });
    expect(res.status).toBe(500);
    expect(res.headers.get('x-clickhouse-exception-code')).toBe('60');
    expect(await res.text()).toMatch(/^Code: 60\. DB::Exception: .*nirgendwo.* \(UNKNOWN_TABLE\)/);
    const error = await client.query({ query: 'SELEKT 1' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '62', type: 'SYNTAX_ERROR' });
    const bad = await client.query({ query: 'SELECT {n:UInt8} AS n', query_params: { n: 'viele' } }).catch((e: unknown) => e);
    expect(bad).toMatchObject({ code: '457', type: 'BAD_QUERY_PARAMETER' });
  });

  it('binds param_<name> values exactly as @clickhouse/client formats them, in the URL or multipart', async () => {
    const multipart = createClient({ url: server.url, use_multipart_params: true });
    try {
      for (const c of [client, multipart]) {
        const rs = await c.query({
          query: `SELECT {s:String} AS s, {a:Array(String)} AS a, {t:Tuple(UInt8, String)} AS t, {m:Map(String, String)} AS m,
            {n:Nullable(String)} AS n, {big:UInt64} AS big, {nested:Array(Array(String))} AS nested`,
          query_params: {
            s: awkward.join('|'),
            a: awkward,
            t: new TupleParam([7, "o'k\\"]),
            m: { "k'ey": "v'al\\" },
            n: null,
            big: 18446744073709551615n,
            nested: [["x'y"], []],
          },
          format: 'JSONEachRow',
        });
        expect(await rs.json()).toEqual([{ s: awkward.join('|'), a: awkward, t: [7, "o'k\\"], m: { "k'ey": "v'al\\" }, n: null, big: '18446744073709551615', nested: [["x'y"], []] }]);
      }
    } finally {
      await multipart.close();
    }
  });

  it('inserts rows sent in the body, plain and gzip-compressed, and answers gzip-capable clients', async () => {
    await client.command({ query: 'CREATE TABLE ins_t (id UInt32, s String) ENGINE = MergeTree ORDER BY id' });
    const plain = await client.insert({ table: 'ins_t', values: [{ id: 1, s: "a'b" }], format: 'JSONEachRow' });
    expect(plain.summary?.written_rows).toBe('1');
    const compressing = createClient({ url: server.url, compression: { request: true, response: true } });
    try {
      await compressing.insert({
        table: 'ins_t',
        values: [
          { id: 2, s: 'ü' },
          { id: 3, s: '\\' },
        ],
        format: 'JSONEachRow',
      });
      await compressing.insert({ table: 'ins_t', columns: ['id'], values: [[4]], format: 'JSONCompactEachRow' });
      const rs = await compressing.query({ query: 'SELECT * FROM ins_t ORDER BY id', format: 'JSONEachRow' });
      expect(await rs.json()).toEqual([
        { id: 1, s: "a'b" },
        { id: 2, s: 'ü' },
        { id: 3, s: '\\' },
        { id: 4, s: '' },
      ]);
    } finally {
      await compressing.close();
    }
    const res = await fetch(`${server.url}/?query=${encodeURIComponent('INSERT INTO ins_t FORMAT CSV')}`, {
      method: 'POST',
      headers: { 'Content-Encoding': 'gzip' },
      body: gzipSync('5,csv\n'),
    });
    expect(res.status).toBe(200);
    const count = await client.query({ query: 'SELECT count() AS c FROM ins_t', format: 'JSONEachRow' });
    expect(await count.json()).toEqual([{ c: '5' }]);
  });

  it('runs each request in the database it names, one database at a time, like a server with ?database=', async () => {
    const admin = createClient({ url: server.url });
    await admin.command({ query: 'CREATE DATABASE IF NOT EXISTS tenant_a' });
    await admin.command({ query: 'CREATE DATABASE IF NOT EXISTS tenant_b' });
    const a = createClient({ url: server.url, database: 'tenant_a' });
    const b = createClient({ url: server.url, database: 'tenant_b' });
    try {
      // the same unqualified table name in two databases, created and filled through each client
      for (const [c, n] of [
        [a, 3],
        [b, 5],
      ] as const) {
        await c.command({ query: 'CREATE TABLE IF NOT EXISTS cells (v UInt32) ENGINE = MergeTree ORDER BY v' });
        await c.insert({ table: 'cells', values: Array.from({ length: n }, (_, i) => ({ v: i })), format: 'JSONEachRow' });
      }
      // many interleaved reads: each sees its own database's table only
      const reads = await Promise.all(
        Array.from({ length: 40 }, async (_, i) => {
          const c = i % 2 === 0 ? a : b;
          const rows = await (await c.query({ query: 'SELECT currentDatabase() AS db, count() AS n FROM cells', format: 'JSONEachRow' })).json<{ db: string; n: string }>();
          return rows[0]!;
        }),
      );
      expect(reads).toEqual(reads.map((_, i) => (i % 2 === 0 ? { db: 'tenant_a', n: '3' } : { db: 'tenant_b', n: '5' })));
      // the default database does not see them
      await expect(admin.query({ query: 'SELECT count() FROM cells', format: 'JSONEachRow' })).rejects.toMatchObject({ type: 'UNKNOWN_TABLE' });
      // an unknown database is the engine's error, and the next request still runs
      const ghost = createClient({ url: server.url, database: 'no_such_db' });
      await expect(ghost.query({ query: 'SELECT 1', format: 'JSONEachRow' })).rejects.toMatchObject({ type: 'UNKNOWN_DATABASE' });
      await ghost.close();
      expect(await (await a.query({ query: 'SELECT count() AS n FROM cells', format: 'JSONEachRow' })).json()).toEqual([{ n: '3' }]);
    } finally {
      await Promise.all([a.close(), b.close(), admin.close()]);
    }
  });

  it('finishes a running query on SIGTERM before it exits', async () => {
    const own = await startChdbHttp();
    const c = createClient({ url: own.url });
    try {
      const running = c.query({ query: 'SELECT sleep(1) AS s, 42 AS answer', format: 'JSONEachRow' }).then((rs) => rs.json());
      await new Promise((r) => setTimeout(r, 200));
      await own.stop();
      expect(await running).toEqual([{ s: 0, answer: 42 }]);
      expect(own.process.exitCode).toBe(0);
    } finally {
      await c.close();
    }
  });
});
