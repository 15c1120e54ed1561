// The Database port over a PostgreSQL server through a pg Pool. Each transaction holds one pooled
// client from BEGIN to COMMIT/ROLLBACK; plain queries take any free client.
// A dropped connection (PostgreSQL restarting, pg_terminate_backend) never ends the process: the
// pool listens on idle clients, pool.query on the client of its query, and transaction() on the
// client it holds — between its statements, too (the caller may await other I/O there), when pg
// has no query to hand the error to and emits 'error' instead. The error then reaches the caller
// as UNAVAILABLE at its next statement, and the broken client is destroyed, not pooled again.
import pg from 'pg';
import { DatabaseError, type Database, type Queryable, type QueryResult } from '@sp/ports';
import { prepareParams } from '@sp/ports/postgres';
import { toDatabaseError } from './pg.errors.js';

export interface PgDatabaseOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** pool size; default 10 */
  max?: number;
}

// Result types every Database adapter returns alike (see database.port.ts): exact int8, plain
// 'YYYY-MM-DD' dates (pg would build a local-midnight Date), timestamp without time zone as UTC.
const textArray = pg.types.getTypeParser(1009 as never);
const timestampUtc = (value: string): Date | string => (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value) ? new Date(`${value.replace(' ', 'T')}Z`) : value); // keeps 'infinity'
const parserOverrides: Record<number, (value: string) => unknown> = {
  20: (v) => v, // int8
  1016: textArray, // int8[]
  1082: (v) => v, // date
  1182: textArray, // date[]
  1114: timestampUtc, // timestamp
  1115: (v) => (textArray(v) as string[]).map((x) => (x === null ? x : timestampUtc(x))), // timestamp[]
};
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    (format ?? 'text') === 'text' && parserOverrides[oid] ? parserOverrides[oid] : pg.types.getTypeParser(oid, format as never)) as typeof pg.types.getTypeParser,
};

function describe(sql: string): string {
  return `query ${JSON.stringify(sql.length > 200 ? `${sql.slice(0, 200)}…` : sql)}`;
}

/**
 * An array parameter as the array literal pg itself would send (its utils' arrayString: every
 * element quoted, `\` and `"` escaped, NULL bare): for a flat array of strings needing no escape,
 * numbers and booleans it is one join instead of two regular-expression replacements and a
 * concatenation per element — ~5 ms of the ingestion service's thread per delivery of 1,000
 * records (issue 17.3, bench/ingestion). Anything else is left to pg. The same text on the wire.
 */
export function arrayLiteral(values: readonly unknown[]): string | undefined {
  if (values.length === 0) return '{}';
  for (const v of values) {
    const t = typeof v;
    if (t === 'string') {
      if ((v as string).includes('"') || (v as string).includes('\\')) return undefined;
    } else if (t !== 'number' && t !== 'boolean') return undefined;
  }
  return `{"${values.join('","')}"}`;
}

async function run<T>(client: pg.Pool | pg.PoolClient, sql: string, params: readonly unknown[] | undefined): Promise<QueryResult<T>> {
  const values = prepareParams(params);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (Array.isArray(v)) values[i] = arrayLiteral(v) ?? v;
  }
  try {
    const result = await client.query({ text: sql, values });
    return { rows: result.rows as T[], rowCount: result.rowCount ?? result.rows.length };
  } catch (error) {
    throw toDatabaseError(error, describe(sql));
  }
}

/** The Queryable handed to a transaction callback; refuses work once its transaction has ended. */
class PgTransaction implements Queryable {
  done = false;
  constructor(private readonly client: pg.PoolClient) {}
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    if (this.done) return Promise.reject(new DatabaseError('CLOSED', `${describe(sql)}: its transaction has already ended`));
    return run<T>(this.client, sql, params);
  }
}

export class PgDatabase implements Database {
  private closing: Promise<void> | undefined;

  constructor(private readonly pool: pg.Pool) {
    // An idle client whose server went away emits 'error'; the pool drops it and the next query
    // connects afresh. Without a listener the process would crash on a database restart.
    pool.on('error', () => undefined);
    // Every client also keeps a listener of its own for its whole life. The pool's listeners leave a
    // gap: pool.query releases its client from inside the socket's data handler and the pool hands
    // it at once to a waiting connect() — whose promise resumes the caller only after the handler
    // has parsed the rest of the chunk. A termination (57P01) in that same chunk, after the
    // ReadyForQuery, then found no listener and ended the process (servers-restarts e2e, once in a
    // full run). The error itself still reaches the holder: its next statement fails UNAVAILABLE.
    pool.on('connect', (client) => {
      client.on('error', () => undefined);
    });
  }

  async query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    this.assertOpen();
    return run<T>(this.pool, sql, params);
  }

  async exec(sql: string): Promise<void> {
    this.assertOpen();
    try {
      await this.pool.query(sql); // no parameters: simple query protocol, several statements allowed
    } catch (error) {
      throw toDatabaseError(error, `exec ${describe(sql)}`);
    }
  }

  async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    this.assertOpen();
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (error) {
      throw toDatabaseError(error, 'transaction: connect');
    }
    const tx = new PgTransaction(client);
    let broken: Error | undefined;
    const onError = (error: Error) => {
      broken ??= error;
    };
    client.on('error', onError);
    try {
      await run(client, 'BEGIN', undefined);
      const result = await fn(tx);
      await run(client, 'COMMIT', undefined);
      return result;
    } catch (error) {
      if (broken) throw error; // the connection is gone, and the server rolled the transaction back
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        broken = rollbackError as Error; // the connection is unusable; release(err) destroys it
      }
      throw error;
    } finally {
      tx.done = true;
      client.removeListener('error', onError);
      client.release(broken);
    }
  }

  /** Waits for checked-out clients to come back, then closes all connections. Later calls fail with CLOSED. */
  close(): Promise<void> {
    this.closing ??= this.pool.end();
    return this.closing;
  }

  private assertOpen(): void {
    if (this.closing) throw new DatabaseError('CLOSED', 'the PostgreSQL database is closed');
  }
}

export function createPgDatabase(options: PgDatabaseOptions): PgDatabase {
  return new PgDatabase(new pg.Pool({ connectionString: options.url, max: options.max ?? 10, types, connectionTimeoutMillis: 10_000 }));
}
