// TEST HELPER: an access token as the embedded provider of a platform would issue it, signed with
// the newest signing key in its data directory — for tests that need a role without driving the
// sign-in pages (those are driven in embedded-provider.int.test.ts and the dashboard e2e test).
import { join } from 'node:path';
import { importJWK, SignJWT } from 'jose';
import { embeddedAudience } from '../embedded-provider.js';
import { readJson } from '../file.store.js';
import { identityDir } from '../identity.js';
import type { StoredKey } from '../signing-keys.store.js';

export async function tokenFromDataDir(dataDir: string, platformUrl: string, claims: Record<string, unknown>): Promise<string> {
  const [newest] = readJson<StoredKey[]>(join(identityDir(dataDir), 'signing-keys.json')) ?? [];
  if (!newest) throw new Error(`no signing key in ${dataDir}/identity: has the platform started there?`);
  return new SignJWT({ sub: 'e2e', ...claims })
    .setProtectedHeader({ alg: 'ES256', kid: newest.jwk.kid! })
    .setIssuer(`${platformUrl}/auth`)
    .setAudience(embeddedAudience)
    .setIssuedAt()
    .setExpirationTime('1h')
    .sign(await importJWK(newest.jwk, 'ES256'));
}
