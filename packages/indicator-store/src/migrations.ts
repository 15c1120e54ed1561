// ClickHouse DDL of the indicator warehouse, as numbered migrations applied in order, each once:
// schema_migrations records what a warehouse has, so a migration that rewrites existing parts
// (MATERIALIZE INDEX) does not run again on every start. Each is idempotent all the same, in case
// a crash comes between a migration and its record.
// Tables are upsert-friendly (ReplacingMergeTree) so re-projecting an event is idempotent:
//  - record_versions: every version of every area-statistic record, tombstones included, with the
//    time it became known (delivery time). The source for as-of queries and for recomputation.
//  - cells: current value of each leaf cell (dataset × measure × dimensions × area × period),
//    replaced by a newer known_at_ms; recomputed only for the leaves a batch touched.
//  - area_map: each area mapped to itself and to every area containing it (roll-up by join).
//  - index_values: composite index results with the definition version that made them.
//  - record_versions is looked up by leaf_key (every batch: the known-at of its leaves and the
//    records at those leaves), which is not in its sorting key; a bloom-filter skip index on
//    leaf_key lets those lookups read only the granules that can hold the leaves instead of the
//    whole table (6), built for the parts a warehouse already has (7).
//  - the cell-key method (docs/disclosure.md): record keys and protected values per observation
//    (8), per cell with the period's first day (9, 10), and the public variant of the indices (11).
//  - record_versions_replay: the staging table of a set-based rebuild (12, replay.projector.ts).
//  - index_pending: periods whose composite indices are due, recomputed off the batches (13).
//  - the input versions of every index result, in the sorting key of both index tables (14, 15):
//    a new version of an input writes new rows beside those of the old one (docs/indicators.md §8).
//  - record_versions again in the order (period, leaf_key), as a projection (16–18): the live
//    batch's look-ups by leaf read a few granules instead of the whole table.
//  - record_versions re-sorted by its record key's last `|` segment first (19–23): the live
//    batch's look-ups by record key read the granules of the batch's periods instead of the whole
//    table (the table is copied once into the new order and exchanged with the old one).
// A migration is one statement or several in order; `unless` (a query) skips them when it
// returns a row — for a step that must not be repeated once its effect is there (an exchange).
import type { Warehouse } from '@sp/ports';

/** the record of applied migrations: created before the first one (migrateWarehouse, the clustered script) and again as migration 5 */
export const schemaMigrationsDdl = `CREATE TABLE IF NOT EXISTS schema_migrations (id UInt32, name String, applied_at DateTime DEFAULT now())
      ENGINE = ReplacingMergeTree ORDER BY id`;

/** One numbered migration: its statement(s), run in order, and what says they already took effect. */
export interface Migration {
  id: number;
  name: string;
  sql: string | readonly string[];
  /** a query that returns a row when the statements must not run (their effect is there already); the migration is recorded all the same */
  unless?: string;
  /** only needed while other processes may write to the warehouse: skipped (and recorded) by a sole writer (MigrateOptions) */
  besideOtherWriters?: boolean;
}

export interface MigrateOptions {
  /**
   * the caller is the warehouse's only writer (the embedded default: chDB in the platform's own
   * process), so what another process may have written meanwhile needs no catching up (22)
   */
  soleWriter?: boolean;
}

/** The statements of a migration, in order. */
export const statementsOf = (m: Pick<Migration, 'sql'>): readonly string[] => (typeof m.sql === 'string' ? [m.sql] : m.sql);

/**
 * record_versions' sorting key since migration 19: the record key's last `|` segment first — the
 * period, for every key the ingestion derives (dataset|level|area|period, feeds' areaStatisticKey) —
 * then the key. A delivery is one period's figures for many areas, so a batch's keys, spread over
 * the ranges of all their areas in the order of the keys alone, lie together in this order. The
 * segment is a function of the key, so a read by record key may add the condition that it is one
 * of the keys' own ({@link recordKeyTail}) without losing any version, wherever its payload is.
 */
