// The set-based projector of a rebuild: the whole log replayed into empty tables in two steps
// instead of one incremental projection per batch (issue 17.1). While the log is read, every
// event becomes one row of the staging table record_versions_replay, serialised positionally
// (JSONCompactEachRow) and inserted in blocks of ~20 000 while the next block is decoded. At the
// end the warehouse resolves, in SQL over the whole log at once, what IndicatorProjector resolves
// per batch, by the same rules, so both give the same tables:
//  - one key@version (and tombstone) is stored once, the first in the log wins: argMin by log
//    position (events of one key are in one partition, in log order);
//  - a withdrawal carries the leaf of the record's versions before it in the log (none: empty);
//  - a leaf's cells come from each record's latest version (tombstones remove), summed per cell;
//    known_at is the latest delivery time of any version at the leaf; a cell that some version had
//    and the latest has not is written absent (present = 0), as the incremental path writes it
//    once it saw the cell.
// Record keys and protected values are computed per observation in JS by the same function as the
// incremental path (protectObservation); each period's first day comes from @sp/indicators'
// period module and is handed to the SQL as a parameter, so periods keep one parser.
// A rebuild that fails part-way is started over (the tables are emptied first), so the blocks are
// not retried one by one: the first failure is kept and thrown by add() and finish().
import { loadProtection, periodStart, type Protection } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { leafKey, protectObservation, type AreaStatisticEvent, type IndicatorProjectorOptions, type ProjectionResult } from './projector.js';

/** the columns of record_versions_replay in the order add() serialises them */
const stagingColumns = [
  'log_partition',
  'log_offset',
  'record_key',
  'version',
  'leaf_key',
  'dataset',
  'area_level',
  'area_code',
  'period',
  'tombstone',
  'synthetic',
  'known_at_ms',
  'amt',
  'delivery_id',
  'obs_measure',
  'obs_dims',
  'obs_value',
  'obs_key',
  'obs_pvalue',
] as const;

/** rows per insert: big enough for the engine's parser to run at full speed, small enough to overlap with decoding */
const BLOCK_ROWS = 20_000;

/** dimsKey() of projector.ts in SQL: the dimensions as k=v, sorted by name, joined by ';' */
const dimsKeySql = (dims: string) => `arrayStringConcat(arrayMap(k -> concat(k, '=', ${dims}[k]), arraySort(mapKeys(${dims}))), ';')`;

/** One stored version of a record per (key, version, tombstone): the first in the log. Tombstones take the leaf of the versions before them. */
const recordVersionsSql = `
INSERT INTO record_versions (record_key, version, leaf_key, dataset, area_level, area_code, period, tombstone, synthetic,
                             known_at_ms, amt, delivery_id, obs_measure, obs_dims, obs_value, obs_key, obs_pvalue)
WITH firsts AS (
  SELECT record_key, version, tombstone, min((log_partition, log_offset)) AS pos,
         argMin((leaf_key, dataset, area_level, area_code, period, synthetic, known_at_ms, amt, delivery_id,
                 obs_measure, obs_dims, obs_value, obs_key, obs_pvalue), (log_partition, log_offset)) AS r
  FROM record_versions_replay GROUP BY record_key, version, tombstone
),
leaves AS (
  SELECT record_key, min((log_partition, log_offset)) AS first_pos,
         any((leaf_key, dataset, area_level, area_code, period)) AS l
  FROM record_versions_replay WHERE tombstone = 0 GROUP BY record_key
)
SELECT f.record_key, f.version,
       if(f.tombstone = 0, f.r.1, if(l.record_key != '' AND l.first_pos < f.pos, l.l.1, '')),
       if(f.tombstone = 0, f.r.2, if(l.record_key != '' AND l.first_pos < f.pos, l.l.2, '')),
       if(f.tombstone = 0, f.r.3, if(l.record_key != '' AND l.first_pos < f.pos, l.l.3, '')),
       if(f.tombstone = 0, f.r.4, if(l.record_key != '' AND l.first_pos < f.pos, l.l.4, '')),
       if(f.tombstone = 0, f.r.5, if(l.record_key != '' AND l.first_pos < f.pos, l.l.5, '')),
       f.tombstone, f.r.6, f.r.7, f.r.8, f.r.9, f.r.10, f.r.11, f.r.12, f.r.13, f.r.14
FROM firsts AS f LEFT JOIN leaves AS l ON l.record_key = f.record_key
SETTINGS join_use_nulls = 0`;

