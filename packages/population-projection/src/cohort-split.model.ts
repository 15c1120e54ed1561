// Single years of age from age bands observed over several consecutive years. One year's bands say
// nothing about the ages inside a band; a series does, because the band limits cut different
// birth cohorts every year: when the WWII birth deficit (born 1945–46) crosses the limit at 60,
// the band 60–65 grows by less that year. This module finds the single-year populations that
//   - add up exactly to every observed band in every year,
//   - follow their cohorts from year to year (survival from the life table and one constant net
//     migration rate per band, so a year-to-year wobble of a band is read as a cohort, not as
//     migration), and
//   - fall back on a prior shape (the life table's stationary population) where the bands carry no
//     information (inside wide bands, far from every limit the cohorts cross in the window).
// A weighted least-squares problem with equality constraints, solved exactly (KKT system); the
// migration rates are re-estimated from the solution until they settle.
import { type AgeBand, bandOfAge } from './age-bands.js';

export interface CohortSplitOptions {
  /** survival of both sexes together from age x to x+1 (x = 0..ω−2), and for ω−1 and ω+ into ω+ */
  survival: { s: readonly number[]; open: number };
  /** prior shape by single year (e.g. the stationary population); only its shape within bands matters */
  prior: readonly number[];
  /** weight of the prior relative to following the cohorts */
  priorWeight: number;
  iterations?: number;
}

export interface CohortSplit {
  /** single-year population per observed year, in the order of `years` */
  populations: number[][];
  /** net migration rate per band and year, constant over the window */
  migrationRates: number[];
}

/** Solves A x = b in place by Gaussian elimination with partial pivoting (A is n×n, row-major). */
export function solveDense(a: Float64Array, b: Float64Array, n: number): Float64Array {
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r * n + col]!) > Math.abs(a[pivot * n + col]!)) pivot = r;
    if (Math.abs(a[pivot * n + col]!) < 1e-300) throw new Error(`singular system at column ${col}`);
    if (pivot !== col) {
      for (let k = 0; k < n; k++) {
        const t = a[col * n + k]!;
        a[col * n + k] = a[pivot * n + k]!;
        a[pivot * n + k] = t;
      }
      const t = b[col]!;
      b[col] = b[pivot]!;
      b[pivot] = t;
    }
    const d = a[col * n + col]!;
    for (let r = col + 1; r < n; r++) {
      const f = a[r * n + col]! / d;
      if (f === 0) continue;
      for (let k = col; k < n; k++) a[r * n + k]! -= f * a[col * n + k]!;
      b[r]! -= f * b[col]!;
    }
  }
  const x = new Float64Array(n);
  for (let r = n - 1; r >= 0; r--) {
    let s = b[r]!;
    for (let k = r + 1; k < n; k++) s -= a[r * n + k]! * x[k]!;
    x[r] = s / a[r * n + r]!;
  }
  return x;
}

/**
 * `observed[i]` holds the band totals of consecutive years i = 0..n−1 (31 December each). Returns
 * single-year populations 0..ω (ω = prior.length − 1) that meet every band total exactly.
 */
export function splitCohorts(observed: readonly (readonly number[])[], bands: readonly AgeBand[], o: CohortSplitOptions): CohortSplit {
  const omega = o.prior.length - 1;
  const band = bandOfAge(bands, omega);
  const years = observed.length;
  const ages = omega + 1;
  const n = ages * years;
  const m = bands.length * years;
  const idx = (y: number, x: number) => y * ages + x;
  // prior: each band total spread in proportion to the prior shape
  const priorBand = bands.map(() => 0);
  for (let x = 0; x <= omega; x++) priorBand[band[x]!]! += o.prior[x]!;
  const priorOf = (y: number, x: number) => (priorBand[band[x]!]! > 0 ? (observed[y]![band[x]!]! * o.prior[x]!) / priorBand[band[x]!]! : 0);
  let rates = bands.map(() => 0);
  let populations: number[][] = observed.map((_, y) => Array.from({ length: ages }, (_, x) => priorOf(y, x)));
  for (let it = 0; it < (o.iterations ?? 8); it++) {
    const size = n + m;
    const a = new Float64Array(size * size);
    const b = new Float64Array(size);
    // prior terms: w_p (x − q)² / (q + 1)
    for (let y = 0; y < years; y++)
      for (let x = 0; x <= omega; x++) {
        const q = priorOf(y, x);
        const w = o.priorWeight / (q + 1);
        a[idx(y, x) * size + idx(y, x)]! += w;
        b[idx(y, x)]! += w * q;
      }
    // cohort terms: (P_x(y+1) − c·Σ P_from(y))² / (scale + 1), c = survival × (1 + band rate)
    const cohortTerm = (y: number, x: number, from: number[], surv: number) => {
      const c = surv * (1 + rates[band[x]!]!);
      const coef = new Map<number, number>([[idx(y + 1, x), 1]]);
      for (const f of from) coef.set(idx(y, f), (coef.get(idx(y, f)) ?? 0) - c);
      const w = 1 / (priorOf(y + 1, x) + 1);
      for (const [i, ci] of coef) for (const [j, cj] of coef) a[i * size + j]! += w * ci * cj;
    };
    for (let y = 0; y + 1 < years; y++) {
      for (let x = 1; x < omega; x++) cohortTerm(y, x, [x - 1], o.survival.s[x - 1]!);
      cohortTerm(y, omega, [omega - 1, omega], o.survival.open);
    }
    // constraints: Σ_{x∈g} P_x(y) = observed; KKT rows n..n+m−1
    for (let y = 0; y < years; y++)
      bands.forEach((_, g) => {
        const row = n + y * bands.length + g;
        for (let x = 0; x <= omega; x++)
          if (band[x] === g) {
            a[row * size + idx(y, x)] = 1;
            a[idx(y, x) * size + row] = 1;
          }
        b[row] = observed[y]![g]!;
      });
    const sol = solveDense(a, b, size);
    populations = observed.map((_, y) => Array.from({ length: ages }, (_, x) => Math.max(0, sol[idx(y, x)]!)));
    const num = bands.map(() => 0);
    const den = bands.map(() => 0);
    for (let y = 0; y + 1 < years; y++) {
      for (let x = 1; x <= omega; x++) {
        const closed = x < omega ? o.survival.s[x - 1]! * populations[y]![x - 1]! : o.survival.open * (populations[y]![omega - 1]! + populations[y]![omega]!);
        num[band[x]!]! += populations[y + 1]![x]! - closed;
        den[band[x]!]! += closed;
      }
    }
    const next = bands.map((_, g) => (den[g]! > 0 ? num[g]! / den[g]! : 0));
    const change = Math.max(...next.map((r, g) => Math.abs(r - rates[g]!)));
    rates = next;
    if (change < 1e-7) break;
  }
  return { populations, migrationRates: rates };
}
