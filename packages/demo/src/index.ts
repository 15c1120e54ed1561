// @sp/demo — builders of the Köln demo delivery: real population records and a documented,
// seeded synthetic model for the social figures that are not public per Stadtteil.
export * from './area-statistic.js';
export * from './population.builder.js';
export * from './synthetic.model.js';
export { buildKoelnDemo, sozialraumStadtteile, type KoelnDemo, type KoelnDemoOptions } from './koeln.demo.js';
// Hamburg, a second real city (docs/hamburg.md): the Stadtteil-Profile parser and its records
export * from './hamburg/stadtteilprofile.parser.js';
export * from './hamburg/reference.generate.js';
export * from './hamburg/hamburg.reference-deliveries.js';
export * from './hamburg/hamburg.catalogues.js';
export * from './hamburg/hamburg.records.js';
export * from './hamburg/hamburg.index.js';
