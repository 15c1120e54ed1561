// DEV-ONLY — NOT FOR PRODUCTION. A small HTTP server that speaks enough of ClickHouse's HTTP
// interface over in-process chDB for an unchanged @clickhouse/client to work, so that separate
// service processes on one machine can share one warehouse (chDB allows one data directory per
// process). ?database=… selects the current database per request (one database at a time, see
// database.gate.ts). No authentication, no TLS, no quotas, settings are ignored but a read's limits
// (max_execution_time, max_rows_to_read) and a RowBinary insert's optimize_on_insert=0, no KILL QUERY (chDB cannot interrupt a query); production points
// @clickhouse/client at a real ClickHouse server instead.
//
// What it understands (see README.md):
//   GET|POST /            query in ?query= and/or the body (ClickHouse concatenates them with '\n')
//   param_<name>=…        values for {name:Type} placeholders, bound by chDB (URL or multipart body)
//   default_format=…      output format when the query has no FORMAT clause (else TabSeparated)
//   INSERT … FORMAT f     in ?query= with the data in the body (gzip/deflate/br/zstd bodies accepted);
//                         RowBinary too, through a temporary file (chDB's raw insert takes text only)
//   GET /ping             "Ok.\n"
// Errors answer HTTP 500 with `Code: N. DB::Exception: … (NAME)` and X-ClickHouse-Exception-Code,
// which is what the client parses into a ClickHouseError.
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Writable } from 'node:stream';
import * as zlib from 'node:zlib';
import { rowBinaryFile, rowBinaryInsertSql, StatementQueue, type ChdbSession, type Lane } from '@sp/warehouse-chdb';
import { withSettings } from '@sp/ports/clickhouse';
import { DatabaseGate, isDatabaseName } from './database.gate.js';
import { decodeHttpParam } from './http-param.decoder.js';

export interface ChdbHttpServerOptions {
  session: ChdbSession;
  /** largest accepted request body after decompression; default 1 GiB */
  maxBodyBytes?: number;
  /** called after every statement (main.ts: CHDB_HTTP_STATEMENT_LOG, the freshness bench's --statement-log) */
  onStatement?: (statement: StatementTiming) => void;
}

/** One statement's way through chdb-http: when it arrived, how long it waited for its turn (its lane, the request's database), how long the engine took. */
export interface StatementTiming {
  lane: Lane;
  /** epoch ms when the statement was ready to run (its body read) */
  atMs: number;
  waitedMs: number;
  ranMs: number;
  ok: boolean;
  /** the statement's first 160 characters (an insert: its INSERT … FORMAT line) */
  sql: string;
}

export interface ChdbHttpServer {
  readonly server: Server;
  /** Stops accepting connections, lets running requests finish, then resolves. */
  shutdown(): Promise<void>;
}

/** A ClickHouse-style failure: numeric code, exception name, message. */
class HttpQueryError extends Error {
  constructor(
    readonly code: number,
    readonly type: string,
    message: string,
    readonly status = 500,
  ) {
    super(message);
  }
}