export const recordKeyTailSql = (column = 'record_key') => `splitByChar('|', ${column})[-1]`;

/** recordKeyTailSql in the process: the text after the key's last `|` (the whole key without one). */
export const recordKeyTail = (key: string): string => key.slice(key.lastIndexOf('|') + 1);

/** record_versions' columns as migration 1 made them */
const recordVersionsFirstColumnsDdl = `      record_key String,
      version UInt32,
      leaf_key String,
      dataset LowCardinality(String),
      area_level LowCardinality(String),
      area_code String,
      period String,
      tombstone UInt8,
      synthetic UInt8,
      known_at_ms UInt64,
      amt LowCardinality(String),
      delivery_id String,
      obs_measure Array(LowCardinality(String)),
      obs_dims Array(Map(String, String)),
      obs_value Array(Float64)`;

/** record_versions' columns as migrations 1 and 8 made them, in their order (the rebuild's staging table, 12, and the re-sorted table, 19) */
const recordVersionsColumnsDdl = `${recordVersionsFirstColumnsDdl},
      obs_key Array(Float64),
      obs_pvalue Array(Float64)`;

/** record_versions as migrations 1, 6, 8, 16 and 17 made it, sorted by the key's last segment first (19) */
const recordVersionsSortedDdl = `CREATE TABLE IF NOT EXISTS record_versions_sorted (
${recordVersionsColumnsDdl},
      INDEX leaf_key_bloom leaf_key TYPE bloom_filter(0.001) GRANULARITY 1,
      PROJECTION by_period_leaf (SELECT * ORDER BY (period, leaf_key))
    ) ENGINE = ReplacingMergeTree ORDER BY (${recordKeyTailSql()}, record_key, version, tombstone)
      SETTINGS deduplicate_merge_projection_mode = 'rebuild'`;

/** a row when record_versions is sorted by the key's last segment already (the exchange, 21, took place) */
const recordVersionsSortedSql = `SELECT 1 FROM system.tables WHERE database = currentDatabase() AND name = 'record_versions' AND startsWith(sorting_key, 'splitByChar')`;

/** the slices of the catch-up (22): each builds a set of a sixteenth of the new table's keys, not of all of them */
const CATCH_UP_SLICES = 16;

