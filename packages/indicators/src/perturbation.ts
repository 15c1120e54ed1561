// The perturbation table of the cell-key method (docs/disclosure.md): for each original count i,
// the probabilities of publishing j = i + noise, built by maximum entropy under the constraints the
// German census 2022 and the sdcTools `ptable` package use — noise at most D, unbiased (mean 0),
// variance V, no negative result, no published value in 1..js (a published 0 is always possible).
// Counts from D + js + 1 on share one symmetric row. A cell key in [0, 1) picks the noise: the
// cumulative intervals of the row are laid out from the lowest noise to the highest, so the same
// (count, key) always gives the same published value. Pure; the parameters are configuration
// (per tenant), never a literal in the code that uses them.
import { z } from 'zod';

export const perturbationParamsSchema = z
  .object({
    /** D: the largest absolute noise added to one cell */
    maxNoise: z.number().int().min(1).max(20),
    /** V: the variance of the noise (rows where V cannot be met use the maximum-entropy unbiased distribution) */
    variance: z.number().positive(),
    /** js: published values 1..js never occur (a published 0 or a value above js) */
    blockedUpTo: z.number().int().min(0).max(20),
  })
  .refine((p) => p.maxNoise >= p.blockedUpTo + 1, {
    message: 'maxNoise must be at least blockedUpTo + 1, or the counts just above blockedUpTo cannot be perturbed without bias',
    path: ['maxNoise'],
  })
  .refine((p) => p.variance < p.maxNoise * p.maxNoise, { message: 'variance must be below maxNoise²', path: ['variance'] });

export type PerturbationParams = z.infer<typeof perturbationParamsSchema>;

export interface PerturbationTarget {
  /** the published value j */
  value: number;
  /** j − i */
  noise: number;
  p: number;
  /** the cell keys in [lower, upper) publish this value */
  lower: number;
  upper: number;
}

export interface PerturbationRow {
  /** the original count i (the last row stands for every count ≥ i) */
  original: number;
  targets: PerturbationTarget[];
  mean: number;
  variance: number;
}

export interface PerturbationTable {
  params: PerturbationParams;
  /** rows for 0 … D + js + 1; the last is symmetric and serves every larger count */
  rows: PerturbationRow[];
}

/** The published values a count may become: [max(i − D, 0), i + D] without 1..js; a 0 stays 0. */
export function admissibleTargets(original: number, params: PerturbationParams): number[] {
  if (original <= 0) return [0];
  const out: number[] = [];
  for (let j = Math.max(original - params.maxNoise, 0); j <= original + params.maxNoise; j++) if (j === 0 || j > params.blockedUpTo) out.push(j);
  return out;
}

/** Builds the table; deterministic for the parameters, so anyone holding them (the public too) can rebuild it. */
export function buildPerturbationTable(input: PerturbationParams): PerturbationTable {
  const params = perturbationParamsSchema.parse(input);
  const last = params.maxNoise + params.blockedUpTo + 1;
  const rows: PerturbationRow[] = [];
  for (let i = 0; i <= last; i++) {
    const values = admissibleTargets(i, params);
    const noise = values.map((j) => j - i);
    const p = i === 0 ? [1] : maxEntropy(noise, params.variance);
    let acc = 0;
    const targets = values.map((value, k) => {
      const lower = acc;
      acc = k === values.length - 1 ? 1 : acc + p[k]!;
      return { value, noise: noise[k]!, p: p[k]!, lower, upper: acc };
    });
    const mean = targets.reduce((s, t) => s + t.p * t.noise, 0);
    const variance = targets.reduce((s, t) => s + t.p * t.noise * t.noise, 0);
    rows.push({ original: i, targets, mean, variance });
  }
  return { params, rows };
}

/** The row that perturbs a count (counts are rounded; a negative count is treated as 0). */
export function rowFor(table: PerturbationTable, count: number): PerturbationRow {
  const i = Math.max(0, Math.round(count));
  return table.rows[Math.min(i, table.rows.length - 1)]!;
}

/** The published value of a count with this cell key: count + the noise the key selects. */
export function perturbCount(count: number, cellKey: number, table: PerturbationTable): number {
  if (!(count > 0)) return 0;
  const row = rowFor(table, count);
  const key = cellKey - Math.floor(cellKey);
  for (const t of row.targets) if (key < t.upper) return Math.round(count) + t.noise;
  return Math.round(count) + row.targets[row.targets.length - 1]!.noise;
}

