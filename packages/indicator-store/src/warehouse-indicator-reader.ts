// IndicatorReader over the warehouse. Counts are rolled up at query time by joining leaf cells
// with area_map (summing numerators and denominators, never averaging rates). For readers without
// the privileged role, Datenschutz suppression runs over every level at once (Stadtteile, Bezirke,
// city, planning areas) with @sp/indicators' algorithm, so the pattern a reader sees is the same
// whichever level or path it asks through, and no total minus its published parts reveals a cell.
// That full roll-up is only needed for periods that have a count below the threshold: every
// rolled-up count is a sum of source-level counts, so when none of those is below the threshold
// (and so none is negative) no count at any level is, and nothing is suppressed. For a series,
// the periods without a small count, and every period for privileged readers, read only the asked
// level and areas — a 20-year monthly series of one Stadtteil reads 240 rows instead of every
// area of every level.
import { alignPeriod, periodRange, shiftPeriod, suppressCounts, type Component, type IndicatorPlan, type ProtectedCell, type SuppressionGroup } from '@sp/indicators';
import type { QueryParams, Warehouse } from '@sp/ports';
import { componentsOf, type PlanResolver } from './indicator-plan.js';
import type { IndexValue, IndicatorReader, IndicatorValue, IndicatorValuesQuery, SuppressionReason } from './indicator-reader.js';

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
/** period → "level|code" → count */
type Counts = Map<string, Map<string, Count>>;
/** period → "level|code" → protected cell, or 'clear' for a period without any small count */
type Protection = Map<string, Map<string, ProtectedCell> | 'clear'>;

/** restricts a counts() read to one level (and some of its areas) */
interface Only {
  level: string;
  codes?: readonly string[];
}

interface Evaluated {
  value: number | null;
  numerator: number | null;
  denominator: number | null;
  suppression: SuppressionReason | null;
  knownAt: number;
  synthetic: boolean;
}

interface AreaMapRow {
  child_level: string;
  child_code: string;
  level: string;
  code: string;
}

const defaultParents: Record<string, string> = {
  STADTVIERTEL: 'STADTTEIL',
  STADTTEIL: 'STADTBEZIRK',
  STADTBEZIRK: 'STADT',
};

// first day of a period string ("2012" | "2012-Q3" | "2012-07"), as an ISO date, in ClickHouse SQL
const PERIOD_START_SQL = `multiIf(length(c.period) = 4, concat(c.period, '-01-01'),
  position(c.period, 'Q') > 0, concat(substring(c.period, 1, 5), leftPad(toString((toUInt8(substring(c.period, 7, 1)) - 1) * 3 + 1), 2, '0'), '-01'),
  concat(c.period, '-01'))`;

const cellKey = (level: string, code: string) => `${level}|${code}`;

/** up to this many periods a public read takes every level in one query, without first looking for small counts */
const fullReadMaxPeriods = 4;

