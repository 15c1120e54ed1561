// The ingestion service's answers as HTTP: status codes, headers (Retry-After, WWW-Authenticate,
// Server-Timing, Connection) and the JSON body. The only place that knows the codes' statuses.
import { capErrors, feedError, type FeedError, type FeedErrorCode } from '@sp/feeds';
import type { DeliveryResult, HealthInfo, Rejected, TraceResult } from './delivery.result.js';

export interface HttpAnswer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

const requestErrors = new Set<FeedErrorCode>(['INVALID_JSON', 'INVALID_CSV', 'EMPTY_BATCH', 'NESTING_TOO_DEEP']);
const forbidden = new Set<FeedErrorCode>(['RECORD_TYPE_NOT_ALLOWED', 'DATASET_NOT_ALLOWED', 'KEY_OF_OTHER_AMT', 'AMT_MISMATCH', 'MEASURE_OF_OTHER_AMT']);
const conflicts = new Set<FeedErrorCode>(['VERSION_CONFLICT', 'VERSION_RESERVED']);
/** errors about the request as a whole, each with a status of its own */
const requestStatus: Partial<Record<FeedErrorCode, number>> = { BODY_TOO_LARGE: 413, UNSUPPORTED_MEDIA_TYPE: 415, INVALID_ENCODING: 415, UNKNOWN_RECORD_TYPE: 404, NOT_FOUND: 404 };

/** The status of a rejected delivery follows the most fundamental problem in its error list. */
export function statusFor(errors: readonly FeedError[]): number {
  const codes = new Set(errors.map((e) => e.code));
  for (const c of codes) if (requestStatus[c]) return requestStatus[c];
  if ([...codes].some((c) => requestErrors.has(c))) return 400;
  if ([...codes].some((c) => forbidden.has(c))) return 403;
  if ([...codes].some((c) => conflicts.has(c))) return 409;
  if (codes.size === 1 && codes.has('UNKNOWN_KEY')) return 404;
  return 422;
}

function presentRejected(r: Rejected): HttpAnswer {
  const status = statusFor(r.errors);
  return {
    status,
    ...(status === 413 ? { headers: { connection: 'close' } } : {}),
    body: { errors: capErrors(r.errors), ...(r.currentVersions ? { currentVersions: r.currentVersions } : {}) },
  };
}

export function presentDelivery(result: DeliveryResult): HttpAnswer {
  switch (result.kind) {
    case 'accepted':
      return { status: 200, headers: { 'server-timing': result.timings.map(([n, d]) => `${n};dur=${d.toFixed(1)}`).join(', ') }, body: result.delivery };
    case 'rejected':
      return presentRejected(result);
    case 'unavailable': {
      const what = result.store === 'log' ? 'the event log' : 'the database';
      return {
        status: 503,
        headers: { 'retry-after': String(result.retryAfterSeconds) },
        body: {
          errors: [
            feedError({
              row: null,
              field: null,
              value: result.code,
              code: result.store === 'log' ? 'LOG_UNAVAILABLE' : 'DATABASE_UNAVAILABLE',
              message: `${what} is not available right now (${result.reason}); this delivery was not accepted`,
              accepted: `the same delivery again after ${result.retryAfterSeconds} s (its new versions stay held for exactly this payload)`,
            }),
          ],
        },
      };
    }
  }
}

export function presentTrace(result: TraceResult): HttpAnswer {
  return result.kind === 'found' ? { status: 200, body: result.trace } : presentRejected(result);
}

export function presentHealth(info: HealthInfo): HttpAnswer {
  return { status: 200, body: info };
}

export function presentUnauthenticated(): HttpAnswer {
  return {
    status: 401,
    headers: { 'www-authenticate': 'Bearer' },
    body: {
      errors: [
        feedError({
          row: null,
          field: 'authorization',
          value: null,
          code: 'UNAUTHENTICATED',
          message: 'missing or unknown API key',
          accepted: 'Authorization: Bearer sp_<key-id>_<secret> (or X-API-Key) with a key issued to your Amt',
        }),
      ],
    },
  };
}
