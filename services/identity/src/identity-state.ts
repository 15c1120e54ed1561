// Where sign-in keeps what outlives a request (docs/auth.md, "Where sign-in keeps its state"):
//
// - documents: the embedded provider's users, deleted users, signing keys and secrets — small JSON
//   values, each with a version, written only when the version read is still the stored one (so two
//   processes changing users at once do not overwrite each other: the loser reads again and retries);
// - entries: short-lived values with an expiry, by kind — the provider's sessions, interactions,
//   codes and grants, the dashboard's sessions and sign-ins under way, leases.
//
// Two adapters with one contract (identity-state.contract.ts): files in <data>/identity plus this
// process's memory (the embedded default: one process, a restart signs people out), and a database
// (PostgreSQL in servers mode): every replica of the platform sees the same users, keys, sessions and
// sign-ins under way, and a restart signs nobody out.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from '@sp/ports';
import { writeJson } from './file.store.js';

export interface Versioned<T> {
  value: T;
  /** changes with every write; compared by write() */
  version: string;
}

export interface DocumentStore {
  read<T>(name: string): Promise<Versioned<T> | undefined>;
  /** the stored version (undefined: absent), cheaper than read() */
  version(name: string): Promise<string | undefined>;
  /**
   * Writes `value` when the stored version is still `expected` (undefined: the document must be
   * absent); false, and nothing written, when another writer came first.
   */
  write(name: string, value: unknown, expected: string | undefined): Promise<boolean>;
}

/** what an entry may be found by besides its id (the OIDC provider's look-ups) */
export type EntryRef = 'grantId' | 'uid' | 'userCode';

export interface EntryStore {
  /** the entry's value; undefined when absent or expired */
  get<T>(id: string): Promise<T | undefined>;
  set(id: string, value: object, expiresAt: number, refs?: Partial<Record<EntryRef, string>>): Promise<void>;
  /** the entry's value, deleted in the same step: of callers at once, only one gets it */
  take<T>(id: string): Promise<T | undefined>;
  /**
   * Reads the entry, applies `change` and stores what it gives (deletes the entry on undefined), as
   * one step: concurrent updates of one entry, from any process on the state, each see the last.
   */
  update<T>(id: string, change: (current: T | undefined) => { value: T & object; expiresAt: number } | undefined): Promise<T | undefined>;
  /** sets the entry only when it is absent or expired; true when this caller set it (a lease) */
  claim(id: string, value: object, expiresAt: number): Promise<boolean>;
  delete(id: string): Promise<void>;
  findBy<T>(ref: EntryRef, value: string): Promise<{ id: string; value: T } | undefined>;
  deleteBy(ref: EntryRef, value: string): Promise<void>;
  /** entries not yet expired */
  count(): Promise<number>;
}

export interface IdentityState {
  /** 'files' (this process) or 'database' (shared by every process on it) */
  kind: 'files' | 'database';
  documents: DocumentStore;
  entries(kind: string): EntryStore;
}

/** Reads a document, applies `change`, writes it back; again from the new read when another writer came first. */
export async function updateDocument<T, R>(documents: DocumentStore, name: string, change: (current: T | undefined) => { value: T; result: R }): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    const current = await documents.read<T>(name);
    const { value, result } = change(current?.value);
    if (await documents.write(name, value, current?.version)) return result;
    if (attempt >= 20) throw new Error(`the document ${name} changed under 20 writes in a row`);
  }
}

/** A secret made once and then read by everyone: the first writer's stays (`initial`, else random). */
export async function sharedSecret(documents: DocumentStore, name: string, initial?: string): Promise<string> {
  for (;;) {
    const found = await documents.read<string>(name);
    if (found) return found.value;
    await documents.write(name, initial ?? randomBytes(32).toString('base64url'), undefined);
  }
}

/** the documents sign-in keeps (the files of <data>/identity) */
export const identityDocuments = ['users', 'deleted-users', 'signing-keys', 'dashboard-client-secret', 'provider-cookie-secret'] as const;

/**
 * Moving to a shared store (servers mode) from files an earlier version kept in the data directory:
 * each document the store does not have yet is taken from its file, so users, keys and secrets stay
 * what they were. Returns the names taken.
 */
