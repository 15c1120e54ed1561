// Test helpers for other packages' tests (@sp/demo/testing): the Köln demo loaded into a warehouse.
export { loadKoelnWarehouse, type KoelnWarehouseOptions } from './koeln-warehouse.fixture.js';
