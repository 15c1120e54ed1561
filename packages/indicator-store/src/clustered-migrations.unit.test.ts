import { describe, expect, it } from 'vitest';
import { ClusteredDdlError, clusterLayout, clusteredDdlScript, clusteredMigrations, clusteredStatements } from './clustered-migrations.js';
import { migrations, statementsOf } from './migrations.js';

const created = (sql: string) => /^\s*CREATE TABLE IF NOT EXISTS (\w+) \(([\s\S]*)\)\s*ENGINE = (\w+)(?:\([^)]*\))?\s+ORDER BY \(?([^)\n]*)\)?/.exec(sql);
const columnNames = (columns: string) => [...columns.matchAll(/^\s*(\w+) /gm)].map((m) => m[1]!);

describe('clustered warehouse DDL from the migrations', () => {
  const clustered = clusteredMigrations();

  it('translates every migration, in order, with the same ids', () => {
    expect(clustered.map((m) => m.id)).toEqual(migrations.map((m) => m.id));
    for (const m of clustered) expect(m.statements.length).toBeGreaterThan(0);
    // every statement but the copies of rows (through the Distributed tables, below) runs on every node
    for (const s of clustered.flatMap((m) => m.statements)) if (!s.startsWith('INSERT INTO ')) expect(s).toContain("ON CLUSTER '{cluster}'");
  });

  it('gives shards without replicas (plain engines, no Keeper path) and statements for one node on request', () => {
    const plain = clusteredMigrations({ cluster: 'sp', replicated: false, onCluster: false });
    expect(plain.map((m) => m.id)).toEqual(migrations.map((m) => m.id));
    for (const s of plain.flatMap((m) => m.statements)) {
      expect(s).not.toContain('ON CLUSTER');
      expect(s).not.toContain('Replicated');
      expect(s).not.toContain('/clickhouse/tables/');
    }
    const [cellsLocal, cells] = clusteredStatements(migrations.find((m) => m.name === 'cells')!, { cluster: 'sp', replicated: false, onCluster: false });
    expect(cellsLocal).toMatch(/^CREATE TABLE IF NOT EXISTS cells_local \(/);
    expect(cellsLocal).toMatch(/ENGINE = ReplacingMergeTree\(known_at_ms\)/);
    expect(cells).toBe("CREATE TABLE IF NOT EXISTS cells AS cells_local\n    ENGINE = Distributed('sp', currentDatabase(), cells_local, cityHash64(leaf_key))");
  });

  it('gives every table a layout, and names no table the migrations do not create', () => {
    const tables = migrations.flatMap((m) => statementsOf(m).map((sql) => created(sql)?.[1])).filter((t): t is string => t !== undefined);
    expect(new Set(tables)).toEqual(new Set(Object.keys(clusterLayout)));
  });

  it('creates each table as Replicated<X>MergeTree with the same columns and sorting key, and a Distributed table under the old name for the sharded ones', () => {
    for (const m of migrations) {
      const c = created(statementsOf(m)[0]!);
      if (!c) continue;
      const [, table, columns, engine, orderBy] = c as unknown as [string, string, string, string, string];
      const layout = clusterLayout[table]!;
      const [local, distributed, ...rest] = clusteredStatements(m);
      expect(rest).toEqual([]);
      const localName = layout.kind === 'sharded' ? `${table}_local` : table;
      expect(local).toContain(`CREATE TABLE IF NOT EXISTS ${localName} ON CLUSTER '{cluster}' (${columns})`);
      expect(local).toContain(`ENGINE = Replicated${engine}(`);
      expect(local).toContain(orderBy);
      if (layout.kind === 'sharded') {
        expect(local).toContain(`'/clickhouse/tables/{shard}/{database}/${table}_local', '{replica}'`);
        expect(distributed).toBe(
          `CREATE TABLE IF NOT EXISTS ${table} ON CLUSTER '{cluster}' AS ${table}_local\n    ENGINE = Distributed('{cluster}', currentDatabase(), ${table}_local, ${layout.shardingKey})`,
        );
        // a replacing table replaces only within a shard: the key must use columns the sorting key
        // holds or determines, so every replacement of a row lands on the same shard
        const keyColumns = [...layout.shardingKey.matchAll(/\b([a-z_]+)\b/g)].map((k) => k[1]!).filter((k) => k !== 'cityHash64');
        const sorting = orderBy.split(',').map((s) => s.trim());
        const determinedBySorting: Record<string, string[]> = { leaf_key: ['dataset', 'area_level', 'area_code', 'period'] };
        for (const k of keyColumns) {
          expect(columnNames(columns)).toContain(k);
          expect(sorting.includes(k) || (determinedBySorting[k] ?? ['?']).every((d) => sorting.includes(d))).toBe(true);
        }
      } else {
        // one Keeper path for the whole cluster: a full copy on every node
        expect(local).toContain(`'/clickhouse/tables/all/{database}/${table}', '{replica}'`);
        expect(distributed).toBeUndefined();
      }
    }
  });

  it('re-sorts record_versions on the local tables: copied and caught up through the Distributed tables, exchanged and dropped on every node', () => {
    const byName = (name: string) => clustered.find((m) => m.name === name)!.statements;
    const [local, distributed] = byName('record_versions_sorted');
    expect(local).toContain("CREATE TABLE IF NOT EXISTS record_versions_sorted_local ON CLUSTER '{cluster}'");
    expect(local).toContain(
      "ENGINE = ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/record_versions_sorted_local', '{replica}') ORDER BY (splitByChar('|', record_key)[-1], record_key, version, tombstone)",
    );
    expect(local).toContain('PROJECTION by_period_leaf (SELECT * ORDER BY (period, leaf_key))');
    expect(distributed).toContain("ENGINE = Distributed('{cluster}', currentDatabase(), record_versions_sorted_local, cityHash64(record_key))");
    expect(byName('record_versions_sorted_copy')).toEqual([
      "TRUNCATE TABLE record_versions_sorted_local ON CLUSTER '{cluster}'",
      'INSERT INTO record_versions_sorted SELECT * FROM record_versions\n    SETTINGS distributed_foreground_insert = 1',
    ]);
    expect(byName('record_versions_sorted_exchange')).toEqual(["EXCHANGE TABLES record_versions_local AND record_versions_sorted_local ON CLUSTER '{cluster}'"]);
    const catchUp = byName('record_versions_sorted_catch_up');
    expect(catchUp).toHaveLength(16);
    for (const s of catchUp) {
      expect(s).toMatch(/^INSERT INTO record_versions SELECT \* FROM record_versions_sorted\s/);
      expect(s).toContain('GLOBAL NOT IN');
      expect(s).toMatch(/SETTINGS distributed_foreground_insert = 1$/);
    }
    expect(byName('record_versions_sorted_drop')).toEqual([
      "DROP TABLE IF EXISTS record_versions_sorted ON CLUSTER '{cluster}' SYNC",
      "DROP TABLE IF EXISTS record_versions_sorted_local ON CLUSTER '{cluster}' SYNC",
    ]);
    // a copy into or out of a table without a layout, or an exchange across layouts, has no rule
    expect(() => clusteredStatements({ id: 99, name: 'x', sql: 'INSERT INTO nowhere SELECT * FROM cells' })).toThrow(/table nowhere has no layout/);
    expect(() => clusteredStatements({ id: 99, name: 'x', sql: 'EXCHANGE TABLES cells AND area_map' })).toThrow(/EXCHANGE TABLES of a sharded and a replicated table has no rule/);
  });

  it('keeps the version column of a ReplacingMergeTree as the replicated engine’s third argument', () => {
    const cells = clusteredStatements(migrations.find((m) => m.name === 'cells')!);
    expect(cells[0]).toContain("ReplicatedReplacingMergeTree('/clickhouse/tables/{shard}/{database}/cells_local', '{replica}', known_at_ms)");
  });

  it('alters columns on the local and the Distributed table, indices, projections, settings and mutations on the local table only', () => {
    const byName = (name: string) => clustered.find((m) => m.name === name)!.statements;
    expect(byName('record_versions_leaf_key_index')).toEqual([
      "ALTER TABLE record_versions_local ON CLUSTER '{cluster}' ADD INDEX IF NOT EXISTS leaf_key_bloom leaf_key TYPE bloom_filter(0.001) GRANULARITY 1",
    ]);
    expect(byName('record_versions_leaf_key_index_materialize')).toEqual(["ALTER TABLE record_versions_local ON CLUSTER '{cluster}' MATERIALIZE INDEX leaf_key_bloom SETTINGS mutations_sync = 2"]);
    expect(byName('record_versions_projection_mode')).toEqual(["ALTER TABLE record_versions_local ON CLUSTER '{cluster}' MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild'"]);
    expect(byName('record_versions_by_period_leaf')).toEqual([
      "ALTER TABLE record_versions_local ON CLUSTER '{cluster}' ADD PROJECTION IF NOT EXISTS by_period_leaf (SELECT * ORDER BY (period, leaf_key))",
    ]);
    expect(byName('record_versions_by_period_leaf_materialize')).toEqual([
      "ALTER TABLE record_versions_local ON CLUSTER '{cluster}' MATERIALIZE PROJECTION by_period_leaf SETTINGS mutations_sync = 2",
    ]);
    const columns = byName('cells_protection_and_period_start');
    expect(columns).toHaveLength(2);
    expect(columns[0]).toMatch(/^ALTER TABLE cells_local ON CLUSTER '\{cluster\}' ADD COLUMN IF NOT EXISTS cell_key Float64 DEFAULT -1, .* period_start LowCardinality\(String\) DEFAULT ''$/);
    expect(columns[1]).toBe(columns[0]!.replace('cells_local', 'cells'));
    const backfill = byName('cells_period_start_backfill');
    expect(backfill).toHaveLength(1);
    expect(backfill[0]).toMatch(/^ALTER TABLE cells_local ON CLUSTER '\{cluster\}' UPDATE period_start = multiIf\([\s\S]*WHERE period_start = '' SETTINGS mutations_sync = 2$/);
  });

  it('takes a named cluster and a local suffix', () => {
    const [local, distributed] = clusteredStatements(migrations[0]!, { cluster: 'sozialplanung', localSuffix: '_shard' });
    expect(local).toContain("CREATE TABLE IF NOT EXISTS record_versions_shard ON CLUSTER 'sozialplanung'");
    expect(distributed).toContain("Distributed('sozialplanung', currentDatabase(), record_versions_shard, cityHash64(record_key))");
  });

  it('extends a sorting key on the local tables only, the added column on both', () => {
    const byName = (name: string) => clustered.find((m) => m.name === name)!.statements;
    for (const table of ['index_values', 'protected_index_values']) {
      const [local, distributed, ...rest] = byName(`${table}_input_versions`);
      expect(rest).toEqual([]);
      expect(local).toBe(
        `ALTER TABLE ${table}_local ON CLUSTER '{cluster}' ADD COLUMN IF NOT EXISTS input_versions String, MODIFY ORDER BY (index_code, area_level, period, area_code, definition_version, input_versions)`,
      );
      expect(distributed).toBe(`ALTER TABLE ${table} ON CLUSTER '{cluster}' ADD COLUMN IF NOT EXISTS input_versions String`);
    }
    // a sorting key that loses a column of the sharding key would let a replacement land on another shard
    expect(() => clusteredStatements({ id: 99, name: 'next', sql: 'ALTER TABLE index_values ADD COLUMN IF NOT EXISTS x String, MODIFY ORDER BY (index_code, period, definition_version, x)' })).toThrow(
      /drops area_level, area_code of its sharding key/,
    );
  });

  it('refuses a migration it has no rule for, naming the migration and what is accepted', () => {
    const refused = (sql: string) => () => clusteredStatements({ id: 99, name: 'next', sql });
    expect(refused('CREATE TABLE IF NOT EXISTS new_table (a String) ENGINE = MergeTree ORDER BY a')).toThrow(/migration 99 \(next\): table new_table has no layout in clusterLayout/);
    expect(refused('ALTER TABLE cells MODIFY TTL toDate(known_at_ms / 1000) + INTERVAL 1 YEAR')).toThrow(/ALTER operation "MODIFY TTL .*" has no rule/);
    expect(refused('ALTER TABLE cells ADD COLUMN x UInt8, UPDATE x = 1 WHERE 1')).toThrow(/mixing column and data operations/);
    expect(refused('RENAME TABLE cells TO cells_old')).toThrow(ClusteredDdlError);
    try {
      refused('CREATE VIEW v AS SELECT 1')();
    } catch (error) {
      expect((error as ClusteredDdlError).code).toBe('NO_CLUSTERED_TRANSLATION');
      expect((error as Error).message).toContain('accepted: CREATE TABLE IF NOT EXISTS');
    }
  });

  it('prints one script with every statement and the layout of every table', () => {
    const script = clusteredDdlScript();
    for (const s of clustered.flatMap((m) => m.statements)) expect(script).toContain(`${s};`);
    // recorded as migrateWarehouse() would, after its statements
    const lastCreate = script.indexOf("ENGINE = ReplicatedMergeTree('/clickhouse/tables/all/{database}/index_pending'");
    expect(script.indexOf("INSERT INTO schema_migrations (id, name) VALUES (13, 'index_pending');")).toBeGreaterThan(lastCreate);
    expect(script.match(/^INSERT INTO schema_migrations /gm)).toHaveLength(migrations.length);
    // the table the records go to exists before the first of them (it is itself migration 5)
    expect(script.indexOf('CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER')).toBeGreaterThan(-1);
    expect(script.indexOf('CREATE TABLE IF NOT EXISTS schema_migrations ON CLUSTER')).toBeLessThan(script.indexOf('INSERT INTO schema_migrations'));
    for (const table of Object.keys(clusterLayout)) expect(script).toMatch(new RegExp(`^--   ${table}: `, 'm'));
  });
});
