// Servers mode's API keys on a shared database (PGlite here, as one PostgreSQL of every replica),
// each replica with its own data directory: a key made for an Amt the catalogue gained since is the
// same at every replica, also at one whose directory holds a copy from an earlier start; a key file
// the operator gave decides for the Ämter it names.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteDatabase, type PgliteDatabase } from '@sp/database-pglite';
import { databaseIdentityState, type IdentityState } from '@sp/identity';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateSharedApiKeys } from './api-keys.store.js';

const dirs: string[] = [];
const dir = () => {
  const d = mkdtempSync(join(tmpdir(), 'sp-shared-keys-'));
  dirs.push(d);
  return d;
};
let db: PgliteDatabase;
let state: IdentityState & { stop(): void };

beforeAll(async () => {
  db = await openPgliteDatabase({ dataDir: dir() });
  state = await databaseIdentityState(db);
});
afterAll(async () => {
  state?.stop();
  await db?.close();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('API keys shared through the database', () => {
  it('gives an Amt the catalogue gained the same key at every replica, whatever copy a replica kept', async () => {
    const [a, b] = [dir(), dir()];
    const first = await loadOrCreateSharedApiKeys(state.documents, a, ['jugendamt']);
    expect((await loadOrCreateSharedApiKeys(state.documents, b, ['jugendamt'])).keys).toEqual(first.keys);
    // both directories hold a copy now; the catalogue gains an Amt and both replicas start again
    const atA = await loadOrCreateSharedApiKeys(state.documents, a, ['jugendamt', 'sozialamt']);
    const atB = await loadOrCreateSharedApiKeys(state.documents, b, ['jugendamt', 'sozialamt']);
    expect(atA.keys.sozialamt).toMatch(/^sp_sozialamt-1_/);
    expect(atB.keys).toEqual(atA.keys);
    expect(JSON.parse(readFileSync(join(b, 'api-keys.json'), 'utf8'))).toEqual(atA.keys);
  });

  it("takes the operator's key file for the Ämter it names", async () => {
    const c = dir();
    const own = { jugendamt: 'sp_jugendamt-9_the-operators-own-key-0123456789' };
    writeFileSync(join(c, 'api-keys.json'), JSON.stringify(own));
    const keys = await loadOrCreateSharedApiKeys(state.documents, c, ['jugendamt', 'sozialamt']);
    expect(keys.keys.jugendamt).toBe(own.jugendamt);
    // and the other replicas follow it
    expect((await loadOrCreateSharedApiKeys(state.documents, dir(), ['jugendamt', 'sozialamt'])).keys.jugendamt).toBe(own.jugendamt);
  });
});
