export * from './warehouse.contract.js';
