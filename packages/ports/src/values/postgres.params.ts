// Parameter checks shared by both Database adapters (exported as @sp/ports/postgres): what the port accepts (see database.port.ts), plain objects sent as JSON text, and a
// BAD_PARAMETER naming the position for anything else instead of a driver-specific surprise.
import { DatabaseError } from '../errors.js';

const accepted = 'string, number, bigint, boolean, Date, Uint8Array, null, arrays of these, or a plain object (sent as JSON)';

function prepare(value: unknown, position: string): unknown {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return value;
    case 'bigint':
      return value.toString();
  }
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) throw new DatabaseError('BAD_PARAMETER', `parameter ${position} is an invalid Date; accepted: ${accepted}`);
    return value;
  }
  if (value instanceof Uint8Array) return value;
  if (Array.isArray(value)) {
    // an array of plain values (the usual batch parameter: 1,000 keys, versions, hashes) is passed
    // as it is; the per-element walk below made a position text for every element (issue 17.3)
    if (value.every(isPlain)) return value;
    return value.map((v, i) => prepare(v, `${position}[${i}]`));
  }
  if (typeof value === 'object' && (Object.getPrototypeOf(value) === Object.prototype || Object.getPrototypeOf(value) === null)) {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
  }
  const kind = typeof value === 'object' ? (value.constructor?.name ?? 'object') : typeof value;
  throw new DatabaseError('BAD_PARAMETER', `parameter ${position} is a ${kind}; accepted: ${accepted}`);
}

/** a value prepare() returns unchanged */
function isPlain(v: unknown): boolean {
  const t = typeof v;
  return v === null || t === 'string' || t === 'number' || t === 'boolean';
}

export function prepareParams(params: readonly unknown[] | undefined): unknown[] {
  return (params ?? []).map((v, i) => prepare(v, `$${i + 1}`));
}
