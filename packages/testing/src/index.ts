export * from './engines.js';
export * from './wait.js';
export * from './processes.js';
export * from './platform-api.js';
