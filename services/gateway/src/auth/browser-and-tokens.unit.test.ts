// Tokens and browser rules (issue #13 deliver 4, issue #18), each played as the attack: a token
// without exp, expired, with a lifetime beyond the maximum, wrongly signed, `alg: none`, HMAC-signed
// with the provider's public key (algorithm confusion), for another audience or issuer; introspection
// by the public, and a page on a foreign origin reading answers with the viewer's credentials.
// Key rotation against a served JWKS is in token-rotation.int.test.ts.
import { createTokenVerifier } from '@sp/identity/tokens';
import { base64url, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { testAudience, testGateway, testIssuer, testKeyPair, testKeys, testKid, tokenFor } from '../testing/gateway.fixture.js';

const now = () => Math.floor(Date.now() / 1000);

/** A token with exactly these claims (no exp unless given), signed by the test provider's key. */
const raw = async (claims: Record<string, unknown>, header: Record<string, unknown> = {}) =>
  new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: testKid, ...header }).sign((await testKeyPair).privateKey);
const valid = () => ({ sub: 'p1', role: 'planner', iss: testIssuer, aud: testAudience, iat: now(), exp: now() + 600 });

const query = '{ indicators { code } }';

describe('tokens', () => {
  const { gql, get } = testGateway();

  async function rejected(token: string, reason: RegExp): Promise<void> {
    const r = await gql(query, { token });
    expect(r.status).toBe(401);
    expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(r.errors?.[0]?.message).toMatch(reason);
    expect(r.data ?? null).toBeNull();
    const csv = await get('/export/indicator-values.csv?indicator=einwohner&level=STADT&period=2012', token);
    expect(csv.status).toBe(401);
  }

  it('accepts a well-formed token of the provider', async () => {
    const r = await gql(query, { token: await raw({ ...valid(), jti: 'x', scope: 'platform', client_id: 'sp-dashboard' }) });
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
  });

  it('refuses a token without exp (it would never expire)', async () => {
    const { exp: _exp, ...noExp } = valid();
    await rejected(await raw(noExp), /"exp" is missing/);
  });

  it('refuses an expired token', async () => {
    await rejected(await raw({ ...valid(), iat: now() - 7200, exp: now() - 60 }), /token expired/);
  });

  it('refuses a token whose lifetime exceeds the maximum (default 12 h), with or without iat', async () => {
    await rejected(await raw({ ...valid(), exp: now() + 30 * 24 * 3600 }), /longer than the maximum lifetime of 43200 s/);
    const { iat: _iat, ...noIat } = valid();
    await rejected(await raw({ ...noIat, exp: now() + 13 * 3600 }), /maximum lifetime/);
    // issued long ago, expiring soon, but once valid for a year: still refused
    await rejected(await raw({ ...valid(), iat: now() - 365 * 24 * 3600, exp: now() + 60 }), /maximum lifetime/);
  });

  it('refuses a token signed by another key, even under the provider key id', async () => {
    const { privateKey } = await generateKeyPair('ES256');
    await rejected(await tokenFor({ role: 'admin' }, { key: privateKey }), /signature or format invalid/);
    await rejected(await tokenFor({ role: 'admin' }, { key: privateKey, kid: 'attacker-key' }), /key the issuer does not publish/);
  });

  it('refuses alg "none" (an unsigned token)', async () => {
    const unsigned = `${base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: testKid }))}.${base64url.encode(JSON.stringify({ ...valid(), role: 'admin' }))}.`;
    await rejected(unsigned, /algorithm not allowed|signature or format invalid/);
  });

  it('refuses an HS256 token whose secret is the provider public key (algorithm confusion)', async () => {
    const publicJwk = JSON.stringify(await exportJWK((await testKeyPair).publicKey));
    const forged = await new SignJWT({ ...valid(), role: 'admin' }).setProtectedHeader({ alg: 'HS256', kid: testKid }).sign(new TextEncoder().encode(publicJwk));
    await rejected(forged, /algorithm not allowed/);
  });

  it('refuses another issuer or audience, and tokens without them', async () => {
    await rejected(await raw({ ...valid(), iss: 'https://evil.test' }), /"iss" check failed/);
    await rejected(await raw({ ...valid(), aud: 'another-app' }), /"aud" check failed/);
    const { iss: _iss, ...noIss } = valid();
    await rejected(await raw(noIss), /"iss"/);
    const { aud: _aud, ...noAud } = valid();
    await rejected(await raw(noAud), /"aud"/);
  });

  it('refuses a token without a known role, and role amt without its Amt, naming what is accepted', async () => {
    await rejected(await raw({ ...valid(), role: 'superuser' }), /names no role.*accepted: a JWT signed ES256 or RS256/);
    await rejected(await raw({ ...valid(), role: 'amt' }), /needs an Amt in claim "amt"/);
  });

  it('reads role, Amt and tenant under configured claim names (Keycloak groups)', async () => {
    const verify = createTokenVerifier({ issuer: testIssuer, audience: testAudience, keys: testKeys, claims: { role: 'groups', amt: 'amt', tenant: 'tenant' } });
    const who = await verify(await raw({ ...valid(), role: undefined, groups: ['/amt', '/other'], amt: ['50'], tenant: 'koeln', preferred_username: 'erika' }));
    expect(who).toEqual({ role: 'amt', amt: '50', tenant: 'koeln', privileged: false, subject: 'p1', name: 'erika' });
    // several roles: the one with most rights
    expect((await verify(await raw({ ...valid(), groups: ['amt', 'planner'], amt: '50' }))).role).toBe('planner');
    const { gql: configured } = testGateway({ auth: { verify } });
    expect((await configured(query, { token: await raw({ ...valid(), groups: ['admin'] }) })).status).toBe(200);
  });
});

