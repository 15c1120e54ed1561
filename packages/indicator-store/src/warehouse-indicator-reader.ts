// IndicatorReader over the warehouse. Counts are rolled up at query time by joining leaf cells
// with area_map (summing numerators and denominators, never averaging rates); Datenschutz
// suppression is applied to every count before any value is derived from it.
import type { Warehouse, QueryParams } from '@sp/ports';
import { componentsOf, type Component, type IndicatorPlan, type PlanResolver } from './indicator-plan.js';
import type { IndexValue, IndicatorReader, IndicatorValue, IndicatorValuesQuery, SuppressionReason } from './indicator-reader.js';
import { periodRange, shiftPeriod } from './periods.js';
import { suppressCounts, type Suppression } from './suppression.js';

export class UnknownIndicatorError extends Error {
  readonly code = 'UNKNOWN_INDICATOR';
  constructor(readonly indicator: string) {
    super(`unknown indicator "${indicator}"`);
  }
}

export interface WarehouseIndicatorReaderOptions {
  plans: PlanResolver;
  /** counts below this are suppressed for non-privileged readers (default 3) */
  threshold?: number;
  /** parent level per level of the nested hierarchy; levels not listed are planning levels */
  parentLevels?: Record<string, string>;
}

interface Count {
  value: number;
  knownAt: number;
  synthetic: boolean;
}
type CountsByPeriod = Map<string, Map<string, Count>>;
interface Evaluated {
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  suppression: SuppressionReason | null;
  knownAt: number;
  synthetic: boolean;
}

// first day of a period string ("2012" | "2012-Q3" | "2012-07"), as an ISO date, in ClickHouse SQL
const PERIOD_START_SQL = `multiIf(length(c.period) = 4, concat(c.period, '-01-01'),
  position(c.period, 'Q') > 0, concat(substring(c.period, 1, 5), leftPad(toString((toUInt8(substring(c.period, 7, 1)) - 1) * 3 + 1), 2, '0'), '-01'),
  concat(c.period, '-01'))`;

const defaultParents: Record<string, string> = {
  STADTVIERTEL: 'STADTTEIL',
  STADTTEIL: 'STADTBEZIRK',
  STADTBEZIRK: 'STADT',
};

