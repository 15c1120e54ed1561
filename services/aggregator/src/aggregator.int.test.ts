// The aggregator on the embedded engines: it consumes area-statistic events from the log into the
// warehouse incrementally, and rebuild() replays the log from the start into identical tables.
import { EventCodec, SchemaRegistry, topicFor, type RecordEvent } from '@sp/events';
import { anAreaStatistic } from '@sp/events/testing';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { loadAreaMap, migrateWarehouse } from '@sp/indicator-store';
import type { EventLog, Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregatorService } from './aggregator.service.js';

describe('aggregator on the embedded event log and chDB', () => {
  let log: EventLog;
  let wh: Warehouse;
  const codec = new EventCodec(SchemaRegistry.load());
  const topic = topicFor('area-statistic');

  beforeAll(async () => {
    log = await openEmbeddedEventLog({ dir: tempDir('sp-agg-log-') });
    wh = await openChdbWarehouse({ path: tempDir('sp-agg-wh-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, [
      { childLevel: 'STADT', childCode: '0', level: 'STADT', code: '0' },
      ...['101', '102', '103'].flatMap((c) => [
        { childLevel: 'STADTTEIL', childCode: c, level: 'STADTTEIL', code: c },
        { childLevel: 'STADTTEIL', childCode: c, level: 'STADT', code: '0' },
      ]),
    ]);
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
  });
  afterAll(async () => {
    await log?.close();
    await wh?.close();
  });

  const event = (area: string, period: string, version: number, value: number | null, at: number): RecordEvent<'area-statistic'> => {
    const payload = anAreaStatistic({ areaCode: area, period, version, observations: [{ measure: 'einwohner', dimensions: {}, value: value ?? 0 }] });
    return { key: payload.key, version, recordType: 'area-statistic', amt: 'statistik', deliveryId: `d${at}`, deliveredAt: at, deliveredBy: 'test', tombstone: value === null, payload: value === null ? null : payload };
  };
  const append = (events: RecordEvent<'area-statistic'>[]) =>
    log.append(topic, events.map((e) => ({ key: e.key, value: codec.encode('area-statistic', 1, e), headers: codec.headers('area-statistic', 1, e) })));
  const cells = () => wh.query<{ leaf_key: string; measure: string; value: number; known_at_ms: string }>(
    'SELECT leaf_key, measure, value, known_at_ms FROM cells FINAL WHERE present = 1 ORDER BY leaf_key, measure',
  );

  it('projects incrementally and rebuilds identical tables from the log', async () => {
    const aggregator = new AggregatorService(log, wh, codec, { maxBatchSize: 3 });
    await aggregator.start();
    const t = Date.UTC(2025, 0, 1);
    await append([event('101', '2011', 1, 1000, t), event('102', '2011', 1, 2000, t + 1), event('103', '2011', 1, 500, t + 2)]);
    await aggregator.caughtUp();
    await append([event('101', '2011', 2, 1100, t + 10), event('103', '2011', 2, null, t + 11), event('101', '2012', 1, 1200, t + 12)]);
    await aggregator.caughtUp();
    const incremental = await cells();
    expect(incremental.map((c) => [c.leaf_key, c.value])).toEqual([
      ['bevoelkerung|STADTTEIL|101|2011', 1100],
      ['bevoelkerung|STADTTEIL|101|2012', 1200],
      ['bevoelkerung|STADTTEIL|102|2011', 2000],
    ]);

    const { events } = await aggregator.rebuild();
    expect(events).toBe(6);
    expect(await cells()).toEqual(incremental);
    // live consumption goes on after the rebuild
    await append([event('102', '2012', 1, 2100, t + 20)]);
    await aggregator.caughtUp();
    expect((await cells()).map((c) => c.leaf_key)).toContain('bevoelkerung|STADTTEIL|102|2012');
    await aggregator.stop();
  });
});
