// The latest version of every area-statistic record of one dataset and level, as delivered (true
// values, not the protected ones): the input of jobs that derive new records from delivered ones,
// such as the population projection (docs/projection.md §7). Not a reader path: nothing read here
// leaves the platform except through new records, which the indicator reader protects like any.
import type { Warehouse } from '@sp/ports';

export interface StoredAreaStatistic {
  key: string;
  version: number;
  dataset: string;
  areaLevel: string;
  areaCode: string;
  period: string;
  observations: { measure: string; dimensions: Record<string, string>; value: number }[];
}

interface Row {
  record_key: string;
  version: string | number;
  area_code: string;
  period: string;
  ms: string[];
  ds: (Record<string, string> | [string, string][])[];
  vs: (number | string)[];
}

const plainMap = (m: Record<string, string> | [string, string][]): Record<string, string> => (Array.isArray(m) ? Object.fromEntries(m) : { ...m });

/** Latest non-withdrawn version of each record of `dataset` at `areaLevel`, ordered by area and period. */
export async function latestAreaStatistics(warehouse: Warehouse, q: { dataset: string; areaLevel: string }): Promise<StoredAreaStatistic[]> {
  const rows = await warehouse.query<Row>(
    `SELECT record_key, v AS version, l_code AS area_code, l_period AS period, ms, ds, vs FROM (
       SELECT record_key, max(version) AS v, argMax(tombstone, (version, tombstone)) AS t,
              argMax(area_code, (version, tombstone)) AS l_code, argMax(period, (version, tombstone)) AS l_period,
              argMax(obs_measure, (version, tombstone)) AS ms, argMax(obs_dims, (version, tombstone)) AS ds,
              argMax(obs_value, (version, tombstone)) AS vs
       FROM record_versions WHERE dataset = {dataset:String} AND area_level = {level:String}
       GROUP BY record_key)
     WHERE t = 0 ORDER BY l_code, l_period`,
    { dataset: q.dataset, level: q.areaLevel },
  );
  return rows.map((r) => ({
    key: r.record_key,
    version: Number(r.version),
    dataset: q.dataset,
    areaLevel: q.areaLevel,
    areaCode: r.area_code,
    period: r.period,
    observations: r.ms.map((measure, i) => ({ measure, dimensions: plainMap(r.ds[i]!), value: Number(r.vs[i]) })),
  }));
}

/** The highest version any record of `dataset` has in the warehouse (0: none yet). */
export async function latestDatasetVersion(warehouse: Warehouse, dataset: string): Promise<number> {
  const rows = await warehouse.query<{ v: string | number }>(`SELECT max(version) AS v FROM record_versions WHERE dataset = {dataset:String}`, { dataset });
  return Number(rows[0]?.v ?? 0);
}
