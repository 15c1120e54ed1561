// The Ämter's side of the benchmark: posts the batches to the ingestion API from its own thread, so
// the client's work (sending bodies, reading answers) does not share the service's event loop.
import { parentPort, workerData } from 'node:worker_threads';

const { url, apiKey, concurrency } = workerData;
parentPort.on('message', async ({ bodies, expected }) => {
  const phases = {};
  let retries = 0;
  let next = 0;
  const started = performance.now();
  /** each delivery's [sent, answered] in ms from the round's start, in the order they were sent (bench.mjs --trace) */
  const spans = [];
  try {
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < bodies.length) {
          const i = next++;
          const body = bodies[i];
          const sent = performance.now() - started;
          let res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body });
          let answer = await res.json();
          // a 503 (a store not reachable in time on this shared machine) is sent again as an Amt would,
          // at once rather than after Retry-After; the time counts, the retries are reported
          for (let attempt = 1; res.status === 503 && attempt <= 3; attempt++) {
            retries++;
            res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body });
            answer = await res.json();
          }
          if (res.status !== 200 || answer.created !== expected) throw new Error(`delivery failed: ${res.status} ${JSON.stringify(answer).slice(0, 500)}`);
          spans[i] = [sent, performance.now() - started];
          for (const m of (res.headers.get('server-timing') ?? '').matchAll(/(\w+);dur=([\d.]+)/g)) phases[m[1]] = (phases[m[1]] ?? 0) + Number(m[2]);
        }
      }),
    );
    parentPort.postMessage({ seconds: (performance.now() - started) / 1000, phases, retries, spans });
  } catch (error) {
    parentPort.postMessage({ error: String(error) });
  }
});
