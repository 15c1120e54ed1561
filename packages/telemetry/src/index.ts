export { databaseCheck, eventLogCheck, Health, warehouseCheck, type DependencyState, type HealthCheck, type HealthOptions, type Readiness } from './health.js';
export { instrumentDatabase, instrumentEventLog, instrumentWarehouse, type InstrumentedEventLog } from './instrument.js';
export { observabilityPaths, observabilityRoutes, type ObservabilityRoutes } from './observability.handler.js';
export { extractTraceContext, injectTraceContext, Telemetry, type RequestHandler, type TelemetryOptions } from './telemetry.js';
export { Logger, logFormatFromEnv, traceIdOf, type LogFormat, type LogLevel } from './log.js';
export { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
