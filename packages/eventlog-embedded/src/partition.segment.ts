// One partition of the embedded log: a single append-only segment file plus an in-memory index
// (offset → file position) built by scanning the file once at open. The log's commit loop
// (embedded-event-log.ts) writes new frames after the durable tail and fsyncs them, commits them in
// the commit journal (commit.journal.ts), and only then publishes them here: readers see committed
// events only, and readers waiting at the end are woken by the publish instead of polling.
import { constants, type FileHandle, open } from 'node:fs/promises';
import { EventLogError, type Headers, type LogEvent } from '@sp/ports';
import { ioFailure } from './io-errors.js';
import { FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, scanFrames } from './record-frame.js';

export interface PendingRecord {
  key: string;
  value: Uint8Array;
  headers: Headers;
  timestamp: number;
}

export interface RecoveryReport {
  records: number;
  /** bytes cut from the end of the file: frames not committed, or not complete and valid */
  truncatedBytes: number;
  /** complete frames cut because the commit journal does not name them (an append interrupted by a crash) */
  uncommittedRecords: number;
  /** records the commit journal names as committed but the file no longer holds (damage: a lost acknowledged write) */
  lostRecords: number;
  reason?: string;
}

const SCAN_CHUNK_BYTES = 4 * 1024 * 1024;

/** Grows by doubling; holds the file position of every record, indexed by offset. */
class PositionIndex {
  private positions = new Float64Array(1024);
  count = 0;
  push(position: number): void {
    if (this.count === this.positions.length) {
      const grown = new Float64Array(this.positions.length * 2);
      grown.set(this.positions);
      this.positions = grown;
    }
    this.positions[this.count++] = position;
  }
  at(i: number): number {
    return this.positions[i]!;
  }
  truncate(count: number): void {
    this.count = count;
  }
}

export class PartitionSegment {
  private readonly index = new PositionIndex();
  /** file position after the last committed frame */
  private tail = 0;
  private waiters = new Set<() => void>();
  private closed = false;

  /** true once close() began: nothing is appended, read or waited for any more */
  get isClosed(): boolean {
    return this.closed;
  }

  private constructor(
    readonly topic: string,
    readonly partition: number,
    readonly path: string,
    private readonly file: FileHandle,
  ) {}

  /**
   * Opens (creating if needed) and recovers the segment: a torn or corrupt tail is truncated, and
   * so are frames past `committedEnd` (when given: the end the commit journal names).
   */
  static async open(topic: string, partition: number, path: string, committedEnd?: bigint): Promise<{ segment: PartitionSegment; recovery: RecoveryReport }> {
    const file = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    const segment = new PartitionSegment(topic, partition, path, file);
    try {
      const recovery = await segment.recover(committedEnd);
      return { segment, recovery };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  private async recover(committedEnd: bigint | undefined): Promise<RecoveryReport> {
    const size = (await this.file.stat()).size;
    let position = 0;
    let chunk = Buffer.allocUnsafe(Math.min(SCAN_CHUNK_BYTES, Math.max(size, 1)));
    let reason: string | undefined;
    while (position < size) {
      const want = Math.min(chunk.length, size - position);
      const { bytesRead } = await this.file.read(chunk, 0, want, position);
      const view = chunk.subarray(0, bytesRead);
      const scan = scanFrames(view, BigInt(this.index.count));
      for (const frame of scan.frames) this.index.push(position + frame.position);
      position += scan.validBytes;
      if (scan.stop.kind === 'corrupt') {
        reason = scan.stop.reason;
        break;
      }
      if (scan.stop.kind === 'incomplete') {
        if (position + FRAME_HEADER_BYTES > size) {
          reason = 'torn frame at end of file';
          break;
        }
        // a frame crosses the chunk boundary; make sure the next read can hold it whole
        const header = Buffer.allocUnsafe(FRAME_HEADER_BYTES);
        await this.file.read(header, 0, FRAME_HEADER_BYTES, position);
        const frameLength = FRAME_HEADER_BYTES + header.readUInt32LE(0);
        if (frameLength > FRAME_HEADER_BYTES + MAX_PAYLOAD_BYTES) {
          reason = 'impossible payload length';
          break;
        }
        if (position + frameLength > size) {
          reason = 'torn frame at end of file';
          break;
        }
        if (frameLength > chunk.length) chunk = Buffer.allocUnsafe(frameLength);
      }
    }
    let uncommittedRecords = 0;
    let lostRecords = 0;
    if (committedEnd !== undefined) {
      const committed = Number(committedEnd);
      if (this.index.count > committed) {
        // frames of an append whose commit frame never became durable: gone as a whole
        uncommittedRecords = this.index.count - committed;
        position = this.index.at(committed);
        this.index.truncate(committed);
        reason = `${uncommittedRecords} uncommitted record(s) of an interrupted append`;
      } else if (this.index.count < committed) {
        lostRecords = committed - this.index.count;
        reason = `${lostRecords} committed record(s) missing (${reason ?? 'file shorter than committed'})`;
      }
    }
    this.tail = position;
    const truncatedBytes = size - position;
    if (truncatedBytes > 0) {
      // cut what a crash left half-written or uncommitted so that new frames follow the last committed one
      await this.file.truncate(position);
      await this.file.sync();
    }
    return { records: this.index.count, truncatedBytes, uncommittedRecords, lostRecords, ...(reason && (truncatedBytes > 0 || lostRecords > 0) ? { reason } : {}) };
  }

  /** Next offset to be written, counting only committed events. */
  get endOffset(): bigint {
    return BigInt(this.index.count);
  }

  /** Writes encoded frames right after the committed tail and fsyncs them; readers do not see them until publish(). */
  async writeUncommitted(data: Buffer): Promise<void> {
    if (this.closed) throw new EventLogError('CLOSED', `event log is closed; cannot append to ${this.topic}`);
    const start = this.tail;
    try {
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await this.file.write(data, written, data.length - written, start + written);
        written += bytesWritten;
      }
      await this.file.datasync();
    } catch (error) {
      throw ioFailure(`writing to ${this.path}`, error);
    }
  }

  /** Cuts frames written by writeUncommitted whose commit failed. New writes go to the tail either way. */
  async discardUncommitted(): Promise<void> {
    await this.file.truncate(this.tail);
  }

  /** Makes the frames of the last writeUncommitted visible once committed; `lengths` are their sizes, in order. */
  publish(lengths: readonly number[]): void {
    let position = this.tail;
    for (const length of lengths) {
      this.index.push(position);
      position += length;
    }
    this.tail = position;
    this.wake();
  }

  private wake(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const w of waiters) w();
  }

