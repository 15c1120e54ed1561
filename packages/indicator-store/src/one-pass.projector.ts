// The one-pass projector of a rebuild (issue 17.1, session 13): the whole log replayed into empty
// tables with the resolution done in this process while the log is read, so the warehouse only
// takes finished rows, as RowBinary, in blocks that it inserts while the next block is decoded —
// no staging table and no resolving statements (ReplayProjector, the two-step rebuild, staged every
// event and resolved the log in two INSERT … SELECT at the end: those took ≈ 1.75 s of a 4.3 s
// rebuild of 100,000 events, the cells statement alone about as long as inserting its rows raw).
// The rules are those of cells.sql.ts and ReplayProjector's record-versions statement, applied
// per record key in log order (the events of one key are in one partition, read in order):
//  - one key@version (and tombstone) is stored once, the first in the log wins;
//  - a withdrawal carries the leaf of the record's highest version before it in the log (none: '');
//  - a leaf's cells come from each record's latest stored version by (version, tombstone) —
//    tombstones remove — summed per cell (measure and dimensions as delivered, in their order);
//    a cell that some stored version at the leaf had and no latest version has is written absent
//    (value 0, pvalue 0, synthetic of any version that had it, cell_key -1);
//  - known_at is the latest delivery time of any stored row at the leaf, withdrawals included;
//  - synthetic: of the latest versions for a present cell, of any version for an absent one;
//  - cell_key: Σ record keys mod 1 (-1 if one is unknown); pvalue: Σ protected values (-1 if one
//    is unknown); dims_key: the dimensions sorted by name (bytewise, as arraySort), k=v joined by ';'.
// Cells are written per block for the leaves the block touched (not only at the end), so their
// inserts overlap reading and decoding too. A leaf touched again later (a correction, a withdrawal)
// is written again with its new state and a known_at at least as high: cells is a
// ReplacingMergeTree(known_at_ms), so the later row replaces the earlier one (an equal known_at:
// the later insert), exactly as the live path's batches replace a leaf's cells. `cellsAtEnd`
// writes every leaf once, after the last event, instead.
// Memory: the state of every record key and every leaf is held until the end (the latest version's
// observations as cell ids and three doubles each, the versions seen, the cells any version at
// the leaf had); bench/indicators/README.md §4 (session 13) gives the bytes per key.
// A rebuild that fails part-way is started over (the tables are emptied first), so blocks are not
// retried one by one: the first failure is kept and thrown by add() and finish().
import { loadProtection, periodStart, type Protection } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { leafKey, storedObservations, type AreaStatisticEvent, type IndicatorProjectorOptions, type ProjectionResult } from './projector.js';
import { firstInLog, recordVersionsColumns, type SeenVersions, writeWithdrawalColumns, writeWithdrawnLeaf } from './replay.projector.js';
import { InsertQueue } from './insert-queue.js';
import { recordKeyTail } from './migrations.js';
import { RowBinaryWriter } from './row-binary.js';

const cellsColumns = [
  'dataset',
  'measure',
  'dims',
  'dims_key',
  'area_level',
  'area_code',
  'period',
  'leaf_key',
  'value',
  'present',
  'synthetic',
  'known_at_ms',
  'cell_key',
  'pvalue',
  'period_start',
] as const;

/** cell rows per insert when every leaf is written at the end */
const END_BLOCK_CELLS = 100_000;

/** A (measure, dimensions) pair as delivered, interned: its RowBinary pieces written once. */
interface CellId {
  measureName: string;
  measureIndex: number;
  /** measure (String) */
  measure: Buffer;
  /** dims (Map(String, String), in the delivered order) */
  dims: Buffer;
  /** measure, dims and dims_key as the cells row has them, one after the other */
  cellColumns: Buffer;
}

interface Leaf {
  key: string;
  dataset: string;
  areaLevel: string;
  areaCode: string;
  period: string;
  knownAt: number;
  /** records with a stored version at this leaf (nearly always one) */
  records: RecordState[];
  /** the cells any stored version at the leaf had, and whether one of those versions was synthetic */
  cells: number[];
  cellSynthetic: number[];
  dirty: boolean;
}

