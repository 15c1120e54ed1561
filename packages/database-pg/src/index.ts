export { PgDatabase, createPgDatabase, type PgDatabaseOptions } from './pg.database.js';
export { toDatabaseError } from './pg.errors.js';
