// @ts-check
// Class breaks for choropleth maps: quantiles, equal intervals, natural breaks (Fisher–Jenks) and
// standard deviations. Pure functions over plain numbers, so the page and the unit tests share them.
// A classification is { method, bounds }: k+1 ascending bounds for k classes; class i holds the
// values v with bounds[i] < v <= bounds[i+1] (the first class also holds bounds[0] itself).

/** @typedef {'quantile' | 'equal' | 'jenks' | 'stddev'} Method */
/** @typedef {{ method: Method, bounds: number[], mean?: number, sd?: number }} Classification */

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
 * @returns {Classification}
 */
export function classify(values, method, k) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  const min = sorted[0];
  const max = sorted[sorted.length - 1];
  if (min === undefined || max === undefined) return { method, bounds: [] };
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

/**
 * Index of the class of v (0-based), or -1 when v is null/NaN or there are no classes.
 * @param {number | null | undefined} v
 * @param {readonly number[]} bounds
 */
export function classOf(v, bounds) {
  if (v == null || !Number.isFinite(v) || bounds.length < 2) return -1;
  const last = bounds.length - 2;
  for (let i = 0; i < last; i++) if (v <= /** @type {number} */ (bounds[i + 1])) return i;
  return last;
}

/**
 * Inner breaks at the quantiles i/k of the sorted values (type 7 interpolation, as in R's default).
 * @param {readonly number[]} sorted
 * @param {number} k
 */
export function quantileBreaks(sorted, k) {
  /** @type {number[]} */
  const out = [];
  for (let i = 1; i < k; i++) out.push(quantile(sorted, i / k));
  return out;
}

/**
 * @param {readonly number[]} sorted
 * @param {number} p
 */
export function quantile(sorted, p) {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.ceil(h);
  const a = /** @type {number} */ (sorted[lo]);
  const b = /** @type {number} */ (sorted[hi]);
  return a + (h - lo) * (b - a);
}

/**
 * @param {number} min
 * @param {number} max
 * @param {number} k
 */
export function equalBreaks(min, max, k) {
  /** @type {number[]} */
  const out = [];
  for (let i = 1; i < k; i++) out.push(min + ((max - min) * i) / k);
  return out;
}

/**
 * Fisher–Jenks natural breaks: the partition of the sorted values into k classes with the least
 * sum of squared deviations from the class means, by dynamic programming (O(k·n²), fine for the
 * 371 Stadtviertel). Returns the k−1 inner breaks (the upper value of each class but the last).
 * @param {readonly number[]} sorted
 * @param {number} k
 * @returns {number[]}
 */
export function jenksBreaks(sorted, k) {
  const n = sorted.length;
  if (k <= 1) return [];
  if (k >= n) return sorted.slice(0, n - 1);
  // prefix sums make the within-class variance of any slice O(1)
  // (indices below stay inside their arrays by construction: the casts only tell the type checker)
  const s1 = new Float64Array(n + 1);
  const s2 = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) {
    const v = /** @type {number} */ (sorted[i]);
    s1[i + 1] = /** @type {number} */ (s1[i]) + v;
    s2[i + 1] = /** @type {number} */ (s2[i]) + v * v;
  }
  /**
   * @param {number} i
   * @param {number} j
   */
  const ssd = (i, j) => {
    // values i..j inclusive
    const c = j - i + 1;
    const sum = /** @type {number} */ (s1[j + 1]) - /** @type {number} */ (s1[i]);
    return /** @type {number} */ (s2[j + 1]) - /** @type {number} */ (s2[i]) - (sum * sum) / c;
  };
  // row[j] (for c+1 classes) and prev[j] (for c classes): best cost of the first j+1 values;
  // from[c][j]: start of the last class
  /** @type {Int32Array[]} */
  const from = [];
  let prev = Float64Array.from({ length: n }, (_, j) => ssd(0, j));
  from.push(new Int32Array(n));
  for (let c = 1; c < k; c++) {
    const row = new Float64Array(n).fill(Infinity);
    const arg = new Int32Array(n);
    for (let j = c; j < n; j++) {
      for (let i = c; i <= j; i++) {
        const v = /** @type {number} */ (prev[i - 1]) + ssd(i, j);
        if (v < /** @type {number} */ (row[j])) {
          row[j] = v;
          arg[j] = i;
        }
      }
    }
    from.push(arg);
    prev = row;
  }
  /** @type {number[]} */
  const breaks = [];
  let end = n - 1;
  for (let c = k - 1; c > 0; c--) {
    const start = /** @type {number} */ (/** @type {Int32Array} */ (from[c])[end]);
    breaks.unshift(/** @type {number} */ (sorted[start - 1]));
    end = start - 1;
  }
  return breaks;
}

/** @param {readonly number[]} values */
export function meanSd(values) {
  const n = values.length;
  const mean = values.reduce((a, b) => a + b, 0) / n;
  const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
  return { mean, sd: Math.sqrt(variance) };
}

/**
 * Strictly ascending, duplicates dropped (many equal values leave fewer classes than asked).
 * @param {readonly number[]} bounds
 */
function tidy(bounds) {
  /** @type {number[]} */
  const out = [];
  for (const b of bounds) {
    const last = out[out.length - 1];
    if (last === undefined || b > last) out.push(b);
  }
  if (out.length === 1) out.push(/** @type {number} */ (out[0]));
  return out;
}
