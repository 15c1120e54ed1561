// @sp/spatial — a city's spatial reference as data: nested areas, planning areas, validity over time,
// point location and distances. No engine code.
export * from './area.js';
export { AreaReference, type AreaReferenceInit, type AtOption, type LevelInfo, type Location } from './area-reference.js';
export { loadReference, buildReference, defaultDataRoot, builtInReferenceDir, demoReferenceName, slugify, type LoadReferenceOptions } from './reference.loader.js';
export * from './reference.schema.js';
export * from './geometry.js';
export * from './distance.js';
export { parseCsv } from './csv.js';
export { buildDeliveredReference, type DeliveredArea, type DeliveredLevel, type DeliveredReference } from './delivered-reference.js';
