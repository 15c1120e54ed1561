export { PgliteDatabase, openPgliteDatabase, type PgliteDatabaseOptions } from './pglite.database.js';
export { toDatabaseError } from './pglite.errors.js';
