// The decoding worker of a rebuild (node:worker_threads, started by RebuildDecoder): it takes the
// raw values of one batch of the log, decodes them as the main thread would (decodeForRebuild) and
// writes their staging rows (writeStagingRows of @sp/indicator-store), so that reading the log and
// inserting the staged blocks on the main thread overlap with decoding here (issue 17.1: reading,
// decoding and staging on one core were 2.6–3.3 s of a 4.4–5.4 s rebuild of 100,000 events).
// It loads the schemas from the directory the main thread's registry came from and builds the
// perturbation table from the same configuration, so its rows are those the main thread would
// write. Protocol: RebuildDecoder (rebuild.decoder.ts).
import { parentPort, workerData } from 'node:worker_threads';
import { EventCodec, type RecordEvent, SchemaRegistry } from '@sp/events';
import { RowBinaryWriter, writeStagingRows } from '@sp/indicator-store';
import { protectionFrom } from '@sp/indicators';
import { decodeForRebuild } from './rebuild.decode.js';
import type { DecodeRequest, DecodeResult, RebuildWorkerData } from './rebuild.decoder.js';

const data = workerData as RebuildWorkerData;
const codec = new EventCodec(SchemaRegistry.load(data.schemasDir));
const protection = protectionFrom(data.protection);
let capacity = 1 << 20;

parentPort!.on('message', (request: DecodeRequest) => {
  const events: RecordEvent<'area-statistic'>[] = [];
  const offsets: bigint[] = [];
  const failures: DecodeResult['failures'] = [];
  let start = 0;
  for (let i = 0; i < request.ends.length; i++) {
    const end = request.ends[i]!;
    try {
      const event = decodeForRebuild(codec, request.values.subarray(start, end));
      if (event) {
        events.push(event);
        offsets.push(request.offsets[i]!);
      }
    } catch (error) {
      const e = error as { name?: unknown; message?: unknown; code?: unknown };
      failures.push({ index: i, name: String(e?.name ?? 'Error'), message: String(e?.message ?? error), ...(typeof e?.code === 'string' ? { code: e.code } : {}) });
    }
    start = end;
  }
  const writer = new RowBinaryWriter(capacity);
  writeStagingRows(writer, protection, data.recordKeySecret, request.partition, events, offsets);
  const bytes = writer.bytes();
  capacity = Math.max(capacity, bytes.length + (bytes.length >> 3));
  const result: DecodeResult = { id: request.id, rows: events.length, bytes, failures };
  parentPort!.postMessage(result, [bytes.buffer as ArrayBuffer]);
});
