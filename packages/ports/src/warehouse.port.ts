// The Warehouse port: a ClickHouse engine (in-process chDB or a server via @clickhouse/client).
// SQL is ClickHouse SQL; values are bound with ClickHouse's typed placeholders `{name:Type}` only,
// never concatenated into the text.

export type QueryParams = Record<string, unknown>;

export interface Warehouse {
  /** DDL and statements without a result. */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** A SELECT returning rows as objects (JSONEachRow semantics: 64-bit integers come back as strings). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams): Promise<T[]>;
  /** Inserts rows (objects keyed by column) into a table. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  close(): Promise<void>;
}