// formats chDB can take as a raw insert payload (whitelisted by chDB as well)
const rawInsertFormats = new Set(['JSONEachRow', 'JSONCompactEachRow', 'CSV', 'CSVWithNames', 'TSV', 'TabSeparated', 'TSVWithNames', 'TabSeparatedWithNames']);
const insertStatement = /^\s*INSERT\s+INTO\s+([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s*(?:\(\s*([A-Za-z_]\w*(?:\s*,\s*[A-Za-z_]\w*)*)\s*\))?\s*FORMAT\s+(\w+)\s*;?\s*$/i;
const formatClause = /\bFORMAT\s+(\w+)\s*;?\s*$/i;

/** The settings honoured for a read: its limits (a RowBinary insert's optimize_on_insert is read where it is inserted; everything else is ignored, see above). */
const limitNames = ['max_execution_time', 'max_rows_to_read'] as const;

function limitSettings(fields: Map<string, string>): Record<string, number> {
  const settings: Record<string, number> = {};
  for (const name of limitNames) {
    const raw = fields.get(name);
    if (raw === undefined) continue;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new HttpQueryError(72, 'CANNOT_PARSE_NUMBER', `setting ${name}=${raw} is not a non-negative number`, 400);
    settings[name] = value;
  }
  return settings;
}

/**
 * The lane of a statement by ClickHouse's `priority` setting (1 the highest, a larger number lower,
 * 0 or none: no priority). chDB runs the statements of a session one at a time whatever arrives, so
 * the stand-in queues them itself and lets the waiting ones of priority 1 go first (the indicator
 * projection's) and those of 2 or more last (the composite indices' recomputation), as the embedded
 * warehouse's lanes do; a server pauses a query of a lower priority while higher ones run. Order
 * only: every statement still runs, alone, as it came.
 */
function laneOf(fields: Map<string, string>): Lane {
  const raw = fields.get('priority');
  if (raw === undefined || raw === '') return 'normal';
  const priority = Number(raw);
  if (!Number.isInteger(priority) || priority < 0) throw new HttpQueryError(72, 'CANNOT_PARSE_NUMBER', `setting priority=${raw} is not a non-negative integer`, 400);
  return priority === 0 ? 'normal' : priority === 1 ? 'urgent' : 'background';
}

function contentTypeFor(format: string): string {
  if (/^JSON/i.test(format)) return 'application/json; charset=UTF-8';
  if (/^(CSV|TSV|TabSeparated)/i.test(format)) return 'text/tab-separated-values; charset=UTF-8';
  if (/Binary|Arrow|Parquet|Native|ORC|Avro/i.test(format)) return 'application/octet-stream';
  return 'text/plain; charset=UTF-8';
}

function decompressor(encoding: string | undefined): NodeJS.ReadWriteStream | undefined {
  switch ((encoding ?? '').trim().toLowerCase()) {
    case '':
    case 'identity':
      return undefined;
    case 'gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    case 'zstd':
      return zlib.createZstdDecompress();
    default:
      throw new HttpQueryError(1, 'UNSUPPORTED_METHOD', `Content-Encoding ${encoding} is not supported by chdb-http (gzip, deflate, br, zstd are)`, 400);
  }
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (size > maxBytes) return done(new HttpQueryError(307, 'TOO_MANY_BYTES', `request body larger than ${maxBytes} bytes`, 413));
      chunks.push(chunk);
      done();
    },
  });
  const decode = decompressor(req.headers['content-encoding']);
  await (decode ? pipeline(req, decode, sink) : pipeline(req, sink));
  return Buffer.concat(chunks);
}

/** The parts of a multipart/form-data body (what the client sends with use_multipart_params). */
function parseMultipart(body: Buffer, contentType: string): Map<string, string> {
  const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  if (!boundary) throw new HttpQueryError(1, 'BAD_ARGUMENTS', 'multipart body without boundary', 400);
  const delimiter = `--${boundary[1] ?? boundary[2]}`;
  const parts = new Map<string, string>();
  for (const part of body.toString('utf8').split(delimiter).slice(1)) {
    if (part.startsWith('--')) break;
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd < 0) continue;
    const name = /name="([^"]+)"/i.exec(part.slice(0, headerEnd));
    if (!name) continue;
    let value = part.slice(headerEnd + 4);
    if (value.endsWith('\r\n')) value = value.slice(0, -2);
    parts.set(name[1]!, value);
  }
  return parts;
}

interface EngineError {
  message?: unknown;
  code?: unknown;
  clickhouseCode?: unknown;
}

