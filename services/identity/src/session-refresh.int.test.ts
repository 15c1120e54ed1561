// A dashboard session outlives its access token: the embedded provider gives the session a refresh
// token, and an expired access token is renewed before the request is answered (here tokens live
// 2 s instead of an hour). Played over HTTP with real tokens: the planner is still the planner after
// the token expired, under a new token; signing out ends the session, and its refresh token is given
// back at the revocation endpoint the provider announces.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieClient, identityAt } from './testing/browser.fixture.js';

let at: Awaited<ReturnType<typeof identityAt>>;

beforeAll(async () => {
  at = await identityAt({ SP_ACCESS_TOKEN_TTL_S: '2' });
});
afterAll(() => at?.close());

const bearerOf = (browser: CookieClient) => at.identity.bearerFor({ headers: { cookie: `sp_session=${browser.cookies.get('sp_session')}` }, method: 'GET' } as never);
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a session renewed by its refresh token', () => {
  let admin: CookieClient;

  it('keeps the signed-in person after the access token expired, under a new token', async () => {
    admin = new CookieClient(at.server.url);
    await admin.signIn('admin', at.firstPassword(), 'das-admin-passwort-2026');
    const first = await bearerOf(admin);
    expect(first).toBeDefined();
    await expect(at.identity.verify(first!)).resolves.toMatchObject({ role: 'admin' });
    await pause(2_500);
    // the first token has expired: verified alone it is refused …
    await expect(at.identity.verify(first!)).rejects.toThrow(/expired/);
    // … the session's next request is answered with a renewed one
    expect(await (await admin.request('/whoami')).json()).toMatchObject({ role: 'admin' });
    expect((await (await admin.request('/session/me')).json()).signedIn).toBe(true);
    const renewed = await bearerOf(admin);
    expect(renewed).toBeDefined();
    expect(renewed).not.toBe(first);
    // and again after the renewed one expired
    await pause(2_500);
    expect((await (await admin.request('/session/me')).json()).signedIn).toBe(true);
    expect(await (await admin.request('/whoami')).json()).toMatchObject({ role: 'admin' });
  });

  it('never hands on a token in its last second: requests 1.85 s apart all pass', async () => {
    // the token's exp is whole seconds from when the provider issued it; a session that counted its
    // expiry from when the answer arrived handed on, for up to a second, a token already expired
    for (let i = 0; i < 4; i++) {
      await pause(1_850);
      expect(await (await admin.request('/whoami')).json()).toMatchObject({ role: 'admin' });
    }
  });

  it('ends with signing out: the old cookie is neither signed in nor renewed', async () => {
    const discovery = (await (await fetch(`${at.server.url}/auth/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(discovery.revocation_endpoint).toBe(`${at.server.url}/auth/token/revocation`);
    expect(discovery.grant_types_supported).toContain('refresh_token');
    const cookie = admin.cookies.get('sp_session')!;
    const out = await admin.request('/session/logout', { method: 'POST', headers: { origin: at.server.url } });
    expect(out.status).toBe(303);
    await pause(2_500);
    const stale = await fetch(`${at.server.url}/session/me`, { headers: { cookie: `sp_session=${cookie}` } });
    expect((await stale.json()).signedIn).toBe(false);
    const who = await fetch(`${at.server.url}/whoami`, { headers: { cookie: `sp_session=${cookie}` } });
    expect(await who.json()).toEqual({ role: 'public' });
  });
});
