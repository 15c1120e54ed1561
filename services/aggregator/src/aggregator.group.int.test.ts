// Two aggregators in one consumer group (issue 17.5), on the embedded event log and on a real Kafka
// broker, sharing one chDB warehouse: both project their partitions and note due periods, only the
// member holding partition 0 recomputes the composite indices — which come out as a single
// aggregator computes them (a rebuild) — and when that member stops while periods are due, the
// other takes over and recomputes them.
import { EventCodec, SchemaRegistry, defaultTopology, type RecordEvent } from '@sp/events';
import { anAreaStatistic, anEvent } from '@sp/events/testing';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import { loadAreaMap, migrateWarehouse, tenantIndicatorReader } from '@sp/indicator-store';
import type { EventLog, Warehouse } from '@sp/ports';
import { demoReferenceName, loadReference } from '@sp/spatial';
import { startKafka, tempDir, type KafkaInstance } from '@sp/testing';
import { type ChdbWarehouse, openChdbWarehouse } from '@sp/warehouse-chdb';
import { stadtteilAreaMap } from '@sp/indicator-store/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { indicatorProjection } from './aggregator.composition.js';
import type { AggregatorService } from './aggregator.service.js';
import { dynamikCatalogue } from './dynamik-catalogue.fixture.js';

const topic = defaultTopology.topicFor('area-statistic');
const codec = new EventCodec(SchemaRegistry.load());
const reference = loadReference(demoReferenceName);
const AREAS = ['101', '102', '103', '104', '105', '106'];

async function waitUntil(condition: () => boolean | Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

function event(dataset: 'bevoelkerung' | 'sgb2', area: string, period: string, value: number, at: number): RecordEvent<'area-statistic'> {
  const measure = dataset === 'sgb2' ? 'sgb2_personen' : 'einwohner';
  const payload = anAreaStatistic({ dataset, areaCode: area, period, version: 1, observations: [{ measure, dimensions: {}, value }] });
  return anEvent('area-statistic', payload, { deliveryId: `d${at}`, deliveredAt: at, deliveredBy: 'test' });
}

/** per area, the population of each year and the December count (of the year before the first too): the index of each year is due */
function events(years: readonly number[], at: number, decemberBefore: boolean): RecordEvent<'area-statistic'>[] {
  return AREAS.flatMap((area, ai) => [
    ...(decemberBefore ? [event('sgb2', area, `${years[0]! - 1}-12`, 40 + 5 * ai, at + ai)] : []),
    ...years.flatMap((y, yi) => [
      event('bevoelkerung', area, String(y), 1000 + 100 * ai + 10 * yi, at + 100 * (yi + 1) + ai),
      event('sgb2', area, `${y}-12`, 50 + 7 * ai + 3 * yi * (ai % 3), at + 100 * (yi + 1) + ai + 50),
    ]),
  ]);
}

/** The warehouse as one process sees it: counts its index recomputations' writes; `broken` fails its reads of what is due. */
function processWarehouse(wh: ChdbWarehouse) {
  const state = { broken: false };
  const warehouse: Warehouse = {
    query: (sql, params, options) => {
      if (state.broken && /FROM index_pending/.test(sql)) return Promise.reject(new Error('this process cannot read index_pending'));
      return wh.query(sql, params, options);
    },
    command: (sql, params) => wh.command(sql, params),
    insert: (table, rows) => wh.insert(table, rows),
    insertFormatted: (table, insert) => wh.insertFormatted(table, insert),
    close: () => Promise.resolve(),
  };
  return { warehouse, state };
}

interface Engine {
  name: string;
  /** a log client of its own for each aggregator: a member of the group each */
  log(client: string): Promise<EventLog>;
  close(): Promise<void>;
}

const engines: { name: string; start(): Promise<Engine> }[] = [
  {
    name: 'embedded event log',
    start: async () => {
      // one log in the process: its consumer groups are in-process, every aggregator joins through it
      const log = await openEmbeddedEventLog({ dir: tempDir('sp-agg-group-log-') });
      return { name: 'embedded', log: async () => log, close: () => log.close() };
    },
  },
  {
    name: 'Kafka',
    start: async () => {
      const kafka: KafkaInstance = await startKafka({ partitions: 4 });
      const logs: EventLog[] = [];
      return {
        name: 'kafka',
        log: async (client) => {
          const log = createKafkaEventLog({
            brokers: kafka.brokers,
            clientId: client,
            logLevel: 'nothing',
            consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250, retryBackoffMs: 100 },
          });
          logs.push(log);
          return log;
        },
        close: async () => {
          await Promise.all(logs.map((l) => l.close()));
          await kafka.wipe();
        },
      };
    },
  },
];