export async function seedDocuments(to: DocumentStore, from: DocumentStore): Promise<string[]> {
  const taken: string[] = [];
  for (const name of identityDocuments) {
    const file = await from.read(name);
    if (file && (await to.write(name, file.value, undefined))) taken.push(name);
  }
  return taken;
}

// ---- files and memory (the embedded default) ----

/**
 * Documents as files `<dir>/<name>.json` (0600, written atomically), versioned by a hash of their
 * content (a change stamp of mtime and inode can repeat within a millisecond); the two secrets as
 * `<dir>/<name>`, plain text, as earlier versions wrote them. The CLI writes the same files beside a
 * running platform. Compare-and-write is per process: the CLI and the platform writing the same
 * instant is the one race left (as before).
 */
export class FileDocuments implements DocumentStore {
  constructor(private readonly dir: string) {}

  private fileOf(name: string): string {
    return join(this.dir, secretNames.has(name) ? name : `${name}.json`);
  }

  /** the file's text and its hash; undefined when absent */
  private contentOf(name: string): { text: string; version: string } | undefined {
    let text: string;
    try {
      text = readFileSync(this.fileOf(name), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    return { text, version: createHash('sha256').update(text).digest('base64url') };
  }

  async read<T>(name: string): Promise<Versioned<T> | undefined> {
    const found = this.contentOf(name);
    if (!found) return undefined;
    return { value: (secretNames.has(name) ? found.text.trim() : JSON.parse(found.text)) as T, version: found.version };
  }

  async version(name: string): Promise<string | undefined> {
    return this.contentOf(name)?.version;
  }

  async write(name: string, value: unknown, expected: string | undefined): Promise<boolean> {
    const file = this.fileOf(name);
    if (this.contentOf(name)?.version !== expected) return false;
    if (secretNames.has(name)) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      writeFileSync(file, String(value), { mode: 0o600 });
    } else writeJson(file, value);
    return true;
  }
}

/** the documents kept as plain text files, not JSON (the files earlier versions wrote) */
const secretNames = new Set(['dashboard-client-secret', 'provider-cookie-secret']);

interface MemoryEntry {
  value: object;
  expiresAt: number;
  refs: Partial<Record<EntryRef, string>>;
}

/**
 * Entries in this process's memory; expired ones are dropped when read and swept every minute.
 * With `maxEntries`, the least recently set beyond it are forgotten first.
 */
export class MemoryEntries implements EntryStore {
  private readonly map = new Map<string, MemoryEntry>();

