export * from './area-map.js';
export * from './indicator-reader.js';
export * from './indicator-plan.js';
export * from './indicator-sql.js';
export * from './migrations.js';
export * from './projector.js';
export * from './warehouse-indicator-reader.js';
export * from './index-projector.js';