interface RecordState extends SeenVersions {
  key: string;
  /** the greatest stored (version, tombstone), as version * 2 + tombstone; -1: none */
  latest: number;
  /** the record's highest version stored so far and its leaf (a later withdrawal carries it) */
  topVersion: number;
  topLeaf: Leaf | undefined;
  /** the latest stored row's leaf, undefined when it is a withdrawal */
  latestLeaf: Leaf | undefined;
  latestSynthetic: number;
  /** the latest version's observations: cell ids, and value, record key, protected value per observation */
  latestCells: Int32Array | undefined;
  latestNumbers: Float64Array | undefined;
}

export interface OnePassProjectorOptions extends IndicatorProjectorOptions {
  /** events per block: the finished rows of a block are inserted while the next is decoded (default 20 000) */
  blockEvents?: number;
  /** write every leaf's cells once, after the last event, instead of per block (default false) */
  cellsAtEnd?: boolean;
}

export interface OnePassStats {
  recordKeys: number;
  leaves: number;
  /** distinct (measure, dimensions) pairs */
  cellIds: number;
  /** cell rows inserted (a leaf touched in several blocks is written more than once) */
  cellRowsWritten: number;
  recordVersionRows: number;
  /** ms spent resolving events and writing their rows in add() (not waiting for inserts) */
  takeMs: number;
  /** ms spent writing cell rows */
  cellsMs: number;
}

/** bytewise order of UTF-8 strings, as ClickHouse's arraySort compares them */
function utf8Order(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}

/** cell rows, one writer per measure, handed over in the order of the measures */
class RowsByMeasure {
  private readonly writers: (RowBinaryWriter | undefined)[] = [];
  private readonly names: string[] = [];

  writer(index: number, measure: string): RowBinaryWriter {
    let w = this.writers[index];
    if (!w) {
      w = new RowBinaryWriter(1 << 16);
      this.writers[index] = w;
      this.names[index] = measure;
    }
    return w;
  }

  bytes(): Buffer {
    const used = [...this.writers.keys()].filter((i) => this.writers[i]).sort((a, b) => utf8Order(this.names[a]!, this.names[b]!));
    return Buffer.concat(used.map((i) => this.writers[i]!.bytes()));
  }
}