export const migrations: readonly Migration[] = [
  {
    id: 1,
    name: 'record_versions',
    sql: `CREATE TABLE IF NOT EXISTS record_versions (
${recordVersionsFirstColumnsDdl}
    ) ENGINE = ReplacingMergeTree ORDER BY (record_key, version, tombstone)`,
  },
  {
    id: 2,
    name: 'cells',
    sql: `CREATE TABLE IF NOT EXISTS cells (
      dataset LowCardinality(String),
      measure LowCardinality(String),
      dims Map(String, String),
      dims_key String,
      area_level LowCardinality(String),
      area_code String,
      period String,
      leaf_key String,
      value Float64,
      present UInt8,
      synthetic UInt8,
      known_at_ms UInt64
    ) ENGINE = ReplacingMergeTree(known_at_ms)
      ORDER BY (measure, period, area_level, area_code, dataset, dims_key)`,
  },
  {
    id: 3,
    name: 'area_map',
    sql: `CREATE TABLE IF NOT EXISTS area_map (
      child_level LowCardinality(String),
      child_code String,
      level LowCardinality(String),
      code String,
      valid_from String,
      valid_to String
    ) ENGINE = ReplacingMergeTree ORDER BY (child_level, child_code, level, code, valid_from)`,
  },
  {
    id: 4,
    name: 'index_values',
    sql: `CREATE TABLE IF NOT EXISTS index_values (
      index_code LowCardinality(String),
      definition_version UInt32,
      area_level LowCardinality(String),
      area_code String,
      period String,
      score Nullable(Float64),
      class Nullable(String),
      scored UInt8,
      computed_from_ms UInt64
    ) ENGINE = ReplacingMergeTree(computed_from_ms)
      ORDER BY (index_code, area_level, period, area_code, definition_version)`,
  },
  {
    id: 5,
    name: 'schema_migrations',
    sql: schemaMigrationsDdl,
  },
  {
    id: 6,
    name: 'record_versions_leaf_key_index',
    sql: `ALTER TABLE record_versions ADD INDEX IF NOT EXISTS leaf_key_bloom leaf_key TYPE bloom_filter(0.001) GRANULARITY 1`,
  },
  {
    id: 7,
    name: 'record_versions_leaf_key_index_materialize',
    // synchronous, so that a migrated warehouse has the index on every part (one pass over
    // leaf_key); new parts get it when they are written
    sql: `ALTER TABLE record_versions MATERIALIZE INDEX leaf_key_bloom SETTINGS mutations_sync = 2`,
  },
  {
    id: 8,
    name: 'record_versions_record_keys',
    // per observation: the record key (-1: none known) and the published value the perturbation
    // table gives it (-1: none, i.e. shown as "geschützt"); rows projected before stay without
    // them (empty arrays) until a rebuild
    sql: `ALTER TABLE record_versions ADD COLUMN IF NOT EXISTS obs_key Array(Float64), ADD COLUMN IF NOT EXISTS obs_pvalue Array(Float64)`,
  },
  {
    id: 9,
    name: 'cells_protection_and_period_start',
    // cell_key: Σ record keys mod 1 (-1: unknown); pvalue: the protected value (-1: none);
    // period_start: first day of the period, written by the projector
    sql: `ALTER TABLE cells ADD COLUMN IF NOT EXISTS cell_key Float64 DEFAULT -1, ADD COLUMN IF NOT EXISTS pvalue Float64 DEFAULT -1, ADD COLUMN IF NOT EXISTS period_start LowCardinality(String) DEFAULT ''`,
  },
  {
    id: 10,
    name: 'cells_period_start_backfill',
    // once, for cells projected before period_start existed; the projector writes it from then on
    sql: `ALTER TABLE cells UPDATE period_start = multiIf(length(period) = 4, concat(period, '-01-01'),
      position(period, 'Q') > 0, concat(substring(period, 1, 5), leftPad(toString((toUInt8(substring(period, 7, 1)) - 1) * 3 + 1), 2, '0'), '-01'),
      concat(period, '-01')) WHERE period_start = '' SETTINGS mutations_sync = 2`,
  },
  {
    id: 11,
    name: 'protected_index_values',
    // the public variant of every composite index, computed from the protected inputs
    sql: `CREATE TABLE IF NOT EXISTS protected_index_values (
      index_code LowCardinality(String),
      definition_version UInt32,
      area_level LowCardinality(String),
      area_code String,
      period String,
      score Nullable(Float64),
      class Nullable(String),
      scored UInt8,
      computed_from_ms UInt64
    ) ENGINE = ReplacingMergeTree(computed_from_ms)
      ORDER BY (index_code, area_level, period, area_code, definition_version)`,
  },
  {
    id: 12,
    name: 'record_versions_replay',
    // the staging table of a rebuild (ReplayProjector): every event of the log as it was read, with
    // its log position, before the first-in-log rule and the latest versions are resolved in SQL;
    // empty outside a rebuild (since session 16 only a rebuild decoding in a worker stages here)
    sql: `CREATE TABLE IF NOT EXISTS record_versions_replay (
      log_partition UInt32,
      log_offset UInt64,
${recordVersionsColumnsDdl}
    ) ENGINE = MergeTree ORDER BY tuple()`,
  },
  {
    id: 13,
    name: 'index_pending',
    // periods whose composite indices are due (issue 17.2): written with the batch that touched
    // them, deleted once the indices were recomputed, so a crash in between leaves them due
    sql: `CREATE TABLE IF NOT EXISTS index_pending (period String, noted_at_ms UInt64) ENGINE = MergeTree ORDER BY period`,
  },
  {
    id: 14,
    name: 'index_values_input_versions',
    // the version of every indicator a result was made from (formatInputVersions), in the sorting
    // key, so that a recomputation after an input's new version writes rows beside the old ones
    // instead of replacing them. Rows stored before carry '' (answered by the default read until
    // their year is recomputed). A sorting key takes only a column added in the same statement;
    // a second run finds the column and the key as they are and changes nothing.
    sql: `ALTER TABLE index_values ADD COLUMN IF NOT EXISTS input_versions String, MODIFY ORDER BY (index_code, area_level, period, area_code, definition_version, input_versions)`,
  },
  {
    id: 15,
    name: 'protected_index_values_input_versions',
    // as 14, for the public variant
    sql: `ALTER TABLE protected_index_values ADD COLUMN IF NOT EXISTS input_versions String, MODIFY ORDER BY (index_code, area_level, period, area_code, definition_version, input_versions)`,
  },
  {
    id: 16,
    name: 'record_versions_projection_mode',
    // a ReplacingMergeTree takes a projection only when it is told what a merge does with it:
    // rebuilt from the merged rows, so it holds exactly the rows of its part (17)
    sql: `ALTER TABLE record_versions MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'`,
  },
  {
    id: 17,
    name: 'record_versions_by_period_leaf',
    // every version again, ordered by (period, leaf_key), for the live batch's look-ups by leaf
    // (cells.sql.ts): ClickHouse picks the projection when it reads fewer granules. A batch's leaves
    // share a few periods (a delivery is a period's figures for many areas), so in this order they
    // lie in a few granules however large the table grows; in the table's order (record_key) they
    // are spread over all of it, and the bloom-filter index (6) keeps nearly every granule
    // (bench/indicators/README.md §1, seventh pass). Written by every insert into record_versions —
    // live batches and both rebuilds alike — and rebuilt by merges (16).
    sql: `ALTER TABLE record_versions ADD PROJECTION IF NOT EXISTS by_period_leaf (SELECT * ORDER BY (period, leaf_key))`,
  },
  {
    id: 18,
    name: 'record_versions_by_period_leaf_materialize',
    // for the parts a warehouse already has (new parts get it when they are written); synchronous,
    // as the skip index (7)
    sql: `ALTER TABLE record_versions MATERIALIZE PROJECTION by_period_leaf SETTINGS mutations_sync = 2`,
  },
  {
    id: 19,
    name: 'record_versions_sorted',
    // the table in its new order, empty (recordKeyTailSql; bench/indicators/README.md §1, nineteenth
    // pass: 200 batches read 5,117 instead of 32,709 marks at 600,000 versions)
    sql: recordVersionsSortedDdl,
    unless: recordVersionsSortedSql,
  },
  {
    id: 20,
    name: 'record_versions_sorted_copy',
    // every stored version into the new order; emptied first, so a copy cut short by a crash is
    // made again whole
    sql: ['TRUNCATE TABLE record_versions_sorted', 'INSERT INTO record_versions_sorted SELECT * FROM record_versions'],
    unless: recordVersionsSortedSql,
  },
  {
    id: 21,
    name: 'record_versions_sorted_exchange',
    // in one step: every statement after it, of any process, reads and writes the new order under
    // the old name; once only (a second exchange would swap the tables back)
    sql: 'EXCHANGE TABLES record_versions AND record_versions_sorted',
    unless: recordVersionsSortedSql,
  },
  {
    id: 22,
    name: 'record_versions_sorted_catch_up',
    // versions another process (an aggregator of the release before, during a rolling upgrade)
    // wrote into the old table after the copy read it: what the new one lacks, by its sorting key,
    // in slices of the key space (GLOBAL: on a cluster the set is built once, from every shard).
    // Idempotent; skipped once the old table is gone, and by a sole writer (nobody else wrote):
    // half of the re-sort's time (resort-migration.bench.mjs)
    besideOtherWriters: true,
    sql: Array.from(
      { length: CATCH_UP_SLICES },
      (_, i) => `INSERT INTO record_versions SELECT * FROM record_versions_sorted
      WHERE cityHash64(record_key) % ${CATCH_UP_SLICES} = ${i}
        AND (record_key, version, tombstone) GLOBAL NOT IN (SELECT record_key, version, tombstone FROM record_versions WHERE cityHash64(record_key) % ${CATCH_UP_SLICES} = ${i})`,
    ),
    unless: `SELECT 1 WHERE (SELECT count() FROM system.tables WHERE database = currentDatabase() AND name = 'record_versions_sorted' AND startsWith(sorting_key, 'record_key')) = 0`,
  },
  {
    id: 23,
    name: 'record_versions_sorted_drop',
    // the old table, in the old order
    sql: 'DROP TABLE IF EXISTS record_versions_sorted',
  },
];

