// Period life tables: from death probabilities q_x to survivors l_x, person-years L_x and T_x and
// life expectancy e_x; the survival ratios a one-year cohort-component step needs; and a
// Gompertz–Makeham model table fitted to published summary values (e0, e65) where a full table
// by single year is not at hand. Pure functions, no I/O.

export const SEXES = ['m', 'f'] as const;
export type Sex = (typeof SEXES)[number];

export interface LifeTable {
  /** q_x: probability of dying between exact ages x and x+1; the last one is 1 */
  readonly q: readonly number[];
  /** survivors at exact age x out of l_0 = 1 */
  readonly l: readonly number[];
  /** person-years lived between x and x+1 */
  readonly L: readonly number[];
  /** person-years lived above x */
  readonly T: readonly number[];
  /** life expectancy at exact age x */
  readonly e: readonly number[];
}

export class LifeTableError extends Error {
  override readonly name = 'LifeTableError';
  constructor(
    readonly code: 'Q_RANGE' | 'Q_NOT_CLOSED' | 'FIT_FAILED',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Life table from q_x (ages 0..n−1, q_{n−1} = 1). Deaths fall in the middle of the year (a_x = ½)
 * except in the first year, where most infant deaths happen in the first weeks: a_0 = a0.
 */
export function lifeTableFromQ(q: readonly number[], a0 = 0.15): LifeTable {
  q.forEach((v, x) => {
    if (!(v >= 0 && v <= 1)) throw new LifeTableError('Q_RANGE', `q at age ${x} is ${v}; accepted: a probability in [0, 1]`);
  });
  if (q.length === 0 || q[q.length - 1] !== 1) throw new LifeTableError('Q_NOT_CLOSED', 'the last q must be 1 (nobody survives the last age of the table)');
  const n = q.length;
  const l: number[] = [1];
  for (let x = 1; x < n; x++) l.push(l[x - 1]! * (1 - q[x - 1]!));
  const L = l.map((lx, x) => lx - (1 - (x === 0 ? a0 : 0.5)) * lx * q[x]!);
  const T: number[] = new Array(n).fill(0);
  for (let x = n - 1; x >= 0; x--) T[x] = L[x]! + (x + 1 < n ? T[x + 1]! : 0);
  const e = l.map((lx, x) => (lx > 0 ? T[x]! / lx : 0));
  return { q: [...q], l, L, T, e };
}

/** What a one-year step needs from a life table with open age ω: survival from each age to the next. */
export interface SurvivalRatios {
  /** s[x] = L_{x+1}/L_x for x = 0..ω−2: share of those aged x at the start of a year who are alive, aged x+1, at its end */
  readonly s: readonly number[];
  /** T_ω/T_{ω−1}: the same for those aged ω−1 and ω+ at the start, who end the year in ω+ */
  readonly open: number;
  /** L_0/l_0: share of a year's births alive at its end */
  readonly births: number;
}

export function survivalRatios(t: LifeTable, omega: number): SurvivalRatios {
  if (omega < 2 || omega >= t.L.length) throw new LifeTableError('Q_RANGE', `open age ${omega} must lie inside the table (2..${t.L.length - 1})`);
  const s = Array.from({ length: omega - 1 }, (_, x) => (t.L[x]! > 0 ? t.L[x + 1]! / t.L[x]! : 0));
  const open = t.T[omega - 1]! > 0 ? t.T[omega]! / t.T[omega - 1]! : 0;
  return { s, open, births: t.L[0]! / t.l[0]! };
}

/**
 * Stationary population of the table by single year up to the open age ω (L_x, and T_ω for ω+):
 * the age structure a population would have under this mortality and constant births. Used as the
 * within-band age shape where only bands are observed.
 */
export function stationaryPopulation(t: LifeTable, omega: number): number[] {
  return Array.from({ length: omega + 1 }, (_, x) => (x < omega ? t.L[x]! : t.T[omega]!));
}

/**
 * Gompertz–Makeham model table: q_0 given, a constant q for ages 1–14, and for ages 15+ the hazard
 * μ(x) = c + a·e^{b·x}, so q_x = 1 − exp(−c − a/b·(e^{b(x+1)} − e^{bx})). Closed at maxAge (q = 1).
 */
export interface GompertzMakeham {
  q0: number;
  childQ: number;
  c: number;
  a: number;
  b: number;
  maxAge?: number;
}

export function gompertzMakehamQ(p: GompertzMakeham): number[] {
  const maxAge = p.maxAge ?? 120;
  return Array.from({ length: maxAge + 1 }, (_, x) => {
    if (x === maxAge) return 1;
    if (x === 0) return p.q0;
    if (x < 15) return p.childQ;
    return 1 - Math.exp(-p.c - (p.a / p.b) * (Math.exp(p.b * (x + 1)) - Math.exp(p.b * x)));
  });
}

export interface LifeExpectancyTargets {
  e0: number;
  e65: number;
  q0: number;
  childQ: number;
  c: number;
}

/**
 * Finds a and b of the Gompertz–Makeham table whose life expectancy at birth and at 65 equal the
 * published values. For a given b, e65 falls as a rises (bisection on log a); with e65 held, e0
 * rises with b (steeper ageing = less mortality before old age), so a second bisection finds b.
 */
export function fitGompertzMakeham(t: LifeExpectancyTargets): GompertzMakeham & { table: LifeTable } {
  const tableOf = (a: number, b: number) => lifeTableFromQ(gompertzMakehamQ({ q0: t.q0, childQ: t.childQ, c: t.c, a, b }));
  const aFor = (b: number): number => {
    let lo = Math.log(1e-9);
    let hi = Math.log(1e-1);
    for (let i = 0; i < 80; i++) {
      const mid = (lo + hi) / 2;
      if (tableOf(Math.exp(mid), b).e[65]! > t.e65) lo = mid;
      else hi = mid;
    }
    return Math.exp((lo + hi) / 2);
  };
  let lo = 0.04;
  let hi = 0.2;
  for (let i = 0; i < 60; i++) {
    const mid = (lo + hi) / 2;
    if (tableOf(aFor(mid), mid).e[0]! < t.e0) lo = mid;
    else hi = mid;
  }
  const b = (lo + hi) / 2;
  const a = aFor(b);
  const table = tableOf(a, b);
  if (Math.abs(table.e[0]! - t.e0) > 0.01 || Math.abs(table.e[65]! - t.e65) > 0.01) {
    throw new LifeTableError('FIT_FAILED', `no Gompertz–Makeham table reaches e0 = ${t.e0} and e65 = ${t.e65} (best: ${table.e[0]!.toFixed(2)}, ${table.e[65]!.toFixed(2)})`);
  }
  return { q0: t.q0, childQ: t.childQ, c: t.c, a, b, table };
}
