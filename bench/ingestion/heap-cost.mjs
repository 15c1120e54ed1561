// What the bench's own data costs a full collection of the process it is held in (not a test; no
// engines): the records, JSON bodies and direct-arm messages of N batches made as bench.mjs makes
// them, then gc() five times (median), with all three held, then with the records dropped (bodies and
// messages are module constants: held to the end). What bench.mjs holds during a round since session 18
// is the second line for BATCHES = the round's batches (20 or 100).
//   node --expose-gc bench/ingestion/heap-cost.mjs [BATCHES] [ROOT]    BATCHES: 62 = --batches 20, 302 = --batches 100
// bench/ingestion/README.md, issue 17.3, session 18.
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { benchRecords, directEvent } from './records.mjs';

if (typeof gc !== 'function') throw new Error('run with node --expose-gc');
const n = Number(process.argv[2] ?? 62);
const root = resolve(process.argv[3] ?? join(dirname(fileURLToPath(import.meta.url)), '../..'));
const fromIngestion = createRequire(join(root, 'services/ingestion/package.json'));
const load = (name) => import(pathToFileURL(fromIngestion.resolve(name)).href);
const [{ loadReference }, { EventCodec, SchemaRegistry }] = await Promise.all(['@sp/spatial', '@sp/events'].map(load));

function fullGc(label) {
  const ms = [];
  for (let i = 0; i < 5; i++) {
    const started = performance.now();
    gc();
    ms.push(performance.now() - started);
  }
  ms.sort((a, b) => a - b);
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  console.log(`${label}: full GC ${ms[2].toFixed(1)} ms (median of 5), heap used ${Math.round(heapUsed / 1e6)} MB, array buffers ${Math.round(arrayBuffers / 1e6)} MB`);
}

const record = benchRecords(loadReference('koeln'), 6);
const codec = new EventCodec(SchemaRegistry.load());
fullGc('nothing held');
let batches = Array.from({ length: n }, (_, b) => Array.from({ length: 1000 }, (_, j) => record(b * 1000 + j)));
const bodies = batches.map((b) => JSON.stringify({ records: b }));
const deliveredAt = Date.now();
const messages = batches.map((b) =>
  b.map((r) => {
    const event = directEvent(r, deliveredAt);
    return { key: r.key, value: codec.encode('area-statistic', 1, event), headers: codec.headers('area-statistic', 1, event) };
  }),
);
fullGc(`${n} batches: records + bodies + messages`);
batches = undefined;
fullGc(`${n} batches: bodies + messages`);
console.log(`held to the end: ${bodies.length} JSON bodies (${Math.round(bodies.reduce((s, b) => s + b.length, 0) / 1e6)} MB of text), ${messages.reduce((s, m) => s + m.length, 0)} messages`);
