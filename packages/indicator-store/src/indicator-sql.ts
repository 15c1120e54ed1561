// The SQL the indicator reader sends to the warehouse, and nothing else: each builder returns a
// statement with typed parameters (the Warehouse port binds them). Counts are rolled up by joining
// source-level cells with area_map, summing true and protected values in the same GROUP BY, so a
// public read costs what a privileged one does.
import type { Component } from '@sp/indicators';
import type { QueryParams } from '@sp/ports';

export interface Statement {
  sql: string;
  params: QueryParams;
}

/** Restricts a counts read to one level and, optionally, some of its areas. */
export interface Only {
  level: string;
  codes?: readonly string[];
}

export interface CountRow {
  level: string;
  code: string;
  period: string;
  /** Σ true values, or Σ protected values of the observations that have one (as asked) */
  value: number;
  /** present observations without a protected value (no record key known); 0 for true values */
  unkeyed: number | string;
  known_at_ms: string;
  synthetic: number;
}

function dimensionFilters(c: Component, params: QueryParams): string {
  return Object.entries(c.dims ?? {})
    .map(([name, values], i) => {
      params[`dk${i}`] = name;
      params[`dv${i}`] = [...values];
      return ` AND dims[{dk${i}:String}] IN {dv${i}:Array(String)}`;
    })
    .join('');
}

/**
 * The source-level cells of one component in these periods, current or as known at `asOf`, as a
 * subquery with columns area_code, period, period_start, value, pvalue, known_at_ms, synthetic,
 * present. `periodStarts` gives each period's first day (from @sp/indicators' period module) for
 * the as-of read; current cells carry theirs, written by the projector.
 */
function source(c: Component, periods: readonly string[], periodStarts: readonly string[], asOf: number | undefined, params: QueryParams, levels: 'source' | 'all' = 'source'): string {
  Object.assign(params, { measure: c.measure, dataset: c.dataset, src: c.sourceLevel, periods: [...periods] });
  // a delivered value is read at exactly the dimensions it names: values of other breakdowns are no parts of it
  const dims = dimensionFilters(c, params) + (levels === 'all' ? ' AND length(dims) = {ndims:UInt64}' : '');
  if (levels === 'all') params.ndims = Object.keys(c.dims ?? {}).length;
  if (asOf === undefined) {
    // absent cells stay in: a withdrawal changes when the aggregate became known
    return `(SELECT area_level, area_code, period, period_start, value, pvalue, known_at_ms, synthetic, present FROM cells FINAL
      WHERE measure = {measure:String} AND dataset = {dataset:String}${levels === 'source' ? ' AND area_level = {src:String}' : ''}
        AND period IN {periods:Array(String)}${dims})`;
  }
  Object.assign(params, { asOf, startPeriods: [...periods], starts: [...periodStarts] });
  return `(SELECT l_level AS area_level, l_code AS area_code, l_period AS period, transform(l_period, {startPeriods:Array(String)}, {starts:Array(String)}, '') AS period_start,
        value, pv AS pvalue, l_known AS known_at_ms, l_synthetic AS synthetic, 1 AS present FROM (
      SELECT record_key, argMax(tombstone, (version, tombstone)) AS l_tomb,
             argMax(dataset, (version, tombstone)) AS l_dataset, argMax(area_level, (version, tombstone)) AS l_level,
             argMax(area_code, (version, tombstone)) AS l_code, argMax(period, (version, tombstone)) AS l_period,
             argMax(synthetic, (version, tombstone)) AS l_synthetic, max(known_at_ms) AS l_known,
             argMax(obs_measure, (version, tombstone)) AS ms, argMax(obs_dims, (version, tombstone)) AS ds,
             argMax(obs_value, (version, tombstone)) AS vs,
             argMax(if(length(obs_pvalue) = length(obs_value), obs_pvalue, arrayMap(x -> toFloat64(-1), obs_value)), (version, tombstone)) AS ps
      FROM record_versions WHERE known_at_ms <= {asOf:UInt64} AND period IN {periods:Array(String)}
      GROUP BY record_key
    ) ARRAY JOIN ms AS measure, ds AS dims, vs AS value, ps AS pv
    WHERE l_tomb = 0 AND measure = {measure:String} AND l_dataset = {dataset:String}${levels === 'source' ? ' AND l_level = {src:String}' : ''}${dims})`;
}

