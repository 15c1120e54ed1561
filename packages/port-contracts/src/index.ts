export * from './warehouse.contract.js';
export * from './event-log.contract.js';
