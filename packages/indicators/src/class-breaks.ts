// Class breaks for choropleth maps. Every function returns k+1 ascending bounds [min, …, max];
// class i holds values in (b[i], b[i+1]], the first class also its lower bound.

function clean(values: readonly number[]): number[] {
  return values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
}

/** Quantile bounds with linear interpolation between order statistics (R type 7). */
export function quantileBreaks(values: readonly number[], k: number): number[] {
  const s = clean(values);
  if (!s.length) return [];
  const q = (p: number) => {
    const h = (s.length - 1) * p,
      lo = Math.floor(h);
    return s[lo]! + (h - lo) * ((s[Math.min(lo + 1, s.length - 1)] ?? s[lo]!) - s[lo]!);
  };
  return Array.from({ length: k + 1 }, (_, i) => q(i / k));
}

export function equalIntervalBreaks(values: readonly number[], k: number): number[] {
  const s = clean(values);
  if (!s.length) return [];
  const min = s[0]!,
    max = s[s.length - 1]!;
  return Array.from({ length: k + 1 }, (_, i) => (i === k ? max : min + ((max - min) * i) / k));
}

/**
 * Jenks natural breaks, computed exactly (Fisher 1958 dynamic programming): the partition of the sorted
 * values into k contiguous classes with the least total within-class sum of squared deviations.
 * Bounds are [min, max of class 1, …, max of class k]. O(k·n²), fine for a few thousand areas.
 */
export function jenksBreaks(values: readonly number[], k: number): number[] {
  const s = clean(values);
  const n = s.length;
  if (!n) return [];
  k = Math.max(1, Math.min(k, n));
  const pre = [0],
    pre2 = [0];
  for (const v of s) {
    pre.push(pre[pre.length - 1]! + v);
    pre2.push(pre2[pre2.length - 1]! + v * v);
  }
  // squared deviations of s[i..j] inclusive
  const ssd = (i: number, j: number) => {
    const m = j - i + 1,
      sum = pre[j + 1]! - pre[i]!;
    return pre2[j + 1]! - pre2[i]! - (sum * sum) / m;
  };
  // cost[c][j]: best cost of the first j+1 values in c+1 classes; from[c][j]: start of the last class
  const cost: number[][] = [Array.from({ length: n }, (_, j) => ssd(0, j))];
  const from: number[][] = [Array.from({ length: n }, () => 0)];
  for (let c = 1; c < k; c++) {
    cost.push(new Array<number>(n).fill(Infinity));
    from.push(new Array<number>(n).fill(0));
    for (let j = c; j < n; j++) {
      for (let i = c; i <= j; i++) {
        const v = cost[c - 1]![i - 1]! + ssd(i, j);
        if (v < cost[c]![j]!) {
          cost[c]![j] = v;
          from[c]![j] = i;
        }
      }
    }
  }
  const bounds: number[] = [s[n - 1]!];
  let j = n - 1;
  for (let c = k - 1; c > 0; c--) {
    const i = from[c]![j]!;
    bounds.unshift(s[i - 1]!);
    j = i - 1;
  }
  bounds.unshift(s[0]!);
  return bounds;
}

/**
 * Standard-deviation classes: bounds at mean + j·interval·SD (population SD) inside (min, max),
 * the mean itself being a bound, plus min and max.
 */
export function standardDeviationBreaks(values: readonly number[], interval = 1): number[] {
  const s = clean(values);
  if (!s.length) return [];
  const n = s.length,
    mean = s.reduce((a, v) => a + v, 0) / n;
  const sd = Math.sqrt(s.reduce((a, v) => a + (v - mean) ** 2, 0) / n);
  const min = s[0]!,
    max = s[n - 1]!;
  const inner: number[] = [];
  if (sd > 0) {
    const step = sd * interval;
    for (let j = Math.ceil((min - mean) / step); mean + j * step < max; j++) {
      const b = mean + j * step;
      if (b > min) inner.push(b);
    }
  }
  return [min, ...inner, max];
}

/** Index of the class a value falls into (0-based), or -1 outside [min, max]. */
export function classOf(value: number, breaks: readonly number[]): number {
  if (breaks.length < 2 || value < breaks[0]! || value > breaks[breaks.length - 1]!) return -1;
  for (let i = 1; i < breaks.length; i++) if (value <= breaks[i]!) return i - 1;
  return breaks.length - 2;
}
