// PGlite failures as DatabaseErrors, by SQLSTATE through the port's shared table (PGlite reports
// it as `code` like pg does).
import { DatabaseError, portCodeForSqlState } from '@sp/ports';

export function toDatabaseError(error: unknown, what: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; detail?: unknown; column?: unknown; constraint?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  const where = [e.detail, e.column && `column ${String(e.column)}`, e.constraint && `constraint ${String(e.constraint)}`].filter(Boolean).join('; ');
  return new DatabaseError(portCodeForSqlState(code), `${what}: ${message}${where ? ` (${where})` : ''}`, code, { cause: error });
}