/** chDB's typed errors as ClickHouse HTTP errors; their messages already read `Code: N. DB::Exception: … (NAME)`. */
function toHttpError(error: unknown): HttpQueryError {
  if (error instanceof HttpQueryError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as EngineError;
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.clickhouseCode === 'number' ? e.clickhouseCode : undefined;
  if (code !== undefined) {
    const type = /\(([A-Z0-9_]*[A-Z]{3}[A-Z0-9_]*)\)\s*$/.exec(message.trim())?.[1] ?? 'UNKNOWN_EXCEPTION';
    return new HttpQueryError(code, type, message.replace(/^Code: \d+\. DB::Exception: /, '').replace(/\s*\([A-Z0-9_]+\)\s*$/, ''));
  }
  if (e.code === 'CHDB_BIND') return new HttpQueryError(457, 'BAD_QUERY_PARAMETER', message);
  if (e.code === 'CHDB_CLOSED') return new HttpQueryError(210, 'NETWORK_ERROR', `chdb-http is shutting down: ${message}`, 503);
  return new HttpQueryError(1001, 'STD_EXCEPTION', message);
}

export function createChdbHttpServer(options: ChdbHttpServerOptions): ChdbHttpServer {
  const { session } = options;
  const maxBodyBytes = options.maxBodyBytes ?? 1024 ** 3;
  const inFlight = new Set<Promise<void>>();
  let stopping = false;
  // ?database=… is the session's current database while the query runs (database.gate.ts)
  const gate = new DatabaseGate(async (database) => {
    await session.queryAsync(`USE ${database}`, { format: 'TabSeparated' });
  });
  // one statement at a time in the engine anyway; waiting here, in the lanes of their `priority`
  const queue = new StatementQueue();
  /** statements run per lane since the start (GET /lanes): whether a client's `priority` arrives */
  const ran = { urgent: 0, normal: 0, background: 0 };

  async function execute(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const queryId = url.searchParams.get('query_id') || randomUUID();
    res.setHeader('X-ClickHouse-Query-Id', queryId);
    res.setHeader('X-ClickHouse-Timezone', 'UTC');
    res.setHeader('X-ClickHouse-Server-Display-Name', 'chdb-http (dev only)');

    const database = url.searchParams.get('database') || 'default';
    if (!isDatabaseName(database)) throw new HttpQueryError(81, 'UNKNOWN_DATABASE', `database name ${JSON.stringify(database)} is not accepted; use letters, digits and underscores`, 400);

    const raw = req.method === 'POST' ? await readBody(req, maxBodyBytes) : Buffer.alloc(0);
    const fields = new Map<string, string>();
    for (const [k, v] of url.searchParams) fields.set(k, v);
    let body = raw;
    const contentType = req.headers['content-type'] ?? '';
    if (/^multipart\/form-data/i.test(contentType)) {
      for (const [k, v] of parseMultipart(raw, contentType)) fields.set(k, v);
      body = Buffer.alloc(0);
    }

    const params: Record<string, unknown> = {};
    for (const [k, v] of fields) if (k.startsWith('param_')) params[k.slice('param_'.length)] = decodeHttpParam(v);
    const hasParams = Object.keys(params).length > 0;

    const lane = laneOf(fields);
    const urlQuery = fields.get('query') ?? '';
    // the session on the request's database, the statement in its priority's lane
    const run = async <T>(work: () => Promise<T>): Promise<T> => {
      const at = performance.now();
      let started = at;
      let ok = false;
      try {
        const result = await gate.run(database, () =>
          queue.run(lane, () => {
            ran[lane]++;
            started = performance.now();
            return work();
          }),
        );
        ok = true;
        return result;
      } finally {
        // only when a log is kept: every statement passes here
        if (options.onStatement) {
          const sql = (urlQuery || body.subarray(0, 160).toString('utf8')).slice(0, 160);
          options.onStatement({ lane, atMs: performance.timeOrigin + at, waitedMs: started - at, ranMs: performance.now() - started, ok, sql });
        }
      }
    };
    if (!urlQuery && body.length === 0) throw new HttpQueryError(62, 'SYNTAX_ERROR', 'Empty query', 400);

    // INSERT … FORMAT f with the rows in the body: hand the bytes to chDB's raw insert (no string copy)
    const insert = urlQuery && body.length > 0 && !hasParams ? insertStatement.exec(urlQuery) : null;
    if (insert && rawInsertFormats.has(insert[3]!)) {
      const columns = insert[2]?.split(',').map((c) => c.trim());
      const summary = await run(() =>
        session.insert({
          table: insert[1]!,
          values: body,
          format: insert[3] as 'JSONEachRow',
          ...(columns ? { columns } : {}),
        }),
      );
      writeOk(res, 'TabSeparated', Buffer.alloc(0), { written_rows: summary.rowsWritten, written_bytes: summary.bytesWritten, elapsed: summary.elapsed });
      return;
    }
    if (insert && insert[3]! === 'RowBinary') {
      const file = await rowBinaryFile(body);
      try {
        // optimize_on_insert=0 (a client's FormattedInsert.keysDistinct) is honoured here, as a server does
        const sql = rowBinaryInsertSql(
          insert[1]!,
          insert[2]?.split(',').map((c) => c.trim()),
          file.path,
          { keysDistinct: fields.get('optimize_on_insert') === '0' },
        );
        const result = await run(() => session.queryAsync(sql, { format: 'TabSeparated' }));
        writeOk(res, 'TabSeparated', Buffer.alloc(0), { elapsed: result.elapsed });
      } finally {
        await file.remove();
      }
      return;
    }

    const sql = urlQuery && body.length > 0 ? `${urlQuery}\n${body.toString('utf8')}` : urlQuery || body.toString('utf8');
    const format = formatClause.exec(sql)?.[1] ?? fields.get('default_format') ?? 'TabSeparated';
    // the read limits a caller sets per query are enforced by the engine like a server would
    const limited = withSettings(sql, limitSettings(fields));
    const result = await run(() => (hasParams ? session.queryBindAsync(limited, params, { format }) : session.queryAsync(limited, { format })));
    writeOk(res, format, Buffer.from(result.bytes()), { read_rows: result.rowsRead, read_bytes: result.bytesRead, elapsed: result.elapsed });
  }

  function writeOk(res: ServerResponse, format: string, payload: Buffer, stats: { read_rows?: number; read_bytes?: number; written_rows?: number; written_bytes?: number; elapsed: number }): void {
    // ClickHouse sends the numbers of X-ClickHouse-Summary as strings
    const summary = {
      read_rows: String(stats.read_rows ?? 0),
      read_bytes: String(stats.read_bytes ?? 0),
      written_rows: String(stats.written_rows ?? 0),
      written_bytes: String(stats.written_bytes ?? 0),
      total_rows_to_read: '0',
      result_rows: '0',
      result_bytes: String(payload.length),
      elapsed_ns: String(Math.round(stats.elapsed * 1e9)),
    };
    res.writeHead(200, {
      'Content-Type': contentTypeFor(format),
      'Content-Length': payload.length,
      'X-ClickHouse-Format': format,
      'X-ClickHouse-Summary': JSON.stringify(summary),
    });
    res.end(payload);
  }

  function writeError(res: ServerResponse, error: HttpQueryError): void {
    const body = `Code: ${error.code}. DB::Exception: ${error.message} (${error.type}) (version chdb-http)\n`;
    if (res.headersSent) {
      res.destroy();
      return;
    }
    res.writeHead(error.status, {
      'Content-Type': 'text/plain; charset=UTF-8',
      'Content-Length': Buffer.byteLength(body),
      'X-ClickHouse-Exception-Code': String(error.code),
    });
    res.end(body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://chdb-http');
    if ((url.pathname === '/ping' || url.pathname === '/replicas_status') && (req.method === 'GET' || req.method === 'HEAD')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
      res.end('Ok.\n');
      return;
    }
    if (url.pathname === '/lanes' && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(ran));
      return;
    }
    if (url.pathname !== '/' || (req.method !== 'GET' && req.method !== 'POST')) {
      writeError(res, new HttpQueryError(1, 'UNSUPPORTED_METHOD', `chdb-http serves GET/POST /, GET /ping and GET /lanes, not ${req.method} ${url.pathname}`, 404));
      return;
    }
    if (req.method === 'GET' && !url.searchParams.has('query')) {
      res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
      res.end('Ok.\n');
      return;
    }
    if (stopping) {
      writeError(res, new HttpQueryError(210, 'NETWORK_ERROR', 'chdb-http is shutting down', 503));
      return;
    }
    try {
      await execute(req, res, url);
    } catch (error) {
      writeError(res, toHttpError(error));
    }
  }

  // query parameters travel in the URL (@clickhouse/client's query_params): a projector batch's
  // key lists need far more than Node's default 16 KiB of request line and headers; 1 MiB is the
  // order of ClickHouse's own URI limit (http_max_uri_size), so the stand-in refuses what the
  // server would refuse rather than much less
  const server = createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
    const done = handle(req, res).catch((error: unknown) => {
      console.error('chdb-http: request failed', error);
      res.destroy();
    });
    inFlight.add(done);
    void done.finally(() => inFlight.delete(done));
  });
  server.keepAliveTimeout = 10_000;

  return {
    server,
    shutdown: async () => {
      stopping = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      await Promise.allSettled([...inFlight]);
      server.closeAllConnections();
      await closed;
    },
  };
}
