// The live projection's group commit (batch-coalescer.ts) on the embedded engines: a backlog on two
// partitions is projected in fewer projections than there are batches, with both partitions'
// batches in one projection, and the cells are the same as when every batch is projected on its
// own (the path before, maxProjectionSize 1). On Kafka (servers mode), where the partitions of one
// fetch reach the handler one at a time unless the subscription asks for them concurrently, the
// same backlog is projected with both partitions' batches in one projection and no pause.
import { EventCodec, SchemaRegistry, defaultTopology, type RecordEvent } from '@sp/events';
import { anAreaStatistic, anEvent } from '@sp/events/testing';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import { loadAreaMap, migrateWarehouse, truncateProjections } from '@sp/indicator-store';
import type { EventLog } from '@sp/ports';
import { startKafka, tempDir } from '@sp/testing';
import { type ChdbWarehouse, openChdbWarehouse } from '@sp/warehouse-chdb';
import { stadtteilAreaMap } from '@sp/indicator-store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AggregatorService, type AggregatorOptions } from './aggregator.service.js';

describe('aggregator: batches of all partitions projected together', () => {
  let log: EventLog;
  let wh: ChdbWarehouse;
  const codec = new EventCodec(SchemaRegistry.load());
  const topic = defaultTopology.topicFor('area-statistic');
  const areas = ['101', '102', '103', '104'];

  beforeAll(async () => {
    log = await openEmbeddedEventLog({ dir: tempDir('sp-coalesce-log-') });
    wh = await openChdbWarehouse({ path: tempDir('sp-coalesce-wh-') });
    await migrateWarehouse(wh);
    await loadAreaMap(wh, stadtteilAreaMap(areas));
    await log.ensureTopics([{ name: topic, partitions: 2 }]);
  });
  afterAll(async () => {
    await log?.close();
    await wh?.close();
  });

  const sgb2 = (area: string, period: string, version: number, value: number | null, at: number): RecordEvent<'area-statistic'> => {
    const payload = anAreaStatistic({ dataset: 'sgb2', areaCode: area, period, version, observations: [{ measure: 'sgb2_personen', dimensions: {}, value: value ?? 0 }] });
    return anEvent('area-statistic', value === null ? null : payload, { key: payload.key, version, amt: 'jobcenter', deliveryId: `d${at}`, deliveredAt: at, deliveredBy: 'test' });
  };
  const cells = () =>
    wh.query<{ leaf_key: string; measure: string; value: number; pvalue: number; known_at_ms: string }>(
      'SELECT leaf_key, measure, value, pvalue, known_at_ms FROM cells FINAL WHERE present = 1 ORDER BY leaf_key, measure',
    );

  /** projects the whole log live under a new group; what each projection held, by partition */
  async function projectLive(groupId: string, options: AggregatorOptions, from: EventLog = log): Promise<{ rounds: number[][]; batches: number }> {
    const rounds: number[][] = [];
    let current: number[] = [];
    let batches = 0;
    const aggregator = new AggregatorService(from, wh, codec, {
      groupId,
      maxBatchSize: 4,
      ...options,
      onBatchStage: (stage, batch) => {
        if (stage === 'records-stored') current.push(batch.partition);
        else batches++;
      },
      timing: (step) => {
        if (step !== 'projection') return;
        rounds.push(current);
        current = [];
      },
    });
    await aggregator.start();
    await aggregator.caughtUp();
    await aggregator.stop();
    return { rounds, batches };
  }

  /** a backlog on both partitions: 4 areas × 12 months, then corrections of half of them and withdrawals of some */
  function backlog(): RecordEvent<'area-statistic'>[] {
    const t = Date.UTC(2025, 0, 1);
    const months = Array.from({ length: 12 }, (_, i) => `2024-${String(i + 1).padStart(2, '0')}`);
    const events: RecordEvent<'area-statistic'>[] = [];
    let at = t;
    for (const period of months) for (const area of areas) events.push(sgb2(area, period, 1, 100 + Number(area) + months.indexOf(period), at++));
    for (const period of months.slice(0, 6)) for (const area of areas) events.push(sgb2(area, period, 2, 50 + Number(area), at++));
    for (const period of months.slice(6, 8)) events.push(sgb2('102', period, 2, null, at++));
    return events;
  }
  const appendTo = (to: EventLog, events: RecordEvent<'area-statistic'>[]) =>
    to.append(
      topic,
      events.map((e) => ({ key: e.key, value: codec.encode('area-statistic', 1, e), headers: codec.headers('area-statistic', 1, e) })),
    );

  it('projects a backlog in fewer, larger projections, with the same cells as batch by batch', async () => {
    // so that later batches read versions stored by earlier projections
    await appendTo(log, backlog());

    // a busy projection: every projection at least 40 ms after the one before started
    const together = await projectLive('together', { projectionPauseMs: 40 });
    const coalesced = await cells();
    expect(together.rounds.flat()).toHaveLength(together.batches);
    expect(together.rounds.length).toBeLessThan(together.batches * 0.75);
    expect(together.rounds.some((r) => new Set(r).size === 2)).toBe(true);
    // the withdrawn months are gone, the corrections show
    expect(coalesced.some((c) => c.leaf_key === 'sgb2|STADTTEIL|102|2024-07')).toBe(false);
    expect(coalesced.find((c) => c.leaf_key === 'sgb2|STADTTEIL|103|2024-01')?.value).toBe(153);
    expect(coalesced).toHaveLength(4 * 12 - 2);

    // the same log projected batch by batch, as before (one projection per batch)
    await truncateProjections(wh);
    expect(await cells()).toEqual([]);
    const alone = await projectLive('alone', { maxProjectionSize: 1 });
    expect(alone.rounds.length).toBe(alone.batches);
    expect(alone.rounds.every((r) => r.length === 1)).toBe(true);
    expect(await cells()).toEqual(coalesced);
  });

  it('on Kafka, projects the batches of both partitions of a fetch in one projection, without a pause', async () => {
    const kafka = await startKafka({ partitions: 2 });
    const kafkaLog = createKafkaEventLog({
      brokers: kafka.brokers,
      clientId: 'coalesce',
      logLevel: 'nothing',
      consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250, retryBackoffMs: 100 },
    });
    try {
      await kafkaLog.ensureTopics([{ name: topic, partitions: 2 }]);
      await appendTo(kafkaLog, backlog());
      await truncateProjections(wh);
      // servers mode: no projection pause. Before, kafkajs handed one partition's batch at a time
      // and every projection held one partition's batch
      const run = await projectLive('kafka-together', { projectionPauseMs: 0 }, kafkaLog);
      expect(run.rounds.flat()).toHaveLength(run.batches);
      expect(run.rounds.some((r) => new Set(r).size === 2)).toBe(true);
      expect(run.rounds.length).toBeLessThan(run.batches);
      const onKafka = await cells();
      expect(onKafka).toHaveLength(4 * 12 - 2);
      // the same cells as the same log projected batch by batch
      await truncateProjections(wh);
      const alone = await projectLive('kafka-alone', { maxProjectionSize: 1 }, kafkaLog);
      expect(alone.rounds.every((r) => r.length === 1)).toBe(true);
      expect(await cells()).toEqual(onKafka);
    } finally {
      await kafkaLog.close();
      await kafka.wipe();
    }
  });
});