/**
 * The original counts that can be published as `published` (the attacker's view of one cell):
 * every i with `published` among its admissible targets.
 */
export function preimage(published: number, params: PerturbationParams): number[] {
  if (published < 0 || (published > 0 && published <= params.blockedUpTo)) return [];
  const out: number[] = [];
  for (let i = Math.max(0, published - params.maxNoise); i <= published + params.maxNoise; i++) if (admissibleTargets(i, params).includes(published)) out.push(i);
  return out;
}

/**
 * Expected absolute deviation of a sum of `cells` independently perturbed counts that are large
 * enough to use the symmetric row (the usual case): E|Σ noise|, by convolution of that row.
 */
export function expectedAbsoluteDeviation(table: PerturbationTable, cells = 1): number {
  const row = table.rows[table.rows.length - 1]!;
  if (cells <= 0) return 0;
  if (cells > 400) return Math.sqrt((2 / Math.PI) * cells * row.variance);
  let dist = new Map<number, number>([[0, 1]]);
  for (let c = 0; c < cells; c++) {
    const next = new Map<number, number>();
    for (const [s, ps] of dist) for (const t of row.targets) next.set(s + t.noise, (next.get(s + t.noise) ?? 0) + ps * t.p);
    dist = next;
  }
  let e = 0;
  for (const [s, p] of dist) e += Math.abs(s) * p;
  return e;
}

/**
 * Maximum-entropy distribution over the noise values v with mean 0 and variance V:
 * p ∝ exp(a·v + b·v²), (a, b) found by Newton's method on the convex dual. When V is outside the
 * range an unbiased distribution on these values can have, the variance constraint is dropped
 * (p ∝ exp(a·v)), which keeps every admissible value possible.
 */
function maxEntropy(v: readonly number[], variance: number): number[] {
  if (v.length === 1) return [1];
  const neg = v.filter((x) => x < 0),
    pos = v.filter((x) => x > 0);
  if (neg.length === 0 || pos.length === 0) throw new Error(`no unbiased noise on ${v.join(',')}`);
  const pairs = neg.flatMap((a) => pos.map((b) => -a * b));
  const minVar = v.includes(0) ? 0 : Math.min(...pairs),
    maxVar = Math.max(...pairs);
  const withVariance = variance > minVar + 1e-9 && variance < maxVar - 1e-9;
  let a = 0,
    b = 0;
  const probs = (a: number, b: number) => {
    const e = v.map((x) => a * x + b * x * x);
    const m = Math.max(...e);
    const w = e.map((x) => Math.exp(x - m));
    const z = w.reduce((s, x) => s + x, 0);
    return w.map((x) => x / z);
  };
  for (let iter = 0; iter < 200; iter++) {
    const p = probs(a, b);
    const m1 = p.reduce((s, x, k) => s + x * v[k]!, 0);
    const m2 = p.reduce((s, x, k) => s + x * v[k]! ** 2, 0);
    const m3 = p.reduce((s, x, k) => s + x * v[k]! ** 3, 0);
    const m4 = p.reduce((s, x, k) => s + x * v[k]! ** 4, 0);
    const g1 = m1,
      g2 = withVariance ? m2 - variance : 0;
    if (Math.abs(g1) < 1e-13 && Math.abs(g2) < 1e-13) break;
    const h11 = m2 - m1 * m1,
      h12 = m3 - m1 * m2,
      h22 = m4 - m2 * m2;
    let da: number, db: number;
    if (withVariance) {
      const det = h11 * h22 - h12 * h12;
      da = -(h22 * g1 - h12 * g2) / det;
      db = -(-h12 * g1 + h11 * g2) / det;
    } else {
      da = -g1 / h11;
      db = 0;
    }
    // damped step: the dual is convex, so halving until the gradient shrinks converges
    let t = 1;
    const norm = Math.hypot(g1, g2);
    for (let k = 0; k < 30; k++) {
      const q = probs(a + t * da, b + t * db);
      const n1 = q.reduce((s, x, j) => s + x * v[j]!, 0);
      const n2 = withVariance ? q.reduce((s, x, j) => s + x * v[j]! ** 2, 0) - variance : 0;
      if (Math.hypot(n1, n2) < norm) break;
      t /= 2;
    }
    a += t * da;
    b += t * db;
  }
  return probs(a, b);
}