export interface DeliveredRow {
  level: string;
  code: string;
  period: string;
  value: number;
  known_at_ms: string;
  synthetic: number;
}

/**
 * The delivered values (or denominators) of one component at every level they were delivered at,
 * current or as known at `asOf`: one value per area and period, never a sum over areas (a
 * delivered share, rate, mean or change is not additive; docs/indicators.md §3).
 */
export function deliveredStatement(c: Component, periods: readonly string[], periodStarts: readonly string[], asOf?: number): Statement {
  const params: QueryParams = {};
  const from = source(c, periods, periodStarts, asOf, params, 'all');
  return {
    sql: `SELECT area_level AS level, area_code AS code, period, anyIf(value, present = 1) AS value, max(known_at_ms) AS known_at_ms, maxIf(synthetic, present = 1) AS synthetic
     FROM ${from} GROUP BY area_level, area_code, period HAVING countIf(present = 1) > 0`,
    params,
  };
}

/**
 * The sums of a component's present cells, named `value` and `unkeyed`: the true values (and 0), or
 * the protected ones and how many cells have none (shown as "geschützt"); `filter` keeps the
 * component's own cells where one scan reads several components (sourceCountsOfStatement).
 */
function valueSumsSql(values: 'true' | 'protected', value: string, unkeyed: string, filter?: string): string {
  const and = filter ? ` AND ${filter}` : '';
  return values === 'true'
    ? `sumIf(value, present = 1${and}) AS ${value}, 0 AS ${unkeyed}`
    : `sumIf(pvalue, present = 1 AND pvalue >= 0${and}) AS ${value}, countIf(present = 1 AND pvalue < 0${and}) AS ${unkeyed}`;
}

/**
 * Counts of one component for the areas of every level its source level rolls up to (or only
 * those of `only`), per period. Summed per source area and period first, so that the join with
 * area_map (each area to itself and every area containing it) multiplies areas × periods rows,
 * not every dimension cell.
 */
export function countsStatement(c: Component, periods: readonly string[], periodStarts: readonly string[], asOf?: number, only?: Only, values: 'true' | 'protected' = 'true'): Statement {
  const params: QueryParams = {};
  // only the column the reader shows: the true values, or the protected ones and whether any is missing
  const sums = valueSumsSql(values, 'v_sum', 'unkeyed_n');
  const from = source(c, periods, periodStarts, asOf, params);
  let restrict = '';
  if (only) {
    restrict = ' AND m.level = {onlyLevel:String}';
    params.onlyLevel = only.level;
    if (only.codes) {
      restrict += ' AND m.code IN {onlyCodes:Array(String)}';
      params.onlyCodes = [...only.codes];
    }
  }
  const sql = `SELECT m.level AS level, m.code AS code, c.period AS period, sum(c.v_sum) AS value,
            sum(c.unkeyed_n) AS unkeyed, max(c.known_at_ms) AS known_at_ms, max(c.synthetic) AS synthetic
     FROM (SELECT area_code, period, any(period_start) AS period_start, ${sums},
                  max(known_at_ms) AS known_at_ms, maxIf(synthetic, present = 1) AS synthetic, countIf(present = 1) AS present_cells
           FROM ${from} GROUP BY area_code, period) AS c
     INNER JOIN (SELECT child_code, level, code, valid_from, valid_to FROM area_map WHERE child_level = {src:String}) AS m
       ON m.child_code = c.area_code
     WHERE m.valid_from <= c.period_start AND (m.valid_to = '' OR c.period_start <= m.valid_to)${restrict}
     GROUP BY level, code, period
     HAVING sum(c.present_cells) > 0`;
  return { sql, params };
}

