export * from './engines.js';
export * from './wait.js';
