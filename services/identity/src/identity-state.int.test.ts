// The identity state's contract on its three stores: files (the embedded default), PGlite and a
// PostgreSQL server (servers mode, shared by the platform's replicas); what the files of the entries
// are (whole, 0600, swept, bounded); and the move of an earlier data directory's users, keys and
// secrets into the database.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createPgDatabase } from '@sp/database-pg';
import { openPgliteDatabase } from '@sp/database-pglite';
import type { Database } from '@sp/ports';
import { type PostgresInstance, startPostgres } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createIdentity } from './identity.js';
import { identityEnvSchema } from './identity.config.js';
import { databaseIdentityState, fileIdentityState } from './identity-state.js';
import { identityStateContract } from './testing/identity-state.contract.js';

const dirs: string[] = [];
const closing: (() => Promise<void> | void)[] = [];
let pg: PostgresInstance;
let pglite: Database;
let pgliteDir: string;

beforeAll(async () => {
  pg = await startPostgres();
  pgliteDir = mkdtempSync(join(tmpdir(), 'sp-identity-pglite-'));
  pglite = await openPgliteDatabase({ dataDir: pgliteDir });
}, 120_000);

afterAll(async () => {
  for (const close of closing) await close();
  await pglite?.close();
  await pg?.wipe();
  for (const dir of [...dirs, pgliteDir]) rmSync(dir, { recursive: true, force: true });
});

// one directory: the platform and the CLI each open it, and the platform again after a restart
// (entries are written by the platform alone)
const filesDir = mkdtempSync(join(tmpdir(), 'sp-identity-state-'));
dirs.push(filesDir);
identityStateContract('files (embedded default)', async () => fileIdentityState(filesDir), { shared: false });

describe('entries as files (embedded default)', () => {
  const fresh = () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-identity-entries-'));
    dirs.push(dir);
    return dir;
  };
  const filesOf = (dir: string, kind: string) => {
    const at = join(dir, 'entries', encodeURIComponent(kind));
    return existsSync(at) ? readdirSync(at).map((name) => join(at, name)) : [];
  };

  it('writes each entry to a file of its own (0600, named by a hash, not by the id) before the call resolves, and deletes it with the entry', async () => {
    const dir = fresh();
    const sessions = fileIdentityState(dir).entries('dashboard-session');
    await sessions.set('hashed-cookie-id', { refreshToken: 'r' }, Date.now() + 60_000);
    const [file, ...more] = filesOf(dir, 'dashboard-session');
    expect(more).toEqual([]);
    expect(file).not.toContain('hashed-cookie-id');
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    expect(statSync(join(dir, 'entries')).mode & 0o777).toBe(0o700);
    expect(JSON.parse(readFileSync(file!, 'utf8'))).toMatchObject({ id: 'hashed-cookie-id', value: { refreshToken: 'r' } });
    await sessions.delete('hashed-cookie-id');
    expect(filesOf(dir, 'dashboard-session')).toEqual([]);
  });

  it('never reads a write a crash interrupted, nor a file that is not whole: both are removed at the next start', async () => {
    const dir = fresh();
    const before = fileIdentityState(dir).entries('k');
    await before.set('whole', { n: 1 }, Date.now() + 60_000);
    const [file] = filesOf(dir, 'k');
    // a crash between writing the temporary file and renaming it, and a file cut short
    writeFileSync(`${file}.4242.tmp`, '{"id":"whole","value":{"n":');
    writeFileSync(join(dirname(file!), 'cut.json'), '{"id":"cut","value":{"n":2},"expi');
    const after = fileIdentityState(dir).entries('k');
    expect(await after.get('whole')).toEqual({ n: 1 });
    expect(await after.count()).toBe(1);
    expect(filesOf(dir, 'k')).toEqual([file]);
  });

  it('sweeps expired entries with their files', async () => {
    vi.useFakeTimers({ toFake: ['setInterval'] });
    try {
      const dir = fresh();
      const entries = fileIdentityState(dir).entries('k');
      await entries.set('short', { n: 1 }, Date.now() + 50);
      await entries.set('long', { n: 2 }, Date.now() + 60_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(filesOf(dir, 'k')).toHaveLength(2);
      await vi.advanceTimersByTimeAsync(60_000);
      await vi.waitFor(() => expect(filesOf(dir, 'k')).toHaveLength(1));
      expect(await fileIdentityState(dir).entries('k').get('long')).toEqual({ n: 2 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps at most maxEntries of a kind: the least recently set go first, files and all, also after a restart', async () => {
    const dir = fresh();
    const entries = fileIdentityState(dir).entries('login-account', { maxEntries: 3 });
    for (const [i, id] of ['a', 'b', 'c', 'd'].entries()) await entries.set(id, { i }, Date.now() + 60_000 + i);
    expect(await entries.get('a')).toBeUndefined();
    expect(filesOf(dir, 'login-account')).toHaveLength(3);
    const after = fileIdentityState(dir).entries('login-account', { maxEntries: 3 });
    await after.set('e', { i: 4 }, Date.now() + 60_004);
    expect(await after.get('b')).toBeUndefined();
    expect(await after.count()).toBe(3);
    expect(filesOf(dir, 'login-account')).toHaveLength(3);
  });
});

identityStateContract(
  'PGlite',
  async () => {
    const state = await databaseIdentityState(pglite);
    closing.push(state.stop);
    return state;
  },
  { shared: true },
);

identityStateContract(
  'a PostgreSQL server (servers mode), each process with its own pool',
  async () => {
    const db = createPgDatabase({ url: pg.url, max: 4 });
    const state = await databaseIdentityState(db);
    closing.push(state.stop, () => db.close());
    return state;
  },
  { shared: true },
);

describe('moving to servers mode', () => {
  it('takes the users, keys and secrets an earlier platform kept in its data directory into an empty database', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sp-identity-upgrade-'));
    dirs.push(dataDir);
    const env = identityEnvSchema.parse({ SP_PUBLIC_URL: 'http://127.0.0.1:9' });
    const printed: string[] = [];
    const before = await createIdentity(env, dataDir, { log: (l) => printed.push(l) });
    expect(printed.join('\n')).toContain('Einmalpasswort');
    const users = await before.users!.list();
    const db = createPgDatabase({ url: pg.url, max: 2 });
    closing.push(() => db.close());
    await db.exec('CREATE DATABASE upgrade_check').catch(() => undefined);
    const upgraded = createPgDatabase({ url: Object.assign(new URL(pg.url), { pathname: '/upgrade_check' }).toString(), max: 2 });
    closing.push(() => upgraded.close());
    const again: string[] = [];
    const state = await databaseIdentityState(upgraded);
    closing.push(state.stop);
    const after = await createIdentity(env, dataDir, { state, log: (l) => again.push(l) });
    // no second first admin: the admin (and their password) came along
    expect(again.join('\n')).not.toContain('Einmalpasswort');
    expect(again.join('\n')).toContain('in die Datenbank übernommen');
    expect(await after.users!.list()).toEqual(users);
    const { rows } = await upgraded.query<{ name: string }>('SELECT name FROM identity_documents ORDER BY name');
    expect(rows.map((r) => r.name)).toEqual(['dashboard-client-secret', 'provider-cookie-secret', 'signing-keys', 'users']);
  });
});
