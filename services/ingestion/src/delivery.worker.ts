// A delivery reader (node:worker_threads, started by DeliveryReaders): reads the body of an
// area-statistic delivery as the service's thread would — parseBody, validateRecords against the
// tenant's state the thread sent (feed catalogue with the delivered datasets, spatial snapshot),
// encodeRecords — and answers the exact rejection or the items with their payloads' bytes.
// Protocol and the rules on state: delivery.readers.ts.
import { parentPort, workerData } from 'node:worker_threads';
import { SchemaRegistry } from '@sp/events';
import { FeedCatalogue, Taxonomy, validateRecords, type SpatialChecks } from '@sp/feeds';
import { encodeRecords, parseBody } from './delivery.read.js';
import type { ReadAnswer, ReadMessage, ReaderWorkerData, ReadOutcome, StateMessage } from './delivery.readers.js';
import { spatialChecksOfSnapshot } from './spatial-checks.adapter.js';

const data = workerData as ReaderWorkerData;
const registry = SchemaRegistry.load(data.schemasDir);
const taxonomy = Taxonomy.of(data.taxonomy);
let feeds: { stamp: number; catalogue: FeedCatalogue } | undefined;
let spatial: { revision: number; checks: SpatialChecks } | undefined;

function read(m: ReadMessage, spans: [string, number][]): ReadOutcome {
  if (feeds?.stamp !== m.feedsStamp || spatial?.revision !== m.spatialRevision) {
    return { kind: 'failed', message: `the reader holds feeds ${feeds?.stamp} and reference revision ${spatial?.revision}, the delivery names ${m.feedsStamp} and ${m.spatialRevision}` };
  }
  const latest = registry.latest(m.recordType);
  if (latest.id !== m.schema.id || latest.version !== m.schema.version) {
    return { kind: 'failed', message: `the reader's latest ${m.recordType} schema is ${latest.id} v${latest.version}, the service's ${m.schema.id} v${m.schema.version}` };
  }
  let t = performance.now();
  const mark = (name: string) => {
    const now = performance.now();
    spans.push([name, now - t]);
    t = now;
  };
  const parsed = parseBody(m.recordType, m.format, Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
  if (!parsed.ok) return { kind: 'rejected', errors: parsed.errors };
  mark('parse');
  const validated = validateRecords(m.recordType, parsed.rows, { amt: m.amt, catalogue: feeds.catalogue, taxonomy, spatial: spatial.checks, now: new Date(m.now) });
  if (!validated.ok) return { kind: 'rejected', errors: validated.errors };
  mark('validate');
  const items = encodeRecords(registry, m.recordType, validated.records, data.recordKeySecret);
  let length = 0;
  for (const i of items) length += i.payloadBytes!.byteLength;
  const bytes = new Uint8Array(length);
  const ends = new Uint32Array(items.length);
  const rows: (number | null)[] = [];
  const keys: string[] = [];
  const versions: (number | undefined)[] = [];
  const hashes: string[] = [];
  let at = 0;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    bytes.set(item.payloadBytes!, at);
    at += item.payloadBytes!.byteLength;
    ends[i] = at;
    rows.push(item.row);
    keys.push(item.key);
    versions.push(item.version);
    hashes.push(item.hash);
  }
  mark('encode');
  return { kind: 'read', rows, keys, versions, hashes, bytes, ends };
}

parentPort!.on('message', (m: StateMessage | ReadMessage) => {
  if (m.kind === 'state') {
    if (m.feeds) feeds = { stamp: m.feeds.stamp, catalogue: FeedCatalogue.of(m.feeds.file) };
    if (m.spatial) spatial = { revision: m.spatial.revision, checks: spatialChecksOfSnapshot(m.spatial) };
    return;
  }
  const spans: [string, number][] = [];
  let outcome: ReadOutcome;
  try {
    outcome = read(m, spans);
  } catch (error) {
    outcome = { kind: 'failed', message: error instanceof Error ? error.message : String(error) };
  }
  const answer: ReadAnswer = { id: m.id, body: m.body, outcome, spans };
  const transfer: ArrayBuffer[] = [m.body.buffer as ArrayBuffer];
  if (outcome.kind === 'read') transfer.push(outcome.bytes.buffer as ArrayBuffer, outcome.ends.buffer as ArrayBuffer);
  parentPort!.postMessage(answer, transfer);
});
