// pg failures as DatabaseErrors: server errors by SQLSTATE (the port's shared table), socket and
// pool failures as UNAVAILABLE so callers know a retry later may work.
import { DatabaseError, portCodeForSqlState } from '@sp/ports';

const unavailableErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);
const unavailableMessages = /Connection terminated|connection error|not queryable|timeout exceeded when trying to connect|the database system is (starting up|shutting down)/i;

export function toDatabaseError(error: unknown, what: string): DatabaseError {
  if (error instanceof DatabaseError) return error;
  const e = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown; detail?: unknown; column?: unknown; constraint?: unknown };
  const message = typeof e.message === 'string' ? e.message : String(error);
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (code && /^[0-9A-Z]{5}$/.test(code)) {
    const where = [e.detail, e.column && `column ${String(e.column)}`, e.constraint && `constraint ${String(e.constraint)}`].filter(Boolean).join('; ');
    return new DatabaseError(portCodeForSqlState(code), `${what}: ${message}${where ? ` (${where})` : ''}`, code, { cause: error });
  }
  if ((code && unavailableErrnos.has(code)) || unavailableMessages.test(message)) {
    return new DatabaseError('UNAVAILABLE', `${what}: PostgreSQL not reachable (${message})`, code, { cause: error });
  }
  return new DatabaseError('INTERNAL', `${what}: ${message}`, code, { cause: error });
}
