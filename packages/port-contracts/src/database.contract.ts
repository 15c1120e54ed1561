// The Database port's contract: what every adapter (pg against a server, embedded PGlite) must do
// the same way. Invoked once per adapter from that adapter's *.int.test.ts.
import { DatabaseError, type Database, type PortErrorCode } from '@sp/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

export interface DatabaseContractHarness {
  /** Opens a database on this suite's storage; called again after close() to check persistence. */
  open(): Promise<Database>;
  /** Restarts whatever holds the storage (e.g. the server cluster); called between close() and open(). */
  restart?(): Promise<void>;
}

async function expectDatabaseError(promise: Promise<unknown>, code: PortErrorCode, sqlState?: string): Promise<DatabaseError> {
  const error = await promise.then(
    () => {
      throw new Error(`expected a DatabaseError ${code}, but the call succeeded`);
    },
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DatabaseError);
  const de = error as DatabaseError;
  expect({ code: de.code, message: de.message }).toMatchObject({ code });
  if (sqlState !== undefined) expect(de.engineCode).toBe(sqlState);
  return de;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const awkwardStrings = [
  "it's",
  "O''Brien",
  'back\\slash \\',
  'quote " double',
  'tab\tnew\nline\rcr',
  'Straße, Jugendamt Köln-Mülheim — 🏙️ 中文',
  '$1 placeholder-looking',
  "'; DROP TABLE people; --",
  '',
];

export function databaseContract(name: string, harness: DatabaseContractHarness): void {
  describe(`Database contract: ${name}`, () => {
    let db: Database;
    beforeAll(async () => {
      db = await harness.open();
      await db.exec(`
        CREATE TABLE amt (id text PRIMARY KEY, name text NOT NULL);
        CREATE TABLE massnahme (
          id bigint PRIMARY KEY,
          amt_id text NOT NULL REFERENCES amt(id),
          titel text NOT NULL UNIQUE,
          budget numeric(12,2) CHECK (budget >= 0),
          beginn date,
          angelegt timestamptz NOT NULL DEFAULT now(),
          details jsonb,
          tags text[] NOT NULL DEFAULT '{}'
        );
        INSERT INTO amt (id, name) VALUES ('51', 'Jugendamt'), ('50', 'Sozialamt');
      `);
    });
    afterAll(async () => {
      await db?.close();
    });

    it('runs several statements with exec and parameterised queries with rowCount', async () => {
      const inserted = await db.query('INSERT INTO massnahme (id, amt_id, titel, budget) VALUES ($1, $2, $3, $4), ($5, $2, $6, $4)', [1, '51', 'Kita-Ausbau', '1000.50', 2, 'Schulsozialarbeit']);
      expect(inserted.rowCount).toBe(2);
      const updated = await db.query('UPDATE massnahme SET budget = budget + $1 WHERE amt_id = $2', [1, '51']);
      expect(updated.rowCount).toBe(2);
      expect((await db.query('UPDATE massnahme SET budget = 0 WHERE id = $1', [999])).rowCount).toBe(0);
      const selected = await db.query<{ id: string; budget: string }>('SELECT id, budget FROM massnahme ORDER BY id');
      expect(selected).toEqual({
        rows: [
          { id: '1', budget: '1001.50' },
          { id: '2', budget: '1001.50' },
        ],
        rowCount: 2,
      });
      const returning = await db.query('DELETE FROM massnahme WHERE id = $1 RETURNING titel', [2]);
      expect(returning).toEqual({ rows: [{ titel: 'Schulsozialarbeit' }], rowCount: 1 });
    });

    it('binds strings with quotes, backslashes, control characters and unicode exactly', async () => {
      for (const s of awkwardStrings) {
        expect((await db.query('SELECT $1::text AS s, length($1::text) AS n', [s])).rows).toEqual([{ s, n: [...s].length }]);
      }
      expect((await db.query('SELECT $1::text[] AS a', [awkwardStrings])).rows).toEqual([{ a: awkwardStrings }]);
    });

    it('keeps an injection attempt a literal value', async () => {
      const attack = "x' OR '1'='1";
      expect((await db.query('SELECT id FROM amt WHERE name = $1', [attack])).rows).toEqual([]);
      await db.query('SELECT id FROM amt WHERE name = $1', ["'; DROP TABLE amt; --"]);
      expect((await db.query('SELECT count(*)::int AS c FROM amt')).rows).toEqual([{ c: 2 }]);
    });

    it('returns and accepts typed values the same way on every adapter', async () => {
      const at = new Date('2024-01-02T03:04:05.678Z');
      await db.query('INSERT INTO massnahme (id, amt_id, titel, budget, beginn, angelegt, details, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)', [
        9007199254740993n,
        '50',
        'Quartiersmanagement',
        '12.30',
        '2024-02-29',
        at,
        { traeger: 'Caritas', stadtteile: ['Kalk', 'Vingst'], anteil: 0.5 },
        ['präventiv', "o'k"],
      ]);
      const { rows } = await db.query('SELECT id, budget, beginn, angelegt, details, tags FROM massnahme WHERE id = $1', [9007199254740993n]);
      expect(rows).toEqual([
        {
          id: '9007199254740993',
          budget: '12.30',
          beginn: '2024-02-29',
          angelegt: at,
          details: { traeger: 'Caritas', stadtteile: ['Kalk', 'Vingst'], anteil: 0.5 },
          tags: ['präventiv', "o'k"],
        },
      ]);
      const scalars = await db.query(
        `SELECT $1::int AS i, $2::float8 AS f, $3::boolean AS b, $4::int8[] AS big, '2024-01-02 03:04:05.5'::timestamp AS ts,
          NULL::text AS nothing, $5::date AS d, $6::jsonb AS j, $7::bytea AS bytes`,
        [42, 0.25, true, ['9223372036854775807', 1n], '2024-12-31', { a: [1, null] }, new Uint8Array([0, 255])],
      );
      const row = scalars.rows[0]!;
      expect({ ...row, bytes: undefined }).toEqual({
        i: 42,
        f: 0.25,
        b: true,
        big: ['9223372036854775807', '1'],
        ts: new Date('2024-01-02T03:04:05.500Z'),
        nothing: null,
        d: '2024-12-31',
        j: { a: [1, null] },
        bytes: undefined,
      });
      expect([...(row.bytes as Uint8Array)]).toEqual([0, 255]);
    });

    it('reports typed errors with the SQLSTATE', async () => {
      await expectDatabaseError(db.query('SELECT * FROM no_such_table'), 'UNKNOWN_TABLE', '42P01');
      await expectDatabaseError(db.query('SELECT no_such_column FROM amt'), 'UNKNOWN_COLUMN', '42703');
      await expectDatabaseError(db.query('SELEKT 1'), 'SYNTAX_ERROR', '42601');
      await expectDatabaseError(db.exec('CREATE TABLE ok_t (id int); SELEKT 1'), 'SYNTAX_ERROR', '42601');
      const dup = await expectDatabaseError(db.query("INSERT INTO amt (id, name) VALUES ('51', 'nochmal')"), 'UNIQUE_VIOLATION', '23505');
      expect(dup.message).toMatch(/amt_pkey/);
      await expectDatabaseError(db.query('INSERT INTO amt (id, name) VALUES ($1, $2)', ['99', null]), 'NOT_NULL_VIOLATION', '23502');
      await expectDatabaseError(db.query("INSERT INTO massnahme (id, amt_id, titel) VALUES (50, 'fehlt', 'x')"), 'FOREIGN_KEY_VIOLATION', '23503');
      await expectDatabaseError(db.query("INSERT INTO massnahme (id, amt_id, titel, budget) VALUES (51, '51', 'y', -1)"), 'CHECK_VIOLATION', '23514');
      await expectDatabaseError(db.query('SELECT $1::int AS n', ['zwölf']), 'BAD_PARAMETER', '22P02');
      await expectDatabaseError(db.query('SELECT $1::int AS n', [2 ** 40]), 'BAD_PARAMETER', '22003');
      // values the port does not accept are refused before they reach the driver, naming the position
      const fn = await expectDatabaseError(db.query('SELECT $1::text AS n, $2::text AS m', ['ok', () => 1]), 'BAD_PARAMETER');
      expect(fn.message).toMatch(/\$2/);
      await expectDatabaseError(db.query('SELECT $1::timestamptz AS t', [new Date('kaputt')]), 'BAD_PARAMETER');
      await expectDatabaseError(db.query('SELECT $1::text AS t', [new Map()]), 'BAD_PARAMETER');
      // still usable
      expect((await db.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });

    it('commits a transaction and passes its result through', async () => {
      const result = await db.transaction(async (tx) => {
        await tx.query("INSERT INTO amt (id, name) VALUES ('40', 'Schulamt')");
        await tx.query("UPDATE amt SET name = 'Amt für Schulentwicklung' WHERE id = '40'");
        return (await tx.query<{ name: string }>("SELECT name FROM amt WHERE id = '40'")).rows[0]!.name;
      });
      expect(result).toBe('Amt für Schulentwicklung');
      expect((await db.query("SELECT name FROM amt WHERE id = '40'")).rows).toEqual([{ name: 'Amt für Schulentwicklung' }]);
    });

    it('rolls back when the callback throws, rethrowing its error unchanged', async () => {
      const own = new Error('fachlicher Abbruch');
      await expect(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO amt (id, name) VALUES ('41', 'Gesundheitsamt')");
          throw own;
        }),
      ).rejects.toBe(own);
      await expectDatabaseError(
        db.transaction(async (tx) => {
          await tx.query("INSERT INTO amt (id, name) VALUES ('42', 'Wohnungsamt')");
          await tx.query("INSERT INTO amt (id, name) VALUES ('42', 'doppelt')");
        }),
        'UNIQUE_VIOLATION',
      );
      expect((await db.query("SELECT id FROM amt WHERE id IN ('41', '42')")).rows).toEqual([]);
    });

    it('refuses a transaction handle once its transaction has ended', async () => {
      let leaked: { query: (sql: string) => Promise<unknown> } | undefined;
      await db.transaction(async (tx) => {
        leaked = tx;
      });
      await expectDatabaseError(leaked!.query('SELECT 1'), 'CLOSED');
    });

    it('never lets concurrent callers see or join another transaction', async () => {
      await db.exec('CREATE TABLE buchung (id int PRIMARY KEY, von text NOT NULL)');
      const aborted = db.transaction(async (tx) => {
        await tx.query("INSERT INTO buchung (id, von) VALUES (1, 'abgebrochen')");
        await sleep(150);
        const mine = await tx.query<{ id: number }>('SELECT id FROM buchung ORDER BY id');
        expect(mine.rows.map((r) => r.id)).toContain(1); // still this transaction (others may have committed meanwhile)
        throw new Error('rollback');
      });
      await sleep(20);
      const committed = db.transaction(async (tx) => {
        await tx.query("INSERT INTO buchung (id, von) VALUES (2, 'committed')");
        await sleep(20);
        await tx.query("INSERT INTO buchung (id, von) VALUES (3, 'committed')");
      });
      const outside = db.query('SELECT id FROM buchung ORDER BY id');
      const outsideInsert = db.query("INSERT INTO buchung (id, von) VALUES (4, 'einzeln')");
      await expect(aborted).rejects.toThrow('rollback');
      await committed;
      await outsideInsert;
      // a plain query never sees the uncommitted row of the transaction that later rolled back
      expect((await outside).rows.map((r) => r.id)).not.toContain(1);
      expect((await db.query('SELECT id, von FROM buchung ORDER BY id')).rows).toEqual([
        { id: 2, von: 'committed' },
        { id: 3, von: 'committed' },
        { id: 4, von: 'einzeln' },
      ]);
    });

    it('runs many concurrent queries and transactions without mixing results', async () => {
      await db.exec('CREATE TABLE zaehler (n int NOT NULL)');
      const queries = Array.from({ length: 30 }, (_, i) => db.query<{ i: number; s: string }>('SELECT $1::int AS i, $2::text AS s', [i, `wert-${i}`]));
      const txs = Array.from({ length: 10 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.query('INSERT INTO zaehler (n) VALUES ($1)', [i]);
          return (await tx.query<{ c: number }>('SELECT count(*)::int AS c FROM zaehler WHERE n = $1', [i])).rows[0]!.c;
        }),
      );
      const [q, t] = await Promise.all([Promise.all(queries), Promise.all(txs)]);
      q.forEach((r, i) => {
        expect(r.rows).toEqual([{ i, s: `wert-${i}` }]);
      });
      expect(t).toEqual(Array.from({ length: 10 }, () => 1));
      expect((await db.query('SELECT sum(n)::int AS s FROM zaehler')).rows).toEqual([{ s: 45 }]);
    });

    it('keeps committed data across close and reopen, then refuses calls once closed', async () => {
      await db.query("INSERT INTO amt (id, name) VALUES ('60', 'Stadtplanungsamt')");
      await db.close();
      await expectDatabaseError(db.query('SELECT 1'), 'CLOSED');
      await expectDatabaseError(db.exec('SELECT 1'), 'CLOSED');
      await expectDatabaseError(
        db.transaction(async () => undefined),
        'CLOSED',
      );
      await db.close(); // idempotent
      await harness.restart?.();
      db = await harness.open();
      expect((await db.query('SELECT id, name FROM amt ORDER BY id')).rows).toEqual([
        { id: '40', name: 'Amt für Schulentwicklung' },
        { id: '50', name: 'Sozialamt' },
        { id: '51', name: 'Jugendamt' },
        { id: '60', name: 'Stadtplanungsamt' },
      ]);
      expect((await db.query('SELECT count(*)::int AS c FROM buchung')).rows).toEqual([{ c: 3 }]);
    });
  });
}
