// Which failures of the event log or the database mean "the store is not available right now"
// (answered 503 with Retry-After: send the same delivery again later) rather than a bug (500).
// The adapters type their errors (PortError.transient); engine codes of a full or failing disk
// are recognised here too, in case an adapter still reports them as INTERNAL.
import { DatabaseError, EventLogError, PortError } from '@sp/ports';

export type Store = 'log' | 'database';

export interface StoreUnavailable {
  store: Store;
  /** the port's or the engine's code */
  code: string;
  message: string;
}

/** errno codes of a disk or file system that cannot take writes now */
const unavailableErrnos = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EMFILE', 'ENFILE', 'EAGAIN', 'EBUSY']);
/** SQLSTATE classes: 08 connection exception, 53 insufficient resources (53100 disk full), 58 system error (58030 I/O error), 57P01–57P03 shutdown */
const unavailableSqlState = /^(08|53|58)[0-9A-Z]{3}$|^57P0[1-3]$/;

function engineCodeOf(error: unknown): string | undefined {
  for (let e = error, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = e instanceof PortError ? e.engineCode : (e as { code?: unknown }).code;
    if (typeof code === 'string' && (unavailableErrnos.has(code) || unavailableSqlState.test(code))) return code;
  }
  return undefined;
}

/** The store that is not available, when `error` says so; `where` names the store the failing step used. */
export function storeUnavailable(error: unknown, where: Store): StoreUnavailable | undefined {
  const store: Store = error instanceof EventLogError ? 'log' : error instanceof DatabaseError ? 'database' : where;
  const message = error instanceof Error ? error.message : String(error);
  if (error instanceof PortError && (error.transient || error.code === 'CLOSED')) return { store, code: error.code, message };
  // the ingestion created its topics before serving: a log that does not know one now is still
  // loading its partitions after a restart, or was set up anew — nothing the delivery could fix
  if (error instanceof EventLogError && error.code === 'UNKNOWN_TOPIC') return { store, code: error.code, message };
  const engineCode = engineCodeOf(error);
  return engineCode ? { store, code: engineCode, message } : undefined;
}
