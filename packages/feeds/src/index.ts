// @sp/feeds: what the Ämter may deliver and how a delivery is checked — the feed catalogue, the
// taxonomy, JSON and CSV parsing, and validation with a machine-readable error list.
export * from './feed-error.js';
export * from './catalogue.js';
export * from './taxonomy.js';
export * from './spatial-checks.js';
export * from './record.validators.js';
export * from './delivered-datasets.js';
export * from './csv.parser.js';
export * from './json.parser.js';
export * from './geojson.parser.js';
export * from './withdrawal.schema.js';
