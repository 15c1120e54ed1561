// Migration 4 (issue 17.3: key columns COLLATE "C", lock ids made by PostgreSQL) on a database of the
// previous release that holds version records and reservations: the rows stay, the look-up finds
// them, and the checked reservation works with the ids it makes itself — on PGlite and PostgreSQL.
import { join } from 'node:path';
import type { Database } from '@sp/ports';
import { startPostgres, tempDir } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { migrateIngest } from './ingest.migrations.js';
import { IngestRepository } from './ingest.repository.js';

const engines: [string, () => Promise<{ db: Database; close: () => Promise<void> }>][] = [
  [
    'PGlite',
    async () => {
      const { openPgliteDatabase } = await import('@sp/database-pglite');
      const db = await openPgliteDatabase({ dataDir: join(tempDir('sp-ingest-migrations-'), 'postgres') });
      return { db, close: () => db.close() };
    },
  ],
  [
    'PostgreSQL',
    async () => {
      const pg = await startPostgres();
      const { createPgDatabase } = await import('@sp/database-pg');
      const db = createPgDatabase({ url: pg.url });
      return {
        db,
        close: async () => {
          await db.close();
          await pg.wipe();
        },
      };
    },
  ],
];

describe.each(engines)('migration 4 on %s', (_name, open) => {
  it('keeps the version records and reservations of the previous release, and the checked reservation makes its own lock ids', async () => {
    const { db, close } = await open();
    try {
      // the schema as the previous release left it: migrations 1–3
      await migrateIngest(db, 3);
      const at = new Date('2026-12-04T12:00:00Z');
      await db.query(
        `INSERT INTO ingest_records (record_type, key, version, payload_hash, tombstone, amt, delivery_id, schema_id, topic, partition, "offset", payload, updated_at)
         VALUES ('area-statistic', 'Köln|Mülheim|2011', 2, 'h2', false, 'statistik', '00000000-0000-4000-8000-000000000001', 1, 't', 0, 7, NULL, $1),
                ('measure', 'Köln|Mülheim|2011', 1, 'hm', false, 'statistik', '00000000-0000-4000-8000-000000000001', 1, 't', 0, 8, '{}', $1)`,
        [at],
      );
      await db.query(
        `INSERT INTO ingest_reservations (record_type, key, version, payload_hash, tombstone, amt, delivery_id, reserved_at, payload)
         VALUES ('area-statistic', 'Köln|Mülheim|2011', 3, 'h3', false, 'statistik', '00000000-0000-4000-8000-000000000002', $1, NULL)`,
        [at],
      );
      await migrateIngest(db);
      const repo = new IngestRepository(db);
      const keys = ['Köln|Mülheim|2011', 'Köln|Zollstock|2011'];
      const looked = await repo.lookup(db, 'area-statistic', keys, { goals: [], measures: [] });
      expect(looked.states.get(keys[0]!)?.committed?.version).toBe(2);
      expect(looked.states.get(keys[0]!)?.reservations.map((r) => r.version)).toEqual([3]);
      expect(looked.seen.states).toEqual(['2/3', '0/']);
      const delivery = { deliveryId: '00000000-0000-4000-8000-000000000003', amt: 'statistik', at };
      // what the look-up saw no longer holds: nothing written
      expect(await repo.reserveIfUnchanged('area-statistic', { keys, states: ['2/', '0/'] }, delivery, [])).toBe(false);
      // a reservation per key in the keys' order: the keys go once (NULL), the lock ids are PostgreSQL's
      const rows = keys.map((key, i) => ({ key, version: i === 0 ? 4 : 1, payloadHash: `n${i}`, tombstone: false, payload: null }));
      expect(await repo.reserveIfUnchanged('area-statistic', looked.seen, delivery, rows)).toBe(true);
      const { rows: held } = await db.query<{ key: string; version: number }>(`SELECT key, version FROM ingest_reservations WHERE record_type = 'area-statistic' ORDER BY key, version`);
      expect(held).toEqual([
        { key: 'Köln|Mülheim|2011', version: 3 },
        { key: 'Köln|Mülheim|2011', version: 4 },
        { key: 'Köln|Zollstock|2011', version: 1 },
      ]);
      const { rows: n } = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM ingest_records');
      expect(n[0]?.n).toBe(2);
    } finally {
      await close();
    }
  }, 120_000);
});
