// Tokens and browser rules (issue #13, deliver 4), each played as the attack: a token without exp,
// with a lifetime beyond the maximum, with claims nobody checks (scope, aud, iss), introspection by
// the public, and a page on a foreign origin reading answers with the viewer's credentials.
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { testGateway, testSecret, tokenFor } from '../testing/gateway.fixture.js';

const key = new TextEncoder().encode(testSecret);
const now = () => Math.floor(Date.now() / 1000);

/** A token with exactly these claims (no exp unless given). */
const raw = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(key);

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

  it('refuses a token without exp (it would never expire)', async () => {
    await rejected(await raw({ role: 'planner', privileged: true, iat: now() }), /"exp" is missing/);
  });

  it('refuses a token whose lifetime exceeds the maximum (default 12 h), with or without iat', async () => {
    await rejected(await raw({ role: 'planner', iat: now(), exp: now() + 30 * 24 * 3600 }), /longer than the maximum lifetime of 43200 s/);
    await rejected(await raw({ role: 'planner', exp: now() + 13 * 3600 }), /maximum lifetime/);
    // issued long ago, expiring soon, but once valid for a year: still refused
    await rejected(await raw({ role: 'planner', iat: now() - 365 * 24 * 3600, exp: now() + 60 }), /maximum lifetime/);
  });

  it('refuses unknown claims, as documented, naming them and what is accepted', async () => {
    await rejected(await raw({ role: 'planner', exp: now() + 600, scope: 'admin' }), /Unrecognized key.*"scope".*accepted claims: role/);
    // aud and iss when the gateway has none configured: nobody would check them
    await rejected(await raw({ role: 'planner', exp: now() + 600, aud: 'some-other-service' }), /"aud"/);
    await rejected(await raw({ role: 'planner', exp: now() + 600, iss: 'someone' }), /"iss"/);
  });

  it('accepts a well-formed token with a lifetime within the maximum', async () => {
    const r = await gql(query, { token: await raw({ role: 'planner', sub: 'p1', iat: now(), exp: now() + 3600, jti: 'x' }) });
    expect(r.status).toBe(200);
    expect(r.errors).toBeUndefined();
  });

  it('checks iss and aud when they are configured, and the configured maximum lifetime', async () => {
    const { gql } = testGateway({ auth: { jwtSecret: testSecret, issuer: 'https://sso.stadt.test', audience: 'sp-gateway', maxTokenLifetimeSeconds: 600 } });
    const ok = { role: 'planner', iat: now(), exp: now() + 300, iss: 'https://sso.stadt.test', aud: 'sp-gateway' };
    expect((await gql(query, { token: await raw(ok) })).status).toBe(200);
    for (const claims of [
      { ...ok, iss: 'https://evil.test' },
      { ...ok, aud: 'another-app' },
      { ...ok, iss: undefined },
      { ...ok, aud: undefined },
      { ...ok, exp: now() + 900 },
    ]) {
      const r = await gql(query, { token: await raw(Object.fromEntries(Object.entries(claims).filter(([, v]) => v !== undefined))) });
      expect(r.status, JSON.stringify(claims)).toBe(401);
      expect(r.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    }
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
