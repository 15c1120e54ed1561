// The main thread's side of a rebuild's decoding worker (rebuild.worker.ts): hands it the raw values
// of a batch of the log and gets back the batch's staging rows as RowBinary, plus the events that
// did not decode (to dead-letter them here, where the event log and the dead-letter store are).
// The values of a batch travel as one transferred buffer (no copy per event); the rows come back
// the same way. An aggregator starts the worker at its first rebuild and keeps it; idle, it does not
// keep the process alive.
// The worker runs the package's built code (dist/rebuild.worker.js, also when this module runs from
// its sources under a test runner, which builds the workspace first); without it start() returns
// undefined and the rebuild decodes on the main thread.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ProtectionConfig } from '@sp/indicators';
import type { LogEvent } from '@sp/ports';
import { WorkerReplies } from '@sp/ports/worker-replies';

export interface RebuildWorkerData {
  /** the schema registry's directory (SchemaRegistry.dir) */
  schemasDir: string;
  /** the tenant's protection configuration (Protection.config) */
  protection: ProtectionConfig;
  recordKeySecret?: string;
}

export interface DecodeRequest {
  id: number;
  partition: number;
  /** the batch's values, one after the other; value i ends at ends[i] */
  values: Uint8Array;
  ends: Uint32Array;
  offsets: BigUint64Array;
}

export interface DecodeResult {
  id: number;
  /** staging rows in `bytes` (RowBinary of record_versions_replay) */
  rows: number;
  bytes: Uint8Array;
  /** the events (by index in the batch) that did not decode: poison events */
  failures: { index: number; name: string; message: string; code?: string }[];
}

/** a poison event's error as the worker described it, for the dead letter */
export class RebuildDecodeError extends Error {
  constructor(
    override readonly name: string,
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

// from src/ (a test runner) and from dist/ alike
const workerFile = fileURLToPath(new URL('../dist/rebuild.worker.js', import.meta.url));

export class RebuildDecoder {
  private readonly replies: WorkerReplies<DecodeResult>;
  private closed = false;

  private constructor(worker: Worker) {
    this.replies = new WorkerReplies(worker, "the rebuild's decoding worker");
  }

  /** false once the worker failed or was closed */
  get usable(): boolean {
    return this.replies.failure === undefined;
  }

  /** A started worker, or undefined when its built code is missing. */
  static start(data: RebuildWorkerData): RebuildDecoder | undefined {
    if (!existsSync(workerFile)) return undefined;
    // without the parent's options: a test runner's export conditions would resolve the worker's
    // imports to TypeScript sources, which plain node does not load
    return new RebuildDecoder(new Worker(workerFile, { workerData: data, execArgv: [] }));
  }

  /** Decodes and stages the events of one batch of one partition (in log order) in the worker. */
  decode(partition: number, events: readonly LogEvent[]): Promise<DecodeResult> {
    if (this.replies.failure !== undefined) return Promise.reject(this.replies.failure);
    let length = 0;
    for (const e of events) length += e.value.byteLength;
    const values = new Uint8Array(length);
    const ends = new Uint32Array(events.length);
    const offsets = new BigUint64Array(events.length);
    let at = 0;
    for (let i = 0; i < events.length; i++) {
      const e = events[i]!;
      values.set(e.value, at);
      at += e.value.byteLength;
      ends[i] = at;
      offsets[i] = e.offset;
    }
    return this.replies.request((id): DecodeRequest => ({ id, partition, values, ends, offsets }), [values.buffer, ends.buffer, offsets.buffer]);
  }

  /** Ends the worker (what it still had is dropped); again: nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.replies.terminate(new Error("the rebuild's decoding worker was closed"));
  }
}