/**
 * Counts of one component at its source level itself: the same columns and sums as countsStatement
 * for `only.level` = the source level, in one GROUP BY without the join with area_map (which costs
 * 4–5× the aggregation in chDB). That join also dropped areas outside their validity; the reader
 * does that with the rows of areaValidityStatement instead (areas × periods, in JS).
 */
export function sourceCountsStatement(
  c: Component,
  periods: readonly string[],
  periodStarts: readonly string[],
  asOf?: number,
  codes?: readonly string[],
  values: 'true' | 'protected' = 'true',
): Statement {
  const params: QueryParams = {};
  const sums = valueSumsSql(values, 'value', 'unkeyed');
  let from: string;
  let restrict = '';
  if (codes) params.onlyCodes = [...codes];
  if (asOf === undefined) {
    // current cells: straight from the table, no subquery (ClickHouse's analysis of one costs ms)
    Object.assign(params, { measure: c.measure, dataset: c.dataset, src: c.sourceLevel, periods: [...periods] });
    from = `cells FINAL WHERE measure = {measure:String} AND dataset = {dataset:String} AND area_level = {src:String}
        AND period IN {periods:Array(String)}${codes ? ' AND area_code IN {onlyCodes:Array(String)}' : ''}${dimensionFilters(c, params)}`;
  } else {
    from = source(c, periods, periodStarts, asOf, params);
    if (codes) restrict = ' WHERE area_code IN {onlyCodes:Array(String)}';
  }
  const sql = `SELECT {src:String} AS level, area_code AS code, period, ${sums}, max(known_at_ms) AS known_at_ms, maxIf(synthetic, present = 1) AS synthetic
     FROM ${from}${restrict}
     GROUP BY area_code, period
     HAVING countIf(present = 1) > 0`;
  return { sql, params };
}

/** A component read with the true values or, as the public sees a confidential one, with the protected values. */
export interface AskedCounts {
  component: Component;
  values: 'true' | 'protected';
}

/**
 * Counts of several components of one dataset and source level, at that level, of the current
 * cells: per asked component the same sums as sourceCountsStatement, in columns suffixed with its
 * index (value_0, unkeyed_0, known_at_ms_0, synthetic_0, present_0 …), from one scan of the cells
 * any of them selects. A component's row is an area and period where present_i > 0 (what
 * sourceCountsStatement's HAVING keeps). The composite indices read a dataset at several measures
 * and breakdowns (SGB II persons of all ages and of those under 15, Bedarfsgemeinschaften, single
 * parents; the population in several age bands), and a confidential one both true (the exact
 * scores) and protected (the public's): each statement costs the engine 10–15 ms even when it finds
 * nothing, and the true and the protected sums of one component are two columns of the same scan.
 */
