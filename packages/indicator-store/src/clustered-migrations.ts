// The clustered variant of the warehouse DDL (issue 17.5), generated from the same numbered
// migrations a single server runs, so the two cannot drift: each table becomes a local table on
// every node, `Replicated<X>MergeTree` with its replication path in ClickHouse Keeper, created
// ON CLUSTER; the projected tables are sharded and read and written through a `Distributed` table
// that keeps the original name, so the projector and the reader send the same SQL to either
// layout. docs/operations.md ("Clustered warehouse") gives the reasoning and what was not tested.
//
// Sharding keys: ReplacingMergeTree replaces rows only within one shard, so every row that may
// replace another (same sorting key) must land on the same shard. Each key below is a function of
// sorting-key columns (or of columns the sorting key determines) — that is what keeps FINAL and
// the projector's "latest version" reads exact.
// Replicated only (a full copy on every node, no Distributed table): small tables that readers
// join on every shard (area_map), the migration record, the index queue that the aggregator
// deletes from (lightweight DELETE is not possible through a Distributed table) and the rebuild's
// staging table, whose resolving statements group over the whole log on one node.
import type { Warehouse } from '@sp/ports';
import { type Migration, migrations, schemaMigrationsDdl, statementsOf } from './migrations.js';

export type TableLayout = { kind: 'sharded'; shardingKey: string; why: string } | { kind: 'replicated'; why: string };

/** How each warehouse table is laid out on a cluster. A migration that creates a table not named here fails the generator. */
export const clusterLayout: Readonly<Record<string, TableLayout>> = {
  record_versions: {
    kind: 'sharded',
    shardingKey: 'cityHash64(record_key)',
    why: 'all versions and withdrawals of a record on one shard (the sorting key starts with record_key)',
  },
  cells: {
    kind: 'sharded',
    shardingKey: 'cityHash64(leaf_key)',
    why: 'leaf_key is dataset|area_level|area_code|period, all in the sorting key: every replacement of a cell on one shard; a batch recomputes whole leaves',
  },
  index_values: {
    kind: 'sharded',
    shardingKey: 'cityHash64(index_code, area_level, area_code)',
    why: 'sorting-key columns: every definition version and recomputation of an area’s index on one shard',
  },
  protected_index_values: {
    kind: 'sharded',
    shardingKey: 'cityHash64(index_code, area_level, area_code)',
    why: 'as index_values',
  },
  area_map: { kind: 'replicated', why: 'reference data every shard joins locally in the roll-up (a few thousand rows)' },
  schema_migrations: { kind: 'replicated', why: 'one record of what the cluster has' },
  index_pending: { kind: 'replicated', why: 'a small queue the aggregator deletes from (DELETE FROM is not possible through Distributed)' },
  record_versions_sorted: {
    kind: 'sharded',
    shardingKey: 'cityHash64(record_key)',
    why: 'record_versions in its new order while it is copied (migrations 19–23), sharded as record_versions, whose place it takes',
  },
  record_versions_replay: { kind: 'replicated', why: 'the rebuild stages the log and resolves it with GROUP BY record_key on one node; empty outside a rebuild' },
};

export interface ClusterOptions {
  /** cluster name in ON CLUSTER and Distributed (default the macro `{cluster}`) */
  cluster?: string;
  /** suffix of the local tables (default `_local`) */
  localSuffix?: string;
  /**
   * false: shards without replicas — the local tables plain `<X>MergeTree`, no Keeper (default
   * true: `Replicated<X>MergeTree`). Also what the generated layout is tested on: chDB reads a
   * cluster from its configuration but cannot activate a replica (indicator-store.clustered.int).
   */
  replicated?: boolean;
  /**
   * false: the statements of one node, without `ON CLUSTER`, applied on every node in turn where no
   * distributed DDL queue runs (default true) — all but the copies of rows (`INSERT INTO … SELECT`
   * through the Distributed tables), which run on one node; the script marks them.
   */
  onCluster?: boolean;
}

export interface ClusteredMigration {
  id: number;
  name: string;
  statements: string[];
}

export class ClusteredDdlError extends Error {
  readonly code = 'NO_CLUSTERED_TRANSLATION';
}

