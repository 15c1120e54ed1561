// Honest uncertainty of rates: a Wilson score interval for shares and a small-number flag
// (docs/uncertainty-and-typology.md). Pure arithmetic on the numerator and denominator a reader is
// shown — for the public those are the protected counts, so nothing here can see a true count
// the public may not see. Counts and changes carry neither.
import { z } from 'zod';

/**
 * The catalogue's `uncertainty:` section. `level`: coverage of the interval; a rate is flagged as
 * resting on small numbers when its numerator is below `minNumerator` or its denominator below
 * `minDenominator` (defaults: 20 cases — below that the relative standard error of a Poisson count
 * exceeds 22 %, the common "unreliable" rule of health statistics — and 100 persons).
 */
export const uncertaintySettingsSchema = z.object({
  level: z.number().min(0.5).max(0.999).default(0.95),
  minNumerator: z.number().int().nonnegative().default(20),
  minDenominator: z.number().int().nonnegative().default(100),
});

export type UncertaintySettings = z.infer<typeof uncertaintySettingsSchema>;

export const defaultUncertaintySettings: UncertaintySettings = Object.freeze(uncertaintySettingsSchema.parse({}));

export interface Interval {
  lower: number;
  upper: number;
}

/**
 * Quantile of the standard normal distribution (Acklam's rational approximation, relative error
 * below 1.2e-9): zQuantile(0.975) = 1.959964 for a two-sided 95 % interval.
 */
export function zQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`zQuantile: p must lie in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
  if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
  if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
  const q = p - 0.5;
  const r = q * q;
  return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * Wilson score interval of a share `successes / trials` at confidence `level` (two-sided), as
 * proportions in [0, 1]. Unlike the Wald interval it stays inside [0, 1] and is not empty at 0 of n
 * (0/10 → 0 … 0.278). undefined when it does not apply: no trials, or not a share (successes
 * negative or above trials).
 */
export function wilsonInterval(successes: number, trials: number, level = 0.95): Interval | undefined {
  if (!(trials > 0) || successes < 0 || successes > trials) return undefined;
  const z = zQuantile(1 - (1 - level) / 2);
  const z2 = z * z;
  const p = successes / trials;
  const denom = 1 + z2 / trials;
  const centre = (p + z2 / (2 * trials)) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials))) / denom;
  // rounding must not push an end past the share itself (0/n has lower bound exactly 0)
  return { lower: Math.max(0, Math.min(p, centre - half)), upper: Math.min(1, Math.max(p, centre + half)) };
}

export type SmallNumberReason = 'NUMERATOR' | 'DENOMINATOR';

/** Which of a rate's counts lie below the thresholds (empty: the rate does not rest on small numbers). */
export function smallNumberReasons(numerator: number, denominator: number, settings: Pick<UncertaintySettings, 'minNumerator' | 'minDenominator'>): SmallNumberReason[] {
  const out: SmallNumberReason[] = [];
  if (numerator < settings.minNumerator) out.push('NUMERATOR');
  if (denominator < settings.minDenominator) out.push('DENOMINATOR');
  return out;
}

/** A figure as a reader is shown it: for the public the protected counts, null when withheld. */
export interface ShownFigure {
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  suppressed: boolean;
}

export interface RateUncertainty {
  /** in the indicator's unit (× factor); null when the rate is not a share (numerator above denominator) */
  interval: (Interval & { level: number; method: 'WILSON' }) | null;
  smallNumber: boolean;
  smallNumberReasons: SmallNumberReason[];
}

/**
 * The uncertainty of one shown figure of a ratio indicator (value = numerator / denominator ×
 * factor). undefined when there is none to show: a withheld ("geschützt") figure, a figure without
 * value, or one that is not a ratio (`factor` null: counts and changes).
 */
export function rateUncertainty(figure: ShownFigure, factor: number | null, settings: UncertaintySettings = defaultUncertaintySettings): RateUncertainty | undefined {
  if (factor === null || figure.suppressed || figure.value === null || figure.numerator === null || figure.denominator === null) return undefined;
  const w = wilsonInterval(figure.numerator, figure.denominator, settings.level);
  const reasons = smallNumberReasons(figure.numerator, figure.denominator, settings);
  return {
    interval: w ? { lower: w.lower * factor, upper: w.upper * factor, level: settings.level, method: 'WILSON' } : null,
    smallNumber: reasons.length > 0,
    smallNumberReasons: reasons,
  };
}
