// Periods are strings: a year "2012", a quarter "2012-Q3" or a month "2012-07".
// They sort lexically within one type, and can be shifted by n steps of their own type.

export type PeriodType = 'YEAR' | 'QUARTER' | 'MONTH';

const yearRe = /^(\d{4})$/;
const quarterRe = /^(\d{4})-Q([1-4])$/;
const monthRe = /^(\d{4})-(0[1-9]|1[0-2])$/;

export function periodType(period: string): PeriodType | null {
  if (yearRe.test(period)) return 'YEAR';
  if (quarterRe.test(period)) return 'QUARTER';
  if (monthRe.test(period)) return 'MONTH';
  return null;
}

/** The period n steps later (negative n: earlier), in the period's own type. */
export function shiftPeriod(period: string, n: number): string {
  const y = yearRe.exec(period);
  if (y) return String(Number(y[1]) + n);
  const q = quarterRe.exec(period);
  if (q) {
    const idx = Number(q[1]) * 4 + (Number(q[2]) - 1) + n;
    return `${Math.floor(idx / 4)}-Q${(idx % 4) + 1}`;
  }
  const m = monthRe.exec(period);
  if (m) {
    const idx = Number(m[1]) * 12 + (Number(m[2]) - 1) + n;
    return `${Math.floor(idx / 12)}-${String((idx % 12) + 1).padStart(2, '0')}`;
  }
  throw new RangeError(`not a period: ${period} (expected YYYY, YYYY-Qn or YYYY-MM)`);
}

/** Every period from `from` to `to` inclusive (same type). */
export function periodRange(from: string, to: string): string[] {
  if (periodType(from) !== periodType(to)) throw new RangeError(`period types differ: ${from} / ${to}`);
  const out: string[] = [];
  for (let p = from; p <= to; p = shiftPeriod(p, 1)) out.push(p);
  return out;
}
