// How JS values travel to ClickHouse, shared by every warehouse adapter (see warehouse.port.ts); pure
// code, no engine — exported as @sp/ports/clickhouse so an adapter loads nothing it does not use:
// Dates as UTC 'YYYY-MM-DD hh:mm:ss[.fff]', bigints exactly, top-level booleans as 1/0 (what
// @clickhouse/client sends, so a UInt8 placeholder accepts them as well as a Bool one).
import { WarehouseError } from '../errors.js';
import { formattedInsertFormats, type FormattedInsert } from '../warehouse.port.js';

/** UTC 'YYYY-MM-DD hh:mm:ss', plus '.fff' only when there are milliseconds (fits DateTime and DateTime64). */
export function formatDateTimeUtc(date: Date): string {
  const iso = date.toISOString(); // throws RangeError on an invalid Date
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === 0 ? '' : iso.slice(19, 23)}`;
}

const accepted = 'string, finite number (integers within ±2^53), bigint, boolean, Date, null, arrays, Map or plain object of these';

function encodeNested(value: unknown, name: string): unknown {
  switch (typeof value) {
    case 'number':
      if (!Number.isFinite(value) || (Number.isInteger(value) && !Number.isSafeInteger(value))) {
        throw new WarehouseError('BAD_PARAMETER', `parameter ${name} is ${value}, which a JS number cannot carry exactly; pass a bigint or a string (accepted: ${accepted})`);
      }
      return value;
    case 'function':
    case 'symbol':
      throw new WarehouseError('BAD_PARAMETER', `parameter ${name} is a ${typeof value}; accepted: ${accepted}`);
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new WarehouseError('BAD_PARAMETER', `parameter ${name} is an invalid Date; accepted: ${accepted}`);
    return formatDateTimeUtc(value);
  }
  if (Array.isArray(value)) return value.map((v, i) => encodeNested(v, `${name}[${i}]`));
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [encodeNested(k, `${name} key`), encodeNested(v, `${name}.${String(k)}`)]));
  if (value !== null && typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      throw new WarehouseError('BAD_PARAMETER', `parameter ${name} is a ${value.constructor?.name ?? 'object'}; accepted: ${accepted}`);
    }
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeNested(v, `${name}.${k}`)]));
  }
  return value;
}

/** Parameters as the engine binding should receive them; refuses values that would not arrive intact. */
export function encodeParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    out[name] = typeof value === 'boolean' ? (value ? 1 : 0) : encodeNested(value, name);
  }
  return out;
}

function rowReplacer(this: unknown, key: string, value: unknown): unknown {
  // JSON.stringify has already called Date#toJSON on `value`; the original is still on the holder.
  const original = (this as Record<string, unknown>)[key];
  if (original instanceof Date) return formatDateTimeUtc(original);
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** One row as a JSONEachRow line (without the newline). */
export function encodeRow(row: Record<string, unknown>, index?: number): string {
  try {
    return JSON.stringify(row, rowReplacer);
  } catch (error) {
    const which = index === undefined ? 'a row' : `row ${index}`;
    throw new WarehouseError('BAD_PARAMETER', `insert: ${which} cannot be encoded (${(error as Error).message}); column values may be ${accepted}`, undefined, { cause: error });
  }
}

/** One JSONEachRow line per row, newline-terminated. */
export function encodeRows(rows: readonly Record<string, unknown>[]): string {
  let out = '';
  rows.forEach((row, i) => {
    out += `${encodeRow(row, i)}\n`;
  });
  return out;
}

/** Rows of a JSONEachRow result. */
export function parseJsonEachRow<T>(text: string): T[] {
  const rows: T[] = [];
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    if (end > start) rows.push(JSON.parse(text.slice(start, end)) as T);
    start = end + 1;
  }
  return rows;
}

const tableName = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/;

/** A table name as insert() accepts it: `name` or `database.name`, letters, digits and underscores. */
export function isValidTableName(name: string): boolean {
  return tableName.test(name);
}

/**
 * A read's limits (ReadOptions) as ClickHouse settings: max_execution_time in seconds (fractions
 * allowed), max_rows_to_read. Empty when the read has none.
 */
export function readSettings(options: { maxExecutionMs?: number; maxRowsToRead?: number } | undefined): Record<string, number> {
  const settings: Record<string, number> = {};
  if (options?.maxExecutionMs !== undefined) settings.max_execution_time = Math.max(1, Math.ceil(options.maxExecutionMs)) / 1000;
  if (options?.maxRowsToRead !== undefined) settings.max_rows_to_read = Math.max(1, Math.floor(options.maxRowsToRead));
  return settings;
}

/**
 * `sql` with `settings` in its SETTINGS clause, for engines that take settings only in the text
 * (chDB in-process, chdb-http). Settings are numbers only, so nothing a caller controls is spliced
 * into SQL; a trailing FORMAT clause stays last, an existing SETTINGS clause is extended.
 */
export function withSettings(sql: string, settings: Record<string, number>): string {
  const entries = Object.entries(settings);
  if (entries.length === 0) return sql;
  for (const [name, value] of entries) {
    if (!/^[a-z_]+$/.test(name) || !Number.isFinite(value)) throw new WarehouseError('BAD_PARAMETER', `setting ${name}=${value} is not accepted; names are lower-case words, values finite numbers`);
  }
  const clause = entries.map(([name, value]) => `${name} = ${value}`).join(', ');
  let body = sql.replace(/[\s;]+$/, '');
  let format = '';
  const f = /\s+FORMAT\s+\w+$/i.exec(body);
  if (f) {
    format = f[0];
    body = body.slice(0, f.index);
  }
  // a SETTINGS clause of the statement itself is last (before FORMAT) and has no parentheses after it
  const own = /\sSETTINGS\s[^()]*$/i.test(body);
  return `${body}${own ? ', ' : ' SETTINGS '}${clause}${format}`;
}

/** The table, format and column names of a formatted insert, or BAD_PARAMETER saying what is accepted. */
export function assertFormattedInsert(table: string, insert: FormattedInsert): void {
  if (!isValidTableName(table)) {
    throw new WarehouseError('BAD_PARAMETER', `insert: table name ${JSON.stringify(table)} is not accepted; use letters, digits and underscores, optionally 'database.table'`);
  }
  if (!formattedInsertFormats.includes(insert.format)) {
    throw new WarehouseError('BAD_PARAMETER', `insert into ${table}: format ${JSON.stringify(insert.format)} is not accepted; use one of ${formattedInsertFormats.join(', ')}`);
  }
  if (insert.format === 'RowBinary' && typeof insert.data === 'string') {
    throw new WarehouseError('BAD_PARAMETER', `insert into ${table}: a RowBinary payload is bytes (a Uint8Array), not a string`);
  }
  const bad = insert.columns?.find((c) => !/^[A-Za-z_][A-Za-z0-9_]*$/.test(c));
  if (bad !== undefined) throw new WarehouseError('BAD_PARAMETER', `insert into ${table}: column name ${JSON.stringify(bad)} is not accepted; use letters, digits and underscores`);
}
