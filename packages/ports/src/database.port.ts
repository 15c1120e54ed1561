// The Database port: PostgreSQL (a server through pg, or embedded PGlite).
// Parameters are positional ($1, $2 …); SQL text never contains values.
// Values every adapter returns alike (checked by @sp/port-contracts): int8 and numeric as strings
// (exact), date as 'YYYY-MM-DD', timestamptz and timestamp (read as UTC) as Date, json/jsonb parsed,
// int2/int4/float as number, arrays as arrays. Accepted parameters: string, number, bigint, boolean,
// Date, Uint8Array, null, arrays of these, plain objects (sent as JSON); anything else is BAD_PARAMETER.

export interface QueryResult<T> {
  rows: T[];
  rowCount: number;
}

export interface Queryable {
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>>;
}

export interface Database extends Queryable {
  /** Runs fn in one transaction; commits when it resolves, rolls back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /** Runs several statements separated by semicolons (migrations); no parameters. */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs a store's schema statements (CREATE … IF NOT EXISTS, ALTER … ADD … IF NOT EXISTS) in one
 * transaction under an advisory lock named by `name`: processes starting together on one server
 * apply them one at a time, since CREATE … IF NOT EXISTS is not safe against itself.
 */
export async function applySchemaOnce(database: Database, name: string, statements: readonly string[]): Promise<void> {
  await database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [name]);
    for (const statement of statements) await tx.query(statement);
  });
}

const sqlStateCodes: Record<string, import('./errors.js').PortErrorCode> = {
  '23505': 'UNIQUE_VIOLATION',
  '23503': 'FOREIGN_KEY_VIOLATION',
  '23514': 'CHECK_VIOLATION',
  '23502': 'NOT_NULL_VIOLATION',
  '40001': 'SERIALIZATION_FAILURE',
  '40P01': 'SERIALIZATION_FAILURE',
  '42601': 'SYNTAX_ERROR',
  '42P01': 'UNKNOWN_TABLE',
  '42703': 'UNKNOWN_COLUMN',
  '22P02': 'BAD_PARAMETER',
  // added with the database adapters: other values the engine cannot take, and overload/cancel states
  '22001': 'BAD_PARAMETER', // string_data_right_truncation (too long for varchar(n))
  '22003': 'BAD_PARAMETER', // numeric_value_out_of_range
  '22007': 'BAD_PARAMETER', // invalid_datetime_format
  '22008': 'BAD_PARAMETER', // datetime_field_overflow
  '22021': 'BAD_PARAMETER', // character_not_in_repertoire (e.g. NUL in text)
  '57014': 'TIMEOUT', // query_canceled (statement_timeout)
  '57P03': 'UNAVAILABLE', // cannot_connect_now (starting up / shutting down)
  '53300': 'UNAVAILABLE', // too_many_connections
  '08006': 'UNAVAILABLE',
  '08001': 'UNAVAILABLE',
  '57P01': 'UNAVAILABLE', // admin_shutdown
  '57P02': 'UNAVAILABLE', // crash_shutdown (another backend crashed; the server restarts)
};

/**
 * Whole SQLSTATE classes that mean "the server cannot do this now" rather than a bug: 08 connection
 * exception, 53 insufficient resources (53100 disk full, 53200 out of memory), 58 system error
 * (58030 I/O error). A retry later may succeed, so callers answer 503 with Retry-After.
 */
const unavailableClasses = new Set(['08', '53', '58']);

/** Maps a PostgreSQL SQLSTATE (both pg and PGlite report it as `code`) to the port's error code. */
export function portCodeForSqlState(sqlState: string | undefined): import('./errors.js').PortErrorCode {
  if (!sqlState) return 'INTERNAL';
  return sqlStateCodes[sqlState] ?? (unavailableClasses.has(sqlState.slice(0, 2)) ? 'UNAVAILABLE' : 'INTERNAL');
}
