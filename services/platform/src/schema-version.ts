// Schema versions of the database (PGlite or PostgreSQL) and the warehouse (chDB or ClickHouse), in
// both deployments. The database carries one row in platform_schema naming the platform schema
// version its tables are at; the warehouse carries its numbered migrations in schema_migrations.
// A start refuses a database or warehouse a newer release has migrated (this code does not know
// those tables and could write rows the newer code misreads); an older one is brought forward by
// the numbered migrations that run at every start, and then the row is written.
// Database schema history:
//   (no platform_schema) every release before this table existed: migrated like version 0
//   1  ingestion 1–2, controlling 1–3, registry, dead letters, platform_state, platform_schema
//   2  registry 002_offer_details (offer v2: opening hours, languages, accessibility, contact)
import { migrations as warehouseMigrations } from '@sp/indicator-store';
import type { Database, Warehouse } from '@sp/ports';
import { DataFormatError } from './data-dir.format.js';

export const DATABASE_SCHEMA_VERSION = 2;

const tableDdl = `CREATE TABLE IF NOT EXISTS platform_schema (component text PRIMARY KEY, version integer NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`;

/** Throws DataFormatError NEWER_FORMAT when the database or the warehouse is ahead of this code; changes nothing. */
export async function refuseNewerSchemas(database: Database, warehouse: Warehouse, where: string): Promise<void> {
  const { rows: exists } = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'platform_schema'`);
  if (exists[0]!.n === 1) {
    const { rows } = await database.query<{ version: number }>(`SELECT version FROM platform_schema WHERE component = 'database'`);
    const found = rows[0]?.version;
    if (found !== undefined && found > DATABASE_SCHEMA_VERSION) {
      throw new DataFormatError(
        'NEWER_FORMAT',
        `the database (${where}) has platform schema version ${found}, written by a newer release; this release knows versions up to ${DATABASE_SCHEMA_VERSION}. Start the newer release, or restore a backup taken before the upgrade (docs/backup.md); nothing was changed.`,
      );
    }
  }
  const known = Math.max(...warehouseMigrations.map((m) => m.id));
  let applied: { id: number }[] = [];
  try {
    applied = await warehouse.query<{ id: number }>('SELECT max(id) AS id FROM schema_migrations');
  } catch {
    return; // no schema_migrations yet: a new warehouse
  }
  const newest = Number(applied[0]?.id ?? 0);
  if (newest > known) {
    throw new DataFormatError(
      'NEWER_FORMAT',
      `the warehouse (${where}) has migration ${newest} applied, written by a newer release; this release knows migrations up to ${known}. Start the newer release, or restore a backup taken before the upgrade (docs/backup.md); nothing was changed.`,
    );
  }
}

/** After the migrations: the database's tables are at this release's version. */
export async function recordSchemaVersion(database: Database): Promise<void> {
  // several services may start at once on one PostgreSQL: CREATE TABLE IF NOT EXISTS races without the lock
  await database.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [SCHEMA_VERSION_LOCK]);
    await tx.query(tableDdl);
    await tx.query(
      `INSERT INTO platform_schema (component, version) VALUES ('database', $1) ON CONFLICT (component) DO UPDATE SET version = EXCLUDED.version, updated_at = now() WHERE platform_schema.version < EXCLUDED.version`,
      [DATABASE_SCHEMA_VERSION],
    );
  });
}

/** arbitrary constant: "schema" in ASCII */
const SCHEMA_VERSION_LOCK = '115099104101109097';
