// Period strings "2012", "2012-Q3", "2012-07": parsing, shifting by n periods and aligning a
// period to a dataset of another periodicity (a month uses its year's population).
import type { Periodicity } from './catalogue.schema.js';

const YEAR = /^(\d{4})$/,
  QUARTER = /^(\d{4})-Q([1-4])$/,
  MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function periodicityOf(period: string): Periodicity | undefined {
  if (YEAR.test(period)) return 'year';
  if (QUARTER.test(period)) return 'quarter';
  if (MONTH.test(period)) return 'month';
  return undefined;
}

interface Parts {
  readonly p: Periodicity;
  readonly y: number;
  readonly i: number;
}

/**
 * Parsed periods: a recomputation of the composite indices aligns and shifts the same few hundred
 * periods for every area it reads (tens of thousands of times in a rebuild). Emptied when full, so
 * arbitrary input cannot grow it without bound.
 */
const parsed = new Map<string, Parts>();
const PARSED_MAX = 100_000;

function parts(period: string): Parts {
  let r = parsed.get(period);
  if (r) return r;
  let m: RegExpExecArray | null;
  if ((m = YEAR.exec(period))) r = { p: 'year', y: Number(m[1]), i: 0 };
  else if ((m = QUARTER.exec(period))) r = { p: 'quarter', y: Number(m[1]), i: Number(m[2]) - 1 };
  else if ((m = MONTH.exec(period))) r = { p: 'month', y: Number(m[1]), i: Number(m[2]) - 1 };
  else throw new RangeError(`period "${period}": accepted are YYYY, YYYY-Qn, YYYY-MM`);
  if (parsed.size >= PARSED_MAX) parsed.clear();
  parsed.set(period, r);
  return r;
}

/**
 * The period itself when the period arithmetic can work with it: YYYY, YYYY-Qn or YYYY-MM of a year
 * from 1000 on (an earlier year has no four-digit predecessor, so shifting or aligning it yields no
 * period). Anything else is a RangeError saying what is accepted; a projection checks every event
 * with it before storing any, so a poison event leaves nothing behind.
 */
export function assertPeriod(period: string): string {
  const { y } = parts(period);
  if (y < 1000) throw new RangeError(`period "${period}": the year must be 1000 or later; accepted are YYYY, YYYY-Qn, YYYY-MM`);
  return period;
}

const perYear: Record<Periodicity, number> = { year: 1, quarter: 4, month: 12 };

function format(p: Periodicity, y: number, i: number): string {
  if (p === 'year') return String(y);
  if (p === 'quarter') return `${y}-Q${i + 1}`;
  return `${y}-${String(i + 1).padStart(2, '0')}`;
}

/** The period n steps later (negative n: earlier), in the same periodicity. */
export function shiftPeriod(period: string, n: number): string {
  const { p, y, i } = parts(period);
  const k = perYear[p];
  const abs = y * k + i + n;
  return format(p, Math.floor(abs / k), ((abs % k) + k) % k);
}

/**
 * The period of a dataset with `target` periodicity that serves `period`: a finer dataset is read at
 * the last sub-period (year → its December / Q4, the Stichtag 31.12.); a coarser one at the enclosing
 * period (month → its year or quarter).
 */
export function alignPeriod(period: string, target: Periodicity): string {
  const { p, y, i } = parts(period);
  if (p === target) return period;
  const month = p === 'year' ? 11 : p === 'quarter' ? i * 3 + 2 : i;
  if (target === 'year') return String(y);
  if (target === 'quarter') return format('quarter', y, Math.floor(month / 3));
  return format('month', y, month);
}

/** The first day of a period as an ISO date ("2012-Q3" → "2012-07-01"). */
export function periodStart(period: string): string {
  const { p, y, i } = parts(period);
  const month = p === 'year' ? 0 : p === 'quarter' ? i * 3 : i;
  return `${String(y).padStart(4, '0')}-${String(month + 1).padStart(2, '0')}-01`;
}

/** All periods from..to inclusive (same periodicity). */
export function periodRange(from: string, to: string): string[] {
  const out: string[] = [];
  for (let p = from; p <= to && out.length < 100_000; p = shiftPeriod(p, 1)) out.push(p);
  return out;
}
