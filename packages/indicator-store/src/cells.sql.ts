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
// the table), then by their keys' last segments and record_key (its sorting key, migration 19) for
// their versions. A row's period is its leaf's (leaf_key is dataset|level|code|period, written from
// the same payload or, for a withdrawal, the same leaf), so `period IN {periods}` keeps every row
// the leaves select.
// A key@version can be stored twice for a while (two members of a group
// projecting one batch during a rebalance; the ReplacingMergeTree merges them later), so it counts
// once (LIMIT 1 BY); a rebuild writes every key@version once.
// A rebuild's statement (scope 'all') splits the leaves in two (issue 17.1, session 16): a leaf
// whose only stored row is the only stored row of its record (one record, one version, not a
// withdrawal) and whose observations name no (measure, dimensions) twice has as cells exactly that
// row's observations, present, with its own synthetic flag and known_at — its cells are written by
// an ARRAY JOIN without GROUP BY and without the `cur` look-up (≈ 83 % of the leaves of the bench's
// log); every other leaf goes through the full statement, restricted to them. A row-level test of
// a one-row leaf is a test of the leaf, so every leaf is in exactly one branch and the result is
// the full statement's (aggregator.rebuild.int, indicator-store.int). The twice-named test hashes
// each (measure, dimensions) pair: equal pairs hash equal, so a record that names a cell twice is
// always sent to the full statement (a collision only sends one there needlessly). A one-row sum
// is written as `x + 0`, the sum's own arithmetic (0 + x), so even -0 comes out as the GROUP BY's.

import { recordKeyTailSql } from './migrations.js';

/** dimsKey() of projector.ts in SQL: the dimensions as k=v, sorted by name, joined by ';' */
export const dimsKeySql = (dims: string) => `arrayStringConcat(arrayMap(k -> concat(k, '=', ${dims}[k]), arraySort(mapKeys(${dims}))), ';')`;

/** leaves whose only stored row is the only stored row of its record and not a withdrawal */
const oneRowLeavesSql = `SELECT leaf_key FROM record_versions WHERE leaf_key != ''
  GROUP BY leaf_key
  HAVING count() = 1 AND any(tombstone) = 0
     AND any(record_key) NOT IN (SELECT record_key FROM record_versions GROUP BY record_key HAVING count() > 1)`;

/** the row's observations name no (measure, dimensions) twice (a collision of the hashes only says "twice" wrongly) */
const namesEachCellOnceSql = 'arrayUniq(arrayMap((m, d) -> cityHash64(m, d), obs_measure, obs_dims)) = length(obs_measure)';

/** a row whose leaf's cells are its own observations (the rebuild's first branch) */
const ownCellsSql = `leaf_key IN (${oneRowLeavesSql}) AND ${namesEachCellOnceSql}`;

const cellsColumnsSql = `dataset, measure, dims, dims_key, area_level, area_code, period, leaf_key, value, present, synthetic,
                   known_at_ms, cell_key, pvalue, period_start`;

function cellsSql(scope: 'all' | 'leaves'): string {
  // a rebuild's full statement takes the leaves the ARRAY JOIN branch does not (see above)
  const atLeaves = scope === 'all' ? `leaf_key != '' AND NOT (${ownCellsSql})` : 'period IN {periods:Array(String)} AND leaf_key IN {leaves:Array(String)}';
  const ofRecords = scope === 'all' ? '' : `WHERE (${recordKeyTailSql()}, record_key) IN (SELECT ${recordKeyTailSql()}, record_key FROM record_versions WHERE ${atLeaves})`;
  const once = scope === 'all' ? '' : 'LIMIT 1 BY record_key, version';
  const full = `WITH known AS (SELECT leaf_key, max(known_at_ms) AS known_at_ms FROM record_versions WHERE ${atLeaves} GROUP BY leaf_key),
cells_of_versions AS (
  SELECT dataset, measure, dims, area_level, area_code, period, leaf_key,
         countIf(cur) > 0 AS is_present,
         sumIf(value, cur) AS v_sum, maxIf(synthetic, cur) AS cur_synthetic, max(synthetic) AS any_synthetic,
         minIf(k, cur) AS k_min, sumIf(k, cur) AS k_sum, minIf(pv, cur) AS pv_min, sumIf(pv, cur) AS pv_sum
  FROM (
    SELECT dataset, area_level, area_code, period, leaf_key, synthetic, obs_measure, obs_dims, obs_value,
           ${keysOrNone('obs_key')} AS ks,
           ${keysOrNone('obs_pvalue')} AS ps,
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
       ${periodStartSql('c.period')}
FROM cells_of_versions AS c LEFT JOIN known AS k ON k.leaf_key = c.leaf_key`;
  if (scope === 'leaves')
    return `
INSERT INTO cells (${cellsColumnsSql})
${full}
SETTINGS join_use_nulls = 0`;
  // the one-row leaves: each observation is a present cell, summed alone (0 + x)
  const own = `SELECT dataset, measure, dims, ${dimsKeySql('dims')}, area_level, area_code, period, leaf_key, value + 0, toUInt8(1), synthetic, known_at_ms,
       if(k < 0, -1, (k + 0) - floor(k + 0)), if(pv < 0, -1, pv + 0), ${periodStartSql('period')}
FROM (
  SELECT dataset, area_level, area_code, period, leaf_key, synthetic, known_at_ms, obs_measure, obs_dims, obs_value,
         ${keysOrNone('obs_key')} AS ks,
         ${keysOrNone('obs_pvalue')} AS ps
  FROM record_versions WHERE ${ownCellsSql}
)
ARRAY JOIN obs_measure AS measure, obs_dims AS dims, obs_value AS value, ks AS k, ps AS pv`;
  return `
INSERT INTO cells (${cellsColumnsSql})
${full}
UNION ALL
${own}
SETTINGS join_use_nulls = 0, optimize_on_insert = 0`;
}

/** a row's record keys or protected values, or -1 for each observation where it has none (rows projected before they existed) */
function keysOrNone(column: string): string {
  return `if(length(${column}) = length(obs_value), ${column}, arrayMap(x -> toFloat64(-1), obs_value))`;
}

function periodStartSql(period: string): string {
  return `transform(${period}, {periods:Array(String)}, {starts:Array(String)}, '')`;
}

/** Every leaf's cells, into emptied tables (a rebuild). Parameters: periods, starts. */
export const cellsOfAllLeavesSql = cellsSql('all');

/** The cells of the leaves {leaves}. Parameters: leaves, periods, starts (of the leaves' periods). */
export const cellsOfLeavesSql = cellsSql('leaves');
