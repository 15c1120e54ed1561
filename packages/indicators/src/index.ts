// @sp/indicators — the declarative, versioned indicator catalogue and the pure computations an
// aggregator needs: base counts, ratios, changes, roll-ups, composite indices, Datenschutz
// (cell-key perturbation, record keys, suppression) and class breaks. No engine code.
export * from './catalogue.schema.js';
export * from './catalogue.js';
export * from './periods.js';
export * from './compute.js';
export * from './composite-index.js';
export * from './suppression.js';
export * from './perturbation.js';
export * from './record-keys.js';
export * from './protection.js';
export * from './class-breaks.js';
export * from './uncertainty.js';
export * from './area-profile.js';
export * from './typology.js';
export * from './random.js';
export * from './delivered-definitions.js';