export function sourceCountsOfStatement(asked: readonly AskedCounts[], periods: readonly string[], codes?: readonly string[]): Statement {
  const first = asked[0]?.component;
  if (!first || asked.some(({ component: c }) => c.dataset !== first.dataset || c.sourceLevel !== first.sourceLevel))
    throw new Error('sourceCountsOfStatement: the components must share dataset and source level');
  const measures = [...new Set(asked.map(({ component: c }) => c.measure))].sort();
  const params: QueryParams = { measures, dataset: first.dataset, src: first.sourceLevel, periods: [...periods] };
  if (codes) params.onlyCodes = [...codes];
  // one filter per distinct component: asked true and protected, it selects the same cells for both
  const filterOf = new Map<string, string>();
  const filter = (c: Component): string => {
    const id = JSON.stringify([c.measure, c.dims ?? {}]);
    let f = filterOf.get(id);
    if (f === undefined) {
      const i = filterOf.size;
      params[`c${i}m`] = c.measure;
      const dims = Object.entries(c.dims ?? {}).map(([name, dimValues], j) => {
        params[`c${i}k${j}`] = name;
        params[`c${i}v${j}`] = [...dimValues];
        return ` AND dims[{c${i}k${j}:String}] IN {c${i}v${j}:Array(String)}`;
      });
      f = `(measure = {c${i}m:String}${dims.join('')})`;
      filterOf.set(id, f);
    }
    return f;
  };
  const columns = asked.map(({ component, values }, i) => {
    const f = filter(component);
    return [
      valueSumsSql(values, `value_${i}`, `unkeyed_${i}`, f),
      `maxIf(known_at_ms, ${f}) AS known_at_ms_${i}, maxIf(synthetic, present = 1 AND ${f}) AS synthetic_${i}, countIf(present = 1 AND ${f}) AS present_${i}`,
    ].join(', ');
  });
  const sql = `SELECT {src:String} AS level, area_code AS code, period, ${columns.join(', ')}
     FROM cells FINAL WHERE measure IN {measures:Array(String)} AND dataset = {dataset:String} AND area_level = {src:String}
        AND period IN {periods:Array(String)}${codes ? ' AND area_code IN {onlyCodes:Array(String)}' : ''} AND (${[...filterOf.values()].join(' OR ')})
     GROUP BY area_code, period
     HAVING ${asked.map((_, i) => `present_${i} > 0`).join(' OR ')}`;
  return { sql, params };
}

/** When each area of a level is valid (its own row in area_map): valid_from, valid_to as ISO dates, '' = open. */
export function areaValidityStatement(level: string): Statement {
  return {
    sql: 'SELECT DISTINCT child_code AS code, valid_from, valid_to FROM area_map WHERE child_level = {level:String} AND level = {level:String} AND code = child_code',
    params: { level },
  };
}

/** The periods that have present cells of a component, ascending. */
export function periodsStatement(c: Component): Statement {
  return {
    sql: `SELECT DISTINCT period FROM cells WHERE measure = {measure:String} AND dataset = {dataset:String} AND present = 1 ORDER BY period`,
    params: { measure: c.measure, dataset: c.dataset },
  };
}

/**
 * A composite index's results for one level and period, of its latest definition version computed
 * or the one asked for (the results of each version stay), exact (`index_values`) or the public
 * variant; of exactly the input versions asked for (formatInputVersions), or of every input
 * version there is, for the reader to pick the current ones.
 */
export function indexValuesStatement(q: { index: string; level: string; period: string; definitionVersion?: number; inputVersions?: string }, variant: 'exact' | 'protected'): Statement {
  const table = variant === 'exact' ? 'index_values' : 'protected_index_values';
  const version = q.definitionVersion === undefined ? `(SELECT max(definition_version) FROM ${table} WHERE index_code = {index:String})` : '{version:UInt32}';
  return {
    sql: `SELECT area_code, score, class, scored, definition_version, input_versions, computed_from_ms FROM ${table} FINAL
       WHERE index_code = {index:String} AND area_level = {level:String} AND period = {period:String}
         AND definition_version = ${version}${q.inputVersions === undefined ? '' : ' AND input_versions = {inputs:String}'}
       ORDER BY area_code`,
    params: {
      index: q.index,
      level: q.level,
      period: q.period,
      ...(q.definitionVersion === undefined ? {} : { version: q.definitionVersion }),
      ...(q.inputVersions === undefined ? {} : { inputs: q.inputVersions }),
    },
  };
}

/** Every set of stored results of an index: definition version, input versions and the periods that have scores. */
export function indexResultsStatement(index: string, variant: 'exact' | 'protected'): Statement {
  const table = variant === 'exact' ? 'index_values' : 'protected_index_values';
  return {
    sql: `SELECT definition_version, input_versions, arraySort(groupUniqArray(period)) AS periods FROM ${table} FINAL
       WHERE index_code = {index:String}
       GROUP BY definition_version, input_versions
       ORDER BY definition_version, input_versions`,
    params: { index },
  };
}

export const areaRelationsStatement: Statement = { sql: 'SELECT DISTINCT child_level, child_code, level, code FROM area_map', params: {} };
