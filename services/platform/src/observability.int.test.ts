// Issue 21 (health, metrics) on the embedded default, with the platform in this process: live and
// ready answer 200 and name every dependency; after a delivery, /metrics counts the request and
// the consumer lag of the indicator projection falls to 0.
import 'reflect-metadata';
import { join } from 'node:path';
import { populationRecords } from '@sp/demo';
import { InMemorySpanExporter, Telemetry } from '@sp/telemetry';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { openEngines, type Engines } from './engines.js';
import { startPlatform, type Platform } from './platform.js';

/** the value of the first series of `name` whose labels include every one of `labels` */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

describe('health and metrics of the one-process platform (embedded engines)', () => {
  let engines: Engines;
  let platform: Platform;
  const spans = new InMemorySpanExporter();

  beforeAll(async () => {
    const config = loadConfig({ SP_DATA_DIR: join(tempDir('sp-observe-'), 'data'), SP_PORT: '0', SP_DEMO: '0' });
    engines = await openEngines(config);
    platform = await startPlatform(config, engines, { telemetry: new Telemetry({ service: 'platform', env: {}, spanExporter: spans }) });
  });
  afterAll(async () => {
    await platform?.close();
    await engines?.close();
  });

  it('is live, and ready with every dependency up', async () => {
    const live = await fetch(`${platform.url}/health/live`);
    expect(live.status).toBe(200);
    expect(await live.json()).toMatchObject({ status: 'live', service: 'platform' });

    const ready = await fetch(`${platform.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; down: string[]; checks: Record<string, { state: string }> };
    expect(body).toMatchObject({ status: 'ready', down: [], checks: { eventLog: { state: 'up' }, database: { state: 'up' }, warehouse: { state: 'up' } } });
  });

  it('refuses other methods on the health endpoints with 405', async () => {
    const res = await fetch(`${platform.url}/health/ready`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(await res.text()).toMatch(/answers GET or HEAD/);
  });

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';

  it('counts a delivery on /metrics and the consumer lag falls to 0', async () => {
    const record = populationRecords()[0]!;
    const res = await fetch(`${platform.url}/v1/deliveries/area-statistic`, {
      method: 'POST',
      // the caller's trace: the delivery's spans continue it
      headers: { authorization: `Bearer ${platform.keys.keys.statistik}`, 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      body: JSON.stringify({ records: [record] }),
    });
    expect(res.status, await res.clone().text()).toBeLessThan(300);

    const group = { group: 'aggregator', topic: 'records.area-statistic' };
    let text = '';
    let lag: number | undefined;
    const deadline = Date.now() + 60_000;
    for (;;) {
      text = await (await fetch(`${platform.url}/metrics`)).text();
      lag = sample(text, 'sp_consumer_lag', group);
      if (lag === 0 || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(
      lag,
      text
        .split('\n')
        .filter((l) => l.startsWith('sp_consumer_lag'))
        .join('\n'),
    ).toBe(0);
    expect(sample(text, 'sp_http_requests_total', { route: '/v1/deliveries/{recordType}', method: 'POST', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sp_http_request_duration_seconds_count', { route: '/v1/deliveries/{recordType}', status_class: '2xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sp_consumer_batch_size_count', { group: 'aggregator' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sp_consumer_dead_lettered_total', { group: 'aggregator' })).toBe(0);
    expect(sample(text, 'sp_compute_duration_seconds_count', { step: 'projection' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sp_query_duration_seconds_count', { store: 'database', operation: 'select' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sp_query_duration_seconds_count', { store: 'warehouse' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'sp_eventlog_append_duration_seconds_count', { outcome: 'ok' })).toBeGreaterThanOrEqual(1);
  });

  it('follows the delivery in one trace: HTTP request, append to the log, the projection consuming it', () => {
    const inTrace = spans.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const server = inTrace.find((s) => s.name === 'POST /v1/deliveries/{recordType}');
    const append = inTrace.find((s) => s.name === 'append records.area-statistic');
    const consume = inTrace.find((s) => s.name === 'process aggregator records.area-statistic');
    expect(inTrace.map((s) => s.name)).toEqual(expect.arrayContaining(['POST /v1/deliveries/{recordType}', 'append records.area-statistic', 'process aggregator records.area-statistic']));
    expect(server!.parentSpanContext?.spanId).toBe('00f067aa0ba902b7');
    expect(append!.parentSpanContext?.spanId).toBe(server!.spanContext().spanId);
    // the context crossed the event log in the event's headers
    expect(consume!.parentSpanContext?.spanId).toBe(append!.spanContext().spanId);
  });
});
