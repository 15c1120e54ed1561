// The identity state's contract on its three stores: files and memory (the embedded default), PGlite
// and a PostgreSQL server (servers mode, shared by the platform's replicas); and the move of an earlier
// data directory's users, keys and secrets into the database.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgDatabase } from '@sp/database-pg';
import { openPgliteDatabase } from '@sp/database-pglite';
import type { Database } from '@sp/ports';
import { type PostgresInstance, startPostgres } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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

// one directory: the platform and the CLI each open it (entries are each process's own)
const filesDir = mkdtempSync(join(tmpdir(), 'sp-identity-state-'));
dirs.push(filesDir);
identityStateContract('files and memory (embedded default)', async () => fileIdentityState(filesDir), { shared: false });

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
