// Key rotation as the gateway sees it: the provider's JWKS is served over HTTP and read through
// discovery (remoteKeys), the way the gateway meets Keycloak or the embedded provider. A key rotated
// in works at once (unknown kid → the JWKS is fetched again); a key rotated out stops working once the
// cached JWKS is older than its maximum age.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenVerifier, remoteKeys } from '@sp/identity/tokens';
import { exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testGateway } from '../testing/gateway.fixture.js';

const audience = 'urn:sozialplanung:platform';
let server: Server;
let issuer: string;
let published: JWK[] = [];
let jwksFetches = 0;

async function key(kid: string) {
  const { publicKey, privateKey } = await generateKeyPair('ES256');
  return { kid, privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' } };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (req.url === '/auth/.well-known/openid-configuration') return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks` }));
    if (req.url === '/auth/jwks') {
      jwksFetches++;
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: published }));
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}/auth`;
});

afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('signing key rotation', () => {
  it('accepts the new key at once, keeps the old while published, refuses it once removed', async () => {
    const verify = createTokenVerifier({ issuer: () => issuer, audience, keys: remoteKeys(() => issuer, { cacheMaxAgeMs: 300, cooldownMs: 0 }) });
    const { gql } = testGateway({ auth: { verify } });
    const ask = async (token: string) => (await gql('{ indicators { code } }', { token })).status;
    const sign = (k: Awaited<ReturnType<typeof key>>) =>
      new SignJWT({ role: 'planner', sub: 'p' }).setProtectedHeader({ alg: 'ES256', kid: k.kid }).setIssuer(issuer).setAudience(audience).setIssuedAt().setExpirationTime('10m').sign(k.privateKey);

    const old = await key('k1');
    published = [old.jwk];
    const oldToken = await sign(old);
    expect(await ask(oldToken)).toBe(200);

    // rotation: the new key signs, the old one stays published until its tokens expired
    const next = await key('k2');
    published = [next.jwk, old.jwk];
    const fetchesBefore = jwksFetches;
    expect(await ask(await sign(next))).toBe(200);
    expect(jwksFetches).toBe(fetchesBefore + 1);
    expect(await ask(oldToken)).toBe(200);

    // the old key is removed from the JWKS: after the cache age its tokens are refused
    published = [next.jwk];
    await new Promise((r) => setTimeout(r, 400));
    const refused = await gql('{ indicators { code } }', { token: oldToken });
    expect(refused.status).toBe(401);
    expect(refused.errors?.[0]?.message).toMatch(/key the issuer does not publish/);
    expect(await ask(await sign(next))).toBe(200);
  });

  it('answers 401 naming the cause when the provider cannot be reached', async () => {
    const verify = createTokenVerifier({ issuer: 'http://127.0.0.1:9/auth', audience, keys: remoteKeys('http://127.0.0.1:9/auth') });
    const { gql } = testGateway({ auth: { verify } });
    const k = await key('k');
    const token = await new SignJWT({ role: 'planner', sub: 'p' })
      .setProtectedHeader({ alg: 'ES256', kid: 'k' })
      .setIssuer('http://127.0.0.1:9/auth')
      .setAudience(audience)
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(k.privateKey);
    const r = await gql('{ indicators { code } }', { token });
    expect(r.status).toBe(401);
    expect(r.errors?.[0]?.message).toMatch(/keys of the issuer unavailable/);
  });
});
