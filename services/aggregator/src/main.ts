// Standalone aggregator process for the big-city deployment: Kafka in, ClickHouse out.
//   KAFKA_BROKERS=host:9092 CLICKHOUSE_URL=http://host:8123 node services/aggregator/dist/main.js
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { DEFAULT_TOPIC_PARTITIONS, DEFAULT_TOPIC_PREFIX, EventCodec, SchemaRegistry, topology } from '@sp/events';
import { createKafkaEventLog, sessionTimings } from '@sp/eventlog-kafka';
import { migrateWarehouse, tenantIndicatorReader } from '@sp/indicator-store';
import { loadCatalogue, loadProtection } from '@sp/indicators';
import { demoReferenceName, loadReference } from '@sp/spatial';
import { instrumentEventLog, instrumentWarehouse, Telemetry } from '@sp/telemetry';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { z } from 'zod';
import { startAggregatorHttp } from './aggregator.http.js';
import { AggregatorModule } from './aggregator.module.js';
import { indicatorProjection } from './aggregator.composition.js';

const env = z
  .object({
    KAFKA_BROKERS: z
      .string()
      .min(1)
      .transform((s) => s.split(',')),
    CLICKHOUSE_URL: z.url(),
    AGGREGATOR_GROUP: z.string().default('aggregator'),
    AGGREGATOR_MAX_BATCH: z.coerce.number().int().positive().default(2000),
    SP_TRACE_BATCHES: z.enum(['0', '1']).default('0'),
    /** how soon the group notices a dead member (default 30 s) */
    KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
    /** the tenant's protection configuration (default: @sp/indicators' catalogue/protection.yaml) */
    SP_PROTECTION: z.string().optional(),
    /** the tenant's indicator and index catalogue YAML (default: @sp/indicators' catalogue/indicators.yaml, the demo's) */
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
await migrateWarehouse(warehouse);
const trace = env.SP_TRACE_BATCHES === '1';
const protection = loadProtection(env.SP_PROTECTION);
const catalogue = loadCatalogue(env.SP_INDICATOR_CATALOGUE);
// composite indices follow every batch, as in the platform (docs/engineering.md, "Poison events"
// for what happens to an event that cannot be projected: the dead-letters topic)
const reference = loadReference(env.SP_REFERENCE);
const aggregator = indicatorProjection(
  {
    eventLog,
    warehouse,
    codec: new EventCodec(SchemaRegistry.load()),
    reference,
    catalogue,
    reader: tenantIndicatorReader(warehouse, { reference, catalogue, protection }),
    projection: { protection, ...(env.SP_RECORD_KEY_SECRET ? { recordKeySecret: env.SP_RECORD_KEY_SECRET } : {}) },
  },
  {
    groupId: env.AGGREGATOR_GROUP,
    topology: topology({ prefix: env.SP_TOPIC_PREFIX, partitions: env.SP_TOPIC_PARTITIONS }),
    maxBatchSize: env.AGGREGATOR_MAX_BATCH,
    timing: (step, seconds) => telemetry.recordCompute(step, seconds),
    log: telemetry.logger.lines('warn'),
    onBatchStage: trace ? (stage, b) => process.stdout.write(`batch ${stage} ${b.topic}/${b.partition} ${b.events[0]!.offset}..${b.events.at(-1)!.offset}\n`) : undefined,
  },
);
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
});
const app = await NestFactory.createApplicationContext(AggregatorModule.forRoot(aggregator), { logger: ['error', 'warn'] });
app.enableShutdownHooks();
process.stdout.write(`aggregator ready (health and metrics on ${http.url})\n`);
