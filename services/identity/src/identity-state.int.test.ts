// The identity state's contract on its three stores: files and memory (the embedded default), PGlite
// and a PostgreSQL server (servers mode, shared by the platform's replicas).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgDatabase } from '@sp/database-pg';
import { openPgliteDatabase } from '@sp/database-pglite';
import type { Database } from '@sp/ports';
import { type PostgresInstance, startPostgres } from '@sp/testing';
import { afterAll, beforeAll } from 'vitest';
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
