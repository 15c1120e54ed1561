// The Database port over embedded PGlite (PostgreSQL in WebAssembly) on a persistent data directory.
// PGlite has a single connection, so this adapter queues work: a transaction holds the queue from
// BEGIN to COMMIT/ROLLBACK and other callers' statements wait instead of landing inside it.
import { AsyncLocalStorage } from 'node:async_hooks';
import { mkdirSync } from 'node:fs';
import { PGlite } from '@electric-sql/pglite';
import { DatabaseError, type Database, type Queryable, type QueryResult } from '@sp/ports';
import { prepareParams } from '@sp/ports/postgres';
import { toDatabaseError } from './pglite.errors.js';

export interface PgliteDatabaseOptions {
  /** data directory; created and initialised if missing */
  dataDir: string;
}

// Result types every Database adapter returns alike (see database.port.ts). PGlite applies element
// parsers to arrays itself, so int8[] and date[] follow.
const timestampUtc = (value: string): Date | string => (/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)?$/.test(value) ? new Date(`${value.replace(' ', 'T')}Z`) : value); // keeps 'infinity'
const parsers = {
  20: (v: string) => v, // int8: exact, never a lossy number or a bigint
  1082: (v: string) => v, // date: 'YYYY-MM-DD'
  1114: timestampUtc, // timestamp without time zone, read as UTC
};

/** FIFO queue over the one connection. */
class Queue {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.tail.then(fn);
    this.tail = result.then(
      () => undefined,
      () => undefined,
    );
    return result;
  }
  /** resolves when everything queued so far has finished */
  drain(): Promise<void> {
    return this.run(async () => undefined);
  }
}

function describe(sql: string): string {
  return `query ${JSON.stringify(sql.length > 200 ? `${sql.slice(0, 200)}…` : sql)}`;
}

class PgliteTransaction implements Queryable {
  done = false;
  constructor(private readonly runStatement: <T>(sql: string, params?: readonly unknown[]) => Promise<QueryResult<T>>) {}
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    if (this.done) return Promise.reject(new DatabaseError('CLOSED', `${describe(sql)}: its transaction has already ended`));
    return this.runStatement<T>(sql, params);
  }
}

export class PgliteDatabase implements Database {
  private readonly queue = new Queue();
  // marks code running inside one of this database's transactions: a db.query() there would wait
  // for the transaction that is waiting for it, so it fails fast instead
  private readonly insideTransaction = new AsyncLocalStorage<{ active: boolean }>();
  private closing: Promise<void> | undefined;

  constructor(private readonly db: PGlite) {}

  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    return this.enter(describe(sql), () => this.statement<T>(sql, params));
  }

  exec(sql: string): Promise<void> {
    return this.enter(`exec ${describe(sql)}`, async () => {
      try {
        await this.db.exec(sql);
      } catch (error) {
        throw toDatabaseError(error, `exec ${describe(sql)}`);
      }
    });
  }

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.enter('transaction', async () => {
      const tx = new PgliteTransaction((sql, params) => this.statement(sql, params));
      const marker = { active: true };
      await this.statement('BEGIN');
      try {
        const result = await this.insideTransaction.run(marker, () => fn(tx));
        await this.statement('COMMIT');
        return result;
      } catch (error) {
        await this.db.query('ROLLBACK').catch(() => undefined); // after a failed COMMIT there is nothing to roll back
        throw error;
      } finally {
        tx.done = true;
        marker.active = false; // work the callback left behind may use the database normally later
      }
    });
  }

  /** Lets queued work finish, then shuts PGlite down (flushing to the data directory). Later calls fail with CLOSED. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.queue.drain();
      await this.db.close();
    })();
    return this.closing;
  }

  private enter<T>(what: string, work: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(new DatabaseError('CLOSED', `${what}: the PGlite database is closed`));
    if (this.insideTransaction.getStore()?.active) {
      return Promise.reject(new DatabaseError('INTERNAL', `${what}: called on the database inside its own transaction; use the tx passed to transaction() (PGlite has one connection)`));
    }
    return this.queue.run(work);
  }

  private async statement<T>(sql: string, params?: readonly unknown[]): Promise<QueryResult<T>> {
    const values = prepareParams(params);
    try {
      const result = await this.db.query<T>(sql, values);
      return { rows: result.rows, rowCount: result.affectedRows || result.rows.length };
    } catch (error) {
      throw toDatabaseError(error, describe(sql));
    }
  }
}

export async function openPgliteDatabase(options: PgliteDatabaseOptions): Promise<PgliteDatabase> {
  mkdirSync(options.dataDir, { recursive: true });
  try {
    const db = await PGlite.create({ dataDir: options.dataDir, parsers });
    return new PgliteDatabase(db);
  } catch (error) {
    throw toDatabaseError(error, `open PGlite at ${options.dataDir}`);
  }
}
