// Where sign-in keeps what outlives a request (docs/auth.md, "Where sign-in keeps its state"):
//
// - documents: the embedded provider's users, deleted users, signing keys and secrets — small JSON
//   values, each with a version, written only when the version read is still the stored one (so two
//   processes changing users at once do not overwrite each other: the loser reads again and retries);
// - entries: short-lived values with an expiry, by kind — the provider's sessions, interactions,
//   codes and grants, the dashboard's sessions and sign-ins under way, leases.
//
// Two adapters with one contract (identity-state.contract.ts): files in <data>/identity (the embedded
// default: one process, which holds the entries in memory and writes each through to a file of its
// own), and a database (PostgreSQL in servers mode): every replica of the platform sees the same
// users, keys, sessions and sign-ins under way. In both a restart signs nobody out. Not the embedded
// PGlite: a restore or rebuild recreates that database from the log, which holds no sign-in.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { applySchemaOnce, type Database } from '@sp/ports';
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
  /**
   * A lease: sets the entry to `{ owner }` only when it is absent or expired; true when this caller
   * set it. `owner` is the caller's own random token, so that release() lets go of this lease only.
   */
  claim(id: string, owner: string, expiresAt: number): Promise<boolean>;
  /**
   * Deletes the lease only while `owner` holds it: a holder whose lease lapsed and was claimed by
   * another (its work took longer than the lease) must not free the other's.
   */
  release(id: string, owner: string): Promise<void>;
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
  /**
   * The entries of `kind`. `maxEntries` bounds them in the embedded default, the least recently set
   * going first (a database keeps every entry until it expires).
   */
  entries(kind: string, options?: { maxEntries?: number }): EntryStore;
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
 * Entries in this process's memory; expired ones count as absent and are swept every minute. With
 * `maxEntries`, the least recently set beyond it are forgotten first. `kept` is where a subclass
 * makes a change last (FileEntries): every change of the map goes through it before the call resolves.
 */
export class MemoryEntries implements EntryStore {
  protected readonly map = new Map<string, MemoryEntry>();

  constructor(
    protected readonly now: () => number = Date.now,
    private readonly maxEntries = Number.POSITIVE_INFINITY,
  ) {
    setInterval(() => void this.sweep().catch(() => undefined), 60_000).unref();
  }

  /** the entries of `ids` changed in the map (set, replaced or gone); resolves when that is kept */
  protected async kept(_ids: string[]): Promise<void> {}

  private async sweep(): Promise<void> {
    const t = this.now();
    const gone: string[] = [];
    for (const [id, e] of this.map)
      if (e.expiresAt <= t) {
        this.map.delete(id);
        gone.push(id);
      }
    if (gone.length > 0) await this.kept(gone);
  }

  private live(id: string): MemoryEntry | undefined {
    const e = this.map.get(id);
    return e && e.expiresAt > this.now() ? e : undefined;
  }

  async get<T>(id: string): Promise<T | undefined> {
    return this.live(id)?.value as T | undefined;
  }

  async set(id: string, value: object, expiresAt: number, refs: Partial<Record<EntryRef, string>> = {}): Promise<void> {
    // a copy, as the database stores it: a later change of the caller's object is not the entry's
    await this.put(id, { value: structuredClone(value), expiresAt, refs });
  }

  /** as the most recent entry; the least recent beyond maxEntries go */
  private put(id: string, entry: MemoryEntry): Promise<void> {
    this.map.delete(id);
    this.map.set(id, entry);
    const changed = [id];
    while (this.map.size > this.maxEntries) {
      const oldest = this.map.keys().next().value!;
      this.map.delete(oldest);
      changed.push(oldest);
    }
    return this.kept(changed);
  }

  /** deletes the entry (when there is one) */
  private drop(id: string): Promise<void> {
    return this.map.delete(id) ? this.kept([id]) : Promise.resolve();
  }

  async take<T>(id: string): Promise<T | undefined> {
    const e = this.live(id);
    await this.drop(id);
    return e?.value as T | undefined;
  }

  async update<T>(id: string, change: (current: T | undefined) => { value: T & object; expiresAt: number } | undefined): Promise<T | undefined> {
    const next = change(this.live(id)?.value as T | undefined);
    if (!next) {
      await this.drop(id);
      return undefined;
    }
    await this.put(id, { value: structuredClone(next.value), expiresAt: next.expiresAt, refs: {} });
    return next.value;
  }

  async claim(id: string, owner: string, expiresAt: number): Promise<boolean> {
    if (this.live(id)) return false;
    await this.put(id, { value: { owner }, expiresAt, refs: {} });
    return true;
  }

  async release(id: string, owner: string): Promise<void> {
    if ((this.map.get(id)?.value as { owner?: unknown } | undefined)?.owner === owner) await this.drop(id);
  }

  async delete(id: string): Promise<void> {
    await this.drop(id);
  }

  async findBy<T>(ref: EntryRef, value: string): Promise<{ id: string; value: T } | undefined> {
    for (const [id, e] of this.map) if (e.refs[ref] === value && this.live(id)) return { id, value: e.value as T };
    return undefined;
  }