export class WarehouseIndicatorReader implements IndicatorReader {
  private readonly threshold: number;
  private readonly parentLevels: Record<string, string>;
  private readonly mapCache = new Map<string, Promise<Map<string, string[]>>>();

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: WarehouseIndicatorReaderOptions,
  ) {
    this.threshold = options.threshold ?? 3;
    this.parentLevels = options.parentLevels ?? defaultParents;
  }

  /** Forget cached area relations (after the area map was reloaded). */
  clearCache(): void {
    this.mapCache.clear();
  }

  async values(q: IndicatorValuesQuery): Promise<IndicatorValue[]> {
    const plan = this.options.plans.plan(q.indicator);
    if (!plan) throw new UnknownIndicatorError(q.indicator);
    const periods = q.periods ? [...q.periods] : q.periodFrom && q.periodTo ? periodRange(q.periodFrom, q.periodTo) : await this.periods(q.indicator);
    const needed = new Set(periods);
    if (plan.kind === 'change') for (const p of periods) needed.add(shiftPeriod(p, -plan.periods));
    const counts = new Map<string, CountsByPeriod>();
    for (const c of componentsOf(plan)) {
      const id = JSON.stringify(c);
      if (!counts.has(id)) counts.set(id, await this.counts(c, q.level, [...needed], q.asOf));
    }
    const suppressions = new Map<string, Map<string, Map<string, Suppression>>>();
    if (!q.privileged) {
      for (const c of componentsOf(plan)) {
        const id = JSON.stringify(c);
        if (!suppressions.has(id)) suppressions.set(id, await this.suppression(c, q.level, counts.get(id)!, q.asOf));
      }
    }
    const restrict = q.areaCodes ? new Set(q.areaCodes) : q.parentCode ? new Set(await this.childrenOf(q.parentCode, q.level, plan)) : undefined;
    const out: IndicatorValue[] = [];
    for (const period of periods) {
      const areas = new Set<string>();
      for (const byPeriod of counts.values()) for (const a of byPeriod.get(period)?.keys() ?? []) areas.add(a);
      for (const area of [...areas].sort()) {
        if (restrict && !restrict.has(area)) continue;
        const e = evaluate(plan, area, period, counts, suppressions);
        if (!e) continue;
        out.push({
          indicator: plan.code,
          areaLevel: q.level,
          areaCode: area,
          period,
          value: e.suppression ? null : e.value,
          numerator: e.suppression ? null : e.numerator,
          denominator: e.suppression ? null : e.denominator,
          suppressed: e.suppression !== null,
          suppressionReason: e.suppression,
          knownAt: e.knownAt ? new Date(e.knownAt).toISOString() : null,
          synthetic: e.synthetic || plan.synthetic,
          definitionVersion: plan.version,
        });
      }
    }
    return out;
  }

  async periods(indicator: string): Promise<string[]> {
    const plan = this.options.plans.plan(indicator);
    if (!plan) throw new UnknownIndicatorError(indicator);
    const base = componentsOf(plan)[0]!;
    const rows = await this.warehouse.query<{ period: string }>(
      `SELECT DISTINCT period FROM cells WHERE measure = {measure:String} AND present = 1 ORDER BY period`,
      { measure: base.measure },
    );
    return rows.map((r) => r.period);
  }

  async indexValues(query: { index: string; level: string; period: string; privileged?: boolean }): Promise<IndexValue[]> {
    const rows = await this.warehouse.query<{ area_code: string; score: number | null; class: string | null; scored: number; definition_version: number }>(
      `SELECT area_code, score, class, scored, definition_version FROM index_values FINAL
       WHERE index_code = {index:String} AND area_level = {level:String} AND period = {period:String}
         AND definition_version = (SELECT max(definition_version) FROM index_values WHERE index_code = {index:String})
       ORDER BY area_code`,
      { index: query.index, level: query.level, period: query.period },
    );
    return rows.map((r) => ({
      index: query.index,
      areaLevel: query.level,
      areaCode: r.area_code,
      period: query.period,
      score: r.score === null ? null : Number(r.score),
      class: r.class,
      scored: Number(r.scored) === 1,
      definitionVersion: Number(r.definition_version),
    }));
  }

  /** Counts of one component per area of `level` and period, rolled up from its source level. */
  private async counts(c: Component, level: string, periods: string[], asOf?: string): Promise<CountsByPeriod> {
    const params: QueryParams = { measure: c.measure, src: c.sourceLevel ?? 'STADTTEIL', level, periods };
    const filters: string[] = [];
    if (c.dataset) {
      filters.push('dataset = {dataset:String}');
      params.dataset = c.dataset;
    }
    Object.entries(c.dims ?? {}).forEach(([name, values], i) => {
      filters.push(`dims[{dk${i}:String}] IN {dv${i}:Array(String)}`);
      params[`dk${i}`] = name;
      params[`dv${i}`] = [...values];
    });
    const extra = filters.map((f) => ` AND ${f}`).join('');
    let source: string;
    if (asOf) {
      params.asOf = Date.parse(asOf);
      source = `(SELECT l_code AS area_code, l_period AS period, value, l_known AS known_at_ms, l_synthetic AS synthetic, 1 AS present FROM (
          SELECT record_key, argMax(tombstone, (version, tombstone)) AS l_tomb,
                 argMax(dataset, (version, tombstone)) AS l_dataset, argMax(area_level, (version, tombstone)) AS l_level,
                 argMax(area_code, (version, tombstone)) AS l_code, argMax(period, (version, tombstone)) AS l_period,
                 argMax(synthetic, (version, tombstone)) AS l_synthetic, max(known_at_ms) AS l_known,
                 argMax(obs_measure, (version, tombstone)) AS ms, argMax(obs_dims, (version, tombstone)) AS ds,
                 argMax(obs_value, (version, tombstone)) AS vs
          FROM record_versions WHERE known_at_ms <= {asOf:UInt64} AND period IN {periods:Array(String)}
          GROUP BY record_key
        ) ARRAY JOIN ms AS measure, ds AS dims, vs AS value
        WHERE l_tomb = 0 AND measure = {measure:String} AND l_level = {src:String}${extra.replaceAll('dataset =', 'l_dataset =')})`;
    } else {
      // absent cells stay in: a withdrawal changes when the aggregate became known
      source = `(SELECT area_code, period, value, known_at_ms, synthetic, present FROM cells FINAL
        WHERE measure = {measure:String} AND area_level = {src:String}
          AND period IN {periods:Array(String)}${extra})`;
    }
    const rows = await this.warehouse.query<{ area_code: string; period: string; value: number; known_at_ms: string; synthetic: number }>(
      `SELECT m.code AS area_code, c.period AS period, sumIf(c.value, c.present = 1) AS value,
              max(c.known_at_ms) AS known_at_ms, maxIf(c.synthetic, c.present = 1) AS synthetic
       FROM ${source} AS c
       INNER JOIN (SELECT child_code, code, valid_from, valid_to FROM area_map WHERE child_level = {src:String} AND level = {level:String}) AS m
         ON m.child_code = c.area_code
       WHERE m.valid_from <= ${PERIOD_START_SQL} AND (m.valid_to = '' OR ${PERIOD_START_SQL} <= m.valid_to)
       GROUP BY area_code, period
       HAVING countIf(c.present = 1) > 0`,
      params,
    );
    const out: CountsByPeriod = new Map();
    for (const r of rows) {
      const byArea = out.get(r.period) ?? new Map<string, Count>();
      byArea.set(r.area_code, { value: Number(r.value), knownAt: Number(r.known_at_ms), synthetic: Number(r.synthetic) === 1 });
      out.set(r.period, byArea);
    }
    return out;
  }

  /** Suppressed areas per period for one component's counts at `level`. */
  private async suppression(c: Component, level: string, counts: CountsByPeriod, asOf?: string): Promise<Map<string, Map<string, Suppression>>> {
    const out = new Map<string, Map<string, Suppression>>();
    const parentLevel = this.parentLevels[level];
    if (parentLevel !== undefined || level === 'STADT') {
      const parents = parentLevel ? await this.relation(level, parentLevel) : new Map<string, string[]>();
      for (const [period, byArea] of counts) {
        const cells = [...byArea].map(([areaCode, v]) => ({ areaCode, parentCode: parents.get(areaCode)?.[0], value: v.value }));
        out.set(period, suppressCounts(cells, this.threshold));
      }
      return out;
    }
    // A planning level cuts across the hierarchy: an area is suppressed when its own count is
    // small or when any source-level area inside it is suppressed, since planning-area totals
    // could otherwise be differenced against the nested hierarchy.
    const src = c.sourceLevel ?? 'STADTTEIL';
    const srcCounts = await this.counts(c, src, [...counts.keys()], asOf);
    const srcSuppressed = await this.suppression(c, src, srcCounts, asOf);
    const constituents = await this.relation(level, src, true);
    for (const [period, byArea] of counts) {
      const s = new Map<string, Suppression>();
      const srcS = srcSuppressed.get(period) ?? new Map<string, Suppression>();
      for (const [area, v] of byArea) {
        if (v.value < this.threshold) s.set(area, 'PRIMARY');
        else if ((constituents.get(area) ?? []).some((leaf) => srcS.has(leaf))) s.set(area, 'SECONDARY');
      }
      out.set(period, s);
    }
    return out;
  }

  /**
   * Area relation from area_map: for each area of `level`, its containing areas of `other`
   * (or, with `inverse`, the areas of `other` it contains).
   */
  private relation(level: string, other: string, inverse = false): Promise<Map<string, string[]>> {
    const key = `${level}>${other}>${inverse}`;
    let cached = this.mapCache.get(key);
    if (!cached) {
      cached = this.warehouse
        .query<{ a: string; b: string }>(
          inverse
            ? `SELECT code AS a, child_code AS b FROM area_map WHERE level = {level:String} AND child_level = {other:String} ORDER BY b`
            : `SELECT child_code AS a, code AS b FROM area_map WHERE child_level = {level:String} AND level = {other:String} ORDER BY b`,
          { level, other },
        )
        .then((rows) => {
          const m = new Map<string, string[]>();
          for (const r of rows) m.set(r.a, [...(m.get(r.a) ?? []), r.b]);
          return m;
        });
      this.mapCache.set(key, cached);
    }
    return cached;
  }

  private async childrenOf(parentCode: string, level: string, plan: IndicatorPlan): Promise<string[]> {
    void plan;
    const parentLevel = this.parentLevels[level];
    const rows = await this.warehouse.query<{ child_code: string }>(
      `SELECT child_code FROM area_map WHERE child_level = {level:String} AND code = {parent:String}
       ${parentLevel ? 'AND level = {parentLevel:String}' : ''}`,
      { level, parent: parentCode, parentLevel: parentLevel ?? '' },
    );
    return rows.map((r) => r.child_code);
  }
}