describe.each(engines)('two aggregators in one consumer group ($name)', ({ start }) => {
  let engine: Engine;
  let wh: ChdbWarehouse;
  let producer: EventLog;

  beforeAll(async () => {
    [engine, wh] = await Promise.all([start(), openChdbWarehouse({ path: tempDir('sp-agg-group-wh-') })]);
    await migrateWarehouse(wh);
    await loadAreaMap(wh, stadtteilAreaMap(AREAS));
    producer = await engine.log('producer');
    await producer.ensureTopics([{ name: topic, partitions: 4 }]);
  }, 180_000);
  afterAll(async () => {
    await engine?.close();
    await wh?.close();
  });

  const append = (list: RecordEvent<'area-statistic'>[]) =>
    producer.append(
      topic,
      list.map((e) => ({ key: e.key, value: codec.encode('area-statistic', 1, e), headers: codec.headers('area-statistic', 1, e) })),
    );
  const indexValues = () =>
    wh.query<Record<string, unknown>>(
      'SELECT index_code, definition_version, area_level, area_code, period, score, class, scored, computed_from_ms FROM index_values FINAL ORDER BY index_code, area_level, area_code, period',
    );
  const due = async () => Number((await wh.query<{ n: string }>('SELECT count() AS n FROM index_pending'))[0]!.n);

  /** one aggregator process: its own log client and view of the warehouse, and what it recomputed */
  async function aggregator(client: string, groupId: string, pollMs: number) {
    const { warehouse, state } = processWarehouse(wh);
    const recomputed: string[][] = [];
    const service: AggregatorService = indicatorProjection(
      {
        eventLog: await engine.log(client),
        warehouse,
        codec,
        reference,
        catalogue: dynamikCatalogue,
        reader: tenantIndicatorReader(warehouse, { reference, catalogue: dynamikCatalogue }),
        projection: {},
      },
      {
        groupId,
        maxBatchSize: 5,
        indexPollMs: pollMs,
        log: () => undefined,
        afterProjection: async (result) => {
          if (result.indicesRecomputed) recomputed.push(result.touchedPeriods);
        },
      },
    );
    return { client, service, recomputed, state };
  }

  it('only the member holding partition 0 recomputes, the indices equal a single aggregator’s; when it stops, the other recomputes what is due', async () => {
    const groupId = `two-${Date.now()}`;
    const a = await aggregator('aggregator-a', groupId, 200);
    const b = await aggregator('aggregator-b', groupId, 200);
    await a.service.start();
    await b.service.start();
    // Kafka: b's subscribe resolved on its join; a learns its share from the same rebalance
    await waitUntil(
      () =>
        [a, b]
          .map((x) => x.service.indexRole)
          .sort()
          .join() === 'member,owner',
      30_000,
      'one owner and one member',
    );
    const [owner, member] = a.service.indexRole === 'owner' ? [a, b] : [b, a];

    await append(events([2011, 2012, 2013], Date.UTC(2025, 0, 1), true));
    await Promise.all([a.service.caughtUp(60_000), b.service.caughtUp(60_000)]);
    // both projected batches of their own partitions
    expect(a.service.eventsProcessed).toBeGreaterThan(0);
    expect(b.service.eventsProcessed).toBeGreaterThan(0);
    expect(a.service.eventsProcessed + b.service.eventsProcessed).toBe(AREAS.length * 7);
    await expect.poll(due, { timeout: 10_000 }).toBe(0); // the loop's deletes do not wait for their mutation
    expect(owner.recomputed.length).toBeGreaterThan(0);
    expect(member.recomputed).toEqual([]);
    const twoMembers = await indexValues();
    expect(twoMembers.filter((r) => r.scored === 1).length).toBeGreaterThan(0);

    // the owner cannot read what is due any more; both project more batches and note their periods
    owner.state.broken = true;
    await append(events([2014], Date.UTC(2025, 1, 1), false));
    const end = await producer.endOffsets(topic);
    await waitUntil(async () => [...(await producer.committedOffsets(groupId, topic))].every(([p, o]) => o === end.get(p)), 60_000, 'the new events projected');
    // periods stay due: the member leaves them to the owner, however long it waits
    await new Promise((r) => setTimeout(r, 1000));
    expect(await due()).toBeGreaterThan(0);
    expect(member.recomputed).toEqual([]);

    // the owner stops: the member takes partition 0 over and recomputes what is due
    await owner.service.stop();
    await member.service.caughtUp(60_000);
    expect(member.service.indexRole).toBe('alone');
    await expect.poll(due, { timeout: 10_000 }).toBe(0); // the loop's deletes do not wait for their mutation
    expect(member.recomputed.flat()).toEqual(expect.arrayContaining(['2014', '2014-12']));
    const afterTakeover = await indexValues();
    await member.service.stop();

    // a single aggregator replays the same log and computes the indices once, from the final cells
    const single = await aggregator('aggregator-single', `single-${Date.now()}`, 200);
    await single.service.rebuild(120_000);
    expect(await indexValues()).toEqual(afterTakeover);
    expect(afterTakeover.filter((r) => r.period === '2014' && r.scored === 1).length).toBeGreaterThan(0);
    expect(afterTakeover.filter((r) => String(r.period) < '2014')).toEqual(twoMembers);
  }, 180_000);
});
