// Period and as-of arguments as the API accepts them; checked before they reach the reader, so a
// period the warehouse cannot represent (year 0000, 9999 + 1) or a range of tens of thousands of
// periods is a clear BAD_USER_INPUT naming the argument, the value and the accepted range.
import { periodicityOf, periodRange } from '@sp/indicators';
import { expectedError } from '../errors.js';

/** The years a period may lie in and the longest from/to range (Limits; defaults 1900–2199, 600). */
export interface PeriodBounds {
  minPeriodYear: number;
  maxPeriodYear: number;
  maxRangePeriods: number;
}

export function checkPeriod(value: string, argument: string, bounds: PeriodBounds): string {
  if (periodicityOf(value) === undefined) {
    throw expectedError('BAD_USER_INPUT', `${argument} "${value}" is not a period; expected a year "2012", a quarter "2012-Q3" or a month "2012-07"`, { argument });
  }
  const year = Number(value.slice(0, 4));
  if (year < bounds.minPeriodYear || year > bounds.maxPeriodYear) {
    throw expectedError('BAD_USER_INPUT', `${argument} "${value}" lies outside the accepted years ${bounds.minPeriodYear}–${bounds.maxPeriodYear}`, {
      argument,
      min: String(bounds.minPeriodYear),
      max: String(bounds.maxPeriodYear),
    });
  }
  return value;
}

/** Checks a from/to range and returns the number of periods it spans. */
export function checkPeriodRange(from: string, to: string, bounds: PeriodBounds): number {
  checkPeriod(from, 'from', bounds);
  checkPeriod(to, 'to', bounds);
  if (periodicityOf(from) !== periodicityOf(to))
    throw expectedError('BAD_USER_INPUT', `from "${from}" and to "${to}" must be periods of the same kind (both years, quarters or months)`, { argument: 'to' });
  if (from > to) throw expectedError('BAD_USER_INPUT', `from "${from}" lies after to "${to}"`, { argument: 'from' });
  const count = periodRange(from, to).length;
  if (count > bounds.maxRangePeriods) {
    throw expectedError('BAD_USER_INPUT', `from "${from}" to "${to}" spans ${count} periods; at most ${bounds.maxRangePeriods} are accepted in one range, ask in parts`, {
      argument: 'to',
      max: bounds.maxRangePeriods,
    });
  }
  return count;
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
