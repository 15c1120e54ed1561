// Issue #13: a poison event must never stall a consumer. Each consumer the platform runs (the
// indicator projection into the warehouse, the registry and the controlling read models in the
// database) gets an event it cannot apply, written straight into the log past the ingestion's
// validation: an area statistic for period "0000" and undecodable bytes on the offer, planning and
// dataset topics. On both deployments (embedded log + PGlite, Kafka + PostgreSQL), the later good events of the same partitions must become
// visible, offsets must commit to the end, the dead letters must be listed with topic, partition,
// offset, key and error, and composite indices must be recomputed for the later events' periods.
import { migrateControlling } from '@sp/controlling';
import { createPgDatabase } from '@sp/database-pg';
import { openPgliteDatabase } from '@sp/database-pglite';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import { EventCodec, SchemaRegistry, topology, type RecordEvent, type RecordType } from '@sp/events';
import { aDataset, aGoal, anAreaStatistic, anEvent, anOffer } from '@sp/events/testing';
import { FeedCatalogue } from '@sp/feeds';
import { areaMapRows, loadAreaMap, migrateWarehouse, planResolverFromCatalogue, WarehouseIndicatorReader } from '@sp/indicator-store';
import { indexYaml } from '@sp/indicator-store/testing';
import { loadProtection, parseCatalogue } from '@sp/indicators';
import { partitionForKey, type Database, type EventLog, type Warehouse } from '@sp/ports';
import { RegistryRepository, spatialAreaLocator } from '@sp/registry';
import { loadReference } from '@sp/spatial';
import { startKafka, startPostgres, tempDir, type KafkaInstance, type PostgresInstance } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { areaSourceFromReference, catalogueSource, createGateway } from '@sp/gateway';
import { clientFor, testAuth, tokenFor } from '@sp/gateway/testing';
import { openDeliveredWriter } from '@sp/delivered';
import { startProjections, type Projections } from './projections.js';
import { operationsSourceFrom } from './sources/operations.source.js';

const PARTITIONS = 2;
const TOPOLOGY = topology({ partitions: PARTITIONS });
const codec = new EventCodec(SchemaRegistry.load());
const reference = loadReference('koeln');
// a population, a monthly count, their ratio and an index over it
const catalogue = parseCatalogue(`
catalogueVersion: 1
datasets:
  bevoelkerung: { name: Bevölkerung, periodicity: year, amt: statistik, synthetic: false }
  sgb2: { name: SGB II, periodicity: month, amt: jobcenter, synthetic: false }
indicators:
  - { code: einwohner, version: 1, kind: count, name: E, definition: E, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: bevoelkerung, measure: einwohner }
  - { code: sgb2_personen, version: 1, kind: count, name: S, definition: S, unit: P, amt: jobcenter, polarity: -1, updateInterval: monatlich, synthetic: false, dataset: sgb2, measure: sgb2_personen }
  - { code: sgb2_quote, version: 1, kind: ratio, name: Q, definition: Q, unit: "%", amt: jobcenter, polarity: -1, updateInterval: monatlich, synthetic: false, numerator: sgb2_personen, denominator: einwohner, factor: 100 }
${indexYaml({ code: 'index_lage', inputs: ['sgb2_quote'] })}`);

/** the event log and the database of a deployment: embedded (embedded log, PGlite) or servers (Kafka, PostgreSQL) */
interface Adapter {
  name: string;
  open(): Promise<{ log: EventLog; database: Database }>;
  close?(): Promise<void>;
}

let kafka: KafkaInstance | undefined;
let postgres: PostgresInstance | undefined;
const adapters: Adapter[] = [
  {
    name: 'embedded',
    open: async () => ({
      log: await openEmbeddedEventLog({ dir: tempDir('sp-poison-log-'), retryBackoffMs: 20, maxRetryBackoffMs: 200 }),
      database: await openPgliteDatabase({ dataDir: tempDir('sp-poison-db-') }),
    }),
  },
  {
    name: 'Kafka',
    async open() {
      [kafka, postgres] = await Promise.all([startKafka({ partitions: PARTITIONS }), startPostgres()]);
      const log = createKafkaEventLog({
        brokers: kafka.brokers,
        clientId: 'poison-test',
        logLevel: 'nothing',
        consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250, retryBackoffMs: 20, maxRetryBackoffMs: 200 },
      });
      return { log, database: await createPgDatabase({ url: postgres.url }) };
    },
    close: async () => {
      await kafka?.wipe();
      await postgres?.wipe();
    },
  },
];

function encoded<R extends RecordType>(recordType: R, event: RecordEvent<R>) {
  const version = codec.registry.latest(recordType).version;
  return { key: event.key, value: codec.encode(recordType, version, event), headers: codec.headers(recordType, version, event) };
}

