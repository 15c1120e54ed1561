// Migration 4 (the reservation as a state of the key's row) on a database written by the releases
// before it, on PostgreSQL and PGlite: every answered version stays answered, every reservation a
// sender could still complete stays held for exactly its payload, and the views keep the names the
// readers use — a reservation is never shown as a version.
import { join } from 'node:path';
import type { Database } from '@sp/ports';
import { startPostgres, tempDir, type PostgresInstance } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateIngest } from './ingest.migrations.js';
import { IngestRepository } from './ingest.repository.js';

const engines: [string, () => Promise<{ database: Database; close: () => Promise<void> }>][] = [
  [
    'PostgreSQL',
    async () => {
      const pg: PostgresInstance = await startPostgres();
      const { createPgDatabase } = await import('@sp/database-pg');
      const database = createPgDatabase({ url: pg.url });
      return { database, close: async () => (await database.close(), await pg.wipe()) };
    },
  ],
  [
    'PGlite',
    async () => {
      const { openPgliteDatabase } = await import('@sp/database-pglite');
      const database = await openPgliteDatabase({ dataDir: join(tempDir('sp-ingest-migration-'), 'postgres') });
      return { database, close: () => database.close() };
    },
  ],
];

const answered = (key: string, version: number, hash: string) =>
  `INSERT INTO ingest_records (record_type, key, version, payload_hash, tombstone, amt, delivery_id, schema_id, topic, partition, "offset", updated_at)
   VALUES ('goal', '${key}', ${version}, '${hash}', false, 'sozialplanung', '00000000-0000-4000-8000-00000000000${version}', 7, 'records.goal', 1, ${version * 10}, now())`;
const reserved = (key: string, version: number, hash: string, payload: string | null = null) =>
  `INSERT INTO ingest_reservations (record_type, key, version, payload_hash, tombstone, amt, delivery_id, reserved_at, payload)
   VALUES ('goal', '${key}', ${version}, '${hash}', false, 'sozialplanung', '00000000-0000-4000-8000-0000000001${version}${version}', now(), ${payload === null ? 'NULL' : `'${payload}'`})`;

describe.each(engines)('migration 4 on %s', (_name, open) => {
  let db: Awaited<ReturnType<(typeof engines)[number][1]>>;
  beforeAll(async () => {
    db = await open();
    await migrateIngest(db.database, 3);
    for (const sql of [
      // A: answered v1, v2 reserved, and a reservation of v1 left from a delivery superseded since
      answered('A', 1, 'a1'),
      reserved('A', 1, 'a1-other'),
      reserved('A', 2, 'a2', '{"title": "A2"}'),
      // B: never answered, two reservations (a delivery of v1 and one of v2 both unanswered)
      reserved('B', 1, 'b1'),
      reserved('B', 2, 'b2'),
      // C: answered v3, nothing held
      answered('C', 3, 'c3'),
    ])
      await db.database.query(sql);
    await migrateIngest(db.database);
  }, 120_000);
  afterAll(async () => db?.close());

  it('keeps the answered versions and shows nothing else as a version', async () => {
    const { rows } = await db.database.query<{ key: string; version: number; payload_hash: string; offset: string }>(
      `SELECT key, version, payload_hash, "offset"::text AS "offset" FROM ingest_records ORDER BY key`,
    );
    expect(rows).toEqual([
      { key: 'A', version: 1, payload_hash: 'a1', offset: '10' },
      { key: 'C', version: 3, payload_hash: 'c3', offset: '30' },
    ]);
  });

  it('keeps the highest reservation above the answered version of each key', async () => {
    const { rows } = await db.database.query<{ key: string; version: number; payload_hash: string; payload: unknown }>(
      'SELECT key, version, payload_hash, payload FROM ingest_reservations ORDER BY key',
    );
    expect(rows).toEqual([
      { key: 'A', version: 2, payload_hash: 'a2', payload: { title: 'A2' } },
      { key: 'B', version: 2, payload_hash: 'b2', payload: null },
    ]);
    expect(Number((await db.database.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest_keys')).rows[0]!.n)).toBe(3);
  });

  it('gives the decider what it read before: the answered version and the held one', async () => {
    const { states, seen } = await new IngestRepository(db.database).lookup(db.database, 'goal', ['A', 'B', 'C', 'D'], { goals: ['B', 'C'], measures: [] });
    expect(states.get('A')).toMatchObject({ committed: { version: 1, payloadHash: 'a1', schemaId: 7, offset: '10' }, reservations: [{ version: 2, payloadHash: 'a2', payload: { title: 'A2' } }] });
    expect(states.get('B')).toMatchObject({ committed: undefined, reservations: [{ version: 2, payloadHash: 'b2' }] });
    expect(states.get('C')).toMatchObject({ committed: { version: 3 }, reservations: [] });
    expect(states.has('D')).toBe(false);
    expect(seen).toEqual({ keys: ['A', 'B', 'C', 'D'], states: ['1/2', '0/2', '3/', '0/'] });
  });

  it('refuses a row that is neither answered nor reserved, or half of either', async () => {
    await expect(db.database.query(`INSERT INTO ingest_keys (record_type, key) VALUES ('goal', 'E')`)).rejects.toThrow();
    await expect(db.database.query(`INSERT INTO ingest_keys (record_type, key, version) VALUES ('goal', 'E', 1)`)).rejects.toThrow();
    await expect(db.database.query(`UPDATE ingest_keys SET reserved_version = 1 WHERE key = 'C'`)).rejects.toThrow();
  });
});
