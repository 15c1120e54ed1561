// @sp/population-projection — population projection per area by the cohort-component method
// (ageing, births by age of mother, deaths by age and sex, net migration by age), its calibration
// on a city's own small-area statistics, the backtest, and the results as a versioned dataset per
// scenario ("Prognose"). Pure: no I/O, no engines. Method and figures: docs/projection.md.
export * from './age-bands.js';
export * from './age-sex-split.model.js';
export * from './backtest.js';
export * from './calibration.model.js';
export * from './cohort-component.model.js';
export * from './fertility.model.js';
export * from './life-table.model.js';
export * from './observed.parser.js';
export * from './standards.data.js';
export * from './prognose.dataset.js';
export * from './cohort-split.model.js';
export * from './backtest.report.js';
export * from './housing-area.scenario.js';
