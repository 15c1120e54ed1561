import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { describe, expect, it } from 'vitest';
import { migrateWarehouse } from './migrations.js';
import { migrateWarehouseTo } from './testing/index.js';

// The re-sort of record_versions (migrations 19–23) in the embedded default, whose process is the
// warehouse's only writer: the catch-up (22), which looks for versions another process wrote into the
// old table meanwhile, is skipped (and recorded); every version is kept. Its own file: chDB opens one
// data directory per process.
describe('the re-sort of record_versions for a sole writer', () => {
  it('skips the catch-up, exchanges the tables and keeps every version', async () => {
    const wh = await openChdbWarehouse({ path: tempDir('sp-resort-alone-') });
    try {
      await migrateWarehouseTo(wh, 18);
      await wh.command(`INSERT INTO record_versions (record_key, version, leaf_key, dataset, area_level, area_code, period, tombstone, synthetic, known_at_ms, amt, delivery_id, obs_measure, obs_dims, obs_value)
        SELECT key, 1 + number % 2, key, 'sgb2', 'STADTTEIL', toString(101 + number % 86), splitByChar('|', key)[4], 0, 0, 1700000000000 + number, 'jobcenter', 'd', ['sgb2_personen'], [map()], [toFloat64(number)]
        FROM (SELECT number, concat('sgb2|STADTTEIL|', toString(101 + number % 86), '|', toString(1900 + intDiv(number, 1032)), '-', leftPad(toString(intDiv(number, 86) % 12 + 1), 2, '0')) AS key FROM numbers(20000))`);
      const stored = 'SELECT count() AS n, toString(sum(cityHash64(record_key, version, tombstone, leaf_key, obs_value))) AS h FROM record_versions';
      const [before] = await wh.query(stored);

      const sent: string[] = [];
      const watched = new Proxy(wh, {
        get: (target, prop) =>
          prop === 'command'
            ? (sql: string, params?: Record<string, unknown>) => {
                sent.push(sql);
                return target.command(sql, params);
              }
            : Reflect.get(target, prop).bind(target),
      });
      expect(await migrateWarehouse(watched, { soleWriter: true })).toEqual([19, 20, 21, 22, 23]);
      expect(sent.some((sql) => sql.startsWith('EXCHANGE TABLES'))).toBe(true);
      expect(sent.some((sql) => sql.includes('GLOBAL NOT IN'))).toBe(false);
      expect(await wh.query(stored)).toEqual([before]);
      const [t] = await wh.query<{ sorting_key: string }>("SELECT sorting_key FROM system.tables WHERE database = currentDatabase() AND name = 'record_versions'");
      expect(t!.sorting_key).toBe("splitByChar('|', record_key)[-1], record_key, version, tombstone");
      expect(await migrateWarehouse(wh, { soleWriter: true })).toEqual([]);
    } finally {
      await wh.close();
    }
  });
});
