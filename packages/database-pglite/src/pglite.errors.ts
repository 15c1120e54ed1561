// PGlite failures as DatabaseErrors, by SQLSTATE through the port's shared table (PGlite reports
// it as `code` like pg does). A file-system failure under PGlite (its data directory on a full,
// read-only or failing disk) can surface as a Node errno instead; it is UNAVAILABLE too.
import { DatabaseError, portCodeForSqlState } from '@sp/ports';

const unavailableErrnos = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE']);

export function toDatabaseError(error: unknown, what: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; detail?: unknown; column?: unknown; constraint?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  if (typeof e.code === 'string' && unavailableErrnos.has(e.code)) return new DatabaseError('UNAVAILABLE', `${what}: ${message}`, e.code, { cause: error });
  const code = typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code) ? e.code : undefined;
  const where = [e.detail, e.column && `column ${String(e.column)}`, e.constraint && `constraint ${String(e.constraint)}`].filter(Boolean).join('; ');
  return new DatabaseError(portCodeForSqlState(code), `${what}: ${message}${where ? ` (${where})` : ''}`, code, { cause: error });
}
