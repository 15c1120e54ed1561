// The incremental projector: applies a batch of area-statistic record events to the warehouse.
// Idempotent and order-insensitive by construction, so a crash at any point followed by
// redelivery of the batch never counts anything twice nor drops it:
//  1. every event is stored as a row of record_versions (same key+version collapses);
//  2. only the leaf cells touched by the batch are recomputed from the latest stored version of
//     each record (tombstones remove), never incremented; a cell some stored version had and the
//     latest have not is marked absent — in the warehouse, by the rebuild's own statement
//     restricted to those leaves (cells.sql.ts), so a batch is three statements: look-up,
//     versions, cells;
//  3. a recomputed cell carries known_at = the latest delivery time of any version at its leaf,
//     so replaying the log yields exactly the same current cells as incremental processing.
// One key@version (and tombstone) is stored once, the first in the log wins (issue 14): an event
// whose key@version is already in record_versions, or earlier in its batch, is not stored again.
// The ingestion reserves a version with its payload hash before the append, so a second event
// under it is the same payload appended again after a crash or timeout (only its delivery time
// and id differ) or, from that crash window alone, another payload; either way the projection
// keeps the first. The events of one key are in one partition and are applied in log order, so
// incremental projection and a replay of the log agree; the registry and controlling
// projections in PostgreSQL keep the first too (ON CONFLICT DO NOTHING, event ids by key@version).
// The cell-key method (docs/disclosure.md): every observation is stored with its record key and
// the value the perturbation table publishes for it; a cell (one observation of one record) keeps
// both, so every public figure is a sum of protected values and can be read in the same GROUP BY
// as the true one. An observation without a key (an event written before area-statistic v2) gets
// the key the ingestion would have given it when the projector knows the secret (upcasting), and
// otherwise none: its figures are then shown as "geschützt" until a rebuild with the secret.
import type { AreaStatistic, RecordEvent } from '@sp/events';
import { denominatorMeasure, loadProtection, periodStart, perturbCount, recordKeyOf, type Protection } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import type { AreaMapRow } from './area-map.js';
import { cellsOfLeavesSql } from './cells.sql.js';
import { recordKeyTail, recordKeyTailSql } from './migrations.js';

/**
 * A live batch's look-up of the stored versions of its records, by record key, the keys' last
 * segments first: record_versions' sorting key begins with them (migration 19), so the read keeps
 * the granules of the batch's periods, not those of all its keys' areas. Parameters:
 * recordsLookUpParams (the benches time the same statement).
 */
export const recordsLookUpSql = `SELECT record_key, version, tombstone, leaf_key, dataset, area_level, area_code, period
       FROM record_versions WHERE ${recordKeyTailSql()} IN {tails:Array(String)} AND record_key IN {keys:Array(String)}`;

/** The parameters of recordsLookUpSql for these record keys. */
export const recordsLookUpParams = (keys: readonly string[]): { keys: string[]; tails: string[] } => ({ keys: [...keys], tails: [...new Set(keys.map(recordKeyTail))] });

type LeafOf = { leaf_key: string; dataset: string; area_level: string; area_code: string; period: string };
const NO_LEAF: LeafOf = { leaf_key: '', dataset: '', area_level: '', area_code: '', period: '' };

/** An observation as the projector reads it; recordKey is null or absent in events written before v2, valueKind, unit and denominator before v3. */
export type Observation = Pick<AreaStatistic['observations'][number], 'measure' | 'dimensions' | 'value' | 'recordKey' | 'valueKind' | 'unit' | 'denominator'>;

export type AreaStatisticPayload = Pick<AreaStatistic, 'dataset' | 'areaLevel' | 'areaCode' | 'period' | 'synthetic'> & { observations: readonly Observation[] };

/**
 * An area-statistic record event as the projector reads it: the fields it uses of @sp/events'
 * RecordEvent<'area-statistic'>, so a decoded event is passed as it is (fixtures build only these).
 * The payload is null (or absent) for tombstones.
 */
export type AreaStatisticEvent = Pick<RecordEvent<'area-statistic'>, 'key' | 'version' | 'tombstone' | 'deliveredAt' | 'amt' | 'deliveryId'> & {
  payload?: AreaStatisticPayload | null;
};

export function leafKey(p: Pick<AreaStatisticPayload, 'dataset' | 'areaLevel' | 'areaCode' | 'period'>): string {
  return `${p.dataset}|${p.areaLevel}|${p.areaCode}|${p.period}`;
}

export function dimsKey(dims: Record<string, string>): string {
  return Object.keys(dims)
    .sort()
    .map((k) => `${k}=${dims[k]}`)
    .join(';');
}

export interface ProjectionResult {
  events: number;
  leaves: number;
  /** cells written (a rebuild counts them; a live batch writes them in the warehouse without counting) */
  cellsWritten?: number;
  /** periods whose values changed, per area level: composite indices of those periods need recomputing */
  touchedPeriods: string[];
  /** set when this tells of composite indices recomputed for touchedPeriods (no cells projected) */
  indicesRecomputed?: boolean;
}