  /**
   * Resolves when an event at `offset` is durable, or when `cancel` is called (then the caller
   * re-checks its own state). No polling: the flush loop wakes waiters.
   */
  waitFor(offset: bigint): { promise: Promise<void>; cancel: () => void } {
    if (offset < this.endOffset || this.closed) return { promise: Promise.resolve(), cancel: () => undefined };
    let done!: () => void;
    const promise = new Promise<void>((r) => (done = r));
    const waiter = () => done();
    this.waiters.add(waiter);
    return {
      promise,
      cancel: () => {
        this.waiters.delete(waiter);
        done();
      },
    };
  }

  /** Reads up to `maxEvents` durable events from `from` in one positional read of at most ~maxBytes. */
  async read(from: bigint, maxEvents: number, maxBytes = 4 * 1024 * 1024): Promise<LogEvent[]> {
    if (this.closed) throw new EventLogError('CLOSED', `event log is closed; cannot read ${this.topic}`);
    const count = this.index.count;
    const first = Number(from);
    if (first >= count) return [];
    const start = this.index.at(first);
    let last = Math.min(count, first + maxEvents); // exclusive
    const endOf = (i: number) => (i < count ? this.index.at(i) : this.tail);
    // keep the read bounded, but always make progress by at least one event
    while (last - first > 1 && endOf(last) - start > maxBytes) last = first + Math.max(1, Math.floor((last - first) / 2));
    const length = endOf(last) - start;
    const buf = Buffer.allocUnsafe(length);
    let read = 0;
    while (read < length) {
      const { bytesRead } = await this.file.read(buf, read, length - read, start + read);
      if (bytesRead === 0) break;
      read += bytesRead;
    }
    const scan = scanFrames(buf.subarray(0, read), from, { decode: true });
    if (scan.stop.kind !== 'end' || scan.records!.length !== last - first) {
      const why = scan.stop.kind === 'corrupt' ? scan.stop.reason : 'short read';
      throw new EventLogError('INTERNAL', `segment ${this.path} is damaged at offset ${from + BigInt(scan.frames.length)}: ${why}`);
    }
    return scan.records!.map((r) => ({
      topic: this.topic,
      partition: this.partition,
      offset: r.offset,
      key: r.key,
      value: r.value,
      headers: r.headers,
      timestamp: r.timestamp,
    }));
  }

  /** Closes the file (the log's commit loop has finished first); later calls fail with CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wake();
    await this.file.close();
  }
}
