// Configuration of one ingestion instance (one per Amt in production, or one for several Ämter in
// the single-process platform): API keys (hashed), limits, topics. Validated once by zod, from a
// JSON file (SP_INGESTION_CONFIG) and/or environment variables. Topic names and partitions are not
// the module's: it takes the one Topology (@sp/events) of its composition root.
import { readFileSync } from 'node:fs';
import { DEFAULT_TOPIC_PARTITIONS, DEFAULT_TOPIC_PREFIX } from '@sp/events';
import { demoReferenceName } from '@sp/spatial';
import { z } from 'zod';

export const apiKeyEntrySchema = z.strictObject({
  /** public id of the key; part of the key itself and recorded as `deliveredBy` */
  id: z.string().regex(/^[a-z0-9-]{2,64}$/, 'lower-case letters, digits and -'),
  /** the Amt the key speaks for (feed catalogue code) */
  amt: z.string().regex(/^[a-z][a-z0-9_]*$/),
  /** "sha256:<hex>" or "scrypt:<salt b64url>:<hash b64url>" — never the key itself */
  hash: z.string().regex(/^(sha256:[0-9a-f]{64}|scrypt:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+)$/, 'sha256:<hex> or scrypt:<salt>:<hash>'),
});
export type ApiKeyEntry = z.infer<typeof apiKeyEntrySchema>;

export const ingestionConfigSchema = z.strictObject({
  /** when set, this instance serves only this Amt (keys of other Ämter are refused) */
  amt: z
    .string()
    .regex(/^[a-z][a-z0-9_]*$/)
    .optional(),
  apiKeys: z.array(apiKeyEntrySchema).default([]),
  /** largest request body accepted; larger → 413 */
  bodyLimitBytes: z
    .number()
    .int()
    .min(1024)
    .default(10 * 1024 * 1024),
  /** upper bound on one append to the log; beyond it → 503 */
  appendTimeoutMs: z.number().int().min(100).default(10_000),
  /** Retry-After of a 503 */
  retryAfterSeconds: z.number().int().min(1).default(5),
  /** schemas/ directory (default: the repo's) */
  schemasDir: z.string().optional(),
  /** feeds.yaml / taxonomy.yaml (default: @sp/feeds' catalogue) */
  cataloguePath: z.string().optional(),
  taxonomyPath: z.string().optional(),
  /**
   * the tenant's secret for the record keys of the cell-key method (docs/disclosure.md); without it
   * observations carry no key and the public sees their figures as "geschützt"
   */
  recordKeySecret: z.string().min(16).optional(),
  /**
   * worker threads that read area-statistic deliveries (parse, validate, encode) beside the
   * service's thread (delivery.readers.ts); 0: the service's thread reads them
   */
  readWorkers: z.number().int().min(0).max(16).default(1),
});
export type IngestionConfig = z.output<typeof ingestionConfigSchema>;
export type IngestionConfigInput = z.input<typeof ingestionConfigSchema>;

/** What the standalone process needs beyond the module: where to listen and which engines to use. */
export const standaloneConfigSchema = z.strictObject({
  ingestion: ingestionConfigSchema,
  http: z.strictObject({ host: z.string().default('0.0.0.0'), port: z.number().int().min(0).max(65535).default(8081) }).prefault({}),
  kafka: z.strictObject({ brokers: z.array(z.string().min(1)).min(1), clientId: z.string().default('sp-ingestion') }),
  database: z.strictObject({ url: z.string().url() }),
  /** the topology of the record topics (@sp/events `topology()`); the file may also give them as ingestion.topicPrefix / topicPartitions */
  topics: z
    .strictObject({
      prefix: z
        .string()
        .regex(/^[a-zA-Z0-9._-]*$/, "letters, digits, '.', '_' and '-'")
        .default(DEFAULT_TOPIC_PREFIX),
      partitions: z.number().int().min(1).default(DEFAULT_TOPIC_PARTITIONS),
    })
    .prefault({}),
  /** spatial reference name or YAML path for @sp/spatial's loadReference */
  spatialReference: z.string().default(demoReferenceName),
  /** indicators.yaml whose codes goals may name (default: @sp/indicators' catalogue) */
  indicatorCatalogue: z.string().optional(),
  /** how often the tenant's delivered reference and definitions are looked at (ms; @sp/delivered) */
  deliveredPollMs: z.number().int().min(100).default(5000),
});
export type StandaloneConfig = z.output<typeof standaloneConfigSchema>;

