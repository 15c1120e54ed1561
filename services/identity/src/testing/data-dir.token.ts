// TEST HELPER: an access token as the embedded provider of a platform would issue it, signed with
// the newest signing key in its data directory — for tests that need a role without driving the
// sign-in pages (those are driven in embedded-provider.int.test.ts and the dashboard e2e test).
import { join } from 'node:path';
import { createPgDatabase } from '@sp/database-pg';
import { importJWK, SignJWT } from 'jose';
import { embeddedAudience } from '../embedded-provider.js';
import { readJson } from '../file.store.js';
import { identityDir } from '../identity.js';
import { DatabaseDocuments } from '../identity-state.js';
import type { StoredKey } from '../signing-keys.store.js';

export async function tokenFromDataDir(dataDir: string, platformUrl: string, claims: Record<string, unknown>): Promise<string> {
  const [newest] = readJson<StoredKey[]>(join(identityDir(dataDir), 'signing-keys.json')) ?? [];
  if (!newest) throw new Error(`no signing key in ${dataDir}/identity: has the platform started there?`);
  return signedWith(newest, platformUrl, claims);
}

/** the same for a platform in servers mode, whose keys are in its PostgreSQL */
export async function tokenFromDatabase(databaseUrl: string, platformUrl: string, claims: Record<string, unknown>): Promise<string> {
  const db = createPgDatabase({ url: databaseUrl, max: 1 });
  try {
    const [newest] = (await new DatabaseDocuments(db).read<StoredKey[]>('signing-keys'))?.value ?? [];
    if (!newest) throw new Error('no signing key in the database: has the platform started on it?');
    return await signedWith(newest, platformUrl, claims);
  } finally {
    await db.close();
  }
}

async function signedWith(newest: StoredKey, platformUrl: string, claims: Record<string, unknown>): Promise<string> {
  return new SignJWT({ sub: 'e2e', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: newest.jwk.kid! })
    .setIssuer(`${platformUrl}/auth`)
    .setAudience(embeddedAudience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(await importJWK(newest.jwk, 'ES256'));
}
