// How JS values travel to ClickHouse. Kept identical to @sp/warehouse-chdb's copy (this adapter must
// not load chDB's native engine); the warehouse contract suite checks both behave alike:
// Dates as UTC 'YYYY-MM-DD hh:mm:ss[.fff]', bigints exactly, top-level booleans as 1/0.

/** UTC 'YYYY-MM-DD hh:mm:ss', plus '.fff' only when there are milliseconds (fits DateTime and DateTime64). */
export function formatDateTimeUtc(date: Date): string {
  const iso = date.toISOString(); // throws RangeError on an invalid Date
  const ms = date.getUTCMilliseconds();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}${ms === 0 ? '' : iso.slice(19, 23)}`;
}

function encodeNested(value: unknown): unknown {
  if (value instanceof Date) return formatDateTimeUtc(value);
  if (Array.isArray(value)) return value.map(encodeNested);
  if (value instanceof Map) return new Map([...value].map(([k, v]) => [encodeNested(k), encodeNested(v)]));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, encodeNested(v)]));
  }
  return value;
}

/** Parameters as the engine binding should receive them. */
export function encodeParams(params: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    out[name] = typeof value === 'boolean' ? (value ? 1 : 0) : encodeNested(value);
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

/** One JSONEachRow line per row, newline-terminated. */
export function encodeRows(rows: readonly Record<string, unknown>[]): string {
  let out = '';
  for (const row of rows) out += JSON.stringify(row, rowReplacer) + '\n';
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
