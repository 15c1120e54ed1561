// Period and as-of arguments as the API accepts them; checked before they reach the reader.
import { expectedError } from '../errors.js';

const periodRe = /^\d{4}(-Q[1-4]|-(0[1-9]|1[0-2]))?$/;

export function checkPeriod(value: string, argument: string): string {
  if (!periodRe.test(value)) {
    throw expectedError('BAD_USER_INPUT', `${argument} "${value}" is not a period; expected a year "2012", a quarter "2012-Q3" or a month "2012-07"`, { argument });
  }
  return value;
}

const kind = (p: string) => (p.length === 4 ? 'year' : p.includes('Q') ? 'quarter' : 'month');

export function checkPeriodRange(from: string, to: string): void {
  checkPeriod(from, 'from');
  checkPeriod(to, 'to');
  if (kind(from) !== kind(to)) throw expectedError('BAD_USER_INPUT', `from "${from}" and to "${to}" must be periods of the same kind (both years, quarters or months)`, { argument: 'to' });
  if (from > to) throw expectedError('BAD_USER_INPUT', `from "${from}" lies after to "${to}"`, { argument: 'from' });
}

/**
 * asOf accepts an ISO date ("2013-06-30", meaning the end of that day, UTC) or an ISO date-time;
 * it is passed on as an ISO date-time.
 */
export function normaliseAsOf(value: string | null | undefined): string | undefined {
  if (value == null) return undefined;
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(value);
  const t = Date.parse(dateOnly ? `${value}T23:59:59.999Z` : value);
  if (Number.isNaN(t) || !/^\d{4}-\d{2}-\d{2}/.test(value)) {
    throw expectedError('BAD_USER_INPUT', `asOf "${value}" is not an ISO date or date-time; expected e.g. "2013-06-30" or "2013-06-30T12:00:00Z"`, { argument: 'asOf' });
  }
  return new Date(t).toISOString();
}
