// Query parameters of the OGC API and the geo downloads, checked the OGC way: an unknown parameter
// or an invalid value is a 400 that names the parameter and says what is accepted (Part 1 Core,
// /req/core/query-param-unknown and /req/core/query-param-invalid).
import { expectedError } from '../errors.js';
import { checkPeriod, normaliseAsOf, type PeriodBounds } from '../indicators/periods.js';
import type { Envelope, Interval } from './geometry.js';

export const crs84 = 'http://www.opengis.net/def/crs/OGC/1.3/CRS84';

/** The spec's schema for limit (1…10000, default 10); the gateway returns at most its page size. */
export const limitMax = 10_000;
export const limitDefault = 10;

export type Params = URLSearchParams;

const bad = (parameter: string, message: string) => expectedError('BAD_USER_INPUT', `query parameter ${parameter}: ${message}`, { argument: parameter });

/** 400 for parameters the route does not define, or given twice. */
export function checkKnown(params: Params, accepted: readonly string[], where: string): void {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (!accepted.includes(name)) throw bad(name, `unknown at ${where}; accepted: ${accepted.join(', ')}`);
    if (seen.has(name)) throw bad(name, 'given more than once; give it once');
    seen.add(name);
  }
}

export function optional(params: Params, name: string): string | undefined {
  const v = params.get(name);
  if (v === null) return undefined;
  if (v.trim() === '') throw bad(name, 'is empty; leave it out or give a value');
  return v.trim();
}

export function integer(params: Params, name: string, min: number, max: number, fallback: number): number {
  const v = optional(params, name);
  if (v === undefined) return fallback;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw bad(name, `"${v}" is not an integer from ${min} to ${max}`);
  return Number(v);
}

export function list(params: Params, name: string): string[] | undefined {
  const v = optional(params, name);
  return v
    ?.split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** bbox=minLon,minLat,maxLon,maxLat (or six numbers with heights), in CRS84 only. */
export function bbox(params: Params): Envelope | undefined {
  const crs = optional(params, 'bbox-crs');
  if (crs !== undefined && crs !== crs84) throw bad('bbox-crs', `"${crs}" is not supported; the only accepted value is ${crs84} (longitude, latitude)`);
  const v = optional(params, 'bbox');
  if (v === undefined) return undefined;
  const n = v.split(',').map((s) => Number(s.trim()));
  if ((n.length !== 4 && n.length !== 6) || n.some((x, i) => !Number.isFinite(x) || v.split(',')[i]!.trim() === '')) {
    throw bad('bbox', `"${v}" is not four (or six) comma-separated numbers; expected minLon,minLat,maxLon,maxLat, e.g. 6.9,50.9,7.0,51.0`);
  }
  const [minLon, minLat, maxLon, maxLat] = n.length === 4 ? n : [n[0]!, n[1]!, n[3]!, n[4]!];
  if (minLat! < -90 || maxLat! > 90 || minLon! < -180 || maxLon! > 180) throw bad('bbox', `"${v}" lies outside longitude −180…180, latitude −90…90`);
  if (minLat! > maxLat!) throw bad('bbox', `"${v}": the lower latitude ${minLat} lies above the upper ${maxLat}`);
  if (minLon! > maxLon!) throw bad('bbox', `"${v}": boxes across the antimeridian (minLon > maxLon) are not supported`);
  return { minLon: minLon!, minLat: minLat!, maxLon: maxLon!, maxLat: maxLat! };
}

const dateTimeRe = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2}))?$/;

function instant(v: string, end: boolean): number | null {
  if (v === '..' || v === '') return null;
  if (!dateTimeRe.test(v)) return Number.NaN;
  return Date.parse(v.length === 10 ? `${v}T${end ? '23:59:59.999' : '00:00:00.000'}Z` : v);
}

/** datetime: an RFC 3339 date-time or date, or an interval start/end with ".." for an open end. */
export function datetime(params: Params): Interval | undefined {
  const v = optional(params, 'datetime');
  if (v === undefined) return undefined;
  const parts = v.split('/');
  const accepted = 'expected a date "2012-12-31", a date-time "2012-12-31T12:00:00Z" or an interval "2012-01-01/2012-12-31" (".." for an open end)';
  if (parts.length > 2) throw bad('datetime', `"${v}" is not a date-time or interval; ${accepted}`);
  const start = instant(parts[0]!, false);
  const end = parts.length === 2 ? instant(parts[1]!, true) : instant(parts[0]!, true);
  if (Number.isNaN(start) || Number.isNaN(end) || (parts.length === 1 && start === null) || (parts.length === 2 && start === null && end === null)) {
    throw bad('datetime', `"${v}" is not a date-time or interval; ${accepted}`);
  }
  if (start !== null && end !== null && start > end) throw bad('datetime', `"${v}": the start lies after the end`);
  return { start, end };
}

/** indicator, period, asOf: the value an area feature carries. */
export function valueQuery(params: Params, bounds: PeriodBounds): { indicator: string; period?: string; asOf?: string } | undefined {
  const indicator = optional(params, 'indicator');
  const period = optional(params, 'period');
  const asOf = optional(params, 'asOf');
  if (indicator === undefined) {
    if (period !== undefined || asOf !== undefined) throw bad(period !== undefined ? 'period' : 'asOf', 'needs indicator=<code>: it says which indicator’s value to add');
    return undefined;
  }
  if (period !== undefined) checkPeriod(period, 'period', bounds);
  normaliseAsOf(asOf);
  return { indicator, ...(period !== undefined ? { period } : {}), ...(asOf !== undefined ? { asOf } : {}) };
}