  async deleteBy(ref: EntryRef, value: string): Promise<void> {
    const gone = [...this.map].filter(([, e]) => e.refs[ref] === value).map(([id]) => id);
    for (const id of gone) this.map.delete(id);
    if (gone.length > 0) await this.kept(gone);
  }

  async count(): Promise<number> {
    let n = 0;
    for (const id of this.map.keys()) if (this.live(id)) n++;
    return n;
  }
}

/** an entry's file: its id (the file's name is only a hash of it), value, expiry and references */
interface EntryFile extends MemoryEntry {
  id: string;
}

/**
 * Entries of one kind kept in this process's memory and, written through, one file each in `dir`
 * (the embedded default: a restart, an update or a crash signs nobody out and forgets no login
 * throttle count). The process is the only writer; the files are read once, when the kind is first
 * used. Each file is named by a hash of the kind and the id and written to a temporary file, flushed
 * to disk and renamed before the call resolves, so that a file read is always whole and a change
 * answered is kept. Expired entries are deleted with their files (when read past, swept each minute).
 */
export class FileEntries extends MemoryEntries {
  /** each file's writes in order: a later change must not be overtaken by an earlier one's write */
  private readonly writing = new Map<string, Promise<void>>();

  constructor(
    private readonly dir: string,
    private readonly kind: string,
    maxEntries?: number,
  ) {
    super(Date.now, maxEntries);
    this.load();
  }

  private fileOf(id: string): string {
    return join(this.dir, `${createHash('sha256').update(`${this.kind}\0${id}`).digest('base64url')}.json`);
  }

  /** the entries on disk into the map, the least recent (soonest to expire) first; expired and unreadable ones deleted */
  private load(): void {
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw e;
    }
    const found: EntryFile[] = [];
    for (const name of names) {
      const file = join(this.dir, name);
      let entry: EntryFile | undefined;
      try {
        // a temporary file is a write a crash interrupted: the entry's previous file (if any) stands
        if (name.endsWith('.json')) entry = JSON.parse(readFileSync(file, 'utf8')) as EntryFile;
      } catch {
        entry = undefined;
      }
      if (entry && typeof entry.id === 'string' && this.fileOf(entry.id) === file && entry.expiresAt > this.now()) found.push(entry);
      else rmSync(file, { force: true });
    }
    found.sort((a, b) => a.expiresAt - b.expiresAt);
    for (const { id, value, expiresAt, refs } of found) this.map.set(id, { value, expiresAt, refs: refs ?? {} });
  }

  protected override kept(ids: string[]): Promise<void> {
    return Promise.all(ids.map((id) => this.write(id))).then(() => undefined);
  }

  /** the entry's file as the map has it now (absent: deleted), after the file's earlier writes */
  private write(id: string): Promise<void> {
    const next = (this.writing.get(id) ?? Promise.resolve()).catch(() => undefined).then(() => this.writeNow(id));
    this.writing.set(id, next);
    // the last write of a file forgets its chain
    void next.finally(() => this.writing.get(id) === next && this.writing.delete(id)).catch(() => undefined);
    return next;
  }

  private async writeNow(id: string): Promise<void> {
    const file = this.fileOf(id);
    const entry = this.map.get(id);
    if (!entry) return rm(file, { force: true });
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const tmp = `${file}.${process.pid}.tmp`;
    const handle = await open(tmp, 'w', 0o600);
    try {
      await handle.writeFile(JSON.stringify({ id, ...entry } satisfies EntryFile));
      await handle.datasync();
    } finally {
      await handle.close();
    }
    await rename(tmp, file);
  }
}

/**
 * The embedded default's state: documents as files in `dir`, entries in memory and written through
 * to `dir`/entries/<kind>/ (FileEntries), so a restart of the one process signs nobody out.
 */
export function fileIdentityState(dir: string): IdentityState {
  const documents = new FileDocuments(dir);
  const kinds = new Map<string, FileEntries>();
  return {
    kind: 'files',
    documents,
    entries(kind, options) {
      let store = kinds.get(kind);
      if (!store) kinds.set(kind, (store = new FileEntries(join(dir, 'entries', encodeURIComponent(kind)), kind, options?.maxEntries)));
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

  async claim(id: string, owner: string, expiresAt: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `INSERT INTO identity_entries (kind, id, body, expires_at) VALUES ($1, $2, $3::jsonb, $4)
       ON CONFLICT (kind, id) DO UPDATE SET body = EXCLUDED.body, expires_at = EXCLUDED.expires_at WHERE identity_entries.expires_at <= now()`,
      [this.kind, id, JSON.stringify({ owner }), new Date(expiresAt)],
    );
    return rowCount === 1;
  }

  async release(id: string, owner: string): Promise<void> {
    // the owner compared in the same statement: between a read and a delete another could claim it
    await this.db.query("DELETE FROM identity_entries WHERE kind = $1 AND id = $2 AND body->>'owner' = $3", [this.kind, id, owner]);
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
  await applySchemaOnce(
    db,
    'sp identity state schema',
    schema
      .split(';')
      .map((s) => s.trim())
      .filter(Boolean),
  );
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
