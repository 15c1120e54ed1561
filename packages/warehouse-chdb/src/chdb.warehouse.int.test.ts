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
});
