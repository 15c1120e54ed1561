// The embedded engines' start on a data directory whose event log holds events but which has no
// database (a backup laid down by hand, or postgres/ removed): the database is created empty and
// marked for the rebuild from the log (startPlatform then rebuilds it before ingestion accepts a
// delivery), instead of starting as if nothing had ever been delivered. The same for the warehouse
// (chDB): missing, or damaged (a part cut short, a table definition emptied, a part's bytes changed
// under its checksums), it is moved aside, created anew and marked for the rebuild.
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { migrateWarehouse } from '@sp/indicator-store';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { tempDir } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import { checkWarehouse, openEmbeddedWarehouse, openEngines } from './engines.js';

/** a migrated warehouse with one part of 10,000 rows in `t` */
async function aWarehouse(): Promise<string> {
  const dataDir = join(tempDir('sp-engines-'), 'data');
  const warehouse = openChdbWarehouse({ path: join(dataDir, 'warehouse') });
  await migrateWarehouse(warehouse);
  await warehouse.command('CREATE TABLE t (k String, v UInt64) ENGINE = MergeTree ORDER BY k');
  await warehouse.command('INSERT INTO t SELECT toString(number), number FROM numbers(10000)');
  await warehouse.close();
  return dataDir;
}
/** the files of `t` (its definition, its one part) and every table's definition */
function tableFiles(dataDir: string): { sql: string; part: string; definitions: string[] } {
  const store = join(dataDir, 'warehouse', 'store');
  let sql = '';
  let part = '';
  const definitions: string[] = [];
  for (const prefix of readdirSync(store)) {
    for (const uuid of readdirSync(join(store, prefix))) {
      const dir = join(store, prefix, uuid);
      for (const name of readdirSync(dir)) {
        if (name.endsWith('.sql')) definitions.push(join(dir, name));
        if (name === 't.sql') sql = join(dir, name);
        // t's one part: the only one of 10,000 rows
        if (name.startsWith('all_') && readdirSync(join(dir, name)).includes('columns.txt') && readFileSync(join(dir, name, 'count.txt'), 'utf8').trim() === '10000') part = join(dir, name);
      }
    }
  }
  if (!part || !sql) throw new Error(`no definition or part of t under ${store}`);
  return { sql, part, definitions };
}
const damagedDirs = (dataDir: string) => readdirSync(dataDir).filter((n) => n.startsWith('warehouse.damaged-'));

describe('embedded engines', () => {
  it('rebuild a missing database and warehouse when the log holds events', async () => {
    const dataDir = join(tempDir('sp-engines-'), 'data');
    const log = await openEmbeddedEventLog({ dir: join(dataDir, 'eventlog') });
    await log.ensureTopics([{ name: 'records.offer', partitions: 1 }]);
    await log.append('records.offer', [{ key: 'k', value: new TextEncoder().encode('v') }]);
    await log.close();
    const engines = await openEngines(loadConfig({ SP_DATA_DIR: dataDir }));
    try {
      expect(engines.repair).toEqual({ reason: expect.stringMatching(/there is no database .* but the event log holds 1 events/), movedTo: null });
      expect(engines.warehouseRepair).toEqual({ reason: expect.stringMatching(/there is no warehouse .* but the event log holds 1 events/), movedTo: null });
      expect(engines.formatBefore).toBe(1);
    } finally {
      await engines.close();
    }
  }, 60_000);

  // the warehouse alone (openEngines opens it the same way, beside the log and PGlite): the log holds 1 event
  const open = (dataDir: string) => openEmbeddedWarehouse(join(dataDir, 'warehouse'), openChdbWarehouse, 1);

  it('keep a sound warehouse as it is', async () => {
    const { warehouse, repair } = await open(await aWarehouse());
    try {
      expect(repair).toBeUndefined();
      expect(await warehouse.query('SELECT count() AS n FROM t')).toEqual([{ n: '10000' }]);
    } finally {
      await warehouse.close();
    }
  }, 60_000);

  const damages: [string, (files: ReturnType<typeof tableFiles>) => void, RegExp][] = [
    // chDB would set the part aside on start and answer without its rows
    ['a part cut short', ({ part }) => truncateSync(join(part, 'data.bin'), 100), /set aside as broken .*default\.t: broken-on-start_all_1_1_0/],
    // chDB answers from it without complaint until CHECK TABLE reads it
    [
      'a part whose bytes changed under its checksums',
      ({ part }) => writeFileSync(join(part, 'data.bin'), Buffer.alloc(64, 'X'), { flag: 'r+' }),
      /`default`\.`t`: 1 of 1 part\(s\) fail their check .*CHECKSUM_DOESNT_MATCH/,
    ],
    // chDB cannot open the directory at all
    ['an emptied table definition', ({ sql }) => writeFileSync(sql, ''), /Failed to create connection/],
    // the metadata gone: the tables are gone, the log is not
    [
      'removed table definitions',
      ({ definitions }) => {
        for (const f of definitions) rmSync(f);
      },
      /has no tables but the event log holds 1 events/,
    ],
  ];
  for (const [what, damage, reason] of damages) {
    it(`set a warehouse with ${what} aside and rebuild it`, async () => {
      const dataDir = await aWarehouse();
      damage(tableFiles(dataDir));
      const { warehouse, repair } = await open(dataDir);
      try {
        expect(repair?.reason).toMatch(reason);
        expect(damagedDirs(dataDir)).toHaveLength(1);
        expect(repair?.movedTo).toBe(join(dataDir, damagedDirs(dataDir)[0]!));
        // the fresh warehouse: empty, sound, ready for the migrations and the rebuild
        expect(await checkWarehouse(warehouse)).toEqual({ tables: 0, parts: 0, migrated: false });
      } finally {
        await warehouse.close();
      }
    }, 60_000);
  }
});