export interface IndicatorProjectorOptions {
  /** the tenant's perturbation table (default: @sp/indicators' catalogue/protection.yaml) */
  protection?: Protection;
  /** the record-key secret, to key observations of events written before keys existed */
  recordKeySecret?: string;
}

/** -1 marks a record key or protected value that is not known (a perturbed value is never negative). */
const NONE = -1;

/** The record key and protected value of one observation of a record (incremental and replay alike). */
export function protectObservation(protection: Protection, secret: string | undefined, p: AreaStatisticPayload, o: Observation): { key: number; pvalue: number } {
  const key =
    o.recordKey ?? (secret ? recordKeyOf(secret, { dataset: p.dataset, areaLevel: p.areaLevel, areaCode: p.areaCode, period: p.period, measure: o.measure, dimensions: o.dimensions }) : undefined);
  return key === undefined ? { key: NONE, pvalue: NONE } : { key, pvalue: perturbCount(o.value, key, protection.table) };
}

/** One observation as record_versions and the cells store it. */
export interface StoredObservation {
  measure: string;
  dimensions: Record<string, string>;
  value: number;
  key: number;
  pvalue: number;
}

/**
 * The observations of a record as they are stored (incremental and replay alike). A count is
 * stored as delivered, with its record key and protected value. A delivered share, rate, mean or
 * change (area-statistic v3) is stored under its measure too — a share in % whatever unit it was
 * delivered in — and its denominator as a count under denominatorMeasure(measure); neither gets a
 * protected value: the perturbation table is for counts, and a published rate and its denominator
 * would give its numerator away exactly, so the public sees such values of a confidential dataset
 * as "geschützt" (docs/disclosure.md §8). Which indicator reads them is the catalogue's business
 * (kind delivered): nothing sums them.
 */
export function storedObservations(protection: Protection, secret: string | undefined, p: AreaStatisticPayload): StoredObservation[] {
  const out: StoredObservation[] = [];
  for (const o of p.observations) {
    const kind = o.valueKind ?? 'COUNT';
    if (kind === 'COUNT') {
      const pr = protectObservation(protection, secret, p, o);
      out.push({ measure: o.measure, dimensions: o.dimensions, value: o.value, key: pr.key, pvalue: pr.pvalue });
      continue;
    }
    const value = kind === 'SHARE' && o.unit === 'fraction' ? o.value * 100 : o.value;
    out.push({ measure: o.measure, dimensions: o.dimensions, value, key: NONE, pvalue: NONE });
    if (o.denominator != null) out.push({ measure: denominatorMeasure(o.measure), dimensions: o.dimensions, value: o.denominator, key: NONE, pvalue: NONE });
  }
  return out;
}

