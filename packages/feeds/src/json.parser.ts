// JSON deliveries: `{"records": [...]}` or a bare array of records; withdrawals `{"withdrawals":
// [...]}` or a bare array. Broken JSON gets an error naming line and column; bytes that are not
// UTF-8 are refused with their offset; nesting deeper than any record needs is refused before
// parsing, so no later step recurses over a hostile structure.
import { decodeUtf8Body, jsonNestingDepth } from './body-text.js';
import { feedError, type FeedError } from './feed-error.js';
import type { ParsedDelivery } from './csv.parser.js';

/** Deepest nesting accepted: {"records": [ {record} ]} with its deepest field (budget, capacity …) needs 5. */
export const MAX_JSON_DEPTH = 16;

export function parseJsonBody(body: Buffer | string, listField: 'records' | 'withdrawals' | 'features'): { ok: true; items: unknown[] } | { ok: false; errors: FeedError[] } {
  const decoded = decodeUtf8Body(body, 'JSON');
  if (!decoded.ok) return decoded;
  const { text } = decoded;
  const accepted = `a JSON array, or an object {"${listField}": [...]}`;
  const depth = jsonNestingDepth(text, MAX_JSON_DEPTH);
  if (depth > MAX_JSON_DEPTH) {
    return {
      ok: false,
      errors: [
        feedError({
          row: null,
          field: null,
          value: depth,
          code: 'NESTING_TOO_DEEP',
          message: `the JSON nests arrays and objects more than ${MAX_JSON_DEPTH} levels deep; no record needs more than 5`,
          accepted: `${accepted}, nested at most ${MAX_JSON_DEPTH} levels`,
        }),
      ],
    };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const pos = /position (\d+)/.exec(message);
    let where = '';
    let snippet: string | null = text.slice(0, 40);
    if (pos) {
      const p = Number(pos[1]);
      const before = text.slice(0, p);
      const line = before.split('\n').length;
      const column = p - before.lastIndexOf('\n');
      where = ` at line ${line}, column ${column}`;
      snippet = text.slice(Math.max(0, p - 20), p + 20);
    }
    return { ok: false, errors: [feedError({ row: null, field: null, value: snippet, code: 'INVALID_JSON', message: `the body is not valid JSON${where}: ${message}`, accepted })] };
  }
  const items = Array.isArray(data)
    ? data
    : data !== null && typeof data === 'object' && Array.isArray((data as Record<string, unknown>)[listField])
      ? ((data as Record<string, unknown>)[listField] as unknown[])
      : undefined;
  if (!items) {
    return {
      ok: false,
      errors: [
        feedError({
          row: null,
          field: Array.isArray(data) || typeof data !== 'object' || data === null ? null : listField,
          value: data,
          code: 'WRONG_TYPE',
          message: `expected a list of ${listField}`,
          accepted,
        }),
      ],
    };
  }
  return { ok: true, items };
}

export function parseJsonDelivery(body: Buffer | string): ParsedDelivery {
  const parsed = parseJsonBody(body, 'records');
  if (!parsed.ok) return parsed;
  return { ok: true, rows: parsed.items.map((value, row) => ({ row, value })) };
}
