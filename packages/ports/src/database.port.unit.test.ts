// SQLSTATEs of a full or failing disk are UNAVAILABLE (503 with Retry-After at the door), not INTERNAL (#14).
import { describe, expect, it } from 'vitest';
import { portCodeForSqlState } from './database.port.js';

describe('portCodeForSqlState', () => {
  it('maps disk full, out of memory, I/O error and connection failures to UNAVAILABLE', () => {
    for (const state of ['53100', '53200', '53000', '58030', '58000', '08000', '08006', '57P01', '57P02', '57P03']) expect(portCodeForSqlState(state), state).toBe('UNAVAILABLE');
  });

  it('keeps the specific codes and INTERNAL for the rest', () => {
    expect(portCodeForSqlState('23505')).toBe('UNIQUE_VIOLATION');
    expect(portCodeForSqlState('40001')).toBe('SERIALIZATION_FAILURE');
    expect(portCodeForSqlState('XX000')).toBe('INTERNAL');
    expect(portCodeForSqlState(undefined)).toBe('INTERNAL');
  });
});
