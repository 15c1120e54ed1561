// @clickhouse/client failures as WarehouseErrors: server exceptions by their ClickHouse code (the
// same table chDB's adapter uses), transport failures as UNAVAILABLE / TIMEOUT.
import { ClickHouseError } from '@clickhouse/client';
import { WarehouseError, warehouseCodeForClickHouseCode } from '@sp/ports';

const unavailableErrnos = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNABORTED']);

export function toWarehouseError(error: unknown, what: string): WarehouseError {
  if (error instanceof WarehouseError) return error;
  if (error instanceof ClickHouseError) {
    const code = Number(error.code);
    return new WarehouseError(warehouseCodeForClickHouseCode(Number.isFinite(code) ? code : undefined), `${what}: ${error.message} (${error.type})`, code, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  const errno = typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
  if (errno === 'ETIMEDOUT' || /timeout error/i.test(message)) {
    return new WarehouseError('TIMEOUT', `${what}: ${message}`, errno, { cause: error });
  }
  if ((errno && unavailableErrnos.has(errno)) || /socket hang up/i.test(message)) {
    return new WarehouseError('UNAVAILABLE', `${what}: ClickHouse not reachable (${message})`, errno, { cause: error });
  }
  return new WarehouseError('INTERNAL', `${what}: ${message}`, errno, { cause: error });
}
