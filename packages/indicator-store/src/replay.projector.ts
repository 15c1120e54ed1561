// The set-based projector of a rebuild: the whole log replayed into empty tables in two steps
// instead of one incremental projection per batch (issue 17.1). While the log is read, add() writes
// the rows of record_versions itself, as RowBinary, in blocks of ~20 000 inserted while the next
// block is decoded: the tables start empty and a rebuild sees every event of the log, so the
// process resolves what the incremental projector looks up per batch (session 16; before, every
// event was staged and a statement copied the versions, ≈ 0.4–0.5 s of the engine's serial work):
//  - one key@version (and tombstone) is stored once, the first in the log wins (events of one key
//    are in one partition, in log order);
//  - a withdrawal carries the leaf of the record's highest version before it in the log (none:
//    empty), as the one-pass rebuild and the incremental path give it (a record that moved
//    between leaves is withdrawn where it is; session 17, before: its first leaf, and the
//    incremental path took either).
// A rebuild's decoding worker (rebuild.worker.ts) writes one row per event of the staging table
// record_versions_replay instead (writeStagingRows, with the log position), handed over by
// addStaged(), and finish() resolves them by recordVersionsSql by the same rules in SQL: argMin by
// log position, the leaf of the highest version before the withdrawal.
// At the end one statement (cells.sql.ts, the live path's without its restriction to leaves)
// computes every leaf's cells from record_versions:
//  - a leaf's cells come from each record's latest version (tombstones remove), summed per cell;
//    known_at is the latest delivery time of any version at the leaf; a cell that some version had
//    and the latest has not is written absent (present = 0), as the incremental path writes it
//    once it saw the cell.
// Record keys and protected values are computed per observation in JS by the same function as the
// incremental path (storedObservations); each period's first day comes from @sp/indicators'
// period module and is handed to the SQL as a parameter, so periods keep one parser.
// A rebuild that fails part-way is started over (the tables are emptied first), so the blocks are
// not retried one by one: the first failure is kept and thrown by add() and finish().
import { MAGIC_BYTE, type SchemaRegistry, WIRE_HEADER_BYTES } from '@sp/events';
import { loadProtection, periodStart, type Protection } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { cellsOfAllLeavesSql } from './cells.sql.js';
import { InsertQueue } from './insert-queue.js';
import { ByteChunks, RecordTable } from './record-table.js';
import { RecordVersionsTranscoder } from './record-versions.transcoder.js';
import { RowBinaryWriter } from './row-binary.js';
import { leafKey, storedObservations, type AreaStatisticEvent, type IndicatorProjectorOptions, type ProjectionResult } from './projector.js';