describe('introspection', () => {
  const introspect = '{ __schema { queryType { name } } }';
  const typeQuery = '{ __type(name: "Indicator") { name } }';

  it('is refused for the public (default policy signed-in), and nothing runs', async () => {
    const { gql } = testGateway();
    for (const q of [introspect, typeQuery, `{ indicators { code } ${introspect.slice(1, -1)} }`]) {
      const r = await gql(q);
      expect(r.data ?? null, q).toBeNull();
      expect(r.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(r.errors?.[0]?.message).toMatch(/introspection .* needs a signed-in viewer/);
    }
    // __typename is no introspection of the schema
    expect((await gql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });

  it('is answered for a signed-in viewer, for everyone when configured, for nobody when off', async () => {
    const { gql } = testGateway();
    const signedIn = await gql(introspect, { token: await tokenFor({ role: 'amt', amt: '50' }) });
    expect(signedIn.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    expect((await testGateway({ introspection: 'everyone' }).gql(introspect)).data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    const off = await testGateway({ introspection: 'off' }).gql(introspect, { token: await tokenFor({ role: 'admin' }) });
    expect(off.errors?.[0]?.message).toMatch(/switched off/);
  });
});

describe('CORS', () => {
  const origins = ['https://dashboard.stadt.test', 'https://bi.stadt.test'];
  const { gateway } = testGateway({ cors: { origins } });
  const post = (origin: string) =>
    gateway.fetch('http://gateway.test/graphql', { method: 'POST', headers: { origin, 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
  const preflight = (origin: string) =>
    gateway.fetch('http://gateway.test/graphql', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' } });

  it('gives a foreign origin no CORS headers, so its page cannot read answers with the viewer credentials', async () => {
    for (const res of [await post('https://evil.test'), await preflight('https://evil.test'), await post('null')]) {
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
      expect(res.headers.get('access-control-allow-credentials')).toBeNull();
    }
    // the same without any list configured (the default): no reflection of the Origin
    const { gateway: plain } = testGateway();
    const res = await plain.fetch('http://gateway.test/graphql', { method: 'POST', headers: { origin: 'https://evil.test', 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('allows the configured origins, each only for itself', async () => {
    for (const origin of origins) {
      const res = await post(origin);
      expect(res.headers.get('access-control-allow-origin')).toBe(origin);
      expect(res.headers.get('access-control-allow-credentials')).toBe('true');
      const pre = await preflight(origin);
      expect(pre.status).toBe(204);
      expect(pre.headers.get('access-control-allow-origin')).toBe(origin);
      expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    }
    const csv = await gateway.fetch('http://gateway.test/export/indicator-values.csv?indicator=einwohner&level=STADT&period=2012', { headers: { origin: 'https://evil.test' } });
    expect(csv.headers.get('access-control-allow-origin')).toBeNull();
  });
});
