// The database's and the warehouse's schema versions on the embedded engines (PGlite, chDB; the
// same SQL runs on PostgreSQL and ClickHouse): a start refuses a database or a warehouse that a
// newer release migrated, and accepts an older or a current one.
import { join } from 'node:path';
import { openPgliteDatabase } from '@sp/database-pglite';
import { migrateWarehouse } from '@sp/indicator-store';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { describe, expect, it } from 'vitest';
import { DATABASE_SCHEMA_VERSION, recordSchemaVersion, refuseNewerSchemas } from './schema-version.js';

describe('schema versions of the database and the warehouse', () => {
  it('refuses newer ones and accepts older and current ones', async () => {
    const root = tempDir('sp-schema-version-');
    const database = await openPgliteDatabase({ dataDir: join(root, 'postgres') });
    const warehouse = await openChdbWarehouse({ path: join(root, 'warehouse') });
    try {
      // a database and a warehouse of a release before platform_schema: accepted
      await refuseNewerSchemas(database, warehouse, 'test');
      await migrateWarehouse(warehouse);
      await recordSchemaVersion(database);
      await refuseNewerSchemas(database, warehouse, 'test');
      const { rows } = await database.query<{ version: number }>(`SELECT version FROM platform_schema WHERE component = 'database'`);
      expect(rows[0]!.version).toBe(DATABASE_SCHEMA_VERSION);

      await database.query(`UPDATE platform_schema SET version = $1`, [DATABASE_SCHEMA_VERSION + 1]);
      await expect(refuseNewerSchemas(database, warehouse, 'test')).rejects.toThrow(new RegExp(`has platform schema version ${DATABASE_SCHEMA_VERSION + 1}, written by a newer release`));
      // recording does not lower a newer version
      await recordSchemaVersion(database);
      await expect(refuseNewerSchemas(database, warehouse, 'test')).rejects.toThrow(/newer release/);
      await database.query(`UPDATE platform_schema SET version = $1`, [DATABASE_SCHEMA_VERSION]);

      await warehouse.insert('schema_migrations', [{ id: 999, name: 'from the future' }]);
      await expect(refuseNewerSchemas(database, warehouse, 'test')).rejects.toThrow(/the warehouse \(test\) has migration 999 applied, written by a newer release/);
    } finally {
      await warehouse.close();
      await database.close();
    }
  }, 60_000);
});
