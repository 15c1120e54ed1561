// The service thread's CPU steps of a delivery, alone (not a test; no HTTP, no PostgreSQL, no Kafka):
// parse (@sp/feeds parseJsonDelivery), validate (validateRecords with the Köln reference, as the
// service does) and encode (the payloads' Avro bytes, then the events with EventCodec's
// encodeWithPayloadBytes) of batches of 1,000 area-statistic records like bench.mjs's, in ms per
// batch: median and minimum over 30 passes of 20 batches (the first 200 batches warm up).
//   node bench/ingestion/steps.mjs [ROOT]    ROOT: a built checkout (default: this one)
// bench/ingestion/README.md, issue 17.3, session 16.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchRecords } from './records.mjs';

const root = resolve(process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), '../..'));
const fromIngestion = createRequire(join(root, 'services/ingestion/package.json'));
const load = (name) => import(pathToFileURL(fromIngestion.resolve(name)).href);
const [{ spatialChecksFrom }, { loadReference }, feeds, { EventCodec, SchemaRegistry }] = await Promise.all(['@sp/ingestion', '@sp/spatial', '@sp/feeds', '@sp/events'].map(load));

// the records of bench.mjs (6 observations each)
const reference = loadReference('koeln');
const record = benchRecords(reference, 6);
const bodies = Array.from({ length: 20 }, (_, b) => Buffer.from(JSON.stringify({ records: Array.from({ length: 1000 }, (_, j) => record(b * 1000 + j)) })));
const ctx = { amt: 'statistik', catalogue: feeds.FeedCatalogue.load(), taxonomy: feeds.Taxonomy.load(), spatial: spatialChecksFrom(reference), now: new Date() };
const registry = SchemaRegistry.load();
const codec = new EventCodec(registry);
const latest = registry.latest('area-statistic');
const envelope = (r) => ({
  key: r.key,
  version: r.version,
  recordType: 'area-statistic',
  amt: 'statistik',
  deliveryId: '00000000-0000-4000-8000-000000000000',
  deliveredAt: 0,
  deliveredBy: 'statistik-bench',
  tombstone: false,
});

const times = { parse: [], validate: [], encode: [] };
let bytes = 0;
for (let pass = 0; pass < 30; pass++) {
  for (const body of bodies) {
    let t = performance.now();
    const parsed = feeds.parseJsonDelivery(body);
    times.parse.push(performance.now() - t);
    t = performance.now();
    const valid = feeds.validateRecords('area-statistic', parsed.rows, ctx);
    if (!valid.ok) throw new Error(JSON.stringify(valid.errors[0]));
    times.validate.push(performance.now() - t);
    t = performance.now();
    for (const { record: r } of valid.records) bytes += codec.encodeWithPayloadBytes('area-statistic', latest.version, envelope(r), latest.payloadType.toBuffer(r)).length;
    times.encode.push(performance.now() - t);
  }
}
const warm = (xs) => xs.slice(200).sort((a, b) => a - b);
const fmt = (xs) => `${warm(xs)[Math.floor(warm(xs).length / 2)].toFixed(2)} / ${warm(xs)[0].toFixed(2)}`;
console.log(`${root}: ms per batch of 1,000 records (median / min): parse ${fmt(times.parse)}, validate ${fmt(times.validate)}, encode ${fmt(times.encode)}${bytes > 0 ? '' : ' (nothing encoded?)'}`);
