export * from './indicator-reader.js';
