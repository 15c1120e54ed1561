export * from './indicator-reader.js';
export * from './indicator-plan.js';
export * from './migrations.js';
export * from './periods.js';
export * from './projector.js';
export * from './suppression.js';
export * from './warehouse-indicator-reader.js';
export * from './area-map.js';
