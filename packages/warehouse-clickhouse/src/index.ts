export { ClickHouseWarehouse, createClickHouseWarehouse, type ClickHouseWarehouseOptions } from './clickhouse.warehouse.js';
export { toWarehouseError } from './clickhouse.errors.js';
