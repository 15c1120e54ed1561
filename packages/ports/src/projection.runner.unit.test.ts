// How the projection runner tells a failure worth retrying from one caused by the event itself
// (docs/engineering.md, "Poison events").
import { describe, expect, it } from 'vitest';
import { DatabaseError, EventLogError, WarehouseError } from './errors.js';
import { describeError, isTransientError } from './projection.runner.js';

describe('isTransientError', () => {
  it('retries an engine that is not there, a broken deployment, and a refused connection anywhere in the causes', () => {
    expect(isTransientError(new WarehouseError('UNAVAILABLE', 'down'))).toBe(true);
    expect(isTransientError(new DatabaseError('TIMEOUT', 'slow'))).toBe(true);
    expect(isTransientError(new DatabaseError('SERIALIZATION_FAILURE', 'retry'))).toBe(true);
    expect(isTransientError(new EventLogError('CLOSED', 'closed'))).toBe(true);
    expect(isTransientError(new WarehouseError('UNKNOWN_TABLE', 'cells missing'))).toBe(true);
    expect(isTransientError(new DatabaseError('UNKNOWN_COLUMN', 'migration missing'))).toBe(true);
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:8123'), { code: 'ECONNREFUSED' });
    expect(isTransientError(new TypeError('fetch failed', { cause: refused }))).toBe(true);
  });

  it('takes everything else to be caused by the event', () => {
    expect(isTransientError(new RangeError('period "0": accepted are YYYY, YYYY-Qn, YYYY-MM'))).toBe(false);
    expect(isTransientError(Object.assign(new Error('no schema with id 99'), { code: 'UNKNOWN_SCHEMA' }))).toBe(false);
    expect(isTransientError(new DatabaseError('CHECK_VIOLATION', 'status'))).toBe(false);
    expect(isTransientError(new WarehouseError('BAD_PARAMETER', 'value'))).toBe(false);
    expect(isTransientError(new WarehouseError('INTERNAL', 'engine said no'))).toBe(false);
    expect(isTransientError('a string')).toBe(false);
  });
});

describe('describeError', () => {
  it('is one line: name, code when the message lacks it, first line of the message', () => {
    expect(describeError(new RangeError('period "0"\n    at parts (periods.ts:21)'))).toBe('RangeError: period "0"');
    expect(describeError(Object.assign(new Error('no schema with id 99'), { name: 'UnknownSchemaError', code: 'UNKNOWN_SCHEMA' }))).toBe('UnknownSchemaError [UNKNOWN_SCHEMA]: no schema with id 99');
    expect(describeError('x'.repeat(900))).toHaveLength(500);
  });
});