describe.each(adapters)('a poison event on the $name event log (and its database)', (adapter) => {
  let log: EventLog;
  let warehouse: Warehouse;
  let database: Database;
  let projections: Projections;
  let feeds: FeedCatalogue;
  const lines: string[] = [];

  beforeAll(async () => {
    ({ log, database } = await adapter.open());
    warehouse = await openChdbWarehouse({ path: tempDir('sp-poison-wh-') });
    await migrateWarehouse(warehouse);
    await loadAreaMap(warehouse, areaMapRows(reference));
    await migrateControlling(database);
    const registry = new RegistryRepository(database, spatialAreaLocator(reference));
    await registry.migrate();
    const protection = loadProtection();
    // the delivered datasets' consumer too (docs/indicators.md §9), wired as the platform wires it
    feeds = FeedCatalogue.load();
    const delivered = await openDeliveredWriter({ database, reference, catalogue, feeds, warehouse });
    projections = await startProjections({
      delivered,
      eventLog: log,
      warehouse,
      database,
      codec,
      reference,
      catalogue,
      reader: new WarehouseIndicatorReader(warehouse, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: reference.hierarchyLevels, protection }),
      registry,
      topology: TOPOLOGY,
      projection: { protection, recordKeySecret: 'poison-test-record-key-secret' },
      log: (line) => lines.push(line),
    });
  }, 240_000);

  afterAll(async () => {
    await projections?.stop();
    await log?.close();
    await warehouse?.close();
    await database?.close();
    await adapter.close?.();
  });

  it('dead-letters it, moves the partition on and keeps every consumer current', { timeout: 180_000 }, async () => {
    const t = Date.UTC(2025, 2, 1);
    const statistic = (area: string, period: string, value: number, at: number, dataset = 'bevoelkerung') =>
      anEvent(
        'area-statistic',
        anAreaStatistic({
          dataset,
          areaLevel: 'STADTTEIL',
          areaCode: area,
          period,
          version: 1,
          observations: [{ measure: dataset === 'sgb2' ? 'sgb2_personen' : 'einwohner', dimensions: {}, value }],
        }),
        { deliveredAt: at, deliveryId: `d-${at}` },
      );
    // the poison event, and good ones behind it in the same partition: population and SGB II
    // counts, so the composite indices of 2013 have inputs
    const poison = statistic('101', '0000', 1000, t);
    const poisonPartition = partitionForKey(poison.key, PARTITIONS);
    const stadtteile = reference.areas('STADTTEIL').map((a) => a.code);
    const good = stadtteile
      .map((area, i) => [statistic(area, '2013', 20_000 + i, t + 10 + i), statistic(area, '2013-12', 2000 + 10 * i, t + 1000 + i, 'sgb2')])
      .filter((pair) => pair.every((e) => partitionForKey(e.key, PARTITIONS) === poisonPartition))
      .flat();
    const population = good.filter((e) => e.payload!.dataset === 'bevoelkerung');
    expect(population.length).toBeGreaterThan(5);
    const areaTopic = TOPOLOGY.topicFor('area-statistic');
    const [poisonAt] = await log.append(areaTopic, [encoded('area-statistic', poison)]);
    await log.append(
      areaTopic,
      good.map((e) => encoded('area-statistic', e)),
    );

    // undecodable bytes on the registry's and the controlling projection's topics, then good events
    const offerTopic = TOPOLOGY.topicFor('offer');
    const goalTopic = TOPOLOGY.topicFor('goal');
    const offer = anOffer({ key: 'syn:kita:poison-test:1' });
    const goal = aGoal();
    const garbage = new Uint8Array([0, 0, 0, 0, 99, 1, 2, 3]);
    const [offerPoisonAt] = await log.append(offerTopic, [{ key: offer.key, value: garbage }]);
    await log.append(offerTopic, [encoded('offer', anEvent('offer', offer))]);
    const [goalPoisonAt] = await log.append(goalTopic, [{ key: goal.key, value: garbage }]);
    await log.append(goalTopic, [encoded('goal', anEvent('goal', goal))]);
    const datasetTopic = TOPOLOGY.topicFor('dataset');
    const dataset = aDataset({ amts: ['jugendamt'] });
    const [datasetPoisonAt] = await log.append(datasetTopic, [{ key: dataset.key, value: garbage }]);
    await log.append(datasetTopic, [encoded('dataset', anEvent('dataset', dataset))]);

    await projections.caughtUp(120_000);

    // later good events are visible
    const cells = await warehouse.query<{ area_code: string; value: number }>(
      `SELECT area_code, value FROM cells FINAL WHERE present = 1 AND dataset = 'bevoelkerung' AND period = '2013' ORDER BY area_code`,
    );
    expect(cells.map((c) => [c.area_code, c.value])).toEqual(population.map((e) => [e.payload!.areaCode, e.payload!.observations[0]!.value]));
    expect((await database.query('SELECT 1 FROM registry_offer WHERE offer_key = $1', [offer.key])).rowCount).toBe(1);
    expect((await database.query<{ n: string }>('SELECT count(*) AS n FROM controlling_goal WHERE goal_key = $1', [goal.key])).rows[0]?.n).toBe('1');
    expect(feeds.datasetsOf('jugendamt')).toContain(dataset.code);
    expect(catalogue.datasets[dataset.code]).toMatchObject({ name: dataset.label });
    // nothing of the poison event stayed behind in the warehouse
    expect(await warehouse.query(`SELECT 1 FROM record_versions WHERE period = '0000'`)).toEqual([]);

    // offsets committed to the end of every partition, for every group
    for (const [group, topic] of [
      ['aggregator', areaTopic],
      ['registry', offerTopic],
      ['controlling', goalTopic],
      ['datasets', datasetTopic],
    ] as const) {
      const [ends, committed] = await Promise.all([log.endOffsets(topic), log.committedOffsets(group, topic)]);
      expect(Object.fromEntries(committed), `${group} on ${topic}`).toEqual(Object.fromEntries(ends));
    }

    // the dead letters, listed with where they were and why
    const letters = await projections.deadLetters.list();
    const view = letters.map((l) => ({ groupId: l.groupId, topic: l.topic, partition: l.partition, offset: l.offset, key: l.key }));
    expect(view).toEqual(
      expect.arrayContaining([
        { groupId: 'aggregator', topic: areaTopic, partition: poisonAt!.partition, offset: String(poisonAt!.offset), key: poison.key },
        { groupId: 'registry', topic: offerTopic, partition: offerPoisonAt!.partition, offset: String(offerPoisonAt!.offset), key: offer.key },
        { groupId: 'controlling', topic: goalTopic, partition: goalPoisonAt!.partition, offset: String(goalPoisonAt!.offset), key: goal.key },
        { groupId: 'datasets', topic: datasetTopic, partition: datasetPoisonAt!.partition, offset: String(datasetPoisonAt!.offset), key: dataset.key },
      ]),
    );
    expect(letters).toHaveLength(4);
    expect(letters.find((l) => l.groupId === 'aggregator')!.error).toMatch(/period/);
    expect(letters.find((l) => l.groupId === 'registry')!.error).not.toBe('');
    // shown to admins through GraphQL, and to nobody else
    const gateway = createGateway({
      areas: areaSourceFromReference(reference),
      catalogue: catalogueSource(catalogue, { protection: loadProtection() }),
      indicators: new WarehouseIndicatorReader(warehouse, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: reference.hierarchyLevels }),
      operations: operationsSourceFrom(projections),
      auth: testAuth,
    });
    const gql = clientFor((url, init) => gateway.fetch(url, init));
    const query = '{ operations { deadLetterCount consumers { groupId deadLettered } deadLetters(limit: 10) { groupId topic partition offset key error deadAt } } }';
    const asAdmin = await gql<{ operations: { deadLetterCount: number; consumers: { groupId: string; deadLettered: number }[]; deadLetters: { key: string; error: string }[] } }>(query, {
      token: await tokenFor({ role: 'admin' }),
    });
    expect(asAdmin.errors).toBeUndefined();
    expect(asAdmin.data!.operations.deadLetterCount).toBe(4);
    expect(asAdmin.data!.operations.consumers).toEqual(expect.arrayContaining([{ groupId: 'aggregator', deadLettered: 1 }]));
    expect(asAdmin.data!.operations.deadLetters.map((d) => d.key).sort()).toEqual([goal.key, offer.key, poison.key, dataset.key].sort());
    const asPlanner = await gql(query, { token: await tokenFor({ role: 'planner', privileged: true }) });
    expect(asPlanner.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(asPlanner.data?.operations ?? null).toBeNull();

    // counted for admins, and logged once each, compactly
    const stats = Object.fromEntries(projections.stats().map((s) => [s.groupId, s.deadLettered]));
    // the delivered reference's and definitions' consumers (docs/spatial-reference.md, docs/indicators.md §8) read no topic the poison was in
    expect(stats).toEqual({ aggregator: 1, registry: 1, controlling: 1, datasets: 1, reference: 0, catalogue: 0 });
    expect(lines.filter((l) => l.includes('dead-lettered'))).toHaveLength(4);
    expect(lines.every((l) => !l.includes('\n') && !l.includes('    at '))).toBe(true);

    // composite indices were recomputed for the good events' period
    const indices = await warehouse.query<{ area_code: string; computed_from_ms: string }>(
      `SELECT area_code, computed_from_ms FROM index_values FINAL WHERE index_code = 'index_lage' AND definition_version = 1 AND period = '2013' ORDER BY area_code`,
    );
    const latest = Math.max(...good.map((e) => e.deliveredAt));
    expect(indices.map((r) => r.area_code)).toEqual(expect.arrayContaining(population.map((e) => e.payload!.areaCode)));
    expect(indices.every((r) => Number(r.computed_from_ms) === latest)).toBe(true);
  });
});
