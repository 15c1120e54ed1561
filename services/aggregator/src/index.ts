export * from './aggregator.service.js';
export * from './aggregator.module.js';
