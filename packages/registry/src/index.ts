// @sp/registry — the social-infrastructure registry (Bestand und Bedarf): projection of offer events
// into PostgreSQL with history and spatial placement, search, planning norms and needs analysis, and
// the builder of the Köln demo registry.
export * from './offer-event.schema.js';
export * from './area.locator.js';
export { spatialAreaLocator, areaCentres } from './spatial-locator.adapter.js';
export { migrateRegistry, registryMigrations, type Migration } from './registry.migrations.js';
export { OfferProjection, type ApplyOutcome, type ApplyResult, type EventOutcome } from './offer.projection.js';
export { offerFilterSchema, pageSchema, buildOfferWhere, type OfferFilter, type PageRequest } from './offer.search.js';
export * from './richtwerte.catalogue.js';
export * from './population.source.js';
export * from './needs.analysis.js';
export * from './registry.repository.js';
export * from './demo/demo-registry.builder.js';
export { readDemoSources } from './demo/demo-sources.reader.js';