/**
 * The cells of every leaf from the stored versions, as IndicatorProjector.recomputeLeaves() computes
 * them for the leaves of a batch (same latest-version rule, same sums; rows projected before record
 * keys existed count as unkeyed), plus the absent cells.
 */
const cellsSql = `
INSERT INTO cells (dataset, measure, dims, dims_key, area_level, area_code, period, leaf_key, value, present, synthetic,
                   known_at_ms, cell_key, pvalue, period_start)
WITH latest AS (
  SELECT record_key, argMax(tombstone, (version, tombstone)) AS l_tomb,
         argMax(leaf_key, (version, tombstone)) AS l_leaf, argMax(dataset, (version, tombstone)) AS l_dataset,
         argMax(area_level, (version, tombstone)) AS l_level, argMax(area_code, (version, tombstone)) AS l_code,
         argMax(period, (version, tombstone)) AS l_period, argMax(synthetic, (version, tombstone)) AS l_synthetic,
         argMax(obs_measure, (version, tombstone)) AS ms, argMax(obs_dims, (version, tombstone)) AS ds,
         argMax(obs_value, (version, tombstone)) AS vs,
         argMax(if(length(obs_key) = length(obs_value), obs_key, arrayMap(x -> toFloat64(-1), obs_value)), (version, tombstone)) AS ks,
         argMax(if(length(obs_pvalue) = length(obs_value), obs_pvalue, arrayMap(x -> toFloat64(-1), obs_value)), (version, tombstone)) AS ps
  FROM record_versions
  GROUP BY record_key
),
current AS (
  SELECT l_dataset AS dataset, measure, dims, l_level AS area_level, l_code AS area_code, l_period AS period, l_leaf AS leaf_key,
         sum(value) AS value, max(l_synthetic) AS synthetic,
         if(min(k) < 0, -1, sum(k) - floor(sum(k))) AS cell_key, if(min(pv) < 0, -1, sum(pv)) AS pvalue
  FROM latest ARRAY JOIN ms AS measure, ds AS dims, vs AS value, ks AS k, ps AS pv
  WHERE l_tomb = 0
  GROUP BY dataset, measure, dims, area_level, area_code, period, leaf_key
),
ever AS (
  SELECT dataset, measure, dims, area_level, area_code, period, leaf_key, max(synthetic) AS synthetic
  FROM record_versions ARRAY JOIN obs_measure AS measure, obs_dims AS dims
  WHERE tombstone = 0
  GROUP BY dataset, measure, dims, area_level, area_code, period, leaf_key
),
known AS (SELECT leaf_key, max(known_at_ms) AS known_at_ms FROM record_versions WHERE leaf_key != '' GROUP BY leaf_key),
rows AS (
  SELECT dataset, measure, dims, area_level, area_code, period, leaf_key, value, 1 AS present, synthetic, cell_key, pvalue FROM current
  UNION ALL
  SELECT e.dataset, e.measure, e.dims, e.area_level, e.area_code, e.period, e.leaf_key, 0, 0, e.synthetic, -1, 0
  FROM ever AS e LEFT ANTI JOIN current AS c
    ON c.leaf_key = e.leaf_key AND c.measure = e.measure AND c.dataset = e.dataset AND ${dimsKeySql('c.dims')} = ${dimsKeySql('e.dims')}
)
SELECT r.dataset, r.measure, r.dims, ${dimsKeySql('r.dims')},
       r.area_level, r.area_code, r.period, r.leaf_key, r.value, r.present, r.synthetic, k.known_at_ms, r.cell_key, r.pvalue,
       transform(r.period, {periods:Array(String)}, {starts:Array(String)}, '')
FROM rows AS r LEFT JOIN known AS k ON k.leaf_key = r.leaf_key
SETTINGS join_use_nulls = 0`;

