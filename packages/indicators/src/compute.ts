// Pure arithmetic of indicators: summing observations, ratios, changes, and roll-up of counts and
// ratios up an area hierarchy by summing numerators and denominators (never averaging rates).
import type { Catalogue, Component, IndicatorPlan } from './catalogue.js';
import { alignPeriod, periodicityOf, shiftPeriod } from './periods.js';

export interface Observation {
  measure: string;
  dimensions: Readonly<Record<string, string>>;
  value: number;
}

export interface AreaRef {
  level: string;
  code: string;
}

export interface AreaValue extends AreaRef {
  value: number;
}

export type ParentOf = (area: AreaRef) => AreaRef | undefined;

/** Sum of the observations of one measure whose dimensions match the selection; undefined if none match. */
export function sumObservations(observations: readonly Observation[], sel: { measure: string; dims?: Readonly<Record<string, readonly string[]>> }): number | undefined {
  let sum: number | undefined;
  for (const o of observations) {
    if (o.measure !== sel.measure) continue;
    let ok = true;
    for (const [dim, accepted] of Object.entries(sel.dims ?? {})) {
      const v = o.dimensions[dim];
      if (v === undefined || !accepted.includes(v)) {
        ok = false;
        break;
      }
    }
    if (ok) sum = (sum ?? 0) + o.value;
  }
  return sum;
}

/** numerator / denominator × factor; null when the denominator is not positive. */
export function ratio(numerator: number, denominator: number, factor: number): number | null {
  return denominator > 0 ? (numerator / denominator) * factor : null;
}

/** current − earlier (absolute) or (current − earlier) / earlier × 100 (relative, %); null when undefined. */
export function change(current: number | null | undefined, earlier: number | null | undefined, mode: 'absolute' | 'relative'): number | null {
  if (current == null || earlier == null) return null;
  if (mode === 'absolute') return current - earlier;
  return earlier !== 0 ? ((current - earlier) / earlier) * 100 : null;
}

/** Reads a base count for one area; the period is already aligned to the component's dataset. */
export type CountLookup = (component: Component, period: string) => number | null | undefined;

export interface Evaluation {
  /** null when not computable (a count missing, a denominator ≤ 0, a relative change from 0) */
  value: number | null;
  /** a count's value or a ratio's numerator; null for a change */
  numerator: number | null;
  /** a ratio's denominator; null otherwise */
  denominator: number | null;
}

/**
 * The one evaluation of an indicator's arithmetic (count, ratio, change) for one area and period,
 * given its base counts. `align` maps the asked period to the period a component's dataset is read
 * at (a monthly SGB-II count over the yearly population uses that year's population). A change over
 * n periods compares with the period n steps earlier in the asked period's own periodicity.
 * Returns undefined when a count the indicator is made of is not there at all.
 */
export function evaluatePlan(plan: IndicatorPlan, period: string, count: CountLookup, align: (c: Component, period: string) => string = (_c, p) => p): Evaluation | undefined {
  const read = (c: Component, p: string) => count(c, align(c, p));
  switch (plan.kind) {
    case 'count': {
      const v = read(plan.component, period);
      return v == null ? undefined : { value: v, numerator: v, denominator: null };
    }
    case 'ratio': {
      const n = read(plan.numerator, period);
      if (n == null) return undefined;
      const d = read(plan.denominator, period) ?? null;
      return { value: d === null ? null : ratio(n, d, plan.factor), numerator: n, denominator: d };
    }
    case 'delivered': {
      // as delivered, at the area asked (never a sum; WarehouseIndicatorReader reads delivered values itself)
      const v = read(plan.value, period);
      if (v == null) return undefined;
      return { value: v, numerator: null, denominator: read(plan.denominator, period) ?? null };
    }
    case 'change': {
      const now = evaluatePlan(plan.base, period, count, align);
      const before = evaluatePlan(plan.base, shiftPeriod(period, -plan.periods), count, align);
      if (!now || !before) return undefined;
      return { value: change(now.value, before.value, plan.mode), numerator: null, denominator: null };
    }
  }
}

/** Value of a count, ratio or change indicator of the catalogue for one area and period (see evaluatePlan). */
export function evaluateIndicator(catalogue: Catalogue, code: string, period: string, count: CountLookup, version?: number): number | null {
  const ind = catalogue.require(code, version);
  const align = (c: Component, p: string) => {
    const ds = catalogue.datasets[c.dataset];
    return ds && periodicityOf(p) ? alignPeriod(p, ds.periodicity) : p;
  };
  return evaluatePlan(catalogue.compile(ind.code, ind.version), period, count, align)?.value ?? null;
}

const keyOf = (a: AreaRef) => `${a.level}|${a.code}`;

/**
 * Roll counts of one source level up to every ancestor by summing. Returns the input cells followed by
 * one cell per ancestor. Input cells should all be of one level (the level the feed delivers).
 */
