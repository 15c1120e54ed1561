// The Warehouse port over in-process chDB: one Session, JSONEachRow both ways, values bound by the
// engine (`queryBindAsync`), never spliced into SQL. Only the async chDB calls are used, so
// queries run on libuv's pool and never block the event loop. chDB runs a process's statements one
// at a time; they wait for their turn here (statement.queue.ts), where the statements of the view
// urgent() — the indicator projection's — go before the reads that wait, those of the view
// background() — the composite indices' recomputation — after them, and a read whose caller gave up
// while it waited is dropped without running.
import { WarehouseError, type FormattedInsert, type QueryParams, type ReadOptions, type Warehouse } from '@sp/ports';
import { toWarehouseError } from './chdb.errors.js';
import { drainChdb, openChdbSession, type ChdbSession } from './chdb.session.js';
import { assertFormattedInsert, encodeParams, encodeRows, isValidTableName, parseJsonEachRow, readSettings, withSettings } from '@sp/ports/clickhouse';
import { inFlight, type InFlight } from '@sp/ports/in-flight';
import { rowBinaryFile, rowBinaryInsertSql } from './row-binary.insert.js';
import { StatementQueue, type Lane } from './statement.queue.js';

export interface ChdbWarehouseOptions {
  /** data directory; created if missing. One per process (a chDB limit). */
  path: string;
  /**
   * a ClickHouse configuration file the session reads (clickhouse-local's `--config-file`): e.g.
   * `remote_servers`, `macros` and a settings profile, for the clustered layout's test
   * (indicator-store's indicator-store.clustered.int). The platform opens chDB without one.
   */
  configFile?: string;
}

/** what the views of one session share: the engine, its queue and the calls in flight */
interface SessionState {
  session: ChdbSession;
  calls: InFlight;
  queue: StatementQueue;
  closing?: Promise<void>;
}

export class ChdbWarehouse implements Warehouse {
  private readonly state: SessionState;

  constructor(
    session: ChdbSession | SessionState,
    private readonly lane: Lane = 'normal',
  ) {
    this.state = 'queue' in session ? session : { session, calls: inFlight(), queue: new StatementQueue() };
  }

  /**
   * The same warehouse, whose statements go before every statement that waits in the normal lane
   * (the one running finishes first). For the indicator projection: a batch's three or four
   * statements make new figures readable, and behind the readers' queries they would wait for all
   * of them, each time. Closing either view closes the session.
   */
  urgent(): ChdbWarehouse {
    return new ChdbWarehouse(this.state, 'urgent');
  }

  /**
   * The same warehouse, whose statements go only when no statement of the normal lane waits and
   * the urgent lane is empty or has had its burst: for the composite indices' recomputation, whose
   * dozens of reads would otherwise stand in front of every GraphQL read. Closing either view
   * closes the session.
   */
  background(): ChdbWarehouse {
    return new ChdbWarehouse(this.state, 'background');
  }

  /** statements waiting for their turn, per lane */
  get waiting(): Record<Lane, number> {
    return this.state.queue.depth;
  }

  async command(sql: string, params?: QueryParams): Promise<void> {
    await this.run(sql, params, 'TabSeparated');
  }

  /**
   * A read with limits: chDB runs a query to its end once started (its own abort only settles the
   * promise early while the engine keeps computing, which would hide the work from whoever counts
   * running reads), so the limits go into the query's SETTINGS and the engine stops it there; an
   * aborted read does not start, and one aborted while running answers CANCELLED when the engine
   * has stopped.
   */
  async query<T = Record<string, unknown>>(sql: string, params?: QueryParams, options?: ReadOptions): Promise<T[]> {
    const signal = options?.signal;
    if (signal?.aborted) throw cancelled(sql);
    let text: string;
    try {
      text = await this.run(withSettings(sql, readSettings(options)), params, 'JSONEachRow', signal);
    } catch (error) {
      // the engine stopped it at its deadline, but the caller had given up before
      if (signal?.aborted) throw cancelled(sql, error);
      throw error;
    }
    if (signal?.aborted) throw cancelled(sql);
    return parseJsonEachRow<T>(text);
  }

  async insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void> {
    this.assertOpen();
    if (!isValidTableName(table)) {
      throw new WarehouseError('BAD_PARAMETER', `insert: table name ${JSON.stringify(table)} is not accepted; use letters, digits and underscores, optionally 'database.table'`);
    }
    if (rows.length === 0) return;
    const payload = Buffer.from(encodeRows(rows)); // BAD_PARAMETER naming the row it cannot encode
    const what = `insert into ${table}`;
    const { session } = this.state;
    await this.track(
      () => session.insert({ table, values: payload, format: 'JSONEachRow' }),
      (error) => toWarehouseError(error, what),
    );
  }

