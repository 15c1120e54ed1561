// A typology of the areas of one level: k-means on the z-standardised indicator profiles
// (area-profile.ts), seeded by k-means++ with a fixed pseudo-random sequence so the same inputs give
// the same types on every run and machine, best of several seeded starts by within-cluster sum of
// squares (docs/uncertainty-and-typology.md). Pure.
import { type AreaProfile, ProfileError, standardiseProfiles } from './area-profile.js';
import { mulberry32 } from './random.js';

export interface TypologyOptions {
  /** seed of the pseudo-random sequence (default 20) */
  seed?: number;
  /** seeded starts; the one with the smallest within-cluster sum of squares wins (default 10) */
  starts?: number;
  /** Lloyd iterations per start (default 100) */
  maxIterations?: number;
}

export interface TypologyCluster {
  /** 1 … k, numbered by their first area in code order */
  cluster: number;
  /** area codes, code order */
  members: string[];
  /** the members' mean per indicator, in the indicators' own units */
  centre: number[];
  /** the same in z units */
  centreZ: number[];
  /** sum of squared z-distances of the members to the centre */
  withinSs: number;
}

export interface Typology {
  k: number;
  /** area code → cluster (1 … k) */
  assignment: Map<string, number>;
  clusters: TypologyCluster[];
  /** Σ withinSs (z units) */
  withinSs: number;
  /** Σ of squared z-distances to the overall mean (= areas × indicators with sd > 0); 1 − withinSs/totalSs is the share explained */
  totalSs: number;
  /** the per-indicator mean and SD used to standardise */
  stats: { mean: number; sd: number }[];
  seed: number;
}

const d2 = (a: readonly number[], b: readonly number[]) => a.reduce((s, v, j) => s + (v - b[j]!) ** 2, 0);

/** k-means++ seeding: the first centre uniformly, each next one with probability ∝ squared distance to the nearest chosen centre. */
function seedCentres(points: readonly number[][], k: number, next: () => number): number[][] {
  const centres = [points[Math.floor(next() * points.length)]!];
  const nearest = points.map((p) => d2(p, centres[0]!));
  while (centres.length < k) {
    const total = nearest.reduce((s, v) => s + v, 0);
    let pick = 0;
    if (total > 0) {
      let r = next() * total;
      pick = nearest.findIndex((v) => (r -= v) < 0);
      if (pick < 0) pick = nearest.findLastIndex((v) => v > 0);
    } else {
      // every point coincides with a centre: take the first not yet chosen
      pick = points.findIndex((p) => !centres.includes(p));
    }
    centres.push(points[pick]!);
    points.forEach((p, i) => {
      nearest[i] = Math.min(nearest[i]!, d2(p, points[pick]!));
    });
  }
  return centres.map((c) => [...c]);
}

function lloyd(points: readonly number[][], centres: number[][], maxIterations: number): { assign: number[]; sse: number } {
  const k = centres.length;
  let assign = points.map(() => -1);
  for (let it = 0; it < maxIterations; it++) {
    const next = points.map((p) => {
      let best = 0;
      for (let c = 1; c < k; c++) if (d2(p, centres[c]!) < d2(p, centres[best]!)) best = c;
      return best;
    });
    const changed = next.some((c, i) => c !== assign[i]);
    assign = next;
    // an emptied cluster takes the point farthest from its centre, so there are always k types
    for (let c = 0; c < k; c++) {
      if (assign.includes(c)) continue;
      let far = 0;
      points.forEach((p, i) => {
        if (d2(p, centres[assign[i]!]!) > d2(points[far]!, centres[assign[far]!]!)) far = i;
      });
      assign[far] = c;
    }
    for (let c = 0; c < k; c++) {
      const members = points.filter((_, i) => assign[i] === c);
      centres[c] = centres[c]!.map((_, j) => members.reduce((s, p) => s + p[j]!, 0) / members.length);
    }
    if (!changed && it > 0) break;
  }
  return { assign, sse: points.reduce((s, p, i) => s + d2(p, centres[assign[i]!]!), 0) };
}

/**
 * k-means typology of the areas (2 ≤ k ≤ 10 and k ≤ number of areas). Deterministic: the areas are
 * taken in code order and every start is seeded from `seed`.
 */
export function typology(profiles: readonly AreaProfile[], k: number, options: TypologyOptions = {}): Typology {
  if (!Number.isInteger(k) || k < 2 || k > 10) throw new ProfileError('BAD_K', `k = ${k}; accepted: a whole number from 2 to 10`);
  const standardised = standardiseProfiles(profiles);
  const codes = standardised.codes;
  if (k > codes.length) throw new ProfileError('BAD_K', `k = ${k} types for ${codes.length} areas; accepted: at most ${codes.length}`);
  const points = codes.map((c) => standardised.z.get(c)!);
  const seed = options.seed ?? 20;
  let best: { assign: number[]; sse: number } | undefined;
  for (let s = 0; s < (options.starts ?? 10); s++) {
    const run = lloyd(points, seedCentres(points, k, mulberry32(seed + s * 7919)), options.maxIterations ?? 100);
    if (!best || run.sse < best.sse - 1e-12) best = run;
  }
  // number the types by their first area in code order, so labels do not depend on the start
  const order = [...new Set(best!.assign)];
  const label = new Map(order.map((c, i) => [c, i + 1]));
  const original = new Map(profiles.map((p) => [p.code, p.values]));
  // sums in code order (members are), so the figures do not depend on the input order
  const clusters: TypologyCluster[] = order.map((c) => {
    const idx = codes.map((_, i) => i).filter((i) => best!.assign[i] === c);
    const mean = (rows: readonly (readonly number[])[]) => rows[0]!.map((_, j) => rows.reduce((s, r) => s + r[j]!, 0) / rows.length);
    const centreZ = mean(idx.map((i) => points[i]!));
    return {
      cluster: label.get(c)!,
      members: idx.map((i) => codes[i]!),
      centre: mean(idx.map((i) => original.get(codes[i]!)!)),
      centreZ,
      withinSs: idx.reduce((s, i) => s + d2(points[i]!, centreZ), 0),
    };
  });
  const origin = points[0]!.map(() => 0);
  return {
    k,
    assignment: new Map(codes.map((c, i) => [c, label.get(best!.assign[i]!)!])),
    clusters,
    withinSs: clusters.reduce((s, c) => s + c.withinSs, 0),
    totalSs: points.reduce((s, p) => s + d2(p, origin), 0),
    stats: standardised.stats,
    seed,
  };
}
