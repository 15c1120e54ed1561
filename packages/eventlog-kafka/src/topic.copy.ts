// Byte-exact copies of Kafka topics, for the operator's servers-mode backup and restore
// (services/platform/src/servers.backup.ts, docs/backup.md): each record as the broker holds it —
// partition, offset, key, value, headers and timestamp, all as bytes — read up to a recorded cut,
// and produced back into the same partition in the same order. Through kafkajs itself, not the
// EventLog port: the port hands keys and headers out as text and chooses the partition itself.
import { createHash, type Hash } from 'node:crypto';
import kafkajs from 'kafkajs';
import type { IHeaders, Kafka as KafkaClient } from 'kafkajs';

const { Kafka, logLevel: LogLevel } = kafkajs;

export interface RawRecord {
  offset: bigint;
  key: Buffer | null;
  value: Buffer | null;
  /** in the order kafkajs reads them; a name given twice appears twice */
  headers: [string, Buffer][];
  /** milliseconds since the epoch, as Kafka keeps it (CreateTime of the platform's topics) */
  timestamp: string;
}

/** what to read of one topic: each partition from `start` (its log start) to `end` (exclusive) */
export interface TopicCut {
  topic: string;
  partitions: { partition: number; start: bigint; end: bigint }[];
}

export interface TopicCopyOptions {
  brokers: string[];
  clientId: string;
}

function client(options: TopicCopyOptions): KafkaClient {
  // silent: kafkajs retries on its own (a new topic's leader not known to the producer yet is logged
  // as an error each time), and what it gives up on reaches the caller as an error
  return new Kafka({ clientId: options.clientId, brokers: options.brokers, connectionTimeout: 3000, requestTimeout: 30_000, logLevel: LogLevel.NOTHING });
}

function flatHeaders(headers: IHeaders | undefined): [string, Buffer][] {
  const out: [string, Buffer][] = [];
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push([name, Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8')]);
  }
  return out;
}

function groupedHeaders(headers: readonly [string, Buffer][]): IHeaders {
  const out: Record<string, Buffer | Buffer[]> = {};
  for (const [name, value] of headers) {
    const had = out[name];
    out[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
  }
  return out;
}

/**
 * A running SHA-256 over records in a framing of their own (every field length-prefixed, null
 * apart from empty), so two copies compare by content whatever file or broker they came from.
 * The offset is not in it: a copy's offsets are checked apart (produceRecords).
 */
export class RecordDigest {
  private readonly hash: Hash = createHash('sha256');
  count = 0;

  private field(bytes: Buffer | null): void {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes === null ? 0xffffffff : bytes.byteLength);
    this.hash.update(length);
    if (bytes) this.hash.update(bytes);
  }

  update(record: RawRecord): void {
    this.field(record.key);
    this.field(record.value);
    this.field(Buffer.from(String(record.headers.length)));
    for (const [name, value] of record.headers) {
      this.field(Buffer.from(name, 'utf8'));
      this.field(value);
    }
    this.field(Buffer.from(record.timestamp));
    this.count++;
  }

  digest(): string {
    return this.hash.digest('hex');
  }
}

/**
 * Reads every record of `cuts` below each partition's end, in offset order per partition, under a
 * consumer group of its own that commits nothing and is deleted afterwards.
 */
export async function readTopicsUpTo(
  options: TopicCopyOptions,
  cuts: readonly TopicCut[],
  onRecord: (topic: string, partition: number, record: RawRecord) => void | Promise<void>,
  timeoutMs = 600_000,
): Promise<void> {
  const next = new Map<string, bigint>();
  const ends = new Map<string, bigint>();
  for (const cut of cuts) {
    for (const p of cut.partitions) {
      if (p.end > p.start) {
        ends.set(`${cut.topic}/${p.partition}`, p.end);
        next.set(`${cut.topic}/${p.partition}`, p.start);
      }
    }
  }
  if (ends.size === 0) return;
  const open = new Set(ends.keys());
  const kafka = client(options);
  const groupId = `${options.clientId}-${Date.now()}-${process.pid}`;
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 500, sessionTimeout: 30_000 });
  let finished!: () => void;
  let failed!: (error: unknown) => void;
  const done = new Promise<void>((resolve, reject) => {
    finished = resolve;
    failed = reject;
  });
  const timer = setTimeout(() => failed(new Error(`reading the topics did not reach the cut within ${timeoutMs} ms; still open: ${[...open].slice(0, 5).join(', ')}`)), timeoutMs);
  consumer.on(consumer.events.CRASH, (e) => {
    if (!e.payload.restart) failed(e.payload.error);
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(cuts.filter((c) => c.partitions.some((p) => p.end > p.start)).map((c) => c.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch, heartbeat }) => {
        const id = `${batch.topic}/${batch.partition}`;
        const end = ends.get(id);
        if (end === undefined || !open.has(id)) return;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          // a compressed batch may start before the fetch offset; nothing at or past the cut
          if (offset < next.get(id)! || offset >= end) continue;
          await onRecord(batch.topic, batch.partition, { offset, key: m.key, value: m.value, headers: flatHeaders(m.headers), timestamp: m.timestamp });
          next.set(id, offset + 1n);
        }
        // the last offset the broker reported for this fetch: a partition whose cut ends on a gap is done too
        const last = BigInt(batch.lastOffset());
        if (next.get(id)! >= end || last + 1n >= end) {
          open.delete(id);
          if (open.size === 0) finished();
        }
        await heartbeat();
      },
    });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
}

/**
 * Produces each batch's records (offset order) into its topic's partition, one after another:
 * idempotent, acks from every in-sync replica, one request in flight, so they land whole and in
 * order. `records` is called once per batch, when its turn comes (a partition's records read from
 * a file then). Resolves with how many landed at an offset other than the one they had (0 when the
 * topic was new and the source's partition began at offset 0 without gaps, as the platform's do).
 */
export async function produceRecords(
  options: TopicCopyOptions,
  batches: readonly { topic: string; partition: number; records: () => readonly RawRecord[] }[],
): Promise<{ records: number; shifted: number }> {
  const kafka = client(options);
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  let shifted = 0;
  let produced = 0;
  await producer.connect();
  try {
    for (const { topic, partition, records: read } of batches) {
      const records = read();
      const maxBytes = 512 * 1024;
      for (let i = 0; i < records.length; ) {
        const chunk: RawRecord[] = [];
        let bytes = 0;
        while (i < records.length && chunk.length < 1000) {
          const r = records[i]!;
          const size = 64 + (r.key?.byteLength ?? 0) + (r.value?.byteLength ?? 0) + r.headers.reduce((n, [k, v]) => n + k.length + v.byteLength + 8, 0);
          if (chunk.length > 0 && bytes + size > maxBytes) break;
          chunk.push(r);
          bytes += size;
          i++;
        }
        const [meta] = await producer.send({
          topic,
          acks: -1,
          messages: chunk.map((r) => ({ partition, key: r.key, value: r.value, headers: groupedHeaders(r.headers), timestamp: r.timestamp })),
        });
        if (!meta || meta.errorCode !== 0 || meta.baseOffset === undefined) throw new Error(`the broker did not acknowledge records for ${topic}/${partition}`);
        const base = BigInt(meta.baseOffset);
        chunk.forEach((r, j) => {
          if (base + BigInt(j) !== r.offset) shifted++;
        });
        produced += chunk.length;
      }
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  return { records: produced, shifted };
}
