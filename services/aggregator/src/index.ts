export * from './aggregator.service.js';
export * from './aggregator.module.js';
export * from './aggregator.http.js';
export * from './aggregator.composition.js';
