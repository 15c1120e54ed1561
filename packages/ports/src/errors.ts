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
