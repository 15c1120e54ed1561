// The composition root's choice of adapters: embedded engines in one process by default, or the
// real servers (Kafka, PostgreSQL, ClickHouse) for a big city. Everything above this file sees
// only the ports.
import { existsSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, EventLog, Warehouse } from '@sp/ports';
import type { PlatformConfig } from './config.js';
import { checkDataDirFormat, FORMAT_FILE, formatFileContent } from './data-dir.format.js';

/** Why the embedded database (or warehouse) was set aside and created anew; its read models are rebuilt from the log. */
export interface DatabaseRepair {
  reason: string;
  /** where the old directory was moved (kept for inspection, never deleted) */
  movedTo: string | null;
}

export interface Engines {
  eventLog: EventLog;
  warehouse: Warehouse;
  /**
   * the warehouse the indicator projection writes through, if not `warehouse`: embedded, the chDB
   * session's urgent lane, whose statements go before the reads that wait (chDB runs one at a time);
   * servers: the same client with ClickHouse's `priority` 1
   */
  projectionWarehouse?: Warehouse;
  /**
   * the warehouse the composite indices' recomputation reads and writes through, if not
   * `warehouse`: embedded, the chDB session's background lane, below the GraphQL reads; servers:
   * the same client with `priority` 2
   */
  indexWarehouse?: Warehouse;
  database: Database;
  describe: string;
  /** the embedded data directory's format before this start (null: new; lower than DATA_DIR_FORMAT: migrated) */
  formatBefore?: number | null;
  /** set when the embedded database was damaged (or a rebuild was asked for) and starts empty: rebuild its read models from the log */
  repair?: DatabaseRepair;
  /** set when the embedded warehouse (chDB) was damaged and starts empty: rebuild its read models from the log */
  warehouseRepair?: DatabaseRepair;
  close(): Promise<void>;
}

export interface OpenEnginesOptions {
  /** set the embedded database aside and start it empty, to rebuild it from the log (the operator's rebuild command) */
  rebuildDatabase?: boolean;
  /** servers mode: rebuild the warehouse from the log at start (the operator's rebuild command, servers-rebuild.ts) */
  rebuildWarehouse?: boolean;
  /**
   * servers mode: replace the version records by the log's and replay the database's projections at
   * start (the servers restore: its dump may be ahead of the log's cut, servers.backup.ts); nothing
   * else of PostgreSQL is touched
   */
  rebuildVersionRecords?: boolean;
}

/** the database repair the servers restore asks for (version records replaced by the log's; the rest replayed idempotently) */
export const askedVersionRecordsRebuild: DatabaseRepair = { reason: 'pnpm data:restore: version records from the restored log', movedTo: null };

/** the warehouse repair an operator's rebuild asks for (servers mode: the read models are truncated and replayed, nothing moved aside) */
export const askedWarehouseRebuild: DatabaseRepair = { reason: 'pnpm data:rebuild', movedTo: null };

