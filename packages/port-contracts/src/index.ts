export * from './warehouse.contract.js';
export * from './event-log.contract.js';
export * from './database.contract.js';