export function rollUp(cells: readonly AreaValue[], parentOf: ParentOf): AreaValue[] {
  const sums = new Map<string, AreaValue>();
  for (const c of cells) {
    let p = parentOf(c);
    while (p) {
      const k = keyOf(p);
      const s = sums.get(k) ?? { level: p.level, code: p.code, value: 0 };
      s.value += c.value;
      sums.set(k, s);
      p = parentOf(p);
    }
  }
  return [...cells.map((c) => ({ ...c })), ...sums.values()];
}

export interface RatioCell extends AreaRef {
  numerator: number;
  denominator: number;
  value: number | null;
}

/** Roll a ratio up the hierarchy: sum numerators and denominators separately, then divide. */
export function rollUpRatio(cells: readonly (AreaRef & { numerator: number; denominator: number })[], parentOf: ParentOf, factor: number): RatioCell[] {
  const num = rollUp(
    cells.map((c) => ({ level: c.level, code: c.code, value: c.numerator })),
    parentOf,
  );
  const den = new Map(
    rollUp(
      cells.map((c) => ({ level: c.level, code: c.code, value: c.denominator })),
      parentOf,
    ).map((c) => [keyOf(c), c.value]),
  );
  return num.map((n) => {
    const d = den.get(keyOf(n)) ?? 0;
    return { level: n.level, code: n.code, numerator: n.value, denominator: d, value: ratio(n.value, d, factor) };
  });
}

export interface PlanningArea extends AreaRef {
  members: readonly AreaRef[];
}

/**
 * Counts of planning areas (Sozialraumgebiete) as sums of their members. A member without a value
 * (e.g. a Stadtviertel when data is delivered per Stadtteil) makes the total unknown: value null,
 * missing lists the members — never a silent undercount.
 */
export function aggregatePlanningAreas(cells: readonly AreaValue[], areas: readonly PlanningArea[]): (AreaRef & { value: number | null; missing: AreaRef[] })[] {
  const byKey = new Map(cells.map((c) => [keyOf(c), c.value]));
  return areas.map((a) => {
    const missing = a.members.filter((m) => !byKey.has(keyOf(m)));
    const value = missing.length ? null : a.members.reduce((s, m) => s + byKey.get(keyOf(m))!, 0);
    return { level: a.level, code: a.code, value, missing: [...missing] };
  });
}

/** A delivered value (area-statistic v3) with its denominator (a change's base count) where delivered. */
export interface DeliveredValue {
  value: number;
  denominator: number | null;
}

type DeliveredPlan = Extract<IndicatorPlan, { kind: 'delivered' }>;

/**
 * The counts a delivered value stands on, as far as the value and its denominator tell: a share's
 * or rate's numerator (value / factor × denominator, rounded) and the rest of its denominator
 * (shares only), a mean's denominator, a change's base and later count. undefined when they are
 * not known (no denominator delivered).
 */
export function underlyingCounts(plan: Pick<DeliveredPlan, 'valueKind' | 'factor' | 'mode'>, v: DeliveredValue): number[] | undefined {
  const d = v.denominator;
  if (d == null) return undefined;
  switch (plan.valueKind) {
    case 'SHARE':
    case 'RATE': {
      if (plan.factor === undefined) return undefined;
      const numerator = Math.round((v.value / plan.factor) * d);
      return plan.valueKind === 'SHARE' ? [d, numerator, d - numerator] : [d, numerator];
    }
    case 'MEAN':
      return [d];
    case 'CHANGE':
      return [d, Math.round(plan.mode === 'absolute' ? d + v.value : d * (1 + v.value / 100))];
  }
}

/**
 * The smallest count a delivered value may stand on for the public (docs/disclosure.md §8): the
 * office's suppressBelow, and at least one more than the perturbation table's blockedUpTo — a
 * count the table would never publish (1 … blockedUpTo) is not given away by a share either.
 */
export function deliveredThreshold(protection: { suppressBelow: number; perturbation: { blockedUpTo: number } }): number {
  return Math.max(protection.suppressBelow, protection.perturbation.blockedUpTo + 1);
}

/**
 * The suppression rule of delivered values (docs/disclosure.md §8): a delivered value is withheld
 * when a count it stands on is small (0 < count < threshold) — a share's or rate's denominator or
 * numerator (and a share's complement: 49 of 50 gives the one person away), a mean's denominator,
 * a change's base or later count. Without a delivered denominator the value tells no count and is
 * shown as the source published it. A count of 0 is no small group: 0 % of 50 is shown.
 */
export function deliveredValueHidden(plan: Pick<DeliveredPlan, 'valueKind' | 'factor' | 'mode'>, v: DeliveredValue, threshold: number): boolean {
  const counts = underlyingCounts(plan, v);
  return counts?.some((c) => c > 0 && c < threshold) ?? false;
}
