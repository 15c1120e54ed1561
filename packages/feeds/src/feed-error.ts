// The error list every rejected delivery gets: one entry per problem, naming the row, the field,
// the value received and what would be accepted, with a machine-readable code.

export const feedErrorCodes = [
  // reading the body
  'INVALID_JSON',
  'INVALID_CSV',
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
  'KEY_MISMATCH',
  // meaning
  'UNKNOWN_AREA',
  'UNKNOWN_AREA_LEVEL',
  'BAD_PERIOD',
  'FUTURE_PERIOD',
  'BAD_DATE',
  'FUTURE_DATE',
  'NEGATIVE_COUNT',
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

function shorten(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'string') return value.length > MAX_VALUE_CHARS ? `${value.slice(0, MAX_VALUE_CHARS)}…` : value;
  if (value !== null && typeof value === 'object') {
    const json = JSON.stringify(value);
    return json.length > MAX_VALUE_CHARS ? `${json.slice(0, MAX_VALUE_CHARS)}…` : value;
  }
  return value;
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
