import { databaseContract } from '@sp/port-contracts';
import { DatabaseError } from '@sp/ports';
import { startPostgres, type PostgresInstance } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPgDatabase } from './pg.database.js';

let cluster: PostgresInstance;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await cluster?.wipe();
});

databaseContract('pg against a PostgreSQL server', {
  open: async () => createPgDatabase({ url: cluster.url, max: 4 }),
  restart: () => cluster.restart(),
});

describe('PgDatabase specifics', () => {
  it('reports UNAVAILABLE while the server is down and recovers after it is back', async () => {
    const db = createPgDatabase({ url: cluster.url, max: 2 });
    try {
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]); // pooled connection exists
      await cluster.stop();
      const error = await db.query('SELECT 1 AS one').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DatabaseError);
      expect((error as DatabaseError).code).toBe('UNAVAILABLE');
      expect((error as DatabaseError).transient).toBe(true);
      const txError = await db.transaction(async (tx) => tx.query('SELECT 1')).catch((e: unknown) => e);
      expect((txError as DatabaseError).code).toBe('UNAVAILABLE');
      await cluster.start();
      expect((await db.query('SELECT 2 AS two')).rows).toEqual([{ two: 2 }]);
    } finally {
      await db.close();
    }
  });

  it('runs transactions truly concurrently on separate connections', async () => {
    const db = createPgDatabase({ url: cluster.url, max: 4 });
    try {
      const started = Date.now();
      await Promise.all(Array.from({ length: 4 }, () => db.transaction((tx) => tx.query('SELECT pg_sleep(0.3)'))));
      expect(Date.now() - started).toBeLessThan(1100);
    } finally {
      await db.close();
    }
  });
});