export class OnePassProjector {
  private readonly protection: Protection;
  private readonly blockEvents: number;
  private readonly records = new Map<string, RecordState>();
  private readonly leaves = new Map<string, Leaf>();
  private readonly cellIdOf = new Map<string, number>();
  private readonly cellIds: CellId[] = [];
  private readonly periodStarts = new Map<string, string>();
  /** RowBinary of the few strings that repeat in every cell row (datasets, period starts) */
  private readonly stringBytesOf = new Map<string, Buffer>();
  private readonly measureIndexOf = new Map<string, number>();
  private readonly place = new RowBinaryWriter(1024);
  private dirty: Leaf[] = [];
  private versions = new RowBinaryWriter();
  private versionRows = 0;
  private blockCount = 0;
  private readonly inserts = new InsertQueue();
  private events = 0;
  private cellRows = 0;
  private versionRowsWritten = 0;
  private takeMs = 0;
  private cellsMs = 0;
  /** scratch per cell of the leaf being written (index: slot in the leaf's cells) */
  private slotOf = new Int32Array(256);
  private agg = {
    present: new Uint8Array(64),
    value: new Float64Array(64),
    synthetic: new Uint8Array(64),
    kMin: new Float64Array(64),
    kSum: new Float64Array(64),
    pvMin: new Float64Array(64),
    pvSum: new Float64Array(64),
  };

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: OnePassProjectorOptions = {},
  ) {
    this.protection = options.protection ?? loadProtection();
    this.blockEvents = options.blockEvents ?? 20_000;
  }

  get stats(): OnePassStats {
    return {
      recordKeys: this.records.size,
      leaves: this.leaves.size,
      cellIds: this.cellIds.length,
      cellRowsWritten: this.cellRows,
      recordVersionRows: this.versionRowsWritten,
      takeMs: this.takeMs,
      cellsMs: this.cellsMs,
    };
  }

  /**
   * Projects the events of one partition, in log order. Resolves once they are taken in (and a full
   * block handed to the warehouse, while the next one is built).
   */
  async add(events: readonly AreaStatisticEvent[]): Promise<void> {
    if (this.inserts.failure) throw this.inserts.failure.cause;
    const started = performance.now();
    for (const e of events) this.take(e);
    this.takeMs += performance.now() - started;
    this.events += events.length;
    this.blockCount += events.length;
    if (this.blockCount >= this.blockEvents) await this.flush(!this.options.cellsAtEnd);
  }

  private take(e: AreaStatisticEvent): void {
    const p = e.payload;
    const tombstone = e.tombstone || !p ? 1 : 0;
    let rec = this.records.get(e.key);
    if (!rec) {
      rec = { key: e.key, seen: -1, latest: -1, topVersion: -1, topLeaf: undefined, latestLeaf: undefined, latestSynthetic: 0, latestCells: undefined, latestNumbers: undefined };
      this.records.set(e.key, rec);
    }
    // the first in the log of its key@version (and tombstone flag) is stored, a later one not
    if (!firstInLog(rec, e.version, tombstone)) return;
    const id = e.version * 2 + tombstone;
    const w = this.versions;
    this.versionRows++;
    if (tombstone || !p) {
      const leaf = rec.topLeaf;
      w.string(e.key);
      w.uint32(e.version);
      writeWithdrawnLeaf(w, leaf);
      if (leaf) {
        if (e.deliveredAt > leaf.knownAt) leaf.knownAt = e.deliveredAt;
        this.touch(leaf);
      }
      writeWithdrawalColumns(w, e);
      if (id > rec.latest) {
        rec.latest = id;
        if (rec.latestLeaf) this.touch(rec.latestLeaf);
        rec.latestLeaf = undefined;
        rec.latestCells = undefined;
        rec.latestNumbers = undefined;
      }
      return;
    }
    const lk = leafKey(p);
    let leaf = this.leaves.get(lk);
    if (!leaf) {
      leaf = { key: lk, dataset: p.dataset, areaLevel: p.areaLevel, areaCode: p.areaCode, period: p.period, knownAt: 0, records: [], cells: [], cellSynthetic: [], dirty: false };
      this.leaves.set(lk, leaf);
      if (!this.periodStarts.has(p.period)) this.periodStarts.set(p.period, periodStart(p.period));
    }
    if (e.version > rec.topVersion) {
      rec.topVersion = e.version;
      rec.topLeaf = leaf;
    }
    if (!leaf.records.includes(rec)) leaf.records.push(rec);
    const synthetic = p.synthetic ? 1 : 0;
    const obs = storedObservations(this.protection, this.options.recordKeySecret, p);
    const n = obs.length;
    const cells = new Int32Array(n);
    const numbers = new Float64Array(n * 3);
    const firstAtLeaf = leaf.cells.length === 0;
    for (let i = 0; i < n; i++) {
      const o = obs[i]!;
      const c = this.cellId(o.measure, o.dimensions);
      cells[i] = c;
      numbers[i * 3] = o.value;
      numbers[i * 3 + 1] = o.key;
      numbers[i * 3 + 2] = o.pvalue;
      // the cells any version at the leaf had
      const at = firstAtLeaf && i === 0 ? -1 : leaf.cells.indexOf(c);
      if (at < 0) {
        leaf.cells.push(c);
        leaf.cellSynthetic.push(synthetic);
      } else if (synthetic > leaf.cellSynthetic[at]!) leaf.cellSynthetic[at] = synthetic;
    }
    w.string(e.key);
    w.uint32(e.version);
    w.string(lk);
    w.string(p.dataset);
    w.string(p.areaLevel);
    w.string(p.areaCode);
    w.string(p.period);
    w.uint8(0);
    w.uint8(synthetic);
    w.uint64(e.deliveredAt);
    w.string(e.amt);
    w.string(e.deliveryId);
    const ids = this.cellIds;
    w.size(n);
    for (let i = 0; i < n; i++) w.raw(ids[cells[i]!]!.measure);
    w.size(n);
    for (let i = 0; i < n; i++) w.raw(ids[cells[i]!]!.dims);
    for (let f = 0; f < 3; f++) {
      w.size(n);
      for (let i = 0; i < n; i++) w.float64(numbers[i * 3 + f]!);
    }
    if (e.deliveredAt > leaf.knownAt) leaf.knownAt = e.deliveredAt;
    this.touch(leaf);
    if (id > rec.latest) {
      rec.latest = id;
      if (rec.latestLeaf && rec.latestLeaf !== leaf) this.touch(rec.latestLeaf);
      rec.latestLeaf = leaf;
      rec.latestSynthetic = synthetic;
      rec.latestCells = cells;
      rec.latestNumbers = numbers;
    }
  }

  private stringBytes(s: string): Buffer {
    let b = this.stringBytesOf.get(s);
    if (!b) {
      const w = new RowBinaryWriter(64);
      w.string(s);
      b = Buffer.from(w.bytes());
      this.stringBytesOf.set(s, b);
    }
    return b;
  }

  private touch(leaf: Leaf): void {
    if (leaf.dirty) return;
    leaf.dirty = true;
    this.dirty.push(leaf);
  }

  /** the interned id of a (measure, dimensions) pair */
  private cellId(measure: string, dims: Readonly<Record<string, string>>): number {
    let key = measure;
    for (const k in dims) key += `\u0000${k}\u0001${dims[k]}`;
    let id = this.cellIdOf.get(key);
    if (id !== undefined) return id;
    id = this.cellIds.length;
    const m = new RowBinaryWriter(64);
    m.string(measure);
    const d = new RowBinaryWriter(256);
    d.stringMap(dims);
    const names = Object.keys(dims).sort(utf8Order);
    const all = new RowBinaryWriter(512);
    all.raw(m.bytes());
    all.raw(d.bytes());
    all.string(names.map((k) => `${k}=${dims[k]}`).join(';'));
    let measureIndex = this.measureIndexOf.get(measure);
    if (measureIndex === undefined) {
      measureIndex = this.measureIndexOf.size;
      this.measureIndexOf.set(measure, measureIndex);
    }
    this.cellIds.push({ measureName: measure, measureIndex, measure: Buffer.from(m.bytes()), dims: Buffer.from(d.bytes()), cellColumns: Buffer.from(all.bytes()) });
    this.cellIdOf.set(key, id);
    if (id >= this.slotOf.length) {
      const next = new Int32Array(this.slotOf.length * 2);
      next.set(this.slotOf);
      this.slotOf = next;
    }
    return id;
  }

  /**
   * Writes the cell rows of one leaf, as cells.sql.ts computes them, each into the writer of its
   * measure: a block's rows are handed over measure by measure (the first column of cells' sorting
   * key), which the engine sorts faster than rows in the order of their leaves.
   */
  private writeLeaf(out: RowsByMeasure, leaf: Leaf): number {
    const n = leaf.cells.length;
    if (n > this.agg.present.length) {
      const size = Math.max(n, this.agg.present.length * 2);
      this.agg = {
        present: new Uint8Array(size),
        value: new Float64Array(size),
        synthetic: new Uint8Array(size),
        kMin: new Float64Array(size),
        kSum: new Float64Array(size),
        pvMin: new Float64Array(size),
        pvSum: new Float64Array(size),
      };
    }
    const { present, value, synthetic, kMin, kSum, pvMin, pvSum } = this.agg;
    const slotOf = this.slotOf;
    for (let j = 0; j < n; j++) {
      slotOf[leaf.cells[j]!] = j;
      present[j] = 0;
      value[j] = 0;
      synthetic[j] = 0;
      kMin[j] = Number.POSITIVE_INFINITY;
      kSum[j] = 0;
      pvMin[j] = Number.POSITIVE_INFINITY;
      pvSum[j] = 0;
    }
    // several records at one leaf: summed in the order of record_versions' rows (its sorting key:
    // the key's last segment, then the key, migration 19)
    const records = leaf.records.length === 1 ? leaf.records : [...leaf.records].sort((a, b) => utf8Order(recordKeyTail(a.key), recordKeyTail(b.key)) || utf8Order(a.key, b.key));
    for (const rec of records) {
      if (rec.latestLeaf !== leaf) continue;
      const cells = rec.latestCells!;
      const numbers = rec.latestNumbers!;
      for (let i = 0; i < cells.length; i++) {
        const j = slotOf[cells[i]!]!;
        present[j] = 1;
        value[j] = value[j]! + numbers[i * 3]!;
        if (rec.latestSynthetic > synthetic[j]!) synthetic[j] = rec.latestSynthetic;
        const k = numbers[i * 3 + 1]!;
        if (k < kMin[j]!) kMin[j] = k;
        kSum[j] = kSum[j]! + k;
        const pv = numbers[i * 3 + 2]!;
        if (pv < pvMin[j]!) pvMin[j] = pv;
        pvSum[j] = pvSum[j]! + pv;
      }
    }
    const ids = this.cellIds;
    // the leaf's columns serialised once, copied into each of its rows
    const place = this.place;
    place.reset();
    place.string(leaf.areaLevel);
    place.string(leaf.areaCode);
    place.string(leaf.period);
    place.string(leaf.key);
    const placeBytes = place.bytes();
    const dataset = this.stringBytes(leaf.dataset);
    const start = this.stringBytes(this.periodStarts.get(leaf.period)!);
    for (let j = 0; j < n; j++) {
      const on = present[j] === 1;
      const id = ids[leaf.cells[j]!]!;
      const w = out.writer(id.measureIndex, id.measureName);
      w.raw(dataset);
      w.raw(id.cellColumns);
      w.raw(placeBytes);
      w.float64(on ? value[j]! : 0);
      w.uint8(on ? 1 : 0);
      w.uint8(on ? synthetic[j]! : leaf.cellSynthetic[j]!);
      w.uint64(leaf.knownAt);
      w.float64(on ? (kMin[j]! < 0 ? -1 : kSum[j]! - Math.floor(kSum[j]!)) : -1);
      w.float64(on ? (pvMin[j]! < 0 ? -1 : pvSum[j]!) : 0);
      w.raw(start);
    }
    return n;
  }

  /** The cell rows of the leaves touched since the last time (all of them at the end with cellsAtEnd). */
  private dirtyCells(): { rows: number; data: Buffer } {
    const started = performance.now();
    const out = new RowsByMeasure();
    let rows = 0;
    for (const leaf of this.dirty) {
      leaf.dirty = false;
      rows += this.writeLeaf(out, leaf);
    }
    this.dirty = [];
    const data = out.bytes();
    this.cellsMs += performance.now() - started;
    return { rows, data };
  }

  /** Hands the block's rows to the warehouse; waits for the previous block's inserts first (one block in flight). */
  private async flush(withCells: boolean): Promise<void> {
    this.blockCount = 0;
    const versions = this.versionRows > 0 ? this.versions.bytes() : undefined;
    const versionRows = this.versionRows;
    this.versions = new RowBinaryWriter(Math.max(1 << 20, (versions?.length ?? 0) + ((versions?.length ?? 0) >> 3)));
    this.versionRows = 0;
    const cells = withCells ? this.dirtyCells() : undefined;
    await this.send(versions, versionRows, cells);
  }

  private async send(versions: Buffer | undefined, versionRows: number, cells: { rows: number; data: Buffer } | undefined): Promise<void> {
    this.versionRowsWritten += versionRows;
    if (cells) this.cellRows += cells.rows;
    await this.inserts.push(async () => {
      if (versions) await this.warehouse.insertFormatted('record_versions', { format: 'RowBinary', columns: recordVersionsColumns, data: versions });
      if (cells && cells.rows > 0) await this.warehouse.insertFormatted('cells', { format: 'RowBinary', columns: cellsColumns, data: cells.data });
    });
  }

  /** Writes what is left (every leaf's cells with cellsAtEnd); returns what the replay touched and how long the end took. */
  async finish(): Promise<ProjectionResult & { resolveMs: { recordVersions: number; cells: number } }> {
    if (this.inserts.failure) throw this.inserts.failure.cause;
    const t0 = performance.now();
    if (this.options.cellsAtEnd) {
      await this.flush(false);
      const t1 = performance.now();
      // every leaf, in blocks, each inserted while the next is written
      const started = performance.now();
      let out = new RowsByMeasure();
      let rows = 0;
      for (const leaf of this.leaves.values()) {
        leaf.dirty = false;
        rows += this.writeLeaf(out, leaf);
        if (rows >= END_BLOCK_CELLS) {
          await this.send(undefined, 0, { rows, data: out.bytes() });
          out = new RowsByMeasure();
          rows = 0;
        }
      }
      this.dirty = [];
      const data = out.bytes();
      this.cellsMs += performance.now() - started;
      await this.send(undefined, 0, { rows, data });
      await this.inserts.drained();
      return this.result({ recordVersions: t1 - t0, cells: performance.now() - t1 });
    }
    await this.flush(true);
    await this.inserts.drained();
    return this.result({ recordVersions: 0, cells: performance.now() - t0 });
  }

  private result(resolveMs: { recordVersions: number; cells: number }): ProjectionResult & { resolveMs: { recordVersions: number; cells: number } } {
    let cells = 0;
    for (const leaf of this.leaves.values()) cells += leaf.cells.length;
    return {
      events: this.events,
      leaves: this.leaves.size,
      cellsWritten: cells,
      touchedPeriods: [...this.periodStarts.keys()].sort(),
      resolveMs,
    };
  }
}