/** Runs one migration's statements, unless its `unless` query returns a row; true when they ran. */
export async function applyMigration(warehouse: Warehouse, m: Migration): Promise<boolean> {
  if (m.unless && (await warehouse.query(m.unless)).length > 0) return false;
  for (const sql of statementsOf(m)) await warehouse.command(sql);
  return true;
}

/** Applies the migrations the warehouse has not recorded yet, in order; returns their ids. */
export async function migrateWarehouse(warehouse: Warehouse, options: MigrateOptions = {}): Promise<number[]> {
  await warehouse.command(schemaMigrationsDdl);
  const done = new Set((await warehouse.query<{ id: number }>('SELECT id FROM schema_migrations')).map((r) => Number(r.id)));
  const applied: number[] = [];
  for (const m of migrations) {
    if (done.has(m.id)) continue;
    if (!(m.besideOtherWriters && options.soleWriter)) await applyMigration(warehouse, m);
    await warehouse.insert('schema_migrations', [{ id: m.id, name: m.name }]);
    applied.push(m.id);
  }
  return applied;
}

/**
 * Empties every projected table (for a rebuild by replay). area_map is reference data and stays.
 * On the clustered layout (clustered-migrations.ts) a sharded table is a Distributed table, which
 * TRUNCATE leaves as it is while reporting success (ClickHouse issue #50447): its local table is
 * emptied instead, on every node of its cluster (ON CLUSTER), or without ON CLUSTER where every
 * shard of the cluster is this node (no distributed DDL queue needed; the clustered layout's test).
 */
