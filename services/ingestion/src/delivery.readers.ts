// The delivery readers: worker threads (node:worker_threads) that read the body of an area-statistic
// delivery — parse, validate, record keys, Avro-encode, hash — so that the service's thread keeps
// only HTTP, the version reservation, the append and the audit (issue 17.3: at concurrency 4 the
// service's thread was the limit, 86–96 % busy; bench/ingestion/README.md, sessions 18 and 19).
//
// The body travels to the worker as a transferred buffer (no copy; copied only until the worker has
// answered once, and when it is a slice of Node's buffer pool) and comes back with the answer (the
// service may read it again); the answer is the exact rejection (the same FeedErrors the thread
// would report) or the items' keys, versions, hashes and the payloads' bytes in one transferred buffer.
//
// The worker validates against the tenant's state the thread holds when the delivery is handed over:
// the feed catalogue with the delivered datasets on top (by the identity of its file, which a change
// replaces: FeedCatalogue.replaceWith, overlayDatasets) and the spatial reference (by its revision,
// which AreaReference.replaceWith raises). Before a delivery whose state the worker has not been
// sent, the state is sent on the same port: the worker takes messages in order, so it never reads a
// delivery against older state; it also checks the stamps the delivery names and refuses to read
// on a mismatch. The taxonomy, the schemas and the record-key secret do not change while the service
// runs and are the worker's from its start.
//
// Without the built worker (dist/delivery.worker.js), or once a worker failed, deliveries are read
// on the service's thread as before (as the aggregator's rebuild decoder does, rebuild.decoder.ts).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { RecordType } from '@sp/events';
import { WorkerReplies } from '@sp/ports/worker-replies';
import type { CatalogueFile, FeedCatalogue, FeedError, TaxonomyFile } from '@sp/feeds';
import type { BodyFormat } from './delivery.read.js';
import type { SnapshotSpatialChecks, SpatialSnapshot } from './spatial-checks.adapter.js';

export interface ReaderWorkerData {
  /** the schema registry's directory (SchemaRegistry.dir) */
  schemasDir: string;
  /** the service's taxonomy (Taxonomy.file) */
  taxonomy: TaxonomyFile;
  recordKeySecret?: string;
}

/** New tenant state for a worker, sent before the first delivery that needs it. */
export interface StateMessage {
  kind: 'state';
  feeds?: { stamp: number; file: CatalogueFile };
  spatial?: SpatialSnapshot;
}

export interface ReadMessage {
  kind: 'read';
  id: number;
  recordType: RecordType;
  format: BodyFormat;
  body: Uint8Array;
  amt: string;
  /** the service's clock at hand-over (ms since the epoch) */
  now: number;
  /** the state this delivery is read against: what the worker must hold */
  feedsStamp: number;
  spatialRevision: number;
  /** the latest schema of the record type on the service's side */
  schema: { id: number; version: number };
}

export type ReadOutcome =
  | { kind: 'rejected'; errors: FeedError[] }
  | {
      kind: 'read';
      rows: (number | null)[];
      keys: string[];
      versions: (number | undefined)[];
      hashes: string[];
      /** the payloads, one after the other; payload i ends at ends[i] */
      bytes: Uint8Array;
      ends: Uint32Array;
    }
  /** the worker could not read it (a state or schema mismatch, an exception): the service reads it itself */
  | { kind: 'failed'; message: string };

export interface ReadAnswer {
  id: number;
  /** the body, handed back */
  body: Uint8Array;
  outcome: ReadOutcome;
  /** the worker's phases (ms): parse, validate, encode */
  spans: [string, number][];
}

// from src/ (a test runner) and from dist/ alike
const workerFile = fileURLToPath(new URL('../dist/delivery.worker.js', import.meta.url));

/** What a delivery is read against, as the service's thread holds it now. */
export interface ReadState {
  feeds: FeedCatalogue;
  spatial: SnapshotSpatialChecks;
}

class Reader {
  readonly replies: WorkerReplies<ReadAnswer>;
  /** the state last sent: the feed catalogue's file and the reference's revision */
  sentFeeds: CatalogueFile | undefined;
  sentRevision: number | undefined;

  constructor(worker: Worker) {
    this.replies = new WorkerReplies(worker, 'a delivery reader');
  }
}

export class DeliveryReaders {
  private readonly stamps = new WeakMap<CatalogueFile, number>();
  private nextStamp = 1;
  private closed = false;

  private constructor(private readonly readers: Reader[]) {}

  /** `count` started workers, or undefined when there are none to start (count 0, or no built worker). */
  static start(count: number, data: ReaderWorkerData): DeliveryReaders | undefined {
    if (count < 1 || !existsSync(workerFile)) return undefined;
    // without the parent's options: a test runner's export conditions would resolve the worker's
    // imports to TypeScript sources, which plain node does not load
    return new DeliveryReaders(Array.from({ length: count }, () => new Reader(new Worker(workerFile, { workerData: data, execArgv: [] }))));
  }

  /** false once every worker failed or the readers were closed */
  get usable(): boolean {
    return !this.closed && this.readers.some((r) => r.replies.failure === undefined);
  }

  /**
   * Reads a body in the worker with the fewest deliveries in hand, against the state given (sent to
   * it first when it has not got it). The body's buffer is transferred when the body is all of it
   * and the worker has answered before, else copied (a worker that fails to start would take a
   * transferred body with it); the answer hands it back.
   */
  read(request: { recordType: RecordType; format: BodyFormat; body: Buffer; amt: string; now: Date; schema: { id: number; version: number } }, state: ReadState): Promise<ReadAnswer> {
    let reader: Reader | undefined;
    for (const r of this.readers) if (r.replies.failure === undefined && (!reader || r.replies.inHand < reader.replies.inHand)) reader = r;
    if (!reader || this.closed) return Promise.reject(new Error('no delivery reader is running'));
    const file = state.feeds.file;
    let feedsStamp = this.stamps.get(file);
    if (feedsStamp === undefined) {
      feedsStamp = this.nextStamp++;
      this.stamps.set(file, feedsStamp);
    }
    const revision = state.spatial.revision();
    if (reader.sentFeeds !== file || reader.sentRevision !== revision) {
      const message: StateMessage = { kind: 'state' };
      if (reader.sentFeeds !== file) message.feeds = { stamp: feedsStamp, file };
      if (reader.sentRevision !== revision) message.spatial = state.spatial.snapshot();
      reader.replies.post(message);
      reader.sentFeeds = file;
      reader.sentRevision = message.spatial?.revision ?? revision;
    }
    const { body } = request;
    const whole = reader.replies.answered && body.byteOffset === 0 && body.byteLength === body.buffer.byteLength && body.buffer instanceof ArrayBuffer;
    const bytes = whole ? new Uint8Array(body.buffer, 0, body.byteLength) : new Uint8Array(body);
    const spatialRevision = reader.sentRevision;
    return reader.replies.request(
      (id): ReadMessage => ({
        kind: 'read',
        id,
        recordType: request.recordType,
        format: request.format,
        body: bytes,
        amt: request.amt,
        now: request.now.getTime(),
        feedsStamp,
        spatialRevision,
        schema: request.schema,
      }),
      [bytes.buffer as ArrayBuffer],
    );
  }

  /** Ends the workers (deliveries they still had are failed); again: nothing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await Promise.all(this.readers.map((r) => r.replies.terminate()));
  }
}
