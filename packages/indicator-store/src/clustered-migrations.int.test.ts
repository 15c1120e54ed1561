import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusteredMigrations, schemaMigrationRecord } from './clustered-migrations.js';

// The clustered statements cannot run here (no ClickHouse Keeper, no cluster); the real engine
// still parses each one: formatQuery() runs ClickHouse's own parser and prints the statement back.
describe('clustered warehouse DDL parses in ClickHouse (chDB)', () => {
  let wh: Warehouse;
  const format = async (ddl: string) => (await wh.query<{ f: string }>('SELECT formatQuery({ddl:String}) AS f', { ddl }))[0]!.f;

  beforeAll(async () => {
    wh = await openChdbWarehouse({ path: tempDir('sp-clustered-ddl-') });
  });
  afterAll(async () => wh?.close());

  it('parses every generated statement', async () => {
    const statements = clusteredMigrations().flatMap((m) => m.statements.map((s) => ({ id: m.id, s })));
    expect(statements.length).toBeGreaterThan(13);
    for (const { id, s } of statements) {
      const formatted = await format(s).catch((error: unknown) => {
        throw new Error(`migration ${id}: ${error instanceof Error ? error.message : String(error)}\n${s}`);
      });
      // a copy of rows goes through the Distributed tables, written on the shards before it returns
      if (s.startsWith('INSERT INTO ')) expect(formatted).toContain('SETTINGS distributed_foreground_insert = 1');
      else expect(formatted).toContain('ON CLUSTER `{cluster}`');
      if (s.startsWith('CREATE')) expect(formatted).toMatch(/ENGINE = (Replicated\w*MergeTree\('\/clickhouse\/tables\/|Distributed\('\{cluster\}', currentDatabase\(\), \w+_local, cityHash64\()/);
    }
  });

  it('parses the records of the migrations the script writes', async () => {
    // the parser keeps the VALUES for the insert itself and prints the statement's head
    for (const m of clusteredMigrations()) expect(await format(schemaMigrationRecord(m))).toBe('INSERT INTO schema_migrations (id, name) FORMAT Values');
  });

  it('refuses a statement that does not parse (the check can fail)', async () => {
    await expect(format("CREATE TABLE t ON CLUSTER '{cluster}' (a String) ENGINE = ReplicatedMergeTree('/p', '{replica}' ORDER BY a")).rejects.toThrow(/SYNTAX_ERROR|Syntax error/);
  });
});
