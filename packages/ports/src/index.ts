export * from './errors.js';
export * from './event-log.port.js';
export * from './warehouse.port.js';
export * from './database.port.js';
export * from './partitioner.js';
export * from './projection.runner.js';
export * from './namespaced-event-log.js';
