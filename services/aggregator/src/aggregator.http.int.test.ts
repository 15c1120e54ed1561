// Issue 21 on the standalone aggregator's small HTTP server, on the embedded log and chDB (the
// main.ts wiring is the same over Kafka and ClickHouse): live and ready naming both dependencies,
// and after events are appended, /metrics shows the batches and the consumer lag falling to 0.
import { EventCodec, SchemaRegistry, defaultTopology, type RecordEvent } from '@sp/events';
import { anAreaStatistic } from '@sp/events/testing';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { migrateWarehouse } from '@sp/indicator-store';
import type { EventLog, Warehouse } from '@sp/ports';
import { instrumentEventLog, instrumentWarehouse, Telemetry } from '@sp/telemetry';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAggregatorHttp, type AggregatorHttp } from './aggregator.http.js';
import { AggregatorService } from './aggregator.service.js';

describe('the standalone aggregator answers /health/* and /metrics', () => {
  let log: EventLog;
  let wh: Warehouse;
  let telemetry: Telemetry;
  let aggregator: AggregatorService;
  let http: AggregatorHttp;
  const codec = new EventCodec(SchemaRegistry.load());
  const topic = defaultTopology.topicFor('area-statistic');

  beforeAll(async () => {
    log = await openEmbeddedEventLog({ dir: tempDir('sp-agg-http-log-') });
    wh = await openChdbWarehouse({ path: tempDir('sp-agg-http-wh-') });
    await migrateWarehouse(wh);
    telemetry = new Telemetry({ service: 'aggregator', env: {} });
    aggregator = new AggregatorService(instrumentEventLog(log, telemetry), instrumentWarehouse(wh, telemetry), codec, { timing: (step, s) => telemetry.recordCompute(step, s) });
    http = await startAggregatorHttp({ aggregator, eventLog: log, warehouse: wh, partitions: defaultTopology.partitions, telemetry, host: '127.0.0.1', port: 0 });
    await aggregator.start();
  });
  afterAll(async () => {
    await http?.close();
    await aggregator?.stop();
    await log?.close();
    await wh?.close();
    await telemetry?.shutdown();
  });

  it('is live and ready with the event log and the warehouse up', async () => {
    expect((await fetch(`${http.url}/health/live`)).status).toBe(200);
    const ready = await fetch(`${http.url}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({
      status: 'ready',
      service: 'aggregator',
      checks: { eventLog: { state: 'up' }, warehouse: { state: 'up' } },
      info: { consumer: { groupId: 'aggregator', deadLettered: 0 } },
    });
    expect((await fetch(`${http.url}/elsewhere`)).status).toBe(404);
  });

  it('shows the batches and the consumer lag falling to 0 after events arrive', async () => {
    const events: RecordEvent<'area-statistic'>[] = ['101', '102', '103'].map((area, i) => {
      const payload = anAreaStatistic({ areaCode: area });
      return {
        key: payload.key,
        version: 1,
        recordType: 'area-statistic',
        amt: 'statistik',
        deliveryId: `d${i}`,
        deliveredAt: Date.UTC(2025, 0, 1) + i,
        deliveredBy: 'test',
        tombstone: false,
        payload,
      };
    });
    await log.append(
      topic,
      events.map((e) => ({ key: e.key, value: codec.encode('area-statistic', 1, e), headers: codec.headers('area-statistic', 1, e) })),
    );
    let text = '';
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      text = await (await fetch(`${http.url}/metrics`)).text();
      if (/^sp_consumer_lag\{service="aggregator",group="aggregator",topic="records\.area-statistic"\} 0$/m.test(text) && text.includes('sp_consumer_batch_size_count')) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(text).toMatch(/^sp_consumer_lag\{service="aggregator",group="aggregator",topic="records\.area-statistic"\} 0$/m);
    expect(text).toMatch(/^sp_consumer_batch_size_sum\{service="aggregator",group="aggregator",topic="records\.area-statistic"\} 3$/m);
    expect(text).toMatch(/^sp_compute_duration_seconds_count\{service="aggregator",step="projection"\} [1-9]/m);
    expect(text).toMatch(/^sp_query_duration_seconds_count\{service="aggregator",store="warehouse",operation="insert",outcome="ok"\} [1-9]/m);
    expect(text).toContain('sp_consumer_dead_lettered_total{service="aggregator",group="aggregator"} 0');
  });
});
