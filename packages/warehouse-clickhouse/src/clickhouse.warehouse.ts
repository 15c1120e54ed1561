// The Warehouse port over a ClickHouse server through @clickhouse/client (HTTP): JSONEachRow both
// ways, values bound server-side through `query_params`, never spliced into SQL. In development the
// server can be services/chdb-http (chDB behind ClickHouse's HTTP interface).
import { ClickHouseLogLevel, createClient, type ClickHouseClient } from '@clickhouse/client';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { WarehouseError, type FormattedInsert, type QueryParams, type ReadOptions, type Warehouse } from '@sp/ports';
import { toWarehouseError } from './clickhouse.errors.js';
import { assertFormattedInsert, encodeParams, encodeRow, isValidTableName, readSettings } from '@sp/ports/clickhouse';
import { inFlight, type InFlight } from '@sp/ports/in-flight';

export interface ClickHouseWarehouseOptions {
  /** e.g. http://127.0.0.1:8123 */
  url: string;
  username?: string;
  password?: string;
  database?: string;
  /** per request; default 30 s */
  requestTimeoutMs?: number;
}

// What the platform expects of every ClickHouse it talks to (chDB's session is opened with the same).
const sessionSettings = { output_format_json_quote_64bit_integers: 1, session_timezone: 'UTC' } as const;

// The client JSON-encodes insert rows one per line with this; reuse the shared row encoding
// (Dates as UTC strings, bigints exact) instead of JSON.stringify's ISO dates and bigint TypeError.
const stringifyRow = (row: unknown): string => encodeRow(row as Record<string, unknown>);

/**
 * ClickHouse's `priority` setting per view (1 the highest, a larger number lower; 0 or none: the
 * query takes no part). A server pauses a query while queries of a higher priority (a smaller
 * number, from 1) run; chdb-http, which runs one statement at a time, lets the waiting ones of
 * priority 1 go first and those of 2 or more last (its statement lanes). Scheduling only: the
 * statements and their results are the same in every view.
 */
export const urgentPriority = 1;
export const backgroundPriority = 2;

/** what the views of one client share: the client, the calls in flight and the closing */
interface ClientState {
  client: ClickHouseClient;
  calls: InFlight;
  closing?: Promise<void>;
}

export class ClickHouseWarehouse implements Warehouse {
  private readonly state: ClientState;
  private readonly client: ClickHouseClient;
  /** the settings of this view's statements (its `priority`) */
  private readonly settings: { priority?: string };

  constructor(client: ClickHouseClient | ClientState, priority?: number) {
    this.state = 'calls' in client ? client : { client, calls: inFlight() };
    this.client = this.state.client;
    this.settings = priority ? { priority: String(priority) } : {};
  }

  /**
   * The same warehouse, whose statements carry `priority` 1: for the indicator projection, whose
   * batch makes new figures readable (embedded: the chDB session's urgent lane). Closing any view
   * closes the client.
   */
  urgent(): ClickHouseWarehouse {
    return new ClickHouseWarehouse(this.state, urgentPriority);
  }

  /**
   * The same warehouse, whose statements carry `priority` 2: for the composite indices'
   * recomputation, derived results that may follow a little later (embedded: the background lane).
   * The readers' queries carry none. Closing any view closes the client.
   */
  background(): ClickHouseWarehouse {
    return new ClickHouseWarehouse(this.state, backgroundPriority);
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.track(describe(sql), () => this.client.command({ query: sql, query_params: params ? encodeParams(params) : undefined, clickhouse_settings: this.settings }));
  }