function evaluate(
  plan: IndicatorPlan,
  area: string,
  period: string,
  counts: Map<string, CountsByPeriod>,
  suppressions: Map<string, Map<string, Map<string, Suppression>>>,
): Evaluated | undefined {
  const get = (c: Component) => {
    const id = JSON.stringify(c);
    const v = counts.get(id)?.get(period)?.get(area);
    const s = suppressions.get(id)?.get(period)?.get(area) ?? null;
    return { v, s };
  };
  switch (plan.kind) {
    case 'count': {
      const { v, s } = get(plan.component);
      if (!v) return undefined;
      return { value: v.value, numerator: v.value, denominator: null, suppression: s, knownAt: v.knownAt, synthetic: v.synthetic };
    }
    case 'ratio': {
      const n = get(plan.numerator);
      const d = get(plan.denominator);
      if (!n.v && !d.v) return undefined;
      const num = n.v?.value ?? 0;
      const den = d.v?.value ?? null;
      const suppression: SuppressionReason | null = n.s || d.s ? 'DERIVED' : null;
      return {
        value: den ? (num / den) * plan.factor : null,
        numerator: num,
        denominator: den,
        suppression,
        knownAt: Math.max(n.v?.knownAt ?? 0, d.v?.knownAt ?? 0),
        synthetic: (n.v?.synthetic ?? false) || (d.v?.synthetic ?? false),
      };
    }
    case 'change': {
      const now = evaluate(plan.base, area, period, counts, suppressions);
      const before = evaluate(plan.base, area, shiftPeriod(period, -plan.periods), counts, suppressions);
      if (!now || !before) return undefined;
      const suppression: SuppressionReason | null = now.suppression || before.suppression ? 'DERIVED' : null;
      let value: number | null = null;
      if (now.value !== null && before.value !== null) {
        value = plan.mode === 'absolute' ? now.value - before.value : before.value === 0 ? null : (now.value / before.value - 1) * 100;
      }
      return { value, numerator: null, denominator: null, suppression, knownAt: Math.max(now.knownAt, before.knownAt), synthetic: now.synthetic || before.synthetic };
    }
  }
}
