// The aggregator, a separate process on the real Kafka broker, is SIGKILLed mid-batch again and
// again while it works through a backlog of records, corrections and withdrawals. After the last
// restart every total must be exact: nothing counted twice, nothing dropped.
import { EventCodec, SchemaRegistry, defaultTopology, type RecordEvent } from '@sp/events';
import { anAreaStatistic } from '@sp/events/testing';
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import { areaMapRows, loadAreaMap, migrateWarehouse, WarehouseIndicatorReader } from '@sp/indicator-store';
import type { IndicatorPlan } from '@sp/indicators';
import type { EventLog, Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { startChdbHttp, startKafka, startNodeService, waitFor, type KafkaInstance } from '@sp/testing';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// the aggregator loads the area map of its reference (SP_REFERENCE, the demo's: Köln) at its start,
// so the records name 30 of Köln's Stadtteile
const koeln = loadReference('koeln');
const AREAS = koeln
  .areas('STADTTEIL')
  .slice(0, 30)
  .map((a) => a.code);
const PERIODS = Array.from({ length: 24 }, (_, i) => `20${10 + Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`);
const topic = defaultTopology.topicFor('area-statistic');

function rng(seed: number) {
  return () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed / 2147483648;
  };
}

describe('aggregator crash and restart against the real broker', () => {
  let kafka: KafkaInstance;
  let chdb: Awaited<ReturnType<typeof startChdbHttp>>;
  let log: EventLog;
  let warehouse: Warehouse;
  const codec = new EventCodec(SchemaRegistry.load());
  const expected = new Map<string, number>(); // period → city total of sgb2_personen

  beforeAll(async () => {
    [kafka, chdb] = await Promise.all([startKafka({ partitions: 4 }), startChdbHttp()]);
    log = await createKafkaEventLog({ brokers: kafka.brokers, clientId: 'crash-test' });
    await log.ensureTopics([{ name: topic, partitions: 4 }]);
    warehouse = await createClickHouseWarehouse({ url: chdb.url });
    await migrateWarehouse(warehouse);
    await loadAreaMap(warehouse, areaMapRows(koeln));

    // backlog: every area × month, then corrections of ~15 % and withdrawals of ~3 %
    const random = rng(42);
    const latest = new Map<string, { period: string; value: number } | null>();
    const events: RecordEvent<'area-statistic'>[] = [];
    let t = Date.UTC(2024, 0, 1);
    const push = (area: string, period: string, version: number, value: number | null) => {
      const payload = anAreaStatistic({ dataset: 'sgb2', areaCode: area, period, version, synthetic: true, observations: [{ measure: 'sgb2_personen', dimensions: {}, value: value ?? 0 }] });
      t += 1;
      events.push({
        key: payload.key,
        version,
        recordType: 'area-statistic',
        amt: 'jobcenter',
        deliveryId: `d${t}`,
        deliveredAt: t,
        deliveredBy: 'test',
        tombstone: value === null,
        payload: value === null ? null : payload,
      });
      latest.set(payload.key, value === null ? null : { period, value });
    };
    for (const p of PERIODS) for (const a of AREAS) push(a, p, 1, Math.floor(random() * 500));
    for (const p of PERIODS)
      for (const a of AREAS) {
        const r = random();
        if (r < 0.15) push(a, p, 2, Math.floor(random() * 500));
        else if (r < 0.18) push(a, p, 2, null);
      }
    for (const v of latest.values()) if (v) expected.set(v.period, (expected.get(v.period) ?? 0) + v.value);
    for (let i = 0; i < events.length; i += 500) {
      await log.append(
        topic,
        events.slice(i, i + 500).map((e) => ({ key: e.key, value: codec.encode('area-statistic', 1, e), headers: codec.headers('area-statistic', 1, e) })),
      );
    }
  }, 180_000);

  afterAll(async () => {
    await log?.close();
    await warehouse?.close();
    await chdb?.stop();
    await kafka?.wipe();
  });

  it('never counts twice nor drops anything across kills at any point', { timeout: 600_000 }, async () => {
    const env = {
      KAFKA_BROKERS: kafka.brokers.join(','),
      CLICKHOUSE_URL: chdb.url,
      SP_REFERENCE: 'koeln',
      AGGREGATOR_MAX_BATCH: '100',
      SP_TRACE_BATCHES: '1',
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      // health and metrics on a free port (default 9464)
      AGGREGATOR_HTTP_PORT: '0',
    };
    let killsMidBatch = 0;
    for (let round = 0; round < 4; round++) {
      const agg = await startNodeService('services/aggregator/dist/main.js', { env, ready: /aggregator ready/ });
      // wait for the (round+1)-th batch whose records are stored but whose cells and offsets are
      // not yet: kill right there
      await waitFor(() => agg.output().split('records-stored').length > round + 1, { timeoutMs: 90_000, intervalMs: 50 });
      await agg.kill();
      const lines = agg.output().trim().split('\n');
      if (lines.at(-1)!.includes('records-stored')) killsMidBatch += 1;
    }
    expect(killsMidBatch).toBeGreaterThanOrEqual(2);

    const agg = await startNodeService('services/aggregator/dist/main.js', { env, ready: /aggregator ready/ });
    const ends = await log.endOffsets(topic);
    await waitFor(
      async () => {
        const committed = await log.committedOffsets('aggregator', topic);
        return [...ends].every(([p, end]) => committed.get(p) === end);
      },
      { timeoutMs: 120_000, intervalMs: 50 },
    );
    await agg.stop();

    const plan: IndicatorPlan = { kind: 'count', code: 'sgb2', version: 1, synthetic: true, component: { dataset: 'sgb2', measure: 'sgb2_personen', dims: {}, sourceLevel: 'STADTTEIL' } };
    const reader = new WarehouseIndicatorReader(warehouse, { plans: { plan: () => plan }, hierarchyLevels: koeln.hierarchyLevels });
    const city = await reader.values({ indicator: 'sgb2', level: 'STADT', periods: PERIODS, privileged: true });
    expect(Object.fromEntries(city.map((v) => [v.period, v.value]))).toEqual(Object.fromEntries(PERIODS.map((p) => [p, expected.get(p)])));
  });
});
