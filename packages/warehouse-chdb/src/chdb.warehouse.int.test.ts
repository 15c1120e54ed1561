import { warehouseContract } from '@sp/port-contracts';
import { tempDir } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { openChdbWarehouse } from './chdb.warehouse.js';

const path = tempDir('sp-chdb-');

warehouseContract('chDB in-process', {
  open: async () => openChdbWarehouse({ path }),
});

describe('ChdbWarehouse specifics', () => {
  it('refuses a second data directory in the same process with a clear error', async () => {
    const wh = openChdbWarehouse({ path });
    try {
      expect(() => openChdbWarehouse({ path: tempDir('sp-chdb-other-') })).toThrowError(/one data directory per process/);
    } finally {
      await wh.close();
    }
  });

  it('does not block the event loop while a query runs', async () => {
    const wh = openChdbWarehouse({ path });
    try {
      let ticks = 0;
      const timer = setInterval(() => ticks++, 5);
      await wh.query('SELECT sum(cityHash64(number)) AS s FROM numbers(30000000)');
      clearInterval(timer);
      expect(ticks).toBeGreaterThan(2);
    } finally {
      await wh.close();
    }
  });

  it("runs the urgent view's statements before the reads that wait, and drops a waiting read whose caller gave up", async () => {
    const wh = openChdbWarehouse({ path });
    try {
      await wh.command('CREATE TABLE IF NOT EXISTS lanes (n UInt32, at UInt64) ENGINE = MergeTree ORDER BY n');
      await wh.command('TRUNCATE TABLE lanes');
      const finished: string[] = [];
      const note = (name: string) => (v: unknown) => {
        finished.push(name);
        return v;
      };
      // a long read runs, two more reads and one that is given up wait; then the projection writes
      const slow = wh.query('SELECT sleep(0.3) AS s').then(note('slow read'));
      const reads = [1, 2].map((i) => wh.query('SELECT count() AS n FROM lanes').then(note(`read ${i}`)));
      const givenUp = new AbortController();
      const abandoned = wh.query('INSERT INTO lanes SELECT 99, 0 FROM numbers(1) WHERE 1 = 1 FORMAT Null', undefined, { signal: givenUp.signal });
      const urgent = wh.urgent();
      const write = urgent.insert('lanes', [{ n: 1, at: 1 }]).then(note('projection'));
      expect(wh.waiting).toEqual({ urgent: 1, normal: 3 });
      givenUp.abort();
      await Promise.all([slow, write, ...reads]);
      await expect(abandoned).rejects.toMatchObject({ code: 'CANCELLED' });
      expect(finished).toEqual(['slow read', 'projection', 'read 1', 'read 2']);
      // the projection's row was there for both reads; the abandoned statement never ran
      expect(await Promise.all(reads)).toEqual([[{ n: '1' }], [{ n: '1' }]]);
      expect(await wh.query('SELECT n FROM lanes ORDER BY n')).toEqual([{ n: 1 }]);
    } finally {
      await wh.close();
    }
  });
});
