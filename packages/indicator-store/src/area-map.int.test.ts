// The area map is replaced in one step: a read while a new map is loaded sees the old map or the new
// one, never an empty or half-filled table (a roll-up read in between answered nothing: hamburg.e2e's
// city total while the delivered reference was taken over).
import type { Warehouse } from '@sp/ports';
import { tempDir } from '@sp/testing';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AreaMapRow } from './area-map.js';
import { migrateWarehouse } from './migrations.js';
import { loadAreaMap } from './projector.js';

const mapOf = (level: string, n: number): AreaMapRow[] => Array.from({ length: n }, (_, i) => ({ childLevel: level, childCode: String(i + 1), level: 'STADT', code: '0' }));

describe('loadAreaMap', () => {
  let wh: Warehouse;
  beforeAll(async () => {
    wh = openChdbWarehouse({ path: tempDir('sp-area-map-') });
    await migrateWarehouse(wh);
  }, 60_000);
  afterAll(async () => wh?.close());

  it('replaces the map in one step: reads meanwhile see the old map or the new one', async () => {
    const count = async () => Number((await wh.query<{ n: string }>('SELECT count() AS n FROM area_map'))[0]!.n);
    await loadAreaMap(wh, mapOf('A', 500));
    expect(await count()).toBe(500);
    for (let round = 0; round < 5; round++) {
      const next = round % 2 === 0 ? mapOf('B', 700) : mapOf('A', 500);
      const seen: number[] = [];
      let loading = true;
      const reads = (async () => {
        while (loading) seen.push(await count());
      })();
      await loadAreaMap(wh, next);
      loading = false;
      await reads;
      expect(new Set(seen.filter((n) => n !== 500 && n !== 700)), `round ${round}: counts read while loading`).toEqual(new Set());
      expect(await count()).toBe(next.length);
    }
  });
});