const createRe = /^\s*CREATE TABLE IF NOT EXISTS (\w+) \(([\s\S]*)\)\s*ENGINE = (\w*)MergeTree(?:\(([^)]*)\))?(\s[\s\S]*)$/;
const alterRe = /^\s*ALTER TABLE (\w+) ([\s\S]*)$/;

/** Splits at commas outside parentheses and quotes. */
function splitTopLevel(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === '\\') i++;
      else if (c === "'") quoted = false;
    } else if (c === "'") quoted = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
  }
  out.push(s.slice(start).trim());
  return out;
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The statements of one migration on a cluster, each of its statements translated in order; throws
 * ClusteredDdlError for a statement it has no rule for. A migration's `unless` is not translated:
 * the script applies each migration once, in order, as migrateWarehouse() does on one server.
 */
export function clusteredStatements(migration: Pick<Migration, 'id' | 'name' | 'sql'>, options: ClusterOptions = {}): string[] {
  return statementsOf(migration).flatMap((sql) => clusteredStatement(migration, sql, options));
}

function clusteredStatement(migration: Pick<Migration, 'id' | 'name'>, sql: string, options: ClusterOptions): string[] {
  const cluster = options.cluster ?? '{cluster}';
  const suffix = options.localSuffix ?? '_local';
  const onCluster = options.onCluster === false ? '' : ` ON CLUSTER ${quote(cluster)}`;
  const replicated = options.replicated !== false;
  const fail = (why: string): never => {
    throw new ClusteredDdlError(
      `migration ${migration.id} (${migration.name}): ${why}; add a rule to clustered-migrations.ts (accepted: CREATE TABLE IF NOT EXISTS … ENGINE = …MergeTree of a table in clusterLayout, ALTER TABLE … ADD/MODIFY/DROP COLUMN (with MODIFY ORDER BY), ADD/MATERIALIZE INDEX or PROJECTION, MODIFY SETTING, UPDATE, DELETE, TRUNCATE TABLE, INSERT INTO … SELECT, EXCHANGE TABLES … AND …, DROP TABLE IF EXISTS)`,
    );
  };
  const layoutOf = (table: string): TableLayout => clusterLayout[table] ?? fail(`table ${table} has no layout in clusterLayout (sharded with a key, or replicated only)`);

  const create = createRe.exec(sql);
  if (create) {
    const [, table, columns, variant, args, tail] = create as unknown as [string, string, string, string, string | undefined, string];
    const layout = layoutOf(table);
    const local = layout.kind === 'sharded' ? `${table}${suffix}` : table;
    // replicated-only tables share one Keeper path across all shards: every node holds every row
    const path = layout.kind === 'sharded' ? `/clickhouse/tables/{shard}/{database}/${local}` : `/clickhouse/tables/all/{database}/${local}`;
    const engineArgs = [quote(path), quote('{replica}'), ...(args?.trim() ? [args.trim()] : [])].join(', ');
    const engine = replicated ? `Replicated${variant}MergeTree(${engineArgs})` : `${variant}MergeTree${args === undefined ? '' : `(${args})`}`;
    const statements = [`CREATE TABLE IF NOT EXISTS ${local}${onCluster} (${columns})\n    ENGINE = ${engine}${tail}`];
    if (layout.kind === 'sharded') {
      statements.push(`CREATE TABLE IF NOT EXISTS ${table}${onCluster} AS ${local}\n    ENGINE = Distributed(${quote(cluster)}, currentDatabase(), ${local}, ${layout.shardingKey})`);
    }
    return statements;
  }

  const alter = alterRe.exec(sql);
  if (alter) {
    const [, table, body] = alter as unknown as [string, string, string];
    const layout = layoutOf(table);
    const local = layout.kind === 'sharded' ? `${table}${suffix}` : table;
    // SETTINGS (mutations_sync) belongs to the statement, not to an operation
    const settingsAt = body.search(/\sSETTINGS\s/);
    const ops = splitTopLevel(settingsAt >= 0 ? body.slice(0, settingsAt) : body);
    const settings = settingsAt >= 0 ? body.slice(settingsAt) : '';
    const columnOps = ops.filter((op) => /^(ADD|MODIFY|DROP|RENAME) COLUMN\s/i.test(op));
    // a sorting key extended by a column added in the same statement (ClickHouse allows no other)
    const keyOps = ops.filter((op) => /^MODIFY ORDER BY\s/i.test(op));
    // indices, projections and the table's settings belong to the local tables' parts
    const dataOps = ops.filter((op) => /^(ADD INDEX|MATERIALIZE INDEX|DROP INDEX|ADD PROJECTION|MATERIALIZE PROJECTION|DROP PROJECTION|MODIFY SETTING|UPDATE|DELETE)\s/i.test(op));
    const known = [...columnOps, ...keyOps, ...dataOps];
    if (known.length !== ops.length) fail(`ALTER operation ${JSON.stringify(ops.find((op) => !known.includes(op)))} has no rule`);
    if ((columnOps.length > 0 || keyOps.length > 0) && dataOps.length > 0) fail('an ALTER mixing column and data operations has no rule (split the migration)');
    // every row that may replace another must stay on one shard: the sharding key's columns must stay in the sorting key
    if (layout.kind === 'sharded') {
      const shardColumns = [...layout.shardingKey.matchAll(/\b([a-z_]+)\b/g)].map((m) => m[1]!).filter((c) => c !== 'cityHash64');
      for (const op of keyOps) {
        const sorting = new Set([...op.replace(/^MODIFY ORDER BY\s*/i, '').matchAll(/\b([a-z_]+)\b/g)].map((m) => m[1]!));
        const lost = shardColumns.filter((c) => !sorting.has(c));
        if (lost.length > 0) fail(`the new sorting key of ${table} drops ${lost.join(', ')} of its sharding key ${layout.shardingKey}`);
      }
    }
    const statements = [`ALTER TABLE ${local}${onCluster} ${ops.join(', ')}${settings}`];
    // the Distributed table must know a column to read or route it; indices, projections,
    // settings, mutations and the sorting key live on the shards only (a Distributed table has none)
    if (layout.kind === 'sharded' && columnOps.length > 0) statements.push(`ALTER TABLE ${table}${onCluster} ${columnOps.join(', ')}`);
    return statements;
  }

  // a table's rows: on its local tables, on every node
  const truncate = /^\s*TRUNCATE TABLE (\w+)\s*$/.exec(sql);
  if (truncate) {
    const table = truncate[1]!;
    return [`TRUNCATE TABLE ${layoutOf(table).kind === 'sharded' ? `${table}${suffix}` : table}${onCluster}`];
  }
  // rows copied between tables: through the Distributed tables, which keep the tables' names (each
  // row to the shard of its sharding key), written on the shards before the statement returns, so
  // the next statement reads them
  const insert = /^\s*INSERT INTO (\w+) SELECT [\s\S]*? FROM (\w+)[\s\S]*$/.exec(sql);
  if (insert) {
    layoutOf(insert[1]!);
    layoutOf(insert[2]!);
    return [`${sql.trim()}\n    SETTINGS distributed_foreground_insert = 1`];
  }
  // two tables of one layout exchanged: the local tables, so each Distributed table keeps its name
  // and reads the other's rows from then on
  const exchange = /^\s*EXCHANGE TABLES (\w+) AND (\w+)\s*$/.exec(sql);
  if (exchange) {
    const [, a, b] = exchange as unknown as [string, string, string];
    const [la, lb] = [layoutOf(a), layoutOf(b)];
    if (la.kind !== lb.kind) fail(`EXCHANGE TABLES of a ${la.kind} and a ${lb.kind} table has no rule`);
    return la.kind === 'sharded' ? [`EXCHANGE TABLES ${a}${suffix} AND ${b}${suffix}${onCluster}`] : [`EXCHANGE TABLES ${a} AND ${b}${onCluster}`];
  }
  const drop = /^\s*DROP TABLE IF EXISTS (\w+)\s*$/.exec(sql);
  if (drop) {
    const table = drop[1]!;
    return layoutOf(table).kind === 'sharded'
      ? [`DROP TABLE IF EXISTS ${table}${onCluster} SYNC`, `DROP TABLE IF EXISTS ${table}${suffix}${onCluster} SYNC`]
      : [`DROP TABLE IF EXISTS ${table}${onCluster} SYNC`];
  }

  return fail('only CREATE TABLE IF NOT EXISTS, ALTER TABLE, TRUNCATE TABLE, INSERT INTO … SELECT, EXCHANGE TABLES and DROP TABLE IF EXISTS have a clustered translation');
}