  constructor(
    private readonly now: () => number = Date.now,
    private readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {
    setInterval(() => {
      const t = this.now();
      for (const [id, e] of this.map) if (e.expiresAt <= t) this.map.delete(id);
    }, 60_000).unref();
  }

  private live(id: string): MemoryEntry | undefined {
    const e = this.map.get(id);
    if (e && e.expiresAt <= this.now()) {
      this.map.delete(id);
      return undefined;
    }
    return e;
  }

  async get<T>(id: string): Promise<T | undefined> {
    return this.live(id)?.value as T | undefined;
  }

  async set(id: string, value: object, expiresAt: number, refs: Partial<Record<EntryRef, string>> = {}): Promise<void> {
    // a copy, as the database stores it: a later change of the caller's object is not the entry's
    this.put(id, { value: structuredClone(value), expiresAt, refs });
  }

  /** as the most recent entry; the least recent beyond maxEntries go */
  private put(id: string, entry: MemoryEntry): void {
    this.map.delete(id);
    this.map.set(id, entry);
    while (this.map.size > this.maxEntries) this.map.delete(this.map.keys().next().value!);
  }

  async take<T>(id: string): Promise<T | undefined> {
    const e = this.live(id);
    this.map.delete(id);
    return e?.value as T | undefined;
  }

  async update<T>(id: string, change: (current: T | undefined) => { value: T & object; expiresAt: number } | undefined): Promise<T | undefined> {
    const next = change(this.live(id)?.value as T | undefined);
    if (!next) {
      this.map.delete(id);
      return undefined;
    }
    this.put(id, { value: structuredClone(next.value), expiresAt: next.expiresAt, refs: {} });
    return next.value;
  }

  async claim(id: string, value: object, expiresAt: number): Promise<boolean> {
    if (this.live(id)) return false;
    this.put(id, { value: structuredClone(value), expiresAt, refs: {} });
    return true;
  }

  async delete(id: string): Promise<void> {
    this.map.delete(id);
  }

  async findBy<T>(ref: EntryRef, value: string): Promise<{ id: string; value: T } | undefined> {
    for (const [id, e] of this.map) if (e.refs[ref] === value && this.live(id)) return { id, value: e.value as T };
    return undefined;
  }

  async deleteBy(ref: EntryRef, value: string): Promise<void> {
    for (const [id, e] of this.map) if (e.refs[ref] === value) this.map.delete(id);
  }

  async count(): Promise<number> {
    let n = 0;
    for (const id of this.map.keys()) if (this.live(id)) n++;
    return n;
  }
}

export function fileIdentityState(dir: string): IdentityState {
  const documents = new FileDocuments(dir);
  const kinds = new Map<string, MemoryEntries>();
  return {
    kind: 'files',
    documents,
    entries(kind) {
      let store = kinds.get(kind);
      if (!store) kinds.set(kind, (store = new MemoryEntries()));
      return store;
    },
  };
}

// ---- a database (servers mode: PostgreSQL) ----

const schema = `
CREATE TABLE IF NOT EXISTS identity_documents (
  name text PRIMARY KEY,
  body jsonb NOT NULL,
  version bigint NOT NULL
);
CREATE TABLE IF NOT EXISTS identity_entries (
  kind text NOT NULL,
  id text NOT NULL,
  body jsonb NOT NULL,
  expires_at timestamptz NOT NULL,
  grant_id text,
  uid text,
  user_code text,
  PRIMARY KEY (kind, id)
);
CREATE INDEX IF NOT EXISTS identity_entries_grant ON identity_entries (kind, grant_id) WHERE grant_id IS NOT NULL;
CREATE INDEX IF NOT EXISTS identity_entries_uid ON identity_entries (kind, uid) WHERE uid IS NOT NULL;
CREATE INDEX IF NOT EXISTS identity_entries_user_code ON identity_entries (kind, user_code) WHERE user_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS identity_entries_expiry ON identity_entries (expires_at);
`;

const refColumn: Record<EntryRef, string> = { grantId: 'grant_id', uid: 'uid', userCode: 'user_code' };

/** a database's documents as they are (read-only users of them: the standalone gateway and ingestion) */
export class DatabaseDocuments implements DocumentStore {
  constructor(private readonly db: Database) {}

  async read<T>(name: string): Promise<Versioned<T> | undefined> {
    const { rows } = await this.db.query<{ body: T; version: string }>('SELECT body, version FROM identity_documents WHERE name = $1', [name]);
    return rows[0] ? { value: rows[0].body, version: String(rows[0].version) } : undefined;
  }

  async version(name: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ version: string }>('SELECT version FROM identity_documents WHERE name = $1', [name]);
    return rows[0] ? String(rows[0].version) : undefined;
  }

  async write(name: string, value: unknown, expected: string | undefined): Promise<boolean> {
    // jsonb of a string is a JSON string; objects and arrays go as JSON text
    const body = JSON.stringify(value);
    if (expected === undefined) {
      const { rowCount } = await this.db.query('INSERT INTO identity_documents (name, body, version) VALUES ($1, $2::jsonb, 1) ON CONFLICT (name) DO NOTHING', [name, body]);
      return rowCount === 1;
    }
    const { rowCount } = await this.db.query('UPDATE identity_documents SET body = $2::jsonb, version = version + 1 WHERE name = $1 AND version = $3', [name, body, expected]);
    return rowCount === 1;
  }
}

class DatabaseEntries implements EntryStore {
  constructor(
    private readonly db: Database,
    private readonly kind: string,
  ) {}

  async get<T>(id: string): Promise<T | undefined> {
    const { rows } = await this.db.query<{ body: T }>('SELECT body FROM identity_entries WHERE kind = $1 AND id = $2 AND expires_at > now()', [this.kind, id]);
    return rows[0]?.body;
  }

