// The incremental projector: applies a batch of area-statistic record events to the warehouse.
// Idempotent and order-insensitive by construction, so a crash at any point followed by
// redelivery of the batch never counts anything twice nor drops it:
//  1. every event is stored as a row of record_versions (same key+version collapses);
//  2. only the leaf cells touched by the batch are recomputed from the latest stored version of
//     each record (tombstones remove), never incremented; cells that disappeared are marked absent;
//  3. a recomputed cell carries known_at = the latest delivery time of any version at its leaf,
//     so replaying the log yields exactly the same current cells as incremental processing.
import type { Warehouse } from '@sp/ports';
import type { AreaMapRow } from './area-map.js';

export interface Observation {
  measure: string;
  dimensions: Record<string, string>;
  value: number;
}

export interface AreaStatisticPayload {
  dataset: string;
  areaLevel: string;
  areaCode: string;
  period: string;
  observations: readonly Observation[];
  synthetic: boolean;
}

/** A decoded area-statistic event as the projector needs it. */
export interface AreaStatisticEvent {
  key: string;
  version: number;
  tombstone: boolean;
  /** epoch millis of the delivery */
  deliveredAtMs: number;
  amt: string;
  deliveryId: string;
  /** absent for tombstones */
  payload?: AreaStatisticPayload;
}

export function leafKey(p: Pick<AreaStatisticPayload, 'dataset' | 'areaLevel' | 'areaCode' | 'period'>): string {
  return `${p.dataset}|${p.areaLevel}|${p.areaCode}|${p.period}`;
}

export function dimsKey(dims: Record<string, string>): string {
  return Object.keys(dims)
    .sort()
    .map((k) => `${k}=${dims[k]}`)
    .join(';');
}

type CellRow = {
  dataset: string;
  measure: string;
  dims: Record<string, string>;
  dims_key: string;
  area_level: string;
  area_code: string;
  period: string;
  leaf_key: string;
  value: number;
  present: number;
  synthetic: number;
  known_at_ms: number;
};

export interface ProjectionResult {
  events: number;
  leaves: number;
  cellsWritten: number;
  /** periods whose values changed, per area level: composite indices of those periods need recomputing */
  touchedPeriods: string[];
}

export class IndicatorProjector {
  constructor(private readonly warehouse: Warehouse) {}

  /** @param afterRecordsStored hook between the two steps (tracing, crash tests) */
  async apply(events: readonly AreaStatisticEvent[], afterRecordsStored?: () => void): Promise<ProjectionResult> {
    if (events.length === 0) return { events: 0, leaves: 0, cellsWritten: 0, touchedPeriods: [] };
    const tombstoneKeys = events.filter((e) => e.tombstone || !e.payload).map((e) => e.key);
    const leafOfTombstone = await this.leavesOfRecords(tombstoneKeys);

    const rows = [];
    const leaves = new Set<string>();
    for (const e of events) {
      const p = e.payload;
      if (e.tombstone || !p) {
        // a withdrawal of a record not seen yet is still stored, so that an older version
        // arriving later is dominated by it
        const known = leafOfTombstone.get(e.key) ?? { leaf_key: '', dataset: '', area_level: '', area_code: '', period: '' };
        if (known.leaf_key) leaves.add(known.leaf_key);
        rows.push({
          ...known,
          record_key: e.key,
          version: e.version,
          tombstone: 1,
          synthetic: 0,
          known_at_ms: e.deliveredAtMs,
          amt: e.amt,
          delivery_id: e.deliveryId,
          obs_measure: [],
          obs_dims: [],
          obs_value: [],
        });
        continue;
      }
      const leaf = leafKey(p);
      leaves.add(leaf);
      rows.push({
        record_key: e.key,
        version: e.version,
        leaf_key: leaf,
        dataset: p.dataset,
        area_level: p.areaLevel,
        area_code: p.areaCode,
        period: p.period,
        tombstone: 0,
        synthetic: p.synthetic ? 1 : 0,
        known_at_ms: e.deliveredAtMs,
        amt: e.amt,
        delivery_id: e.deliveryId,
        obs_measure: p.observations.map((o) => o.measure),
        obs_dims: p.observations.map((o) => o.dimensions),
        obs_value: p.observations.map((o) => o.value),
      });
    }
    if (rows.length > 0) await this.warehouse.insert('record_versions', rows);
    afterRecordsStored?.();
    const cellsWritten = await this.recomputeLeaves([...leaves]);
    const touchedPeriods = [...new Set([...leaves].map((l) => l.split('|')[3]!))].sort();
    // (a leaf key is dataset|level|code|period)
    return { events: events.length, leaves: leaves.size, cellsWritten, touchedPeriods };
  }