export async function openEngines(config: PlatformConfig, options: OpenEnginesOptions = {}): Promise<Engines> {
  // on servers too: the API keys of the Ämter and the token secret are kept in the data directory
  mkdirSync(config.dataDir, { recursive: true });
  if (config.SP_ENGINES === 'servers') {
    const [{ createKafkaEventLog, sessionTimings }, { createClickHouseWarehouse }, { createPgDatabase }] = await Promise.all([
      import('@sp/eventlog-kafka'),
      import('@sp/warehouse-clickhouse'),
      import('@sp/database-pg'),
    ]);
    const session = config.KAFKA_SESSION_TIMEOUT_MS;
    const eventLog = await createKafkaEventLog({
      brokers: config.KAFKA_BROKERS!.split(','),
      clientId: 'platform',
      // as the standalone aggregator: heartbeats ten times a session, rebalances bounded by it
      ...(session ? { consumer: sessionTimings(session) } : {}),
    });
    const warehouse = await createClickHouseWarehouse({ url: config.CLICKHOUSE_URL! });
    const database = await createPgDatabase({ url: config.DATABASE_URL! });
    return {
      ...bundle(eventLog, warehouse, database, `Kafka ${config.KAFKA_BROKERS}, ClickHouse ${config.CLICKHOUSE_URL}, PostgreSQL`),
      ...(options.rebuildWarehouse ? { warehouseRepair: askedWarehouseRebuild } : {}),
      ...(options.rebuildVersionRecords ? { repair: askedVersionRecordsRebuild } : {}),
      // ClickHouse's `priority` setting: the projection's statements before the readers' that wait,
      // the indices' recomputation after them (chdb-http orders its one-at-a-time queue by it)
      projectionWarehouse: warehouse.urgent(),
      indexWarehouse: warehouse.background(),
    };
  }
  // a directory written by a newer release is refused before anything in it is opened
  const format = checkDataDirFormat(config.dataDir);
  const [{ openEmbeddedEventLog }, { openChdbWarehouse }, { openPgliteDatabase }] = await Promise.all([import('@sp/eventlog-embedded'), import('@sp/warehouse-chdb'), import('@sp/database-pglite')]);
  const eventLog = await openEmbeddedEventLog({ dir: join(config.dataDir, 'eventlog') });
  const logEvents = [...eventLog.recovery.values()].reduce((n, r) => n + r.records, 0);
  const { warehouse, repair: warehouseRepair } = await openEmbeddedWarehouse(join(config.dataDir, 'warehouse'), openChdbWarehouse, logEvents);
  // a log with events but no database (laid down from a backup by hand, or postgres/ removed): rebuild it too
  const dbDir = join(config.dataDir, 'postgres');
  const rebuildBecause = options.rebuildDatabase
    ? 'a rebuild from the log was asked for'
    : !existsSync(dbDir) && logEvents > 0
      ? `there is no database (${dbDir}) but the event log holds ${logEvents} events`
      : undefined;
  const { database, repair } = await openEmbeddedDatabase(dbDir, openPgliteDatabase, rebuildBecause);
  // the stores' migrations run in startPlatform on every start; the layout itself needs no rewrite from format 1
  if (format.action !== 'current') {
    const tmp = join(config.dataDir, `.${FORMAT_FILE}.${process.pid}.tmp`);
    writeFileSync(tmp, formatFileContent());
    renameSync(tmp, join(config.dataDir, FORMAT_FILE));
  }
  return {
    ...bundle(eventLog, warehouse, database, `embedded (event log, chDB, PGlite) in ${config.dataDir}`),
    projectionWarehouse: warehouse.urgent(),
    indexWarehouse: warehouse.background(),
    formatBefore: format.found,
    ...(repair ? { repair } : {}),
    ...(warehouseRepair ? { warehouseRepair } : {}),
  };
}

/**
 * Opens chDB and checks every table of the warehouse. chDB writes its parts without fsync, so after
 * a power loss or an I/O error a part can be cut short or hold other bytes than its checksums say:
 * ClickHouse then refuses to open the directory (a damaged table definition), sets the part aside
 * as broken on start and silently answers without its rows, or fails on the part when a query
 * reads it. A warehouse without its tables (the directory removed, or its metadata) beside a log
 * that holds events would answer as if nothing had ever been delivered. Every acknowledged event
 * is still in the log: the directory is moved aside (kept, never deleted), a fresh warehouse is
 * created, and the caller rebuilds it from the log.
 */