  /**
   * A read with limits: max_execution_time and max_rows_to_read travel as the query's settings; an
   * abort cancels the HTTP request and KILLs the query by its id on the server (a server only
   * cancels a read-only query on a closed connection when told to, and not while it computes
   * before the first block), so its work stops too, not only the answer.
   */
  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams, options?: ReadOptions): Promise<T[]> {
    const what = describe(sql);
    const signal = options?.signal;
    if (signal?.aborted) throw new WarehouseError('CANCELLED', `${what}: cancelled by the caller`);
    const queryId = randomUUID();
    const kill = () => {
      // best effort on a second connection; the query may have ended meanwhile
      void this.client.command({ query: 'KILL QUERY WHERE query_id = {id:String} ASYNC', query_params: { id: queryId } }).catch(() => undefined);
    };
    signal?.addEventListener('abort', kill, { once: true });
    try {
      return await this.track(what, async () => {
        const result = await this.client.query({
          query: sql,
          query_params: params ? encodeParams(params) : undefined,
          format: 'JSONEachRow',
          query_id: queryId,
          clickhouse_settings: { ...this.settings, ...readSettings(options), ...(signal ? { cancel_http_readonly_queries_on_client_close: 1 } : {}) },
          ...(signal ? { abort_signal: signal } : {}),
        });
        return result.json<T>();
      });
    } catch (error) {
      if (signal?.aborted) throw new WarehouseError('CANCELLED', `${what}: cancelled by the caller`, undefined, { cause: error });
      throw error;
    } finally {
      signal?.removeEventListener('abort', kill);
    }
  }

  async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    this.assertOpen();
    if (!isValidTableName(table)) {
      throw new WarehouseError('BAD_PARAMETER', `insert: table name ${JSON.stringify(table)} is not accepted; use letters, digits and underscores, optionally 'database.table'`);
    }
    if (rows.length === 0) return;
    await this.track(`insert into ${table}`, () => this.client.insert({ table, values: rows as Record<string, unknown>[], format: 'JSONEachRow', clickhouse_settings: this.settings }));
  }

  async insertFormatted(table: string, insert: FormattedInsert): Promise<void> {
    this.assertOpen();
    assertFormattedInsert(table, insert);
    if (insert.data.length === 0) return;
    // the payload is the request body as it is (exec, not insert: insert() would encode JSON rows again)
    const columns = insert.columns ? ` (${insert.columns.join(', ')})` : '';
    await this.track(`insert (${insert.format}) into ${table}`, async () => {
      const result = await this.client.exec({
        query: `INSERT INTO ${table}${columns} FORMAT ${insert.format}`,
        values: Readable.from([Buffer.from(insert.data)]),
        // keysDistinct: nothing for a ReplacingMergeTree's insert-time merge to replace (FormattedInsert)
        clickhouse_settings: insert.keysDistinct ? { ...this.settings, optimize_on_insert: 0 } : this.settings,
      });
      result.stream.resume();
      await new Promise<void>((resolve, reject) => result.stream.once('end', resolve).once('error', reject));
    });
  }

  /** Waits for running requests, then closes the client's sockets. Later calls fail with CLOSED. */
  close(): Promise<void> {
    this.state.closing ??= (async () => {
      await this.state.calls.settled();
      await this.client.close();
    })();
    return this.state.closing;
  }

  private async track<R>(what: string, start: () => Promise<R>): Promise<R> {
    this.assertOpen();
    return this.state.calls.track(start, (error) => toWarehouseError(error, what));
  }

  private assertOpen(): void {
    if (this.state.closing) throw new WarehouseError('CLOSED', 'the ClickHouse warehouse is closed');
  }
}

function describe(sql: string): string {
  return `query ${JSON.stringify(sql.length > 200 ? `${sql.slice(0, 200)}…` : sql)}`;
}

export function createClickHouseWarehouse(options: ClickHouseWarehouseOptions): ClickHouseWarehouse {
  const client = createClient({
    url: options.url,
    username: options.username ?? 'default',
    password: options.password ?? '',
    database: options.database ?? 'default',
    request_timeout: options.requestTimeoutMs ?? 30_000,
    clickhouse_settings: sessionSettings,
    json: { parse: JSON.parse, stringify: stringifyRow },
    // every failure reaches the caller as a WarehouseError; the client's own error log would only repeat it
    log: { level: ClickHouseLogLevel.OFF },
  });
  return new ClickHouseWarehouse(client);
}