export class ReplayProjector {
  private readonly protection: Protection;
  private block: string[] = [];
  private inFlight: Promise<void> | undefined;
  private failure: unknown;
  private events = 0;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: IndicatorProjectorOptions = {},
  ) {
    this.protection = options.protection ?? loadProtection();
  }

  /** Empties the staging table (the projected tables are emptied by truncateProjections). */
  async begin(): Promise<void> {
    await this.warehouse.command('TRUNCATE TABLE IF EXISTS record_versions_replay');
    this.block = [];
    this.events = 0;
    this.failure = undefined;
  }

  /**
   * Stages the events of one partition, in log order; `offsets[i]` is the log offset of `events[i]`.
   * Resolves once they are serialised (and a full block handed to the warehouse, while the next one
   * is built).
   */
  async add(partition: number, events: readonly AreaStatisticEvent[], offsets: readonly bigint[]): Promise<void> {
    if (this.failure) throw this.failure;
    const secret = this.options.recordKeySecret;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      const p = e.payload;
      const head = `[${partition},${offsets[i]},${JSON.stringify(e.key)},${e.version},`;
      const tail = `${e.deliveredAt},${JSON.stringify(e.amt)},${JSON.stringify(e.deliveryId)}`;
      if (e.tombstone || !p) {
        this.block.push(`${head}"","","","","",1,0,${tail},[],[],[],[],[]]`);
      } else {
        const obs = p.observations;
        const measures = new Array<string>(obs.length);
        const dims = new Array<Record<string, string>>(obs.length);
        const values = new Array<number>(obs.length);
        const keys = new Array<number>(obs.length);
        const pvalues = new Array<number>(obs.length);
        for (let j = 0; j < obs.length; j++) {
          const o = obs[j]!;
          const pr = protectObservation(this.protection, secret, p, o);
          measures[j] = o.measure;
          dims[j] = o.dimensions;
          values[j] = o.value;
          keys[j] = pr.key;
          pvalues[j] = pr.pvalue;
        }
        const where = JSON.stringify([leafKey(p), p.dataset, p.areaLevel, p.areaCode, p.period]).slice(1, -1);
        this.block.push(
          `${head}${where},0,${p.synthetic ? 1 : 0},${tail},${JSON.stringify(measures)},${JSON.stringify(dims)},${JSON.stringify(values)},${JSON.stringify(keys)},${JSON.stringify(pvalues)}]`,
        );
      }
    }
    this.events += events.length;
    if (this.block.length >= BLOCK_ROWS) await this.flush();
  }

  /** Hands the current block to the warehouse; waits for the previous one first (one insert in flight). */
  private async flush(): Promise<void> {
    if (this.block.length === 0) return;
    const data = Buffer.from(this.block.join('\n'));
    this.block = [];
    await this.inFlight;
    if (this.failure) throw this.failure;
    this.inFlight = this.warehouse.insertFormatted('record_versions_replay', { format: 'JSONCompactEachRow', columns: stagingColumns, data }).catch((error: unknown) => {
      this.failure ??= error;
    });
  }

  /** Resolves the staged log into record_versions and cells; returns what the replay touched. */
  async finish(): Promise<ProjectionResult> {
    await this.flush();
    await this.inFlight;
    if (this.failure) throw this.failure;
    await this.warehouse.command(recordVersionsSql);
    const periods = (await this.warehouse.query<{ period: string }>(`SELECT DISTINCT period FROM record_versions WHERE period != '' ORDER BY period`)).map((r) => r.period);
    await this.warehouse.command(cellsSql, { periods, starts: periods.map(periodStart) });
    const [counts] = await this.warehouse.query<{ leaves: string; cells: string }>(
      `SELECT (SELECT uniqExact(leaf_key) FROM record_versions WHERE leaf_key != '') AS leaves, (SELECT count() FROM cells) AS cells`,
    );
    await this.warehouse.command('TRUNCATE TABLE IF EXISTS record_versions_replay');
    return { events: this.events, leaves: Number(counts?.leaves ?? 0), cellsWritten: Number(counts?.cells ?? 0), touchedPeriods: periods };
  }
}
