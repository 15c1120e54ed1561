// Standalone aggregator process for the big-city deployment: Kafka in, ClickHouse out.
//   KAFKA_BROKERS=host:9092 CLICKHOUSE_URL=http://host:8123 [DATABASE_URL=postgres://…] node services/aggregator/dist/main.js
// It loads the warehouse's area map. With DATABASE_URL it is the writer of the tenant's delivered
// reference and definitions (@sp/delivered, as the platform is): it runs their projections into that
// database, serves with what is stored, reloads the area map and recomputes the indices after each
// change; the standalone gateway and ingestion follow what it applied.
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DEFAULT_TOPIC_PARTITIONS, DEFAULT_TOPIC_PREFIX, EventCodec, SchemaRegistry, topology } from '@sp/events';
import { createPgDatabase } from '@sp/database-pg';
import { openDeliveredWriter } from '@sp/delivered';
import { createKafkaEventLog, sessionTimings } from '@sp/eventlog-kafka';
import { FeedCatalogue } from '@sp/feeds';
import { areaMapRows, loadAreaMap, migrateWarehouse, tenantIndicatorReader } from '@sp/indicator-store';
import { loadCatalogue, loadProtection } from '@sp/indicators';
import { eventLogDeadLetters, type RunningProjection, whileUnavailable } from '@sp/ports';
import { demoReferenceName, loadReference } from '@sp/spatial';
import { instrumentDatabase, instrumentEventLog, instrumentWarehouse, Telemetry } from '@sp/telemetry';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { z } from 'zod';
import { startAggregatorHttp } from './aggregator.http.js';
import { AggregatorModule } from './aggregator.module.js';
import { indexMaxPassPeriods, indexPassPeriods, indicatorProjection, serversIndexPauseMs } from './aggregator.composition.js';

const env = z
  .object({
    KAFKA_BROKERS: z
      .string()
      .min(1)
      .transform((s) => s.split(',')),
    CLICKHOUSE_URL: z.url(),
    /**
     * the tenant's PostgreSQL (the ingestion's): with it the aggregator stores and follows the
     * delivered reference and definitions (@sp/delivered); without it, only the pack's
     */
    DATABASE_URL: z.url('DATABASE_URL must be a PostgreSQL URL, e.g. postgres://sp:…@127.0.0.1:5432/sp').optional(),
    /** with DATABASE_URL: how often a replica looks whether another one applied a delivered reference or definition (ms) */
    SP_DELIVERED_POLL_MS: z.coerce.number().int().min(100).default(5000),
    AGGREGATOR_GROUP: z.string().default('aggregator'),
    AGGREGATOR_MAX_BATCH: z.coerce.number().int().positive().default(2000),
    SP_TRACE_BATCHES: z.enum(['0', '1']).default('0'),
    /** the composite indices' pause between two recomputations (ms), as the platform's in servers mode */
    SP_INDEX_PAUSE_MS: z.coerce.number().int().min(0).default(serversIndexPauseMs),
    /** how soon the group notices a dead member (default 30 s) */
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
    /** the tenant's protection configuration (default: @sp/indicators' catalogue/protection.yaml) */
    SP_PROTECTION: z.string().optional(),
    /** the tenant's indicator and index catalogue YAML (default: @sp/indicators' catalogue/indicators.yaml, the demo's) */
    /** the tenant's feed catalogue YAML (default: @sp/feeds' catalogue/feeds.yaml); its datasets' grants are what delivered datasets overlay */
    SP_FEED_CATALOGUE: z.string().optional(),
    SP_INDICATOR_CATALOGUE: z.string().optional(),
    /** the record-key secret of the ingestion, to key events written before record keys existed */
    SP_RECORD_KEY_SECRET: z.string().min(16).optional(),
    /** the tenant's spatial reference (built-in name or YAML path), as the platform loads it; default the demo's */
    SP_REFERENCE: z.string().min(1).default(demoReferenceName),
    /** the record topics, as the ingestion writes them (its SP_TOPIC_PREFIX / SP_TOPIC_PARTITIONS) */
    SP_TOPIC_PREFIX: z.string().default(DEFAULT_TOPIC_PREFIX),
    SP_TOPIC_PARTITIONS: z.coerce.number().int().positive().default(DEFAULT_TOPIC_PARTITIONS),
    /** where /health/live, /health/ready and /metrics are answered (docs/observability.md) */
    AGGREGATOR_HTTP_HOST: z.string().default('127.0.0.1'),
    AGGREGATOR_HTTP_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  })
  .parse(process.env);

