// A full, read-only or failing disk under the embedded log is UNAVAILABLE (transient: ingestion
// answers 503 with Retry-After), not INTERNAL (#14); the errno stays as the engine code.
import { EventLogError } from '@sp/ports';
import { describe, expect, it } from 'vitest';
import { ioFailure } from './io-errors.js';

const errno = (code: string) => Object.assign(new Error(`${code}: simulated`), { code });

describe('ioFailure', () => {
  it.each(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS'])('reports %s as UNAVAILABLE with the errno', (code) => {
    const error = ioFailure('writing to topics/t/0.log', errno(code));
    expect(error).toBeInstanceOf(EventLogError);
    expect(error).toMatchObject({ code: 'UNAVAILABLE', engineCode: code, transient: true });
    expect(error.message).toContain('writing to topics/t/0.log failed');
  });

  it('reports other failures as INTERNAL and keeps an EventLogError as it is', () => {
    expect(ioFailure('x', errno('EBADF'))).toMatchObject({ code: 'INTERNAL', engineCode: 'EBADF' });
    const typed = new EventLogError('CLOSED', 'closed');
    expect(ioFailure('x', typed)).toBe(typed);
  });
});
