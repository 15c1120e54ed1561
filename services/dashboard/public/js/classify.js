// Class breaks for choropleth maps: quantiles, equal intervals, natural breaks (Fisher–Jenks) and
// standard deviations. Pure functions over plain numbers, so the page and the unit tests share them.
// A classification is { method, bounds }: k+1 ascending bounds for k classes; class i holds the
// values v with bounds[i] < v <= bounds[i+1] (the first class also holds bounds[0] itself).

/** @typedef {'quantile' | 'equal' | 'jenks' | 'stddev'} Method */

export const methods = /** @type {const} */ ([
  { code: 'quantile', label: 'Quantile (gleich viele Gebiete je Klasse)' },
  { code: 'equal', label: 'Gleiche Intervalle' },
  { code: 'jenks', label: 'Natürliche Brüche (Jenks)' },
  { code: 'stddev', label: 'Standardabweichung' },
]);

/**
 * @param {readonly number[]} values finite numbers (nulls and suppressed cells left out by the caller)
 * @param {Method} method
 * @param {number} k wished number of classes (fewer come back when the values do not allow k)
 * @returns {{ method: Method, bounds: number[], mean?: number, sd?: number }}
 */
export function classify(values, method, k) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return { method, bounds: [] };
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  if (min === max) return { method, bounds: [min, max] };
  const wanted = Math.max(1, Math.floor(k));
  // quantiles and natural breaks cannot make more classes than there are values
  const classes = method === 'quantile' || method === 'jenks' ? Math.min(wanted, sorted.length) : wanted;
  switch (method) {
    case 'quantile':
      return { method, bounds: tidy([min, ...quantileBreaks(sorted, classes), max]) };
    case 'equal':
      return { method, bounds: tidy([min, ...equalBreaks(min, max, classes), max]) };
    case 'jenks':
      return { method, bounds: tidy([min, ...jenksBreaks(sorted, classes), max]) };
    case 'stddev': {
      const { mean, sd } = meanSd(sorted);
      // k classes one SD wide, centred on the mean: odd k puts the mean in the middle of a class
      // (±0.5 SD), even k makes the mean a break. Outer classes are open to min and max.
      const inner = [];
      for (let j = 1; j < classes; j++) inner.push(mean + sd * (j - classes / 2));
      return { method, bounds: tidy([min, ...inner.filter((b) => b > min && b < max), max]), mean, sd };
    }
    default:
      throw new Error(`unknown classification method "${method}"; accepted: ${methods.map((m) => m.code).join(', ')}`);
  }
}

/** Index of the class of v (0-based), or -1 when v is null/NaN or there are no classes. */
export function classOf(v, bounds) {
  if (v == null || !Number.isFinite(v) || bounds.length < 2) return -1;
  const last = bounds.length - 2;
  for (let i = 0; i < last; i++) if (v <= bounds[i + 1]) return i;
  return last;
}

/** Inner breaks at the quantiles i/k of the sorted values (type 7 interpolation, as in R's default). */
export function quantileBreaks(sorted, k) {
  const out = [];
  for (let i = 1; i < k; i++) out.push(quantile(sorted, i / k));
  return out;
}

export function quantile(sorted, p) {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

export function equalBreaks(min, max, k) {
  const out = [];
  for (let i = 1; i < k; i++) out.push(min + ((max - min) * i) / k);
  return out;
}

/**
 * Fisher–Jenks natural breaks: the partition of the sorted values into k classes with the least
 * sum of squared deviations from the class means, by dynamic programming (O(k·n²), fine for the
 * 371 Stadtviertel). Returns the k−1 inner breaks (the upper value of each class but the last).
 */
export function jenksBreaks(sorted, k) {
  const n = sorted.length;
  if (k <= 1) return [];
  if (k >= n) return sorted.slice(0, n - 1);
  // prefix sums make the within-class variance of any slice O(1)
  const s1 = new Float64Array(n + 1);
  const s2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    s1[i + 1] = s1[i] + sorted[i];
    s2[i + 1] = s2[i] + sorted[i] * sorted[i];
  }
  const ssd = (i, j) => {
    // values i..j inclusive
    const c = j - i + 1;
    const sum = s1[j + 1] - s1[i];
    return s2[j + 1] - s2[i] - (sum * sum) / c;
  };
  // cost[c][j]: best cost of the first j+1 values in c+1 classes; from[c][j]: start of the last class
  const cost = [];
  const from = [];
  cost.push(Float64Array.from({ length: n }, (_, j) => ssd(0, j)));
  from.push(new Int32Array(n));
  for (let c = 1; c < k; c++) {
    const row = new Float64Array(n).fill(Infinity);
    const arg = new Int32Array(n);
    for (let j = c; j < n; j++) {
      for (let i = c; i <= j; i++) {
        const v = cost[c - 1][i - 1] + ssd(i, j);
        if (v < row[j]) {
          row[j] = v;
          arg[j] = i;
        }
      }
    }
    cost.push(row);
    from.push(arg);
  }
  const breaks = [];
  let end = n - 1;
  for (let c = k - 1; c > 0; c--) {
    const start = from[c][end];
    breaks.unshift(sorted[start - 1]);
    end = start - 1;
  }
  return breaks;
}

export function meanSd(values) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { mean, sd: Math.sqrt(variance) };
}

/** Strictly ascending, duplicates dropped (many equal values leave fewer classes than asked). */
function tidy(bounds) {
  const out = [];
  for (const b of bounds) if (out.length === 0 || b > out[out.length - 1]) out.push(b);
  if (out.length === 1) out.push(out[0]);
  return out;
}
