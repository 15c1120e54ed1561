// The Database port: PostgreSQL (a server through pg, or embedded PGlite).
// Parameters are positional ($1, $2 …); SQL text never contains values.

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
  '08006': 'UNAVAILABLE',
  '08001': 'UNAVAILABLE',
  '57P01': 'UNAVAILABLE',
};

/** Maps a PostgreSQL SQLSTATE (both pg and PGlite report it as `code`) to the port's error code. */
export function portCodeForSqlState(sqlState: string | undefined): import('./errors.js').PortErrorCode {
  return (sqlState && sqlStateCodes[sqlState]) || 'INTERNAL';
}