export async function openEmbeddedWarehouse<W extends Warehouse & { close(): Promise<void> }>(
  dir: string,
  open: (options: { path: string }) => W,
  logEvents: number,
): Promise<{ warehouse: W; repair?: DatabaseRepair }> {
  const existed = existsSync(dir);
  let reason: string;
  try {
    const warehouse = open({ path: dir });
    try {
      const { migrated } = await checkWarehouse(warehouse);
      if (migrated || logEvents === 0) return { warehouse };
      // not damage chDB could see, but the read models are gone: rebuilt like a damaged one
      reason = existed ? `the warehouse in ${dir} has no tables but the event log holds ${logEvents} events` : `there is no warehouse (${dir}) but the event log holds ${logEvents} events`;
      if (!existed) return { warehouse, repair: { reason, movedTo: null } };
      await warehouse.close();
    } catch (error) {
      // chDB binds one directory per process: the damaged one is released before a fresh one opens
      await warehouse.close().catch(() => undefined);
      throw error;
    }
  } catch (error) {
    if (!existed) throw error; // a new warehouse that cannot be created is not damage; say why
    reason = `the warehouse in ${dir} is damaged: ${(error as Error).message}`;
  }
  const movedTo = `${dir}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  renameSync(dir, movedTo);
  return { warehouse: open({ path: dir }), repair: { reason, movedTo } };
}

/**
 * Fails on a damaged warehouse: a part ClickHouse set aside as broken when it opened the tables, or
 * a part whose files do not match their checksums (CHECK TABLE reads every part: for the embedded
 * default's size, a fraction of a second to a few seconds).
 */
export async function checkWarehouse(warehouse: Warehouse): Promise<{ tables: number; parts: number; migrated: boolean }> {
  const broken = await warehouse.query<{ table: string; name: string; reason: string }>(
    `SELECT database || '.' || table AS table, name, reason FROM system.detached_parts WHERE startsWith(reason, 'broken') OR reason = 'covered-by-broken'`,
  );
  if (broken.length > 0) {
    throw new Error(`${broken.length} part(s) were set aside as broken when the tables were opened (${broken.map((b) => `${b.table}: ${b.name}`).join(', ')})`);
  }
  const tables = await warehouse.query<{ database: string; table: string }>(
    `SELECT database, name AS table FROM system.tables WHERE database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA') AND engine LIKE '%MergeTree'`,
  );
  const quoted = (identifier: string) => `\`${identifier.replaceAll('\\', '\\\\').replaceAll('`', '\\`')}\``;
  let parts = 0;
  for (const { database, table } of tables) {
    const name = `${quoted(database)}.${quoted(table)}`;
    const checked = await warehouse.query<{ part_path: string; is_passed: number; message: string }>(`CHECK TABLE ${name} SETTINGS check_query_single_value_result = 0`);
    const failed = checked.filter((c) => Number(c.is_passed) !== 1);
    if (failed.length > 0) throw new Error(`${name}: ${failed.length} of ${checked.length} part(s) fail their check (${failed[0]!.part_path}: ${failed[0]!.message})`);
    parts += checked.length;
  }
  // the platform's migrations record themselves in schema_migrations: without it the warehouse is new (or emptied)
  const migrated = tables.some((t) => t.table === 'schema_migrations');
  return { tables: tables.length, parts, migrated };
}

/**
 * Opens PGlite and checks that it can read every table. PGlite does not fsync, so after a crash or
 * an I/O error its directory can be damaged (an empty PG_VERSION, missing relation files) although
 * every acknowledged event is intact in the log. Then the directory is moved aside (kept, never
 * deleted) and a fresh database is created, and the caller rebuilds the read models from the log.
 */
async function openEmbeddedDatabase(
  dir: string,
  open: (options: { dataDir: string }) => Promise<Database & { close(): Promise<void> }>,
  rebuildBecause: string | undefined,
): Promise<{ database: Database; repair?: DatabaseRepair }> {
  let reason = rebuildBecause;
  if (!reason) {
    const existed = existsSync(dir);
    try {
      const database = await open({ dataDir: dir });
      try {
        await checkDatabase(database);
        return { database };
      } catch (error) {
        await database.close().catch(() => undefined);
        throw error;
      }
    } catch (error) {
      if (!existed) throw error; // a new database that cannot be created is not damage; say why

      reason = `the database in ${dir} is damaged: ${(error as Error).message}`;
    }
  }
  let movedTo: string | null = null;
  if (existsSync(dir)) {
    movedTo = `${dir}.damaged-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(dir, movedTo);
  }
  const database = await open({ dataDir: dir });
  return { database, repair: { reason, movedTo } };
}

/** Reads one row of every table of the public schema: a missing or unreadable relation file fails here, not in a request. */
export async function checkDatabase(database: Database): Promise<{ tables: number }> {
  const { rows } = await database.query<{ name: string }>(`SELECT quote_ident(tablename) AS name FROM pg_tables WHERE schemaname = 'public'`);
  for (const { name } of rows) await database.query(`SELECT 1 FROM ${name} LIMIT 1`);
  return { tables: rows.length };
}

function bundle(eventLog: EventLog, warehouse: Warehouse, database: Database, describe: string): Engines {
  return {
    eventLog,
    warehouse,
    database,
    describe,
    async close() {
      await eventLog.close();
      await warehouse.close();
      await database.close();
    },
  };
}