export async function truncateProjections(warehouse: Warehouse): Promise<void> {
  const tables = ['record_versions', 'cells', 'index_values', 'protected_index_values', 'record_versions_replay', 'index_pending'];
  const distributed = await warehouse.query<{ name: string; engine_full: string }>(
    `SELECT name, engine_full FROM system.tables WHERE database = currentDatabase() AND engine = 'Distributed' AND name IN {tables:Array(String)}`,
    { tables },
  );
  const onShards = new Map<string, string>();
  if (distributed.length > 0) {
    const remote = new Map(
      (await warehouse.query<{ cluster: string; n: string }>('SELECT cluster, toString(countIf(is_local = 0)) AS n FROM system.clusters GROUP BY cluster')).map((c) => [c.cluster, c.n]),
    );
    for (const d of distributed) {
      // Distributed('cluster', 'database', 'local_table'[, sharding key])
      const [, cluster, local] = /^Distributed\('([^']+)',\s*'[^']*',\s*'?(\w+)'?/.exec(d.engine_full) ?? [];
      if (!cluster || !local) throw new Error(`truncateProjections: cannot read the local table of ${d.name} from ${d.engine_full}`);
      onShards.set(d.name, remote.get(cluster) === '0' ? local : `${local} ON CLUSTER '${cluster}'`);
    }
  }
  for (const table of tables) await warehouse.command(`TRUNCATE TABLE IF EXISTS ${onShards.get(table) ?? table}`);
}