/** the columns of record_versions in the order the rebuilds write them (RowBinary: the order and the types must match) */
export const recordVersionsColumns = [
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

/** the columns of record_versions_replay in the order add() writes them: the log position, then record_versions' */
const stagingColumns = ['log_partition', 'log_offset', ...recordVersionsColumns] as const;

/** rows per insert: big enough for the engine's parser to run at full speed, small enough to overlap with decoding */
const BLOCK_ROWS = 20_000;

// Both insert into freshly emptied tables rows that are unique per sorting key, so the
// ReplacingMergeTree's merge of the inserted block (optimize_on_insert) has nothing to do but
// costs about as much as the statement's SELECT; it is switched off for them.
// argMin/argMax over array columns is slow in ClickHouse (a generic copy per row: 1.5 s for 20 000
// records), so both statements find the position or version first (plain columns) and then take
// the rows themselves with an IN on their identity.

/**
 * One stored version of a record per (key, version, tombstone): the first in the log. Tombstones take
 * the leaf of the highest version stored before them in the log (of equal versions the first); only
 * the records that have a withdrawal (≈ 2 % in the bench's log) are grouped for that, not every record.
 */
const recordVersionsSql = `
INSERT INTO record_versions (record_key, version, leaf_key, dataset, area_level, area_code, period, tombstone, synthetic,
                             known_at_ms, amt, delivery_id, obs_measure, obs_dims, obs_value, obs_key, obs_pvalue)
WITH leaves AS (
  SELECT record_key, groupArray(((log_partition, log_offset), version, (leaf_key, dataset, area_level, area_code, period))) AS vs
  FROM record_versions_replay
  WHERE tombstone = 0 AND record_key IN (SELECT record_key FROM record_versions_replay WHERE tombstone = 1)
  GROUP BY record_key
)
SELECT record_key, version, w.1, w.2, w.3, w.4, w.5, tombstone, synthetic, known_at_ms, amt, delivery_id, obs_measure, obs_dims, obs_value, obs_key, obs_pvalue
FROM (
  SELECT s.record_key AS record_key, s.version AS version, s.tombstone AS tombstone, s.synthetic AS synthetic, s.known_at_ms AS known_at_ms,
         s.amt AS amt, s.delivery_id AS delivery_id, s.obs_measure AS obs_measure, s.obs_dims AS obs_dims, s.obs_value AS obs_value,
         s.obs_key AS obs_key, s.obs_pvalue AS obs_pvalue,
         -- a withdrawal: of the versions before it in the log the highest (the first of equal ones); none: the empty tuple
         if(s.tombstone = 0, (s.leaf_key, s.dataset, s.area_level, s.area_code, s.period),
            arraySort(x -> (-toInt64(x.2), x.1), arrayFilter(x -> x.1 < (s.log_partition, s.log_offset), l.vs))[1].3) AS w
  FROM record_versions_replay AS s LEFT JOIN leaves AS l ON l.record_key = s.record_key
  WHERE (s.record_key, s.version, s.tombstone, s.log_partition, s.log_offset) IN (
    SELECT record_key, version, tombstone, p.1, p.2
    FROM (SELECT record_key, version, tombstone, min((log_partition, log_offset)) AS p FROM record_versions_replay GROUP BY record_key, version, tombstone)
  )
)
SETTINGS join_use_nulls = 0, optimize_on_insert = 0`;

/**
 * A withdrawal's columns of record_versions after its leaf (tombstone, synthetic, known_at_ms, amt,
 * delivery_id, and no observations), as both rebuilds write them.
 */
export function writeWithdrawalColumns(w: RowBinaryWriter, e: Pick<AreaStatisticEvent, 'deliveredAt' | 'amt' | 'deliveryId'>): void {
  w.uint8(1);
  w.uint8(0);
  w.uint64(e.deliveredAt);
  w.string(e.amt);
  w.string(e.deliveryId);
  for (let k = 0; k < 5; k++) w.size(0);
}

/** The leaf columns of a record_versions row (leaf_key, dataset, area_level, area_code, period). */
export interface LeafColumns {
  key: string;
  dataset: string;
  areaLevel: string;
  areaCode: string;
  period: string;
}

/** A withdrawal's leaf columns: its record's highest version's leaf before it in the log, or empty when it has none; as both rebuilds write them. */
export function writeWithdrawnLeaf(w: RowBinaryWriter, leaf: LeafColumns | undefined): void {
  if (!leaf) {
    for (let k = 0; k < 5; k++) w.string('');
    return;
  }
  w.string(leaf.key);
  w.string(leaf.dataset);
  w.string(leaf.areaLevel);
  w.string(leaf.areaCode);
  w.string(leaf.period);
}

/** what a rebuild that resolves in the process keeps per record key for the first-in-log rule */
export interface SeenVersions {
  /** the (version, tombstone) pairs stored so far, as version * 2 + tombstone: -1 none, a number for one, an array for more */
  seen: number | number[];
}

/**
 * The first-in-log rule of record_versions, in the process (both rebuilds that resolve while reading:
 * OnePassProjector, ReplayProjector.add): true, and noted, the first time the log has this
 * key@version with this tombstone flag; false for a later one, which is not stored.
 */
export function firstInLog(rec: SeenVersions, version: number, tombstone: 0 | 1): boolean {
  const id = version * 2 + tombstone;
  if (rec.seen === -1) rec.seen = id;
  else if (typeof rec.seen === 'number') {
    if (rec.seen === id) return false;
    rec.seen = [rec.seen, id];
  } else {
    if (rec.seen.includes(id)) return false;
    rec.seen.push(id);
  }
  return true;
}

/**
 * Appends one row of record_versions_replay per event to `w` (RowBinary, the columns of
 * stagingColumns): the events of one partition in log order, `offsets[i]` the log offset of
 * `events[i]`. ReplayProjector.add() calls it on the main thread; a rebuild's decoding worker calls
 * it beside it and hands the bytes to addStaged().
 */
export function writeStagingRows(w: RowBinaryWriter, protection: Protection, secret: string | undefined, partition: number, events: readonly AreaStatisticEvent[], offsets: readonly bigint[]): void {
  for (let i = 0; i < events.length; i++) {
    const e = events[i]!;
    // the columns in stagingColumns' order: the log position, then record_versions' (a withdrawal's leaf empty: the statement resolves it)
    w.uint32(partition);
    w.uint64(offsets[i]!);
    writeRecordVersionRow(w, protection, secret, e, undefined);
  }
}

/**
 * The columns of record_versions (recordVersionsColumns' order) of one event; a withdrawal's leaf is
 * `withdrawnLeaf` (none: empty), a version's `leaf` its leafKey() when the caller has it already.
 */
function writeRecordVersionRow(w: RowBinaryWriter, protection: Protection, secret: string | undefined, e: AreaStatisticEvent, withdrawnLeaf: LeafColumns | undefined, leaf?: string): void {
  w.string(e.key);
  w.uint32(e.version);
  writeRecordVersionColumns(w, protection, secret, e, withdrawnLeaf, leaf);
}

/** writeRecordVersionRow's columns after the key and version (from the leaf's on) */
function writeRecordVersionColumns(w: RowBinaryWriter, protection: Protection, secret: string | undefined, e: AreaStatisticEvent, withdrawnLeaf: LeafColumns | undefined, leaf?: string): void {
  const p = e.payload;
  if (e.tombstone || !p) {
    writeWithdrawnLeaf(w, withdrawnLeaf);
    writeWithdrawalColumns(w, e);
    return;
  }
  w.string(leaf ?? leafKey(p));
  w.string(p.dataset);
  w.string(p.areaLevel);
  w.string(p.areaCode);
  w.string(p.period);
  w.uint8(0);
  w.uint8(p.synthetic ? 1 : 0);
  w.uint64(e.deliveredAt);
  w.string(e.amt);
  w.string(e.deliveryId);
  const obs = storedObservations(protection, secret, p);
  w.size(obs.length);
  for (const o of obs) w.string(o.measure);
  w.size(obs.length);
  for (const o of obs) w.stringMap(o.dimensions);
  w.size(obs.length);
  for (const o of obs) w.float64(o.value);
  w.size(obs.length);
  for (const o of obs) w.float64(o.key);
  w.size(obs.length);
  for (const o of obs) w.float64(o.pvalue);
}

/** where `count` RowBinary strings from `at` end */
function stringsEnd(buf: Buffer, at: number, count: number): number {
  for (let k = 0; k < count; k++) {
    let n = 0;
    let shift = 0;
    let b: number;
    do {
      b = buf[at++]!;
      n += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    at += n;
  }
  return at;
}

/** the transcoder of a writer schema's events (area-statistic ones, read as the latest version, as decodeTrusted reads them), if it compiles */
function transcoderFor(schemas: SchemaRegistry, id: number): RecordVersionsTranscoder | undefined {
  let writer: ReturnType<SchemaRegistry['byId']>;
  try {
    writer = schemas.byId(id);
  } catch {
    return undefined; // an unknown schema: the old path refuses the event
  }
  if (writer.recordType !== 'area-statistic') return undefined;
  return RecordVersionsTranscoder.compile(writer.eventSchema, schemas.latest('area-statistic').eventSchema);
}

/**
 * The rows of record_versions a rebuild writes while it reads the log (ReplayProjector.add and the
 * rebuild's main-thread path): per event the first of its key@version in the log, a withdrawal with
 * the leaf of its record's highest version before it, in RowBinary blocks taken by take(). An event
 * comes decoded (addEvent) or as the log holds it (addFramed: transcoded from its Avro bytes, the
 * same row; record-versions.transcoder.unit.test.ts compares the two byte for byte).
 */
export class RecordVersionRows {
  private block = new RowBinaryWriter();
  /** rows in the block */
  rows = 0;
  /** events addFramed() took (transcoded, or not stored as a later copy of a key@version) */
  framed = 0;
  /** per record key, the versions written (firstInLog) and the leaf of its highest version so far (a withdrawal's) */
  private readonly records = new RecordTable();
  /** addFramed(): the transcoder per writer schema id (null: the schema's events go the old path) */
  private readonly transcoders = new Map<number, RecordVersionsTranscoder | null>();

  constructor(
    private readonly protection: Protection,
    private readonly secret: string | undefined,
  ) {}

  /** the block's rows (a view, the writer's own until take()) */
  bytes(): Buffer {
    return this.block.bytes();
  }

  /** the block written so far, and a new one begun */
  take(): Buffer {
    const data = this.block.bytes();
    this.block = new RowBinaryWriter(Math.max(1 << 20, data.length + (data.length >> 3)));
    this.rows = 0;
    return data;
  }

  /** rows serialised elsewhere (a decoding worker's staging rows), as they are */
  raw(rows: number, bytes: Uint8Array): void {
    this.block.raw(bytes);
    this.rows += rows;
  }

  /** One event, decoded: its record version (if the first of its key@version in the log). */
  addEvent(e: AreaStatisticEvent): void {
    const p = e.payload;
    const tombstone = e.tombstone || !p;
    const t = this.records;
    const key = Buffer.from(e.key, 'utf8');
    const rec = t.find(key, 0, key.length);
    if (!t.firstInLog(rec, e.version, tombstone ? 1 : 0)) return;
    const w = this.block;
    w.string(e.key);
    w.uint32(e.version);
    this.rows++;
    if (tombstone) {
      const leaf = t.leafAt[rec]!;
      if (leaf >= 0) w.raw(t.leaves.chunk(leaf).subarray(ByteChunks.offset(leaf), ByteChunks.offset(leaf) + t.leafLen[rec]!));
      else writeWithdrawnLeaf(w, undefined);
      writeWithdrawalColumns(w, e);
      return;
    }
    const leafAt = w.length;
    writeRecordVersionColumns(w, this.protection, this.secret, e, undefined);
    if (e.version > t.topVersion[rec]!) {
      const buf = w.reserve(0);
      t.setTop(rec, e.version, buf, leafAt, stringsEnd(buf, leafAt, 5));
    }
  }

  /**
   * One event as the log holds it (wire format): its record version written straight from its Avro
   * bytes (record-versions.transcoder.ts, compiled per writer schema) as addEvent() writes the event
   * decoded by EventCodec.decodeTrusted (as the latest version), and true; or false, with nothing
   * written or noted, for an event the transcoder leaves to the caller (another record type, a
   * schema or value it does not handle, a poison event): the caller decodes it as before and hands
   * it to addEvent() (or dead-letters it).
   */
  addFramed(bytes: Uint8Array, schemas: SchemaRegistry): boolean {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (buf.length < WIRE_HEADER_BYTES || buf[0] !== MAGIC_BYTE) return false;
    const id = buf.readUInt32BE(1);
    let tr = this.transcoders.get(id);
    if (tr === undefined) {
      tr = transcoderFor(schemas, id) ?? null;
      this.transcoders.set(id, tr);
    }
    if (tr === null || !tr.parse(buf, WIRE_HEADER_BYTES)) return false;
    const t = this.records;
    // (a key that is no valid UTF-8 adds a record no event uses: the row is refused below, and the old path keys by the decoded string's bytes)
    const rec = t.find(buf, tr.keyAt, tr.keyLen);
    const w = this.block;
    const start = w.length;
    let leaf: Buffer | undefined;
    let leafAt = 0;
    let leafEnd = 0;
    const handle = t.leafAt[rec]!;
    if (tr.tombstone && handle >= 0) {
      leaf = t.leaves.chunk(handle);
      leafAt = ByteChunks.offset(handle);
      leafEnd = leafAt + t.leafLen[rec]!;
    }
    const out = w.reserve(tr.maxRowBytes() + leafEnd - leafAt);
    let end: number;
    try {
      end = tr.writeRow(out, start, this.protection, this.secret, leaf, leafAt, leafEnd);
    } catch {
      return false; // (a record-key secret the key function refuses): the old path throws it
    }
    if (end < 0) return false;
    this.framed++;
    // written after the block's end; taken only for the first of its key@version in the log
    if (!t.firstInLog(rec, tr.version, tr.tombstone ? 1 : 0)) return true;
    w.setLength(end);
    this.rows++;
    if (!tr.tombstone && tr.version > t.topVersion[rec]!) t.setTop(rec, tr.version, out, tr.leafStart(start), tr.leafEnd);
    return true;
  }
}

export class ReplayProjector {
  private readonly protection: Protection;
  private rows: RecordVersionRows;
  private inserts = new InsertQueue();
  private events = 0;
  /**
   * where the blocks go: record_versions itself (add(): the events resolved here) or the staging
   * table (addStaged(): a worker's staging rows, resolved by recordVersionsSql); set by the first call
   */
  private target: 'record_versions' | 'record_versions_replay' | undefined;

  constructor(
    private readonly warehouse: Warehouse,
    private readonly options: IndicatorProjectorOptions = {},
  ) {
    this.protection = options.protection ?? loadProtection();
    this.rows = new RecordVersionRows(this.protection, options.recordKeySecret);
  }

  /** Empties the staging table (the projected tables are emptied by truncateProjections: add() takes them empty). */
  async begin(): Promise<void> {
    await this.warehouse.command('TRUNCATE TABLE IF EXISTS record_versions_replay');
    this.rows = new RecordVersionRows(this.protection, this.options.recordKeySecret);
    this.events = 0;
    this.inserts = new InsertQueue();
    this.target = undefined;
  }

  /**
   * Writes the record versions of these events (of one partition, in log order; the first of a
   * key@version in the log, a withdrawal with the leaf of its record's highest version). Resolves once they are
   * serialised (and a full block handed to the warehouse, while the next one is built).
   */
  async add(events: readonly AreaStatisticEvent[]): Promise<void> {
    this.beginBatch();
    for (const e of events) this.rows.addEvent(e);
    await this.endBatch(events.length);
  }

  /**
   * Before a batch handed over one event at a time (addFramed, addEvent, then endBatch): throws the
   * failure of an insert before.
   */
  beginBatch(): void {
    this.throwIfFailed();
    this.into('record_versions');
  }

  /** events of this rebuild taken by addFramed() (transcoded from their Avro bytes) */
  get transcoded(): number {
    return this.rows.framed;
  }

  /** One event of the batch, decoded (RecordVersionRows.addEvent). */
  addEvent(e: AreaStatisticEvent): void {
    this.rows.addEvent(e);
  }

  /** One event of the batch as the log holds it (RecordVersionRows.addFramed): false for one the caller decodes and hands to addEvent(). */
  addFramed(bytes: Uint8Array, schemas: SchemaRegistry): boolean {
    return this.rows.addFramed(bytes, schemas);
  }

  /** After a batch's events (addFramed, addEvent): a full block handed to the warehouse, while the next one is built. */
  async endBatch(events: number): Promise<void> {
    this.events += events;
    if (this.rows.rows >= BLOCK_ROWS) await this.flush();
  }

  private into(target: 'record_versions' | 'record_versions_replay'): void {
    if ((this.target ??= target) !== target) throw new Error('ReplayProjector: add() and addStaged() in one rebuild');
  }

  /**
   * Stages `rows` rows serialised elsewhere by writeStagingRows (a rebuild's decoding worker) with
   * the same protection and record-key secret as this projector's.
   */
  async addStaged(rows: number, bytes: Uint8Array): Promise<void> {
    this.throwIfFailed();
    this.into('record_versions_replay');
    this.rows.raw(rows, bytes);
    await this.endBatch(rows);
  }

  /** Hands the current block to the warehouse; waits for the previous one first (one insert in flight). */
  private async flush(): Promise<void> {
    if (this.rows.rows === 0) return;
    const data = this.rows.take();
    const staged = this.target === 'record_versions_replay';
    // record_versions' rows are one per key@version and tombstone (firstInLog) into an emptied table: keysDistinct
    await this.inserts.push(() =>
      this.warehouse.insertFormatted(
        staged ? 'record_versions_replay' : 'record_versions',
        staged ? { format: 'RowBinary', columns: stagingColumns, data } : { format: 'RowBinary', columns: recordVersionsColumns, data, keysDistinct: true },
      ),
    );
  }

  private throwIfFailed(): void {
    if (this.inserts.failure) throw this.inserts.failure.cause;
  }

  /** Resolves the log into cells (and a worker's staged rows into record_versions first); returns what the replay touched and how long each statement took. */
  async finish(): Promise<ProjectionResult & { resolveMs: { recordVersions: number; cells: number } }> {
    await this.flush();
    await this.inserts.drained();
    const t0 = performance.now();
    if (this.target === 'record_versions_replay') await this.warehouse.command(recordVersionsSql);
    const t1 = performance.now();
    const periods = (await this.warehouse.query<{ period: string }>(`SELECT DISTINCT period FROM record_versions WHERE period != '' ORDER BY period`)).map((r) => r.period);
    await this.warehouse.command(cellsOfAllLeavesSql, { periods, starts: periods.map(periodStart) });
    const t2 = performance.now();
    const [counts] = await this.warehouse.query<{ leaves: string; cells: string }>(
      `SELECT (SELECT uniqExact(leaf_key) FROM record_versions WHERE leaf_key != '') AS leaves, (SELECT count() FROM cells) AS cells`,
    );
    await this.warehouse.command('TRUNCATE TABLE IF EXISTS record_versions_replay');
    return {
      events: this.events,
      leaves: Number(counts?.leaves ?? 0),
      cellsWritten: Number(counts?.cells ?? 0),
      touchedPeriods: periods,
      resolveMs: { recordVersions: t1 - t0, cells: t2 - t1 },
    };
  }
}