export class WarehouseIndicatorReader implements IndicatorReader {
  private readonly threshold: number;
  private readonly parentLevels: Record<string, string>;
  private areaMap: Promise<AreaMapRow[]> | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: WarehouseIndicatorReaderOptions,
  ) {
    this.threshold = options.threshold ?? 3;
    this.parentLevels = options.parentLevels ?? defaultParents;
  }

  /** Forget the cached area relations (after the area map was reloaded). */
  clearCache(): void {
    this.areaMap = undefined;
  }

  async values(q: IndicatorValuesQuery): Promise<IndicatorValue[]> {
    const plan = this.options.plans.plan(q.indicator);
    if (!plan) throw new UnknownIndicatorError(q.indicator);
    const periods = q.periods ? [...q.periods] : q.periodFrom && q.periodTo ? periodRange(q.periodFrom, q.periodTo) : await this.periods(q.indicator);
    const asked = new Set(periods);
    if (plan.kind === 'change') for (const p of periods) asked.add(shiftPeriod(p, -plan.periods));

    const restrict = q.areaCodes ? new Set(q.areaCodes) : q.parentCode ? await this.childrenOf(q.parentCode, q.level) : undefined;
    const only: Only = { level: q.level, ...(restrict ? { codes: [...restrict] } : {}) };
    const components = uniqueComponents(componentsOf(plan));
    const counts = new Map<string, Counts>();
    const protection = new Map<string, Protection>();
    for (const [id, c] of components) {
      const readPeriods = [...new Set([...asked].map((p) => this.readPeriod(c, p)))];
      if (q.privileged) {
        counts.set(id, await this.counts(c, readPeriods, q.asOf, only));
        continue;
      }
      // periods with a small count: every level, for the suppression pattern; the others: the asked
      // areas. Finding them costs a round trip, worth it for a series, not for a map of a few periods.
      const small = new Set(readPeriods.length > fullReadMaxPeriods ? await this.periodsWithSmallCounts(c, readPeriods, q.asOf) : readPeriods);
      const clear = readPeriods.filter((p) => !small.has(p));
      const full: Counts = small.size > 0 ? await this.counts(c, [...small], q.asOf) : new Map();
      const narrow: Counts = clear.length > 0 ? await this.counts(c, clear, q.asOf, only) : new Map();
      counts.set(id, new Map([...full, ...narrow]));
      const protect = await this.protect(c, full);
      for (const p of clear) protect.set(p, 'clear');
      protection.set(id, protect);
    }

    const ctx: EvalContext = { level: q.level, counts, protection, privileged: q.privileged === true, readPeriod: (c, p) => this.readPeriod(c, p) };
    const out: IndicatorValue[] = [];
    for (const period of periods) {
      const areas = new Set<string>();
      for (const [id, c] of components) {
        for (const k of counts.get(id)?.get(this.readPeriod(c, period))?.keys() ?? []) {
          const [level, code] = k.split('|') as [string, string];
          if (level === q.level) areas.add(code);
        }
      }
      for (const area of [...areas].sort()) {
        if (restrict && !restrict.has(area)) continue;
        const e = evaluate(plan, area, period, ctx);
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
    // the periods of the indicator's first component (a rate's numerator) define its series
    const base = componentsOf(plan)[0]!;
    const rows = await this.warehouse.query<{ period: string }>(`SELECT DISTINCT period FROM cells WHERE measure = {measure:String} AND dataset = {dataset:String} AND present = 1 ORDER BY period`, {
      measure: base.measure,
      dataset: base.dataset,
    });
    const periods = rows.map((r) => r.period);
    return plan.kind === 'change' ? periods.filter((p) => periods.includes(shiftPeriod(p, -plan.periods))) : periods;
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

  /**
   * The periods of stored cells that values() reads to answer these periods of an indicator: each
   * component's dataset aligned (a year of a monthly dataset reads its December), and for a change
   * also the periods n back. Results for other periods cannot change when only these did not.
   */
  readPeriods(indicator: string, periods: readonly string[]): string[] {
    const plan = this.options.plans.plan(indicator);
    if (!plan) throw new UnknownIndicatorError(indicator);
    const asked = new Set(periods);
    if (plan.kind === 'change') for (const p of periods) asked.add(shiftPeriod(p, -plan.periods));
    return [...new Set(componentsOf(plan).flatMap((c) => [...asked].map((p) => this.readPeriod(c, p))))];
  }

  /** The period of the component's dataset that serves an asked period (a month reads its year's population). */
  private readPeriod(c: Component, period: string): string {
    const periodicity = this.options.plans.periodicity?.(c.dataset);
    return periodicity ? alignPeriod(period, periodicity) : period;
  }

  /** Counts of one component for every area of every level its source level rolls up to (or only those of `only`). */
  private async counts(c: Component, periods: string[], asOf?: string, only?: Only): Promise<Counts> {
    const { source, params } = this.source(c, periods, asOf);
    let restrict = '';
    if (only) {
      restrict = ' AND m.level = {onlyLevel:String}';
      params.onlyLevel = only.level;
      if (only.codes) {
        restrict += ' AND m.code IN {onlyCodes:Array(String)}';
        params.onlyCodes = [...only.codes];
      }
    }
    // summed per source area and period first, so that the join with area_map (each area to itself
    // and every area containing it) multiplies areas × periods rows, not every dimension cell
    const rows = await this.warehouse.query<{ level: string; code: string; period: string; value: number; known_at_ms: string; synthetic: number }>(
      `SELECT m.level AS level, m.code AS code, c.period AS period, sum(c.value) AS value,
              max(c.known_at_ms) AS known_at_ms, max(c.synthetic) AS synthetic
       FROM (SELECT area_code, period, sumIf(value, present = 1) AS value, max(known_at_ms) AS known_at_ms,
                    maxIf(synthetic, present = 1) AS synthetic, countIf(present = 1) AS present_cells
             FROM ${source} GROUP BY area_code, period) AS c
       INNER JOIN (SELECT child_code, level, code, valid_from, valid_to FROM area_map WHERE child_level = {src:String}) AS m
         ON m.child_code = c.area_code
       WHERE m.valid_from <= ${PERIOD_START_SQL} AND (m.valid_to = '' OR ${PERIOD_START_SQL} <= m.valid_to)${restrict}
       GROUP BY level, code, period
       HAVING sum(c.present_cells) > 0`,
      params,
    );
    const out: Counts = new Map();
    for (const r of rows) {
      const byCell = out.get(r.period) ?? new Map<string, Count>();
      byCell.set(cellKey(r.level, r.code), { value: Number(r.value), knownAt: Number(r.known_at_ms), synthetic: Number(r.synthetic) === 1 });
      out.set(r.period, byCell);
    }
    return out;
  }

  /**
   * The periods in which some source-level area has a count below the threshold (negative counts
   * included): only these can have a suppressed cell at any level. Source areas outside the area
   * map count too, which can only make the answer more careful.
   */
  private async periodsWithSmallCounts(c: Component, periods: string[], asOf?: string): Promise<string[]> {
    const { source, params } = this.source(c, periods, asOf);
    params.threshold = this.threshold;
    const rows = await this.warehouse.query<{ period: string }>(
      `SELECT DISTINCT period FROM (
         SELECT area_code, period, sumIf(value, present = 1) AS value, countIf(present = 1) AS present_cells
         FROM ${source} GROUP BY area_code, period)
       WHERE present_cells > 0 AND value < {threshold:Float64}`,
      params,
    );
    return rows.map((r) => r.period);
  }

  /** The source-level cells of one component in these periods, current or as known at `asOf`, as a subquery. */
  private source(c: Component, periods: string[], asOf?: string): { source: string; params: QueryParams } {
    const params: QueryParams = { measure: c.measure, dataset: c.dataset, src: c.sourceLevel, periods };
    const filters: string[] = [];
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
        WHERE l_tomb = 0 AND measure = {measure:String} AND l_dataset = {dataset:String} AND l_level = {src:String}${extra})`;
    } else {
      // absent cells stay in: a withdrawal changes when the aggregate became known
      source = `(SELECT area_code, period, value, known_at_ms, synthetic, present FROM cells FINAL
        WHERE measure = {measure:String} AND dataset = {dataset:String} AND area_level = {src:String}
          AND period IN {periods:Array(String)}${extra})`;
    }
    return { source, params };
  }

  /** Suppression of one component's counts, per period, over all levels at once. */
  private async protect(c: Component, counts: Counts): Promise<Protection> {
    const out: Protection = new Map();
    if (counts.size === 0) return out;
    const groups = await this.groups(c.sourceLevel);
    for (const [period, byCell] of counts) {
      const cells = [...byCell].map(([k, v]) => {
        const [level, code] = k.split('|') as [string, string];
        return { level, code, value: v.value };
      });
      const protectedCells = suppressCounts(cells, { threshold: this.threshold, groups });
      out.set(period, new Map(protectedCells.map((p) => [cellKey(p.level, p.code), p])));
    }
    return out;
  }

  /**
   * Additive relations a reader could difference: each hierarchy parent = Σ its children (from the
   * source level up), each planning area = Σ its source-level members.
   */
  private async groups(sourceLevel: string): Promise<SuppressionGroup[]> {
    const rows = await this.loadAreaMap();
    const hierarchy = new Set<string>([sourceLevel]);
    for (let l: string | undefined = sourceLevel; l && this.parentLevels[l]; l = this.parentLevels[l]) hierarchy.add(this.parentLevels[l]!);
    const groups = new Map<string, SuppressionGroup & { parts: { level: string; code: string }[] }>();
    for (const r of rows) {
      if (r.level === r.child_level) continue;
      const isParent = hierarchy.has(r.child_level) && this.parentLevels[r.child_level] === r.level;
      const isPlanning = r.child_level === sourceLevel && !hierarchy.has(r.level);
      if (!isParent && !isPlanning) continue;
      const k = cellKey(r.level, r.code);
      const g = groups.get(k) ?? { total: { level: r.level, code: r.code }, parts: [] };
      if (!g.parts.some((p) => p.code === r.child_code && p.level === r.child_level)) g.parts.push({ level: r.child_level, code: r.child_code });
      groups.set(k, g);
    }
    return [...groups.values()];
  }

  private loadAreaMap(): Promise<AreaMapRow[]> {
    this.areaMap ??= this.warehouse.query<AreaMapRow>(`SELECT DISTINCT child_level, child_code, level, code FROM area_map`).catch((e) => {
      this.areaMap = undefined;
      throw e;
    });
    return this.areaMap;
  }

  private async childrenOf(parentCode: string, level: string): Promise<Set<string>> {
    const parentLevel = this.parentLevels[level];
    const rows = await this.loadAreaMap();
    return new Set(rows.filter((r) => r.child_level === level && r.code === parentCode && (!parentLevel || r.level === parentLevel)).map((r) => r.child_code));
  }
}

interface EvalContext {
  level: string;
  counts: Map<string, Counts>;
  protection: Map<string, Protection>;
  privileged: boolean;
  readPeriod: (c: Component, period: string) => string;
}

function uniqueComponents(list: readonly Component[]): Map<string, Component> {
  return new Map(list.map((c) => [JSON.stringify(c), c]));
}

function evaluate(plan: IndicatorPlan, area: string, period: string, ctx: EvalContext): Evaluated | undefined {
  const get = (c: Component) => {
    const id = JSON.stringify(c);
    const p = ctx.readPeriod(c, period);
    const k = cellKey(ctx.level, area);
    const v = ctx.counts.get(id)?.get(p)?.get(k);
    if (ctx.privileged) return { v, s: null };
    // a period without any small count is 'clear'; a cell the suppression did not see stays hidden
    const prot = ctx.protection.get(id)?.get(p);
    if (prot === 'clear' || !v) return { v, s: null };
    const cell = prot?.get(k);
    return { v, s: cell ? cell.reason : 'PRIMARY' };
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
      if (!n.v) return undefined;
      const num = n.v.value;
      const den = d.v?.value ?? null;
      return {
        value: den ? (num / den) * plan.factor : null,
        numerator: num,
        denominator: den,
        suppression: n.s || d.s ? 'DERIVED' : null,
        knownAt: Math.max(n.v.knownAt, d.v?.knownAt ?? 0),
        synthetic: n.v.synthetic || (d.v?.synthetic ?? false),
      };
    }
    case 'change': {
      const now = evaluate(plan.base, area, period, ctx);
      const before = evaluate(plan.base, area, shiftPeriod(period, -plan.periods), ctx);
      if (!now || !before) return undefined;
      let value: number | null = null;
      if (now.value !== null && before.value !== null) {
        value = plan.mode === 'absolute' ? now.value - before.value : before.value === 0 ? null : (now.value / before.value - 1) * 100;
      }
      return {
        value,
        numerator: null,
        denominator: null,
        suppression: now.suppression || before.suppression ? 'DERIVED' : null,
        knownAt: Math.max(now.knownAt, before.knownAt),
        synthetic: now.synthetic || before.synthetic,
      };
    }
  }
}