  async set(id: string, value: object, expiresAt: number, refs: Partial<Record<EntryRef, string>> = {}): Promise<void> {
    await this.db.query(
      `INSERT INTO identity_entries (kind, id, body, expires_at, grant_id, uid, user_code) VALUES ($1, $2, $3::jsonb, $4, $5, $6, $7)
       ON CONFLICT (kind, id) DO UPDATE SET body = EXCLUDED.body, expires_at = EXCLUDED.expires_at, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid, user_code = EXCLUDED.user_code`,
      [this.kind, id, JSON.stringify(value), new Date(expiresAt), refs.grantId ?? null, refs.uid ?? null, refs.userCode ?? null],
    );
  }

  async take<T>(id: string): Promise<T | undefined> {
    const { rows } = await this.db.query<{ body: T; live: boolean }>('DELETE FROM identity_entries WHERE kind = $1 AND id = $2 RETURNING body, expires_at > now() AS live', [this.kind, id]);
    return rows[0]?.live ? rows[0].body : undefined;
  }

  async update<T>(id: string, change: (current: T | undefined) => { value: T & object; expiresAt: number } | undefined): Promise<T | undefined> {
    return this.db.transaction(async (tx) => {
      // the row exists (expired) so that it can be locked; concurrent updates wait for each other here
      await tx.query(`INSERT INTO identity_entries (kind, id, body, expires_at) VALUES ($1, $2, 'null'::jsonb, 'epoch') ON CONFLICT (kind, id) DO NOTHING`, [this.kind, id]);
      const { rows } = await tx.query<{ body: T; live: boolean }>('SELECT body, expires_at > now() AS live FROM identity_entries WHERE kind = $1 AND id = $2 FOR UPDATE', [this.kind, id]);
      const next = change(rows[0]?.live ? rows[0].body : undefined);
      if (!next) await tx.query('DELETE FROM identity_entries WHERE kind = $1 AND id = $2', [this.kind, id]);
      else await tx.query('UPDATE identity_entries SET body = $3::jsonb, expires_at = $4 WHERE kind = $1 AND id = $2', [this.kind, id, JSON.stringify(next.value), new Date(next.expiresAt)]);
      return next?.value;
    });
  }

  async claim(id: string, value: object, expiresAt: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO identity_entries (kind, id, body, expires_at) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (kind, id) DO UPDATE SET body = EXCLUDED.body, expires_at = EXCLUDED.expires_at WHERE identity_entries.expires_at <= now()`,
      [this.kind, id, JSON.stringify(value), new Date(expiresAt)],
    );
    return rowCount === 1;
  }

  async delete(id: string): Promise<void> {
    await this.db.query('DELETE FROM identity_entries WHERE kind = $1 AND id = $2', [this.kind, id]);
  }

  async findBy<T>(ref: EntryRef, value: string): Promise<{ id: string; value: T } | undefined> {
    const { rows } = await this.db.query<{ id: string; body: T }>(`SELECT id, body FROM identity_entries WHERE kind = $1 AND ${refColumn[ref]} = $2 AND expires_at > now() LIMIT 1`, [
      this.kind,
      value,
    ]);
    return rows[0] ? { id: rows[0].id, value: rows[0].body } : undefined;
  }

  async deleteBy(ref: EntryRef, value: string): Promise<void> {
    await this.db.query(`DELETE FROM identity_entries WHERE kind = $1 AND ${refColumn[ref]} = $2`, [this.kind, value]);
  }

  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>('SELECT count(*) AS n FROM identity_entries WHERE kind = $1 AND expires_at > now()', [this.kind]);
    return Number(rows[0]?.n ?? 0);
  }
}

/**
 * The state in a database every process of the deployment shares (its tables are made when absent;
 * they hold no read model, so no rebuild from the log touches them). Expired entries are deleted every
 * minute by whichever process runs it.
 */
export async function databaseIdentityState(db: Database): Promise<IdentityState & { stop(): void }> {
  // replicas starting together: CREATE … IF NOT EXISTS is not safe against itself, so one at a time
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['sp identity state schema']);
    for (const statement of schema
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean))
      await tx.query(statement);
  });
  const documents = new DatabaseDocuments(db);
  const sweep = setInterval(() => {
    db.query('DELETE FROM identity_entries WHERE expires_at <= now()').catch(() => undefined);
  }, 60_000);
  sweep.unref();
  return {
    kind: 'database',
    documents,
    entries: (kind) => new DatabaseEntries(db, kind),
    stop: () => clearInterval(sweep),
  };
}