  async insertFormatted(table: string, insert: FormattedInsert): Promise<void> {
    this.assertOpen();
    assertFormattedInsert(table, insert);
    if (insert.data.length === 0) return;
    const format = insert.format;
    if (format === 'RowBinary') return this.insertRowBinary(table, insert.columns, insert.data as Uint8Array, insert.keysDistinct === true);
    // a Buffer goes to the engine without a copy onto the V8 heap; the engine's parser does the rest
    const values = typeof insert.data === 'string' ? Buffer.from(insert.data) : Buffer.from(insert.data.buffer, insert.data.byteOffset, insert.data.byteLength);
    const { session } = this.state;
    await this.track(
      () => session.insert({ table, values, format, ...(insert.columns ? { columns: insert.columns } : {}) }),
      (error) => toWarehouseError(error, `insert (${insert.format}) into ${table}`),
    );
  }

  /** RowBinary through a temporary file (row-binary.insert.ts); the file is written before the statement's turn. */
  private async insertRowBinary(table: string, columns: readonly string[] | undefined, data: Uint8Array, keysDistinct: boolean): Promise<void> {
    const what = `insert (RowBinary) into ${table}`;
    let file: Awaited<ReturnType<typeof rowBinaryFile>>;
    try {
      file = await rowBinaryFile(data);
    } catch (error) {
      throw new WarehouseError('INTERNAL', `${what}: cannot write its temporary file: ${String(error)}`, undefined, { cause: error });
    }
    try {
      const { session } = this.state;
      const sql = rowBinaryInsertSql(table, columns, file.path, { keysDistinct });
      await this.track(
        () => session.queryAsync(sql, { format: 'TabSeparated' }),
        (error) => toWarehouseError(error, what),
      );
    } finally {
      await file.remove();
    }
  }

  /** Waits for running and waiting statements, then releases the session. Later calls fail with CLOSED. */
  close(): Promise<void> {
    const state = this.state;
    state.closing ??= (async () => {
      await state.calls.settled();
      state.session.close();
      // close() may defer freeing the native connection; wait so the directory can be reopened at once
      await drainChdb();
    })();
    return state.closing;
  }

  /** one statement in its lane's turn, counted in flight from the call on (close() waits for it) */
  private track<R>(start: () => Promise<R>, mapError: (error: unknown) => Error, signal?: AbortSignal): Promise<R> {
    return this.state.calls.track(
      () =>
        this.state.queue.run(this.lane, () => {
          // the caller gave up while it waited: the engine never runs it
          if (signal?.aborted) return Promise.reject(new Error('cancelled while waiting for its turn'));
          return start();
        }),
      mapError,
    );
  }

  private async run(sql: string, params: QueryParams | undefined, format: string, signal?: AbortSignal): Promise<string> {
    this.assertOpen();
    const what = `query ${JSON.stringify(sql.length > 200 ? `${sql.slice(0, 200)}…` : sql)}`;
    const { session } = this.state;
    // chDB may throw synchronously (e.g. a bind error); track maps that like a rejection
    const result = await this.track(
      () => {
        if (params && Object.keys(params).length > 0) {
          return session.queryBindAsync(sql, encodeParams(params), { format });
        }
        return session.queryAsync(sql, { format });
      },
      (error) => toWarehouseError(error, what),
      signal,
    );
    return result.text();
  }

  private assertOpen(): void {
    if (this.state.closing) throw new WarehouseError('CLOSED', 'the chDB warehouse is closed');
  }
}

function cancelled(sql: string, cause?: unknown): WarehouseError {
  return new WarehouseError('CANCELLED', `query ${JSON.stringify(sql.length > 200 ? `${sql.slice(0, 200)}…` : sql)}: cancelled by the caller`, undefined, cause === undefined ? undefined : { cause });
}

/** Opens the process's chDB warehouse on `path`. */
export function openChdbWarehouse(options: ChdbWarehouseOptions): ChdbWarehouse {
  let session: ChdbSession;
  try {
    session = openChdbSession(options.path, options.configFile);
  } catch (error) {
    throw toWarehouseError(error, `open chDB at ${options.path} (chDB allows one data directory per process)`);
  }
  return new ChdbWarehouse(session);
}