/**
 * Reads the standalone configuration: the JSON file named by SP_INGESTION_CONFIG (if any), then
 * environment variables on top — SP_INGESTION_AMT, SP_INGESTION_API_KEYS (JSON array of
 * {id, amt, hash}), SP_INGESTION_BODY_LIMIT, SP_INGESTION_READ_WORKERS, SP_RECORD_KEY_SECRET, SP_TOPIC_PREFIX, SP_TOPIC_PARTITIONS, PORT / SP_INGESTION_PORT, HOST, KAFKA_BROKERS
 * (comma-separated), DATABASE_URL, SP_SPATIAL_REFERENCE, SP_INDICATOR_CATALOGUE, SP_DELIVERED_POLL_MS.
 */
export function loadStandaloneConfig(env: NodeJS.ProcessEnv = process.env): StandaloneConfig {
  const file: Partial<Record<'ingestion' | 'http' | 'kafka' | 'database' | 'topics', Record<string, unknown>>> & Record<string, unknown> = env.SP_INGESTION_CONFIG
    ? JSON.parse(readFileSync(env.SP_INGESTION_CONFIG, 'utf8'))
    : {};
  const ingestion = { ...(file.ingestion ?? {}) };
  // topicPrefix / topicPartitions in the ingestion section: where configuration files before the
  // one topology named them; still accepted, the topics section wins
  const { topicPrefix, topicPartitions, ...moduleConfig } = ingestion;
  const topics: Record<string, unknown> = {
    ...(topicPrefix !== undefined ? { prefix: topicPrefix } : {}),
    ...(topicPartitions !== undefined ? { partitions: topicPartitions } : {}),
    ...(file.topics ?? {}),
  };
  if (env.SP_INGESTION_AMT) moduleConfig.amt = env.SP_INGESTION_AMT;
  if (env.SP_INGESTION_API_KEYS) moduleConfig.apiKeys = JSON.parse(env.SP_INGESTION_API_KEYS);
  if (env.SP_INGESTION_BODY_LIMIT) moduleConfig.bodyLimitBytes = Number(env.SP_INGESTION_BODY_LIMIT);
  if (env.SP_RECORD_KEY_SECRET) moduleConfig.recordKeySecret = env.SP_RECORD_KEY_SECRET;
  if (env.SP_INGESTION_READ_WORKERS) moduleConfig.readWorkers = Number(env.SP_INGESTION_READ_WORKERS);
  if (env.SP_TOPIC_PREFIX !== undefined) topics.prefix = env.SP_TOPIC_PREFIX;
  if (env.SP_TOPIC_PARTITIONS) topics.partitions = Number(env.SP_TOPIC_PARTITIONS);
  const http = { ...(file.http ?? {}) };
  const port = env.SP_INGESTION_PORT ?? env.PORT;
  if (port) http.port = Number(port);
  if (env.HOST) http.host = env.HOST;
  const kafka = { ...(file.kafka ?? {}) };
  if (env.KAFKA_BROKERS) kafka.brokers = env.KAFKA_BROKERS.split(',').map((b) => b.trim());
  const database = { ...(file.database ?? {}) };
  if (env.DATABASE_URL) database.url = env.DATABASE_URL;
  const raw = {
    ...file,
    ingestion: moduleConfig,
    topics,
    http,
    kafka,
    database,
    ...(env.SP_SPATIAL_REFERENCE ? { spatialReference: env.SP_SPATIAL_REFERENCE } : {}),
    ...(env.SP_INDICATOR_CATALOGUE ? { indicatorCatalogue: env.SP_INDICATOR_CATALOGUE } : {}),
    ...(env.SP_DELIVERED_POLL_MS ? { deliveredPollMs: Number(env.SP_DELIVERED_POLL_MS) } : {}),
  };
  const parsed = standaloneConfigSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`invalid ingestion configuration:\n${parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')}`);
  }
  return parsed.data;
}