export class IndicatorProjector {
  private readonly protection: Protection;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: IndicatorProjectorOptions = {},
  ) {
    this.protection = options.protection ?? loadProtection();
  }

  /** @param afterRecordsStored hook between the two steps (tracing, crash tests) */
  async apply(events: readonly AreaStatisticEvent[], afterRecordsStored?: () => void): Promise<ProjectionResult> {
    if (events.length === 0) return { events: 0, leaves: 0, touchedPeriods: [] };
    // a key@version stored before is not stored again, but its leaves are recomputed all the same:
    // a crash may have come between storing it and recomputing its cells
    // topLeaf: per record, its highest version before the event at hand — the stored ones, then the
    // batch's as they come: a version earlier in the same batch counts as stored before the
    // withdrawal, so the result does not depend on where the log was cut into batches (a rebuild
    // reads it in other batches)
    const { fresh, topLeaf, leavesOfRecord } = await this.lookUp(events);

    const rows = [];
    const leaves = new Set<string>();
    for (const e of events) {
      // every leaf the record has a stored version at: a version that moves the record to another
      // leaf, or withdraws it, changes the cells of the leaf it was at (its old version is no
      // longer the latest there)
      for (const l of leavesOfRecord.get(e.key) ?? []) leaves.add(l);
      const p = e.payload;
      if (e.tombstone || !p) {
        // a withdrawal carries the leaf of its record's highest version before it in the log (none
        // for a record not seen yet, which is still stored, so that an older version arriving
        // later is dominated by it)
        const top = topLeaf.get(e.key);
        const known: LeafOf = top ? { leaf_key: top.leaf_key, dataset: top.dataset, area_level: top.area_level, area_code: top.area_code, period: top.period } : NO_LEAF;
        if (known.leaf_key) leaves.add(known.leaf_key);
        if (!fresh.has(e)) continue;
        rows.push({
          ...known,
          record_key: e.key,
          version: e.version,
          tombstone: 1,
          synthetic: 0,
          known_at_ms: e.deliveredAt,
          amt: e.amt,
          delivery_id: e.deliveryId,
          obs_measure: [],
          obs_dims: [],
          obs_value: [],
          obs_key: [],
          obs_pvalue: [],
        });
        continue;
      }
      const leaf = leafKey(p);
      leaves.add(leaf);
      if (!fresh.has(e)) continue;
      const top = topLeaf.get(e.key);
      if (!top || e.version > top.version) topLeaf.set(e.key, { version: e.version, leaf_key: leaf, dataset: p.dataset, area_level: p.areaLevel, area_code: p.areaCode, period: p.period });
      const stored = storedObservations(this.protection, this.options.recordKeySecret, p);
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
        known_at_ms: e.deliveredAt,
        amt: e.amt,
        delivery_id: e.deliveryId,
        obs_measure: stored.map((o) => o.measure),
        obs_dims: stored.map((o) => o.dimensions),
        obs_value: stored.map((o) => o.value),
        obs_key: stored.map((o) => o.key),
        obs_pvalue: stored.map((o) => o.pvalue),
      });
    }
    if (rows.length > 0) await this.warehouse.insert('record_versions', rows);
    afterRecordsStored?.();
    await this.recomputeLeaves([...leaves]);
    const touchedPeriods = [...new Set([...leaves].map((l) => l.split('|')[3]!))].sort();
    // (a leaf key is dataset|level|code|period)
    return { events: events.length, leaves: leaves.size, touchedPeriods };
  }

  /**
   * One look-up by the sorting key for the batch's records: which events are the first in the log
   * of their key@version (and tombstone flag) — neither stored already nor earlier in the batch —,
   * the leaf of each record's highest stored version (for its withdrawals) and every leaf its
   * stored versions are at.
   */
  private async lookUp(
    events: readonly AreaStatisticEvent[],
  ): Promise<{ fresh: Set<AreaStatisticEvent>; topLeaf: Map<string, LeafOf & { version: number }>; leavesOfRecord: Map<string, Set<string>> }> {
    const id = (key: string, version: number, tombstone: boolean | number) => `${key}\0${version}\0${tombstone ? 1 : 0}`;
    const keys = [...new Set(events.map((e) => e.key))];
    const stored = await this.warehouse.query<{ record_key: string; version: number; tombstone: number } & LeafOf>(recordsLookUpSql, recordsLookUpParams(keys));
    const seen = new Set<string>();
    const topLeaf = new Map<string, LeafOf & { version: number }>();
    const leavesOfRecord = new Map<string, Set<string>>();
    for (const r of stored) {
      const version = Number(r.version);
      seen.add(id(r.record_key, version, Number(r.tombstone)));
      if (r.leaf_key) {
        const at = leavesOfRecord.get(r.record_key);
        if (at) at.add(r.leaf_key);
        else leavesOfRecord.set(r.record_key, new Set([r.leaf_key]));
      }
      const top = topLeaf.get(r.record_key);
      if (Number(r.tombstone) === 0 && (!top || version > top.version)) {
        topLeaf.set(r.record_key, { version, leaf_key: r.leaf_key, dataset: r.dataset, area_level: r.area_level, area_code: r.area_code, period: r.period });
      }
    }
    const fresh = new Set<AreaStatisticEvent>();
    for (const e of events) {
      const k = id(e.key, e.version, e.tombstone || !e.payload);
      if (seen.has(k)) continue;
      seen.add(k);
      fresh.add(e);
    }
    return { fresh, topLeaf, leavesOfRecord };
  }

  /**
   * Recomputes the current cells of the given leaves from the stored versions of the records at
   * them, in the warehouse (one INSERT … SELECT per ≤ 2 000 leaves, no rows through this process):
   * the same statement as a rebuild's (replay.projector.ts, cellsOfLeavesSql) restricted to
   * these leaves, so live and rebuilt cells agree by construction.
   */
  async recomputeLeaves(leaves: readonly string[]): Promise<void> {
    // bounded statement size; each chunk is independent and idempotent
    for (let i = 0; i < leaves.length; i += 2000) {
      const chunk = leaves.slice(i, i + 2000);
      const periods = [...new Set(chunk.map((l) => l.split('|')[3]!))];
      await this.warehouse.command(cellsOfLeavesSql, { leaves: chunk, periods, starts: periods.map(periodStart) });
    }
  }
}

/**
 * Replaces the area map (reference data): each area to itself and to every ancestor or containing
 * planning area. The new map is filled beside the old one (area_map_next) and the two are exchanged
 * in one step, so a read never sees it empty or half filled: emptied first and filled after, a
 * roll-up read in between answered nothing (a delivered reference taken over while the gateway
 * read: hamburg.e2e's city total, once the chDB statements queued in lanes).
 */
export async function loadAreaMap(warehouse: Warehouse, rows: readonly AreaMapRow[]): Promise<void> {
  await warehouse.command('CREATE TABLE IF NOT EXISTS area_map_next AS area_map');
  await warehouse.command('TRUNCATE TABLE area_map_next');
  await warehouse.insert(
    'area_map_next',
    rows.map((r) => ({ child_level: r.childLevel, child_code: r.childCode, level: r.level, code: r.code, valid_from: r.validFrom ?? '0000-01-01', valid_to: r.validTo ?? '' })),
  );
  await warehouse.command('EXCHANGE TABLES area_map AND area_map_next');
}
