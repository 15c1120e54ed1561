// The clustered layout executed (issue 17.5): every migration's generated clustered DDL
// (clustered-migrations.ts) applied in order on a real engine, and then the indicator store's whole
// suite — live batches, corrections, withdrawals, as-of, disclosure, both rebuilds — run through
// its Distributed tables. The engine is chDB with a cluster in its configuration: one shard, this
// node (@sp/testing's oneShardClusterConfig), with the settings profile docs/operations.md gives the
// services on a cluster (with one shard ClickHouse needs neither: a local shard is written at once,
// and a subquery on a Distributed table is refused only across two shards or more).
// What it cannot show: chDB reads a Keeper from its configuration and creates Replicated tables in
// it, but never activates a replica (no interserver endpoint: "Parameter 'interserver_http(s)_port'
// required for replication is not specified", the table stays read-only), so the local tables are
// plain *MergeTree (the generator's `replicated: false`); and with one shard every row lies on it,
// so the sharding keys' rule (clustered-migrations.unit) is not exercised by rows on two shards —
// chDB cannot be a second shard (a Distributed table reaches another node over the native TCP
// protocol, which chDB does not serve).
import { oneShardClusterConfig, tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import type { Warehouse } from '@sp/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyClusteredMigrations } from './clustered-migrations.js';
import { indicatorStoreSuite } from './indicator-store.suite.js';
import { migrateWarehouse, migrations, truncateProjections } from './migrations.js';

/** One process, one chDB: the warehouse every test of this file uses, migrated by the clustered DDL. */
let opened: Promise<{ wh: Warehouse; applied: string[] }> | undefined;
function clustered(): Promise<{ wh: Warehouse; applied: string[] }> {
  opened ??= (async () => {
    const wh = openChdbWarehouse({ path: tempDir('sp-clustered-'), configFile: oneShardClusterConfig('sp') });
    const applied = await applyClusteredMigrations(wh, { cluster: 'sp', replicated: false, onCluster: false });
    return { wh, applied };
  })();
  return opened;
}

afterAll(async () => (await opened)?.wh.close());

describe('the clustered DDL on chDB (one shard, this node)', () => {
  let wh: Warehouse;
  let applied: string[];
  beforeAll(async () => ({ wh, applied } = await clustered()));

  it('applies every migration in order, and migrateWarehouse() then finds none to apply', async () => {
    expect(applied).toEqual(migrations.map((m) => `${m.id} ${m.name}`));
    expect(await migrateWarehouse(wh)).toEqual([]);
    const engines = Object.fromEntries(
      (await wh.query<{ name: string; engine: string }>(`SELECT name, engine FROM system.tables WHERE database = currentDatabase() ORDER BY name`)).map((t) => [t.name, t.engine]),
    );
    expect(engines).toMatchObject({
      record_versions: 'Distributed',
      record_versions_local: 'ReplacingMergeTree',
      cells: 'Distributed',
      cells_local: 'ReplacingMergeTree',
      index_values: 'Distributed',
      protected_index_values: 'Distributed',
      area_map: expect.stringMatching(/MergeTree$/),
      index_pending: expect.stringMatching(/MergeTree$/),
    });
    // the re-sort of record_versions (migrations 19–23) left no copy behind
    expect(engines.record_versions_sorted).toBeUndefined();
    expect(engines.record_versions_sorted_local).toBeUndefined();
    // the projection in (period, leaf_key) order lies beside the shard's part of record_versions
    const [local] = await wh.query<{ create: string }>(`SELECT create_table_query AS create FROM system.tables WHERE database = currentDatabase() AND name = 'record_versions_local'`);
    expect(local!.create).toContain('PROJECTION by_period_leaf');
  });

  it('empties the shards, not only the Distributed tables, before a rebuild (truncateProjections)', async () => {
    await wh.command(
      `INSERT INTO index_values (index_code, definition_version, input_versions, area_level, area_code, period, score, class, scored, computed_from_ms) VALUES ('i', 1, '', 'STADTTEIL', '101', '2012', 1, NULL, 1, 1)`,
    );
    expect(await wh.query(`SELECT count() AS n FROM index_values`)).toEqual([{ n: '1' }]);
    await wh.command('TRUNCATE TABLE index_values');
    // what ClickHouse does with a Distributed table: success, and the row is still on its shard
    expect(await wh.query(`SELECT count() AS n FROM index_values`)).toEqual([{ n: '1' }]);
    await truncateProjections(wh);
    expect(await wh.query(`SELECT count() AS n FROM index_values`)).toEqual([{ n: '0' }]);
  });
});

indicatorStoreSuite('indicator store on the clustered layout (chDB, one shard, Distributed tables)', async () => (await clustered()).wh);