/** Every migration in its clustered variant, in the same order and with the same ids. */
export function clusteredMigrations(options: ClusterOptions = {}): ClusteredMigration[] {
  return migrations.map((m) => ({ id: m.id, name: m.name, statements: clusteredStatements(m, options) }));
}

/**
 * schema_migrations on the cluster, created before the first migration as migrateWarehouse()
 * creates it on one server: the script records every migration right after it, and the table is
 * itself a migration (5), so without this the record of migration 1 found no table.
 */
export function clusteredSchemaMigrations(options: ClusterOptions = {}): string[] {
  return clusteredStatements({ id: 0, name: 'schema_migrations', sql: schemaMigrationsDdl }, options);
}

/** The row migrateWarehouse() would write for a migration (schema_migrations is replicated: one insert suffices). */
export function schemaMigrationRecord(m: { id: number; name: string }): string {
  return `INSERT INTO schema_migrations (id, name) VALUES (${m.id}, ${quote(m.name)})`;
}

/**
 * Runs the clustered DDL through a warehouse, as the script does: schema_migrations first, then
 * every migration's statements and its record. Returns "id name" of each migration applied. For a
 * cluster of one node without a distributed DDL queue (`onCluster: false`), e.g. the clustered
 * layout's tests on chDB; on several nodes the row copies would run once per node (the script marks them).
 */