  private async leavesOfRecords(keys: readonly string[]) {
    const out = new Map<string, { leaf_key: string; dataset: string; area_level: string; area_code: string; period: string }>();
    if (keys.length === 0) return out;
    const rows = await this.warehouse.query<{ record_key: string; leaf_key: string; dataset: string; area_level: string; area_code: string; period: string }>(
      `SELECT record_key, any(leaf_key) AS leaf_key, any(dataset) AS dataset, any(area_level) AS area_level,
              any(area_code) AS area_code, any(period) AS period
       FROM record_versions WHERE record_key IN {keys:Array(String)} AND tombstone = 0 GROUP BY record_key`,
      { keys },
    );
    for (const r of rows) out.set(r.record_key, r);
    return out;
  }

  /** Recomputes the current cells of the given leaves from their records' latest versions. */
  async recomputeLeaves(leaves: readonly string[]): Promise<number> {
    let written = 0;
    // bounded statement size; each chunk is independent and idempotent
    for (let i = 0; i < leaves.length; i += 2000) {
      written += await this.recomputeChunk(leaves.slice(i, i + 2000));
    }
    return written;
  }

  private async recomputeChunk(leaves: readonly string[]): Promise<number> {
    const fresh = await this.warehouse.query<Omit<CellRow, 'dims_key' | 'known_at_ms'>>(
      `WITH latest AS (
         SELECT record_key, argMax(tombstone, (version, tombstone)) AS l_tomb,
                argMax(leaf_key, (version, tombstone)) AS l_leaf, argMax(dataset, (version, tombstone)) AS l_dataset,
                argMax(area_level, (version, tombstone)) AS l_level, argMax(area_code, (version, tombstone)) AS l_code,
                argMax(period, (version, tombstone)) AS l_period, argMax(synthetic, (version, tombstone)) AS l_synthetic,
                argMax(obs_measure, (version, tombstone)) AS ms, argMax(obs_dims, (version, tombstone)) AS ds,
                argMax(obs_value, (version, tombstone)) AS vs
         FROM record_versions
         WHERE record_key IN (SELECT record_key FROM record_versions WHERE leaf_key IN {leaves:Array(String)})
         GROUP BY record_key
       )
       SELECT l_dataset AS dataset, measure, dims, l_level AS area_level, l_code AS area_code,
              l_period AS period, l_leaf AS leaf_key, sum(value) AS value, max(l_synthetic) AS synthetic
       FROM latest ARRAY JOIN ms AS measure, ds AS dims, vs AS value
       WHERE l_tomb = 0
       GROUP BY dataset, measure, dims, area_level, area_code, period, leaf_key`,
      { leaves },
    );
    const known = await this.warehouse.query<{ leaf_key: string; known_at_ms: string }>(
      `SELECT leaf_key, max(known_at_ms) AS known_at_ms FROM record_versions
       WHERE leaf_key IN {leaves:Array(String)} GROUP BY leaf_key`,
      { leaves },
    );
    const knownAt = new Map(known.map((k) => [k.leaf_key, Number(k.known_at_ms)]));
    // leaf_key is not in the sorting key of cells; the leaves' periods are, so the period filter
    // (implied by the leaf keys) lets ClickHouse read only those periods' granules instead of
    // merging the whole table (FINAL) on every batch
    const periods = [...new Set(leaves.map((l) => l.slice(l.lastIndexOf('|') + 1)))];
    const existing = await this.warehouse.query<CellRow>(
      `SELECT dataset, measure, dims, dims_key, area_level, area_code, period, leaf_key, value, present, synthetic, known_at_ms
       FROM cells FINAL WHERE period IN {periods:Array(String)} AND leaf_key IN {leaves:Array(String)} AND present = 1`,
      { leaves, periods },
    );
    const out: CellRow[] = [];
    const seen = new Set<string>();
    for (const c of fresh) {
      const dk = dimsKey(c.dims);
      seen.add(`${c.leaf_key}#${c.measure}#${dk}`);
      out.push({ ...c, dims_key: dk, value: Number(c.value), present: 1, synthetic: Number(c.synthetic), known_at_ms: knownAt.get(c.leaf_key) ?? 0 });
    }
    for (const c of existing) {
      if (seen.has(`${c.leaf_key}#${c.measure}#${c.dims_key}`)) continue;
      out.push({ ...c, value: 0, present: 0, known_at_ms: knownAt.get(c.leaf_key) ?? Number(c.known_at_ms) + 1 });
    }
    if (out.length > 0) await this.warehouse.insert('cells', out);
    return out.length;
  }
}

/** Replaces the area map (reference data): each area to itself and to every ancestor or containing planning area. */
export async function loadAreaMap(warehouse: Warehouse, rows: readonly AreaMapRow[]): Promise<void> {
  await warehouse.command('TRUNCATE TABLE IF EXISTS area_map');
  await warehouse.insert(
    'area_map',
    rows.map((r) => ({ child_level: r.childLevel, child_code: r.childCode, level: r.level, code: r.code, valid_from: r.validFrom ?? '0000-01-01', valid_to: r.validTo ?? '' })),
  );
}
