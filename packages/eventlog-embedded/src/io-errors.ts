// How a failed file operation of the embedded log is reported through the port: a disk that is
// full, read-only or failing is UNAVAILABLE (the caller may retry later; ingestion answers 503 with
// Retry-After), anything else is INTERNAL. The errno stays on the error as its engine code.
import { EventLogError } from '@sp/ports';

/** errno codes of a disk or file system that cannot take writes now */
const unavailableErrnos = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY']);

export function ioFailure(what: string, error: unknown): EventLogError {
  if (error instanceof EventLogError) return error;
  const errno = (error as NodeJS.ErrnoException | undefined)?.code;
  const code = errno && unavailableErrnos.has(errno) ? 'UNAVAILABLE' : 'INTERNAL';
  return new EventLogError(code, `${what} failed: ${(error as Error)?.message ?? String(error)}`, errno, { cause: error });
}