export async function applyClusteredMigrations(warehouse: Warehouse, options: ClusterOptions = {}): Promise<string[]> {
  for (const statement of clusteredSchemaMigrations(options)) await warehouse.command(statement);
  const applied: string[] = [];
  for (const m of clusteredMigrations(options)) {
    for (const statement of m.statements) await warehouse.command(statement);
    await warehouse.command(schemaMigrationRecord(m));
    applied.push(`${m.id} ${m.name}`);
  }
  return applied;
}

/** The whole clustered DDL as one script (what `pnpm warehouse:clustered-ddl` prints). */
export function clusteredDdlScript(options: ClusterOptions = {}): string {
  const lines = [
    '-- Indicator warehouse, clustered variant: generated from packages/indicator-store/src/migrations.ts',
    options.replicated === false
      ? '-- by clustered-migrations.ts. Shards without replicas (plain *MergeTree local tables, no Keeper).'
      : '-- by clustered-migrations.ts. Needs macros {cluster}, {shard}, {replica} on every node and ClickHouse Keeper.',
    options.onCluster === false
      ? '-- Statements for one node (no ON CLUSTER): apply on every node in turn, in order, before the first start; each migration is recorded in schema_migrations.'
      : '-- Apply in order before the first start; each migration is recorded in schema_migrations, so migrateWarehouse() applies none again.',
    '-- docs/operations.md, "Clustered warehouse".',
  ];
  for (const table of Object.keys(clusterLayout).sort()) {
    const l = clusterLayout[table]!;
    lines.push(`--   ${table}: ${l.kind === 'sharded' ? `sharded by ${l.shardingKey}` : 'replicated only'} (${l.why})`);
  }
  lines.push('', '-- the record of applied migrations, before the first (as migrateWarehouse() creates it)');
  for (const s of clusteredSchemaMigrations(options)) lines.push(`${s};`);
  for (const m of clusteredMigrations(options)) {
    lines.push('', `-- ${m.id} ${m.name}`);
    for (const s of m.statements) {
      // a copy of rows through the Distributed tables reaches every shard: run on every node, it would copy them once per node
      if (options.onCluster === false && s.startsWith('INSERT INTO ')) lines.push('-- on ONE node only (the copy goes through the Distributed tables to every shard):');
      lines.push(`${s};`);
    }
    // recorded as migrateWarehouse() records it, so a process started on the cluster applies none again
    lines.push(`${schemaMigrationRecord(m)};`);
  }
  return `${lines.join('\n')}\n`;
}
