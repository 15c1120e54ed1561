export {
  openDeliveredReader,
  openDeliveredWriter,
  type DeliveredDataOptions,
  type DeliveredFollower,
  type DeliveredKind,
  type DeliveredProjections,
  type DeliveredProjectionsDeps,
  type DeliveredReader,
  type DeliveredWriter,
  type FollowOptions,
} from './delivered.composition.js';
export { DeliveredRevisions, deliveredKinds } from './delivered-revisions.store.js';
export { applyDeliveredDatasets, deliveredDatasetsProjection, openDeliveredDatasets, type DeliveredDatasetsDeps } from './datasets/delivered-datasets.projection.js';
export { DeliveredDatasetStore } from './datasets/delivered-datasets.store.js';
export { applyDeliveredReference, deliveredReferenceProjection, type DeliveredReferenceDeps } from './reference/delivered-reference.projection.js';
export { DeliveredReferenceStore, type DeliveredRecords } from './reference/delivered-reference.store.js';
export { applyDeliveredCatalogue, copyOfCatalogue, deliveredCatalogueProjection, type DeliveredCatalogueDeps } from './catalogue/delivered-catalogue.projection.js';
export { DeliveredCatalogueStore } from './catalogue/delivered-catalogue.store.js';
