// A rebuild reads the log's partitions side by side, so two partitions' batches can hand a full
// block to the warehouse at the same time. finish() must not return before every block has landed:
// the composite indices are computed next, from what the cells table holds (issue 17: a CI run's
// aggregator.rebuild.int saw index versions of cells that had not landed yet). The first block's
// insert is held back here, on a real chDB warehouse, while the second partition's block goes in.
import { anAreaStatistic } from '@sp/events/testing';
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { migrateWarehouse, truncateProjections } from './migrations.js';
import { OnePassProjector } from './one-pass.projector.js';
import type { AreaStatisticEvent } from './projector.js';
import { ReplayProjector } from './replay.projector.js';

/** the events of one partition: one record per area of `prefix`, delivered at `at + i` */
function partition(prefix: string, count: number, at: number): AreaStatisticEvent[] {
  return Array.from({ length: count }, (_, i) => {
    const payload = anAreaStatistic({ areaCode: `${prefix}${i}`, period: '2012' });
    return { key: payload.key, version: 1, tombstone: false, deliveredAt: at + i, amt: 'statistik', deliveryId: `${prefix}${i}`, payload };
  });
}

/** the warehouse, with its first insert held back `ms` (the block of the partition that handed it over first) */
function firstInsertHeld(wh: Warehouse, ms: number): Warehouse {
  let held = false;
  return new Proxy(wh, {
    get(target, prop, receiver) {
      if (prop !== 'insertFormatted') return Reflect.get(target, prop, receiver);
      return async (...args: Parameters<Warehouse['insertFormatted']>) => {
        if (!held) {
          held = true;
          await new Promise((r) => setTimeout(r, ms));
        }
        return target.insertFormatted(...args);
      };
    },
  });
}

const count = async (wh: Warehouse, table: string) => Number((await wh.query<{ n: string }>(`SELECT count() AS n FROM ${table}`))[0]!.n);

describe('a rebuild whose partitions hand over blocks at the same time', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = openChdbWarehouse({ path: tempDir('sp-rebuild-inserts-') });
    await migrateWarehouse(wh);
  }, 60_000);
  afterAll(async () => wh?.close());
  beforeEach(async () => truncateProjections(wh));

  it('one pass: finish() returns after both partitions’ blocks have landed', async () => {
    const one = new OnePassProjector(firstInsertHeld(wh, 1500), { blockEvents: 10 });
    await Promise.all([one.add(partition('a', 10, 1000)), one.add(partition('b', 10, 2000))]);
    const result = await one.finish();
    expect(result.events).toBe(20);
    expect(await count(wh, 'record_versions')).toBe(20);
    expect(await count(wh, 'cells')).toBe(40);
  }, 60_000);

  it('staged: finish() resolves the cells after both partitions’ blocks of record versions have landed', async () => {
    // a block is 20,000 rows: each partition's batch fills one
    const replay = new ReplayProjector(firstInsertHeld(wh, 1500));
    await replay.begin();
    await Promise.all([replay.add(partition('a', 20_000, 1000)), replay.add(partition('b', 20_000, 100_000))]);
    const result = await replay.finish();
    expect(result.events).toBe(40_000);
    expect(result.leaves).toBe(40_000);
    expect(await count(wh, 'record_versions')).toBe(40_000);
    expect(await count(wh, 'cells')).toBe(80_000);
  }, 120_000);
});
