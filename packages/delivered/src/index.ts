export { applyDeliveredReference, deliveredReferenceProjection, type DeliveredReferenceDeps } from './reference/delivered-reference.projection.js';
export { DeliveredReferenceStore, type DeliveredRecords } from './reference/delivered-reference.store.js';
export { applyDeliveredCatalogue, copyOfCatalogue, deliveredCatalogueProjection, type DeliveredCatalogueDeps } from './catalogue/delivered-catalogue.projection.js';
export { DeliveredCatalogueStore } from './catalogue/delivered-catalogue.store.js';
