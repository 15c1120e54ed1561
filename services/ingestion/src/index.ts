// @sp/ingestion: the Fachamt feeds' ingestion service — HTTP push API for versioned records,
// validated by @sp/feeds, Avro-encoded by @sp/events, appended through the EventLog port.
export { IngestionModule, type IngestionModuleOptions } from './ingestion.module.js';
export { createIngestionApp } from './ingestion.app.js';
export { installIngestionBodyParser, DELIVERIES_PATH, type BodyParserOptions } from './body.parser.js';
export { DeliveryService, OversizedBody, payloadHash, statusFor, type DeliveryServiceDeps, type HttpAnswer, type PlanningIssue, type PlanningTransitionCheck } from './delivery.service.js';
export { ingestionConfigSchema, standaloneConfigSchema, loadStandaloneConfig, type IngestionConfig, type IngestionConfigInput, type StandaloneConfig, type ApiKeyEntry } from './ingestion.config.js';
export { ApiKeyRing, generateApiKey, hashApiKey, type Principal } from './api-keys.js';
export { spatialChecksFrom } from './spatial-checks.adapter.js';
export { migrateIngest, ingestMigrations } from './ingest.migrations.js';
export { controllingPlanningCheck } from './planning-check.adapter.js';
