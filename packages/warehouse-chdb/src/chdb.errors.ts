// chDB failures as WarehouseErrors. chDB's typed errors carry the ClickHouse exception code
// (`clickhouseCode`), which goes through the same table as the server adapter's (@sp/ports).
import { WarehouseError, warehouseCodeForClickHouseCode, type PortErrorCode } from '@sp/ports';

interface ChdbLikeError {
  message: string;
  code?: unknown;
  clickhouseCode?: unknown;
}

const chdbCodes: Record<string, PortErrorCode> = {
  CHDB_BIND: 'BAD_PARAMETER', // a parameter value chDB cannot serialise (unsafe integer, invalid Date, function …)
  CHDB_SYNTAX: 'SYNTAX_ERROR',
  CHDB_CLOSED: 'CLOSED',
  CHDB_TIMEOUT: 'TIMEOUT',
  CHDB_ABORT: 'TIMEOUT',
};

export function toWarehouseError(error: unknown, what: string): WarehouseError {
  if (error instanceof WarehouseError) return error;
  if (typeof error === 'object' && error !== null && 'message' in error) {
    const e = error as ChdbLikeError;
    const clickhouseCode = typeof e.clickhouseCode === 'number' ? e.clickhouseCode : undefined;
    const chdbCode = typeof e.code === 'string' ? e.code : undefined;
    const code = clickhouseCode !== undefined ? warehouseCodeForClickHouseCode(clickhouseCode) : ((chdbCode !== undefined ? chdbCodes[chdbCode] : undefined) ?? 'INTERNAL');
    return new WarehouseError(code, `${what}: ${e.message}`, clickhouseCode ?? chdbCode, { cause: error });
  }
  return new WarehouseError('INTERNAL', `${what}: ${String(error)}`, undefined, { cause: error });
}