const session = env.KAFKA_SESSION_TIMEOUT_MS;
const telemetry = new Telemetry({ service: 'aggregator' });
const kafkaLog = await createKafkaEventLog({
  brokers: env.KAFKA_BROKERS,
  clientId: 'aggregator',
  ...(session ? { consumer: sessionTimings(session) } : {}),
});
const clickhouse = await createClickHouseWarehouse({ url: env.CLICKHOUSE_URL });
// every batch, append and query is measured (/metrics)
const eventLog = instrumentEventLog(kafkaLog, telemetry);
const warehouse = instrumentWarehouse(clickhouse, telemetry);
// as the platform's servers mode (services/platform/src/engines.ts): the projection's statements
// carry ClickHouse's `priority` 1, before the reads that wait; the indices' recomputation 2, after them
const projectionWarehouse = instrumentWarehouse(clickhouse.urgent(), telemetry);
const indexWarehouse = instrumentWarehouse(clickhouse.background(), telemetry);
await migrateWarehouse(warehouse);
const trace = env.SP_TRACE_BATCHES === '1';
const protection = loadProtection(env.SP_PROTECTION);
const catalogue = loadCatalogue(env.SP_INDICATOR_CATALOGUE);
const feeds = FeedCatalogue.load(env.SP_FEED_CATALOGUE);
// composite indices follow every batch, as in the platform (docs/engineering.md, "Poison events"
// for what happens to an event that cannot be projected: the dead-letters topic)
const reference = loadReference(env.SP_REFERENCE);
const warn = telemetry.logger.lines('warn');
const pg = env.DATABASE_URL ? createPgDatabase({ url: env.DATABASE_URL }) : undefined;
// what the tenant has delivered replaces the pack's reference and catalogue before anything reads
// them; the area map is loaded either way (the delivered areas, or the pack's)
const delivered = pg ? await openDeliveredWriter({ database: instrumentDatabase(pg, telemetry), reference, catalogue, feeds, warehouse, log: warn }) : undefined;
if (!delivered) {
  await loadAreaMap(warehouse, areaMapRows(reference));
  warn('[aggregator] no DATABASE_URL: delivered levels, areas, datasets and indicator definitions are not followed; serving the reference SP_REFERENCE and the catalogue SP_INDICATOR_CATALOGUE only');
}
const codec = new EventCodec(SchemaRegistry.load());
const records = topology({ prefix: env.SP_TOPIC_PREFIX, partitions: env.SP_TOPIC_PARTITIONS });
// the indices' inputs are read through the recomputation's priority
const reader = tenantIndicatorReader(indexWarehouse, { reference, catalogue, protection });
const aggregator = indicatorProjection(
  {
    eventLog,
    warehouse: projectionWarehouse,
    indexWarehouse,
    codec,
    reference,
    catalogue,
    reader,
    projection: { protection, ...(env.SP_RECORD_KEY_SECRET ? { recordKeySecret: env.SP_RECORD_KEY_SECRET } : {}) },
  },
  {
    groupId: env.AGGREGATOR_GROUP,
    topology: records,
    maxBatchSize: env.AGGREGATOR_MAX_BATCH,
    // as the platform's servers mode (indexPassPeriods, serversIndexPauseMs)
    ...(env.SP_INDEX_PAUSE_MS > 0 ? { indexPauseMs: env.SP_INDEX_PAUSE_MS } : {}),
    indexPassPeriods,
    indexMaxPassPeriods,
    timing: (step, seconds) => telemetry.recordCompute(step, seconds),
    log: telemetry.logger.lines('warn'),
    onBatchStage: trace ? (stage, b) => process.stdout.write(`batch ${stage} ${b.topic}/${b.partition} ${b.events[0]!.offset}..${b.events.at(-1)!.offset}\n`) : undefined,
  },
);
// the delivered reference's, datasets' and definitions' consumers (with DATABASE_URL), counted in /metrics too
const subscriptions: RunningProjection[] = [];
// up before the consumer joins its group (which can wait out a dead member's session): liveness
// answers from the start; Nest's shutdown hooks end the process, and the server with it
const http = await startAggregatorHttp({
  aggregator,
  eventLog: kafkaLog,
  warehouse: clickhouse,
  partitions: env.SP_TOPIC_PARTITIONS,
  telemetry,
  host: env.AGGREGATOR_HTTP_HOST,
  port: env.AGGREGATOR_HTTP_PORT,
  consumers: () => subscriptions.map((s) => ({ ...s.stats })),
});
// the reference first, as in the platform: counts delivered after an area reform are read with the new areas
const followers: { stop(): Promise<void> }[] = [];
if (delivered) {
  const projections = delivered.projections({ eventLog, codec, topology: records, runner: { deadLetters: eventLogDeadLetters(eventLog), log: warn }, reader, indices: aggregator });
  await eventLog.ensureTopics(projections.topics.map((name) => ({ name, partitions: records.partitions })));
  subscriptions.push(await whileUnavailable(() => projections.reference('reference')));
  // the datasets before the definitions that read them
  const datasets = projections.datasets;
  if (datasets) subscriptions.push(await whileUnavailable(() => datasets('datasets')));
  subscriptions.push(await whileUnavailable(() => projections.definitions('catalogue')));
  followers.push(...subscriptions);
  // another replica's batches may bring a change: its reference and catalogue are taken over here too
  const following = delivered.follow({ intervalMs: env.SP_DELIVERED_POLL_MS, onChanged: () => reader.clearCache() });
  followers.push({ stop: async () => following.stop() });
}
// a broker started with the aggregator may not take a consumer group yet: the start is tried again
// (Nest's bootstrap then finds it running)
await whileUnavailable(() => aggregator.start());
const app = await NestFactory.createApplicationContext(AggregatorModule.forRoot(aggregator, { alongside: followers, closing: pg ? [pg] : [] }), { logger: ['error', 'warn'] });
app.enableShutdownHooks();
process.stdout.write(`aggregator ready (health and metrics on ${http.url})\n`);
