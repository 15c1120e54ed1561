// The error list every rejected delivery gets: one entry per problem, naming the row, the field,
// the value received and what would be accepted, with a machine-readable code.

export const feedErrorCodes = [
  // reading the body
  'INVALID_JSON',
  'INVALID_CSV',
  'INVALID_ENCODING',
  'NESTING_TOO_DEEP',
  'AMBIGUOUS_NUMBER',
  'EMPTY_BATCH',
  'BODY_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  // structure
  'WRONG_TYPE',
  'MISSING_FIELD',
  'UNKNOWN_FIELD',
  'INVALID_VALUE',
  'OUT_OF_RANGE',
  'INCONSISTENT_ROWS',
  'DUPLICATE_KEY',
  'DUPLICATE_OBSERVATION',
  'DUPLICATE_TARGET',
  'KEY_MISMATCH',
  // meaning
  'UNKNOWN_AREA',
  'UNKNOWN_AREA_LEVEL',
  'BAD_PERIOD',
  'FUTURE_PERIOD',
  'BAD_DATE',
  'FUTURE_DATE',
  'NEGATIVE_COUNT',
  'FRACTIONAL_COUNT',
  'VALUE_KIND_MISMATCH',
  'UNKNOWN_UNIT',
  'TEXT_TOO_LONG',
  'CONTROL_CHARACTER',
  'UNKNOWN_MEASURE',
  'UNKNOWN_DIMENSION',
  'UNKNOWN_DIMENSION_VALUE',
  'LEVEL_NOT_READ',
  'AREA_NOT_VALID',
  'INVALID_COORDINATES',
  'OUTSIDE_CITY',
  'UNKNOWN_OFFER_TYPE',
  'UNKNOWN_SUBTYPE',
  'UNKNOWN_TARGET_GROUP',
  'UNKNOWN_CAPACITY_UNIT',
  'CAPACITY_WITHOUT_UNIT',
  'UNKNOWN_AMT',
  'UNKNOWN_PARTICIPANT',
  'UNKNOWN_DATASET',
  'INVALID_TRANSITION',
  // who may deliver what
  'UNAUTHENTICATED',
  'UNKNOWN_RECORD_TYPE',
  'RECORD_TYPE_NOT_ALLOWED',
  'DATASET_NOT_ALLOWED',
  'KEY_OF_OTHER_AMT',
  // versions and the log
  'VERSION_CONFLICT',
  'UNKNOWN_KEY',
  'NOT_FOUND',
  'LOG_UNAVAILABLE',
  'DATABASE_UNAVAILABLE',
  'TOO_MANY_ERRORS',
  // ingestion: Amt scope, references between planning records, reserved versions (issues 13 and 14)
  'AMT_MISMATCH',
  'MEASURE_OF_OTHER_AMT',
  'UNKNOWN_REFERENCE',
  'VERSION_RESERVED',
  // delivered indicator and index definitions (docs/indicators.md §8)
  'UNKNOWN_INDICATOR',
  'WRONG_KIND',
  'VERSION_GAP',
] as const;
export type FeedErrorCode = (typeof feedErrorCodes)[number];

export interface FeedError {
  /** JSON: index in the records array (0-based); CSV: spreadsheet row (header = 1); null: whole request */
  row: number | null;
  /** field path (`location.lat`) or CSV column; null when the error is about the whole row or request */
  field: string | null;
  /** the value received (shortened when long) */
  value: unknown;
  code: FeedErrorCode;
  message: string;
  /** what would be accepted */
  accepted: string;
}

const MAX_VALUE_CHARS = 200;

export function feedError(e: Omit<FeedError, 'value'> & { value?: unknown }): FeedError {
  return { row: e.row, field: e.field, value: shorten(e.value), code: e.code, message: e.message, accepted: e.accepted };
}

/**
 * The value as the answer shows it: short strings and scalars as they are, anything longer cut at
 * MAX_VALUE_CHARS. Objects are written out iteratively and only as far as needed, so a hostile,
 * deeply nested or huge value costs neither the stack nor the memory of a full JSON.stringify.
 */
function shorten(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  if (value !== null && typeof value === 'object') {
    const { text, complete } = preview(value, MAX_VALUE_CHARS);
    return complete ? value : `${text}…`;
  }
  return value;
}

/** JSON text of `value` up to `max` characters, written without recursion. */
export function preview(value: unknown, max: number): { text: string; complete: boolean } {
  let out = '';
  // a stack of what is still to be written: values, or literal text (closing brackets, commas)
  const todo: ({ v: unknown } | { t: string })[] = [{ v: value }];
  while (todo.length > 0) {
    if (out.length > max) return { text: out.slice(0, max), complete: false };
    const next = todo.pop()!;
    if ('t' in next) {
      out += next.t;
      continue;
    }
    const v = next.v;
    if (Array.isArray(v)) {
      out += '[';
      todo.push({ t: ']' });
      // at most `max` elements: more could not be shown anyway (each takes a character at least)
      for (let i = Math.min(v.length, max) - 1; i >= 0; i--) {
        todo.push({ v: v[i] });
        if (i > 0) todo.push({ t: ',' });
      }
    } else if (v !== null && typeof v === 'object') {
      const keys = Object.keys(v);
      out += '{';
      todo.push({ t: '}' });
      for (let i = Math.min(keys.length, max) - 1; i >= 0; i--) {
        const k = keys[i]!;
        todo.push({ v: (v as Record<string, unknown>)[k] });
        todo.push({ t: `${JSON.stringify(k.length > max ? k.slice(0, max) : k)}:` });
        if (i > 0) todo.push({ t: ',' });
      }
    } else if (typeof v === 'string') {
      out += JSON.stringify(v.length > max ? v.slice(0, max + 1) : v);
    } else if (typeof v === 'number' && !Number.isFinite(v)) {
      out += 'null';
    } else {
      out += v === undefined ? 'null' : String(v);
    }
  }
  return out.length > max ? { text: out.slice(0, max), complete: false } : { text: out, complete: true };
}

/** Keeps the list readable and the answer small: the first `max` errors and a note how many more. */
export function capErrors(errors: FeedError[], max = 500): FeedError[] {
  if (errors.length <= max) return errors;
  return [
    ...errors.slice(0, max),
    feedError({
      row: null,
      field: null,
      value: errors.length,
      code: 'TOO_MANY_ERRORS',
      message: `${errors.length - max} more errors not listed`,
      accepted: 'fix the listed errors and deliver again',
    }),
  ];
}
