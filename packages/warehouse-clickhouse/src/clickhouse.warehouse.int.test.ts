import { warehouseContract } from '@sp/port-contracts';
import { WarehouseError } from '@sp/ports';
import { freePort, startChdbHttp, startNodeService, type ChildService } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createClickHouseWarehouse } from './clickhouse.warehouse.js';

// A real ClickHouse engine behind ClickHouse's HTTP interface: services/chdb-http on its own data dir.
let server: ChildService;
let dataDir: string;
beforeAll(async () => {
  const started = await startChdbHttp();
  server = started;
  dataDir = started.dataDir;
});
afterAll(async () => {
  await server?.stop();
});

warehouseContract('@clickhouse/client via chdb-http', {
  open: async () => createClickHouseWarehouse({ url: server.url }),
  restart: async () => {
    // a new server process on the same data directory and port
    const port = new URL(server.url).port;
    await server.stop();
    server = await startNodeService('services/chdb-http/dist/main.js', {
      env: { CHDB_HTTP_PORT: port, CHDB_HTTP_HOST: '127.0.0.1', CHDB_PATH: dataDir },
      ready: /listening/,
      url: `http://127.0.0.1:${port}`,
    });
  },
});

describe('ClickHouseWarehouse specifics', () => {
  it("orders the waiting statements by the views' priority: urgent() first, background() last (chdb-http's lanes)", async () => {
    const wh = createClickHouseWarehouse({ url: server.url });
    const done: string[] = [];
    const note = (name: string) => () => void done.push(name);
    const pause = () => new Promise((r) => setTimeout(r, 40));
    try {
      // one statement runs; three arrive while it does, the background one first, the urgent one last
      const running = wh.query('SELECT sleep(0.6) AS s').then(note('running'));
      await pause();
      const background = wh.background().query('SELECT 1 AS n').then(note('background'));
      await pause();
      const normal = wh.query('SELECT 2 AS n').then(note('normal'));
      await pause();
      const urgent = wh.urgent().command('SELECT 3').then(note('urgent'));
      await Promise.all([running, background, normal, urgent]);
      expect(done).toEqual(['running', 'urgent', 'normal', 'background']);
      // the views share the client: closing one closes all
      await wh.background().close();
      expect(
        await wh
          .urgent()
          .query('SELECT 1')
          .catch((e: unknown) => (e as WarehouseError).code),
      ).toBe('CLOSED');
    } finally {
      await wh.close();
    }
  });

  it('reports UNAVAILABLE when nothing listens', async () => {
    const wh = createClickHouseWarehouse({ url: `http://127.0.0.1:${await freePort()}` });
    try {
      const error = await wh.query('SELECT 1').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(WarehouseError);
      expect((error as WarehouseError).code).toBe('UNAVAILABLE');
      expect((error as WarehouseError).transient).toBe(true);
    } finally {
      await wh.close();
    }
  });

  it('lets two clients (as two service processes would) share one warehouse', async () => {
    const writer = createClickHouseWarehouse({ url: server.url });
    const reader = createClickHouseWarehouse({ url: server.url });
    try {
      await writer.command('CREATE TABLE shared_t (id UInt32) ENGINE = MergeTree ORDER BY id');
      await writer.insert('shared_t', [{ id: 1 }, { id: 2 }]);
      expect(await reader.query('SELECT sum(id) AS s FROM shared_t')).toEqual([{ s: '3' }]);
    } finally {
      await Promise.all([writer.close(), reader.close()]);
    }
  });
});
