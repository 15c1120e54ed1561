// The one statement that computes current cells from the stored record versions, for a rebuild
// (every leaf, replay.projector.ts) and for a live batch (the leaves it touched, projector.ts), so
// live and rebuilt cells agree by construction:
//  - a leaf's present cells come from each record's latest version (tombstones remove), summed per
//    cell; rows projected before record keys existed count as unkeyed;
//  - a cell that some stored version at the leaf had and no latest version has is written absent
//    (present = 0), so the result does not depend on where the log was cut into batches;
//  - known_at is the latest delivery time of any version at the leaf, withdrawals included;
//  - synthetic: of the latest versions for a present cell, of any version for an absent one.
// One pass over every version's observations, `cur` marking the latest. Each period's first day
// comes from @sp/indicators' period module and is handed in as parameters ({periods}, {starts}),
// so periods keep one parser.
// The live variant reads the versions of the records at the leaves only: record_versions is looked
// up by period and leaf_key for the records (its projection by_period_leaf, migrations 16–18: a
// batch's leaves lie in a few of its granules, where in the table's own order and through the
// bloom-filter index on leaf_key they were spread over nearly all of them, so the cost grew with
// the table), then by record_key (its sorting key) for their versions. A row's period is its
// leaf's (leaf_key is dataset|level|code|period, written from the same payload or, for a
// withdrawal, the same leaf), so `period IN {periods}` keeps every row the leaves select.
// A key@version can be stored twice for a while (two members of a group
// projecting one batch during a rebalance; the ReplacingMergeTree merges them later), so it counts
// once (LIMIT 1 BY); a rebuild writes every key@version once.

/** dimsKey() of projector.ts in SQL: the dimensions as k=v, sorted by name, joined by ';' */
export const dimsKeySql = (dims: string) => `arrayStringConcat(arrayMap(k -> concat(k, '=', ${dims}[k]), arraySort(mapKeys(${dims}))), ';')`;

function cellsSql(scope: 'all' | 'leaves'): string {
  const atLeaves = scope === 'all' ? "leaf_key != ''" : 'period IN {periods:Array(String)} AND leaf_key IN {leaves:Array(String)}';
  const ofRecords = scope === 'all' ? '' : `WHERE record_key IN (SELECT record_key FROM record_versions WHERE ${atLeaves})`;
  const once = scope === 'all' ? '' : 'LIMIT 1 BY record_key, version';
  return `
INSERT INTO cells (dataset, measure, dims, dims_key, area_level, area_code, period, leaf_key, value, present, synthetic,
                   known_at_ms, cell_key, pvalue, period_start)
WITH known AS (SELECT leaf_key, max(known_at_ms) AS known_at_ms FROM record_versions WHERE ${atLeaves} GROUP BY leaf_key),
cells_of_versions AS (
  SELECT dataset, measure, dims, area_level, area_code, period, leaf_key,
         countIf(cur) > 0 AS is_present,
         sumIf(value, cur) AS v_sum, maxIf(synthetic, cur) AS cur_synthetic, max(synthetic) AS any_synthetic,
         minIf(k, cur) AS k_min, sumIf(k, cur) AS k_sum, minIf(pv, cur) AS pv_min, sumIf(pv, cur) AS pv_sum
  FROM (
    SELECT dataset, area_level, area_code, period, leaf_key, synthetic, obs_measure, obs_dims, obs_value,
           if(length(obs_key) = length(obs_value), obs_key, arrayMap(x -> toFloat64(-1), obs_value)) AS ks,
           if(length(obs_pvalue) = length(obs_value), obs_pvalue, arrayMap(x -> toFloat64(-1), obs_value)) AS ps,
           (record_key, version, tombstone) IN (
             SELECT record_key, m.1, m.2 FROM (SELECT record_key, max((version, tombstone)) AS m FROM record_versions ${ofRecords} GROUP BY record_key)
           ) AS cur
    FROM record_versions WHERE tombstone = 0 AND ${atLeaves}
    ${once}
  )
  ARRAY JOIN obs_measure AS measure, obs_dims AS dims, obs_value AS value, ks AS k, ps AS pv
  GROUP BY dataset, measure, dims, area_level, area_code, period, leaf_key
)
SELECT c.dataset, c.measure, c.dims, ${dimsKeySql('c.dims')}, c.area_level, c.area_code, c.period, c.leaf_key,
       if(c.is_present, c.v_sum, 0), c.is_present, if(c.is_present, c.cur_synthetic, c.any_synthetic), k.known_at_ms,
       if(c.is_present, if(c.k_min < 0, -1, c.k_sum - floor(c.k_sum)), -1),
       if(c.is_present, if(c.pv_min < 0, -1, c.pv_sum), 0),
       transform(c.period, {periods:Array(String)}, {starts:Array(String)}, '')
FROM cells_of_versions AS c LEFT JOIN known AS k ON k.leaf_key = c.leaf_key
SETTINGS join_use_nulls = 0${scope === 'all' ? ', optimize_on_insert = 0' : ''}`;
}

/** Every leaf's cells, into emptied tables (a rebuild). Parameters: periods, starts. */
export const cellsOfAllLeavesSql = cellsSql('all');

/** The cells of the leaves {leaves}. Parameters: leaves, periods, starts (of the leaves' periods). */
export const cellsOfLeavesSql = cellsSql('leaves');
