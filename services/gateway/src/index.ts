// @sp/gateway: the GraphQL API and CSV exports for BI tools and dashboards.
export { createGateway, graphqlEndpoint, exportPrefix, type Gateway, type GatewayOptions, type IntrospectionPolicy, type NodeHandler } from './gateway.js';
export { gatewayEnvSchema, gatewayEnvShape, gatewayOptionsFromEnv, type GatewayEnv } from './gateway.config.js';
export { limitsSchema, resolveLimits, type Limits, type LimitsInput } from './limits.js';
export { roles, type Role, type Viewer, type AuthConfig } from './auth/viewer.js';
export { schema } from './schema/index.js';
export type * from './sources.js';
export { areaSourceFromReference } from './adapters/spatial.source.js';
export { catalogueSource, type DatasetLicences } from './adapters/indicators.catalogue.js';
export { registrySourceFrom } from './adapters/registry.source.js';
export { controllingSourceFrom } from './adapters/controlling.source.js';
export { SourceError, type SourceErrorCode } from './adapters/source.errors.js';
export { gatewaySources, indicatorReaderFor, type GatewaySources, type GatewaySourcesOptions } from './gateway.composition.js';
export { DatabaseReportJobStore } from './reports/report-jobs.database.js';
export { MemoryReportJobStore, type ReportJobStore } from './reports/report.jobs.js';
export { standaloneGateway, startStandaloneGateway, type StandaloneGateway, type StandaloneOptions } from './standalone.js';
export { planningRecordTypes, type PlanningAuthor, type PlanningFieldError, type PlanningRecordType, type PlanningWriteResult, type PlanningWriter } from './planning/planning.writer.js';
