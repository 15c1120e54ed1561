export { ChdbWarehouse, openChdbWarehouse, type ChdbWarehouseOptions } from './chdb.warehouse.js';
export { toWarehouseError } from './chdb.errors.js';
export { openChdbSession, chdbConnectionArgs, drainChdb, type ChdbSession } from './chdb.session.js';
export { rowBinaryFile, rowBinaryInsertSql } from './row-binary.insert.js';
export { StatementQueue, type Lane } from './statement.queue.js';
