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

  it("runs the urgent view's statements before the reads that wait, the background view's after them, and drops a waiting read whose caller gave up", async () => {
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
      // the composite indices' read, queued before the GraphQL reads, goes after them
      const indexRead = wh.background().query('SELECT count() AS n FROM lanes').then(note('index read'));
      const reads = [1, 2].map((i) => wh.query('SELECT count() AS n FROM lanes').then(note(`read ${i}`)));
      const givenUp = new AbortController();
      // its outcome is taken at once: it fails while the others still wait
      const abandoned = wh.query('INSERT INTO lanes SELECT 99, 0 FROM numbers(1) WHERE 1 = 1 FORMAT Null', undefined, { signal: givenUp.signal }).then(
        () => 'ran',
        (error: unknown) => error,
      );
      const urgent = wh.urgent();
      const write = urgent.insert('lanes', [{ n: 1, at: 1 }]).then(note('projection'));
      expect(wh.waiting).toEqual({ urgent: 1, normal: 3, background: 1 });
      givenUp.abort();
      await Promise.all([slow, write, indexRead, ...reads]);
      expect(await abandoned).toMatchObject({ code: 'CANCELLED' });
      expect(finished).toEqual(['slow read', 'projection', 'read 1', 'read 2', 'index read']);
      // the projection's row was there for both reads; the abandoned statement never ran
      expect(await Promise.all(reads)).toEqual([[{ n: '1' }], [{ n: '1' }]]);
      expect(await wh.query('SELECT n FROM lanes ORDER BY n')).toEqual([{ n: 1 }]);
    } finally {
      await wh.close();
    }
  });
});
