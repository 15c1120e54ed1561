// Typed errors shared by every adapter of a port, so callers can react to the kind of failure
// without knowing which engine is behind the port.

export type PortErrorCode =
  | 'UNAVAILABLE' // engine not reachable or not accepting writes right now; retrying later may work
  | 'TIMEOUT'
  | 'UNIQUE_VIOLATION'
  | 'FOREIGN_KEY_VIOLATION'
  | 'CHECK_VIOLATION'
  | 'NOT_NULL_VIOLATION'
  | 'SERIALIZATION_FAILURE'
  | 'SYNTAX_ERROR'
  | 'UNKNOWN_TABLE'
  | 'UNKNOWN_COLUMN'
  | 'BAD_PARAMETER'
  | 'UNKNOWN_TOPIC'
  | 'CLOSED'
  | 'CANCELLED' // the caller aborted the operation (its request timed out or its client went away)
  | 'LIMIT_EXCEEDED' // the operation would exceed a limit the caller set on it (rows to read)
  | 'INTERNAL';

export class PortError extends Error {
  override readonly name: string = 'PortError';
  constructor(
    readonly code: PortErrorCode,
    message: string,
    readonly engineCode?: string | number,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  /** True when the same operation may succeed if retried later. */
  get transient(): boolean {
    return this.code === 'UNAVAILABLE' || this.code === 'TIMEOUT' || this.code === 'SERIALIZATION_FAILURE';
  }
}

export class EventLogError extends PortError {
  override readonly name = 'EventLogError';
}
export class WarehouseError extends PortError {
  override readonly name = 'WarehouseError';
}
export class DatabaseError extends PortError {
  override readonly name = 'DatabaseError';
}

/**
 * An error a caller can cause with what it asks for (an unknown indicator or norm, a period without
 * figures, a comparison that cannot be made): it has a machine-readable code, may name the argument
 * it is about, and its message says what would be accepted. The gateway shows exactly these errors
 * to the caller (`instanceof ExpectedError`) and masks every other one, so a subclass is a promise
 * that its message leaks no engine detail.
 */
export class ExpectedError extends Error {
  override readonly name: string = 'ExpectedError';
  constructor(
    readonly code: string,
    message: string,
    /** the argument of the query the error is about (norm, period, goalKey, …), when there is one */
    readonly argument?: string,
  ) {
    super(message);
  }
}
