// The presenter: which status and headers each domain answer gets.
import { feedError, type FeedErrorCode } from '@sp/feeds';
import { describe, expect, it } from 'vitest';
import { presentDelivery, presentTrace, presentUnauthenticated, statusFor } from './delivery.presenter.js';
import { rejected } from './delivery.result.js';

const e = (code: FeedErrorCode) => feedError({ row: 0, field: null, code, message: '', accepted: 'x' });

describe('status of a rejected delivery', () => {
  it('follows the most fundamental error', () => {
    expect(statusFor([e('INVALID_JSON')])).toBe(400);
    expect(statusFor([e('UNKNOWN_AREA'), e('DATASET_NOT_ALLOWED')])).toBe(403);
    expect(statusFor([e('VERSION_CONFLICT')])).toBe(409);
    expect(statusFor([e('UNKNOWN_KEY')])).toBe(404);
    expect(statusFor([e('OUTSIDE_CITY'), e('NEGATIVE_COUNT')])).toBe(422);
    // issue 13: bytes that are not UTF-8, JSON nested too deep, and the checks against the catalogues
    expect(statusFor([e('INVALID_ENCODING')])).toBe(415);
    expect(statusFor([e('NESTING_TOO_DEEP')])).toBe(400);
    expect(statusFor([e('FRACTIONAL_COUNT'), e('UNKNOWN_MEASURE'), e('AREA_NOT_VALID'), e('AMBIGUOUS_NUMBER'), e('TEXT_TOO_LONG')])).toBe(422);
  });

  it('answers the Amt scope with 403, a reserved version with 409 and a missing reference with 422', () => {
    expect(statusFor([e('UNKNOWN_REFERENCE'), e('AMT_MISMATCH')])).toBe(403);
    expect(statusFor([e('MEASURE_OF_OTHER_AMT')])).toBe(403);
    expect(statusFor([e('VERSION_RESERVED'), e('UNKNOWN_REFERENCE')])).toBe(409);
    expect(statusFor([e('UNKNOWN_REFERENCE')])).toBe(422);
  });

  it('gives errors about the whole request their own status', () => {
    expect(statusFor([e('BODY_TOO_LARGE')])).toBe(413);
    expect(statusFor([e('UNSUPPORTED_MEDIA_TYPE')])).toBe(415);
    expect(statusFor([e('UNKNOWN_RECORD_TYPE')])).toBe(404);
    expect(presentTrace(rejected([e('NOT_FOUND')])).status).toBe(404);
  });
});

describe('headers', () => {
  it('a body over the limit closes the connection', () => {
    expect(presentDelivery(rejected([e('BODY_TOO_LARGE')]))).toMatchObject({ status: 413, headers: { connection: 'close' } });
  });

  it('an unavailable store is 503 with Retry-After and says to send the same delivery again', () => {
    const a = presentDelivery({ kind: 'unavailable', store: 'database', code: '53100', reason: 'disk full', retryAfterSeconds: 7 });
    expect(a).toMatchObject({ status: 503, headers: { 'retry-after': '7' } });
    expect((a.body as { errors: unknown[] }).errors[0]).toMatchObject({ code: 'DATABASE_UNAVAILABLE', value: '53100' });
  });

  it('an accepted delivery carries its phases as Server-Timing', () => {
    const a = presentDelivery({
      kind: 'accepted',
      delivery: { deliveryId: 'd', amt: 'a', recordType: 'offer', kind: 'records', deliveredBy: 'k', deliveredAt: '', schema: { id: 1, version: 1 }, created: 0, unchanged: 0, records: [] },
      timings: [
        ['parse', 1.25],
        ['append', 10],
      ],
    });
    expect(a).toMatchObject({ status: 200, headers: { 'server-timing': 'parse;dur=1.3, append;dur=10.0' } });
  });

  it('a missing key is 401 with WWW-Authenticate', () => {
    expect(presentUnauthenticated()).toMatchObject({ status: 401, headers: { 'www-authenticate': 'Bearer' } });
  });
});
