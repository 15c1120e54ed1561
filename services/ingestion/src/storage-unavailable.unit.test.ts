import { DatabaseError, EventLogError } from '@sp/ports';
import { describe, expect, it } from 'vitest';
import { storeUnavailable } from './storage-unavailable.js';

describe('storeUnavailable', () => {
  it.each([
    ['a transient log error', new EventLogError('UNAVAILABLE', 'broker down'), 'database', { store: 'log', code: 'UNAVAILABLE' }],
    ['an append timeout', new EventLogError('TIMEOUT', 'not acknowledged'), 'log', { store: 'log', code: 'TIMEOUT' }],
    ['a closed database', new DatabaseError('CLOSED', 'closed'), 'log', { store: 'database', code: 'CLOSED' }],
    ['PGlite disk full typed INTERNAL (SQLSTATE 53100)', new DatabaseError('INTERNAL', 'could not extend file', '53100'), 'database', { store: 'database', code: '53100' }],
    ['a PostgreSQL I/O error (58030)', new DatabaseError('INTERNAL', 'could not write block', '58030'), 'database', { store: 'database', code: '58030' }],
    ['an event log EIO typed INTERNAL', new EventLogError('INTERNAL', 'write failed', 'EIO'), 'log', { store: 'log', code: 'EIO' }],
    ['a topic the broker does not serve yet', new EventLogError('UNKNOWN_TOPIC', 'no such topic', 'UNKNOWN_TOPIC_OR_PARTITION'), 'log', { store: 'log', code: 'UNKNOWN_TOPIC' }],
    ['a raw EROFS from the file system', Object.assign(new Error('read-only file system'), { code: 'EROFS' }), 'log', { store: 'log', code: 'EROFS' }],
    ['ENOSPC as the cause of another error', new Error('append failed', { cause: Object.assign(new Error('no space'), { code: 'ENOSPC' }) }), 'log', { store: 'log', code: 'ENOSPC' }],
  ] as const)('%s is unavailable', (_name, error, where, expected) => {
    expect(storeUnavailable(error, where)).toMatchObject(expected);
  });

  it.each([
    ['a syntax error', new DatabaseError('SYNTAX_ERROR', 'bad sql', '42601')],
    ['a unique violation', new DatabaseError('UNIQUE_VIOLATION', 'dup', '23505')],
    ['a plain bug', new TypeError('x is undefined')],
  ])('%s is not', (_name, error) => {
    expect(storeUnavailable(error, 'database')).toBeUndefined();
  });
});
