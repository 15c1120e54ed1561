// One partition of the embedded log: a single append-only segment file plus an in-memory index
// (offset → file position) built by scanning the file once at open. Appends are queued and written
// by one flush loop per partition, so concurrent appends share one write + fdatasync (group
// commit). Only fsync'd events are visible to readers, and readers waiting at the end are woken
// by the flush instead of polling.
import { constants, type FileHandle, open } from 'node:fs/promises';
import { EventLogError, type Headers, type LogEvent } from '@sp/ports';
import { encodeFrame, FRAME_HEADER_BYTES, MAX_PAYLOAD_BYTES, scanFrames } from './record-frame.js';

export interface PendingRecord {
  key: string;
  value: Uint8Array;
  headers: Headers;
  timestamp: number;
}

interface QueuedAppend {
  records: PendingRecord[];
  resolve: (baseOffset: bigint) => void;
  reject: (error: unknown) => void;
}

export interface RecoveryReport {
  records: number;
  /** bytes cut from the end of the file because they did not hold a complete, valid frame */
  truncatedBytes: number;
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
  /** file position after the last durable frame */
  private tail = 0;
  private queue: QueuedAppend[] = [];
  private flushing: Promise<void> | null = null;
  private waiters = new Set<() => void>();
  private closed = false;

  private constructor(
    readonly topic: string,
    readonly partition: number,
    private readonly path: string,
    private readonly file: FileHandle,
  ) {}

  /** Opens (creating if needed) and recovers the segment: a torn or corrupt tail is truncated. */
  static async open(topic: string, partition: number, path: string): Promise<{ segment: PartitionSegment; recovery: RecoveryReport }> {
    const file = await open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
    const segment = new PartitionSegment(topic, partition, path, file);
    try {
      const recovery = await segment.recover();
      return { segment, recovery };
    } catch (error) {
      await file.close();
      throw error;
    }
  }

  private async recover(): Promise<RecoveryReport> {
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
    this.tail = position;
    const truncatedBytes = size - position;
    if (truncatedBytes > 0) {
      // cut what a crash left half-written so that new frames follow the last valid one
      await this.file.truncate(position);
      await this.file.sync();
    }
    return { records: this.index.count, truncatedBytes, ...(reason && truncatedBytes > 0 ? { reason } : {}) };
  }

  /** Next offset to be written, counting only durable events. */
  get endOffset(): bigint {
    return BigInt(this.index.count);
  }

  /** Queues records; resolves with the offset of the first once they are written and fsync'd. */
  append(records: PendingRecord[]): Promise<bigint> {
    if (this.closed) return Promise.reject(new EventLogError('CLOSED', `event log is closed; cannot append to ${this.topic}`));
    return new Promise<bigint>((resolve, reject) => {
      this.queue.push({ records, resolve, reject });
      if (!this.flushing) this.flushing = this.flushLoop();
    });
  }

  private async flushLoop(): Promise<void> {
    try {
      // yield once so appends issued in the same tick join this write
      await new Promise<void>((r) => setImmediate(r));
      while (this.queue.length > 0) {
        const group = this.queue;
        this.queue = [];
        await this.writeGroup(group);
      }
    } finally {
      this.flushing = null;
    }
  }

  private async writeGroup(group: QueuedAppend[]): Promise<void> {
    const startCount = this.index.count;
    const startTail = this.tail;
    const frames: Buffer[] = [];
    const positions: number[] = [];
    const baseOffsets: bigint[] = [];
    let position = startTail;
    let offset = BigInt(startCount);
    const encodable: QueuedAppend[] = [];
    for (const append of group) {
      try {
        const encoded: Buffer[] = [];
        const base = offset;
        for (const record of append.records) {
          encoded.push(encodeFrame({ offset, ...record }));
          offset += 1n;
        }
        for (const frame of encoded) {
          frames.push(frame);
          positions.push(position);
          position += frame.length;
        }
        baseOffsets.push(base);
        encodable.push(append);
      } catch (error) {
        // this append is rejected alone; roll its offsets back so the others stay consecutive
        offset = BigInt(startCount) + BigInt(positions.length);
        append.reject(new EventLogError('BAD_PARAMETER', `cannot append to ${this.topic}: ${(error as Error).message}`, undefined, { cause: error }));
      }
    }
    if (encodable.length === 0) return;
    try {
      const data = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
      let written = 0;
      while (written < data.length) {
        const { bytesWritten } = await this.file.write(data, written, data.length - written, startTail + written);
        written += bytesWritten;
      }
      await this.file.datasync();
    } catch (error) {
      // leave nothing half-written behind: cut back to the last durable frame
      await this.file.truncate(startTail).catch(() => undefined);
      const code = (error as NodeJS.ErrnoException).code === 'ENOSPC' ? 'UNAVAILABLE' : 'INTERNAL';
      const failure = new EventLogError(code, `writing to ${this.path} failed: ${(error as Error).message}`, (error as NodeJS.ErrnoException).code, { cause: error });
      for (const append of encodable) append.reject(failure);
      return;
    }
    for (const p of positions) this.index.push(p);
    this.tail = position;
    encodable.forEach((append, i) => {
      append.resolve(baseOffsets[i]!);
    });
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

  /** Lets queued appends finish, then closes the file; later calls fail with CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing;
    this.wake();
    await this.file.close();
  }
}
