// @sp/ingestion: the Fachamt feeds' ingestion service — HTTP push API for versioned records,
// validated by @sp/feeds, Avro-encoded by @sp/events, appended through the EventLog port.
export { IngestionModule, type IngestionModuleOptions } from './ingestion.module.js';
export { createIngestionApp } from './ingestion.app.js';
export { installIngestionBodyParser, DELIVERIES_PATH, type BodyParserOptions } from './body.parser.js';
export { DeliveryService, payloadHash, type DeliveryRequest, type DeliveryServiceDeps } from './delivery.service.js';
export { OversizedBody } from './delivery.request.js';
export type { Accepted, Rejected, Unavailable, DeliveryResult, TraceResult } from './delivery.result.js';
export { presentDelivery, statusFor, type HttpAnswer } from './delivery.presenter.js';
export { decideDelivery, type DeliveryCommand, type DeliveryDecision, type KeyState, type References } from './delivery.decider.js';
export type { PlanningChange, PlanningCheckInput, PlanningFinding, PlanningIssue, PlanningLookups, PlanningTransitionCheck } from './planning-transition.check.js';
export { ingestionConfigSchema, standaloneConfigSchema, loadStandaloneConfig, type IngestionConfig, type IngestionConfigInput, type StandaloneConfig, type ApiKeyEntry } from './ingestion.config.js';
export { ApiKeyRing, generateApiKey, hashApiKey, type Principal } from './api-keys.js';
export { spatialChecksFrom } from './spatial-checks.adapter.js';
export { migrateIngest, ingestMigrations } from './ingest.migrations.js';
export { controllingPlanningCheck } from './planning-check.adapter.js';
export { rebuildIngestRecords, type IngestRebuildDeps } from './ingest.rebuild.js';
