// The Warehouse port: a ClickHouse engine (in-process chDB or a server via @clickhouse/client).
// SQL is ClickHouse SQL; values are bound with ClickHouse's typed placeholders `{name:Type}` only,
// never concatenated into the text.
// Values every adapter treats alike (checked by @sp/port-contracts): a JS Date, as a parameter or in
// an inserted row, is sent as UTC 'YYYY-MM-DD hh:mm:ss[.fff]' (milliseconds only when non-zero, so
// it fits DateTime and DateTime64); the session time zone is UTC, so DateTime values also come
// back as UTC strings; a bigint is sent exactly; 64-bit integers come back as strings.

export type QueryParams = Record<string, unknown>;

/**
 * How much one read may cost and when to stop it (the gateway's per-request budget, issue #13).
 * `maxExecutionMs` and `maxRowsToRead` are enforced by the engine itself (ClickHouse's
 * max_execution_time and max_rows_to_read), so a read that would run away stops there whichever
 * adapter is behind the port: TIMEOUT resp. LIMIT_EXCEEDED. `signal`: a read aborted before it
 * starts never reaches the engine (CANCELLED); a running one is cancelled where the engine allows
 * it (a ClickHouse server: KILL QUERY) and otherwise runs to its `maxExecutionMs` at the latest
 * (in-process chDB cannot interrupt a query) and then rejects with CANCELLED.
 */
export interface ReadOptions {
  signal?: AbortSignal;
  /** engine-side time limit of this read (rounded up to whole milliseconds, at least 1) */
  maxExecutionMs?: number;
  /** engine-side limit of rows this read may scan */
  maxRowsToRead?: number;
}

/**
 * Input formats every adapter takes as they are. RowBinary (bytes only) spares the engine's text
 * parser: chDB's raw insert accepts text formats only, so the chDB adapter and chdb-http hand a
 * RowBinary payload to the engine as a file (`INSERT … FROM INFILE`); a ClickHouse server takes it
 * in the request body.
 */
export const formattedInsertFormats = ['JSONCompactEachRow', 'JSONEachRow', 'TabSeparated', 'CSV', 'RowBinary'] as const;
export type FormattedInsertFormat = (typeof formattedInsertFormats)[number];

export interface FormattedInsert {
  format: FormattedInsertFormat;
  columns?: readonly string[];
  /** rows in `format`, one per line (JSONCompactEachRow: `["a",1,[2,3]]`); RowBinary: bytes, never a string */
  data: string | Uint8Array;
  /**
   * The caller vouches that no two rows share the table's sorting key, within this insert and with
   * the rows already there (a rebuild's rows into an emptied table), so a ReplacingMergeTree's merge
   * of the inserted block (optimize_on_insert) would find nothing to replace: it is skipped. A hint:
   * it changes no result a FINAL or LIMIT 1 BY read sees, only the engine's work (the rebuild's
   * record_versions blocks: ≈ 0.2 CPU s less per 100,000 rows, bench/indicators/README.md §4
   * session 17). chDB and a ClickHouse server honour it for RowBinary (chDB's raw insert of text
   * formats takes no settings), chdb-http as a server does.
   */
  keysDistinct?: boolean;
}

export interface Warehouse {
  /** DDL and statements without a result. */
  command(sql: string, params?: QueryParams): Promise<void>;
  /** A SELECT returning rows as objects (JSONEachRow semantics: 64-bit integers come back as strings). */
  query<T = Record<string, unknown>>(sql: string, params?: QueryParams, options?: ReadOptions): Promise<T[]>;
  /** Inserts rows (objects keyed by column) into a table. */
  insert(table: string, rows: readonly Record<string, unknown>[]): Promise<void>;
  /**
   * Inserts rows the caller has already serialised in one of the engine's input formats (the bulk
   * path: a rebuild writes ~10⁵ rows per call, where building an object per row and encoding it
   * again costs more than the engine's insert). `columns` names the payload's columns in order
   * (default: all of the table's). The payload is passed through as it is; a row that does not
   * parse is a BAD_PARAMETER.
   */
  insertFormatted(table: string, insert: FormattedInsert): Promise<void>;
  close(): Promise<void>;
}

// Added with the warehouse adapters: both speak ClickHouse (chDB in-process, a server over HTTP), so
// both map the engine's numeric exception codes through this one table and callers see the same
// WarehouseError code whichever engine is behind the port.
const clickHouseCodes: Record<number, import('./errors.js').PortErrorCode> = {
  60: 'UNKNOWN_TABLE', // UNKNOWN_TABLE
  81: 'UNKNOWN_TABLE', // UNKNOWN_DATABASE
  16: 'UNKNOWN_COLUMN', // NO_SUCH_COLUMN_IN_TABLE
  47: 'UNKNOWN_COLUMN', // UNKNOWN_IDENTIFIER
  62: 'SYNTAX_ERROR', // SYNTAX_ERROR
  6: 'BAD_PARAMETER', // CANNOT_PARSE_TEXT
  26: 'BAD_PARAMETER', // CANNOT_PARSE_QUOTED_STRING
  27: 'BAD_PARAMETER', // CANNOT_PARSE_INPUT_ASSERTION_FAILED (insert rows that do not fit the columns)
  38: 'BAD_PARAMETER', // CANNOT_PARSE_DATE
  41: 'BAD_PARAMETER', // CANNOT_PARSE_DATETIME
  53: 'BAD_PARAMETER', // TYPE_MISMATCH
  70: 'BAD_PARAMETER', // CANNOT_CONVERT_TYPE
  72: 'BAD_PARAMETER', // CANNOT_PARSE_NUMBER
  117: 'BAD_PARAMETER', // INCORRECT_DATA
  130: 'BAD_PARAMETER', // CANNOT_READ_ARRAY_FROM_TEXT
  32: 'BAD_PARAMETER', // ATTEMPT_TO_READ_AFTER_EOF (a RowBinary payload shorter than its rows)
  33: 'BAD_PARAMETER', // CANNOT_READ_ALL_DATA (the same, in a server's body)
  456: 'BAD_PARAMETER', // UNKNOWN_QUERY_PARAMETER (a {name:Type} placeholder without a value)
  457: 'BAD_PARAMETER', // BAD_QUERY_PARAMETER (a value that does not parse as the placeholder's type)
  159: 'TIMEOUT', // TIMEOUT_EXCEEDED
  158: 'LIMIT_EXCEEDED', // TOO_MANY_ROWS (max_rows_to_read)
  307: 'LIMIT_EXCEEDED', // TOO_MANY_BYTES
  394: 'CANCELLED', // QUERY_WAS_CANCELLED (KILL QUERY)
  209: 'TIMEOUT', // SOCKET_TIMEOUT
  210: 'UNAVAILABLE', // NETWORK_ERROR
  202: 'UNAVAILABLE', // TOO_MANY_SIMULTANEOUS_QUERIES
  242: 'UNAVAILABLE', // TABLE_IS_READ_ONLY
  252: 'UNAVAILABLE', // TOO_MANY_PARTS
};

/** Maps a ClickHouse exception code (chDB's `clickhouseCode`, the server's `Code: N`) to the port's error code. */
export function warehouseCodeForClickHouseCode(code: number | undefined): import('./errors.js').PortErrorCode {
  return (code !== undefined && clickHouseCodes[code]) || 'INTERNAL';
}
