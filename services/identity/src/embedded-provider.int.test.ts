// The embedded provider end to end over HTTP: first admin with a one-time password, the forced
// password change, authorization code + PKCE through the session routes, the access token's
// identity, the admin API (admins only) and a user it creates signing in with their role; and the
// signing key rotated in the running provider, when it has aged and when the CLI made a new one.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, type IdentityService } from './identity.js';
import { identityEnvSchema } from './identity.config.js';
import type { StoredKey } from './signing-keys.store.js';
import { CookieClient, identityAt, identityServer } from './testing/browser.fixture.js';

let dataDir: string;
let identity: IdentityService;
let server: Awaited<ReturnType<typeof identityServer>>;
const printed: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sp-identity-'));
  identity = await createIdentity(identityEnvSchema.parse({}), dataDir, { log: (l) => printed.push(l) });
  server = await identityServer(identity);
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

const oneTimePassword = () => /Einmalpasswort:\s+(\S+)/.exec(printed.join('\n'))?.[1];

/** sign-in from /session/login to the dashboard; the password page may ask for a new password */
const signIn = (browser: CookieClient, username: string, password: string, newPassword?: string) => browser.signIn(username, password, newPassword);

describe('embedded OIDC provider', () => {
  it('creates the first admin once, prints the one-time password, keeps secrets 0600', async () => {
    expect(oneTimePassword()).toMatch(/^[\w-]{24}$/);
    const users = JSON.parse(readFileSync(join(dataDir, 'identity/users.json'), 'utf8'));
    expect(users).toHaveLength(1);
    expect(users[0].passwordHash).toMatch(/^scrypt\$131072\$8\$1\$/);
    expect(JSON.stringify(users)).not.toContain(oneTimePassword());
    expect(statSync(join(dataDir, 'identity/signing-keys.json')).mode & 0o777).toBe(0o600);
    // a second start finds the admin and prints nothing
    const again: string[] = [];
    await createIdentity(identityEnvSchema.parse({}), dataDir, { log: (l) => again.push(l) });
    expect(again.join('')).not.toContain('Einmalpasswort');
  });

  it('discovery announces code flow with PKCE S256 and asymmetric keys only', async () => {
    const meta = (await (await fetch(`${server.url}/auth/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(`${server.url}/auth`);
    expect(meta.response_types_supported).toEqual(['code']);
    expect(meta.code_challenge_methods_supported).toEqual(['S256']);
    const jwks = (await (await fetch(meta.jwks_uri as string)).json()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys.map((k) => [k.kty, k.alg])).toEqual([['EC', 'ES256']]);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('a wrong password is refused at the login page with a German message', async () => {
    const browser = new CookieClient(server.url);
    const page = await signIn(browser, 'admin', 'falsch-falsch-falsch');
    expect(page.res.status).toBe(401);
    const html = await page.res.text();
    expect(html).toContain('Benutzername oder Passwort ist falsch');
    // the page links its icon: without one the browser asks for /favicon.ico and logs a 404 (QA sweep)
    expect(html).toMatch(/<link rel="icon" href="data:image\/svg\+xml,[^"]+" type="image\/svg\+xml">/);
    expect(browser.cookies.has('sp_session')).toBe(false);
  });

  let adminBrowser: CookieClient;
  it('the first admin signs in with the one-time password, must choose a new one and gets an admin session', async () => {
    adminBrowser = new CookieClient(server.url);
    const page = await signIn(adminBrowser, 'admin', oneTimePassword()!, 'ein-langes-neues-Passwort');
    expect(page.url).toBe(`${server.url}/planung`);
    expect(adminBrowser.cookies.has('sp_session')).toBe(true);
    const me = await (await adminBrowser.request('/session/me')).json();
    expect(me).toMatchObject({ signedIn: true, role: 'admin', name: 'Administration' });
    const who = await (await adminBrowser.request('/whoami')).json();
    expect(who).toMatchObject({ role: 'admin', subject: expect.any(String) });
    // the one-time password is spent
    const again = await signIn(new CookieClient(server.url), 'admin', oneTimePassword()!);
    expect(again.res.status).toBe(401);
  });

  it('the session cookie is HttpOnly and SameSite=Lax; the access token is an ES256 JWT for the platform', async () => {
    const browser = new CookieClient(server.url);
    const login = await browser.follow('/session/login');
    const page = await browser.submit(login.url, await login.res.text(), { username: 'admin', password: 'ein-langes-neues-Passwort' });
    expect(page.res.status).toBe(404); // "/" is not served by this test server; the redirect got there
    const res = await browser.request('/session/me');
    expect((await res.json()).signedIn).toBe(true);
    const login2 = await new CookieClient(server.url).request('/session/login');
    expect(login2.headers.getSetCookie()[0]).toMatch(/HttpOnly; SameSite=Lax/);
  });

  it('admin API: refuses anonymous (401) and non-admins (403), creates a user with a one-time password', async () => {
    const anonymous = await fetch(`${server.url}/auth/users`, { method: 'POST', body: '{}' });
    expect(anonymous.status).toBe(401);
    const bad = await adminBrowser.request('/auth/users', { method: 'POST', headers: { origin: server.url }, body: JSON.stringify({ username: 'amt50', name: 'Amt 50', role: 'amt' }) });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain('amt: a user with role "amt" needs an Amt code');
    const created = await adminBrowser.request('/auth/users', {
      method: 'POST',
      headers: { origin: server.url },
      body: JSON.stringify({ username: 'amt50', name: 'Sozialamt', role: 'amt', amt: '50', tenant: 'koeln' }),
    });
    expect(created.status).toBe(201);
    const { user, oneTimePassword: otp } = await created.json();
    expect(user).toMatchObject({ username: 'amt50', role: 'amt', amt: '50', mustChangePassword: true });
    expect(user).not.toHaveProperty('passwordHash');
    const duplicate = await adminBrowser.request('/auth/users', { method: 'POST', headers: { origin: server.url }, body: JSON.stringify({ username: 'amt50', name: 'x', role: 'planner' }) });
    expect(duplicate.status).toBe(409);

    const amtBrowser = new CookieClient(server.url);
    await signIn(amtBrowser, 'amt50', otp, 'sozialamt-passwort-2026');
    const who = await (await amtBrowser.request('/whoami')).json();
    expect(who).toMatchObject({ role: 'amt', amt: '50', tenant: 'koeln', name: 'Sozialamt' });
    const forbidden = await amtBrowser.request('/auth/users', { headers: { origin: server.url } });
    expect(forbidden.status).toBe(403);
  });

  it('signing out ends the session here and at the provider', async () => {
    const browser = new CookieClient(server.url);
    const login = await browser.follow('/session/login');
    await browser.submit(login.url, await login.res.text(), { username: 'admin', password: 'ein-langes-neues-Passwort' });
    const out = await browser.request('/session/logout', { method: 'POST', headers: { origin: server.url } });
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toContain('/auth/session/end');
    expect(browser.cookies.has('sp_session')).toBe(false);
    expect((await (await browser.request('/session/me')).json()).signedIn).toBe(false);
    // a cross-site logout is refused
    const cross = await browser.request('/session/logout', { method: 'POST', headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
  });

  it('issues access tokens signed by the newest key with exp, iss and aud', async () => {
    // the token travels only inside the server; read it through the session the way the platform does
    const browser = new CookieClient(server.url);
    const login = await browser.follow('/session/login');
    await browser.submit(login.url, await login.res.text(), { username: 'admin', password: 'ein-langes-neues-Passwort' });
    const req = { headers: { cookie: `sp_session=${browser.cookies.get('sp_session')}` }, method: 'GET' } as never;
    const token = (await identity.bearerFor(req))!;
    const keys = JSON.parse(readFileSync(join(dataDir, 'identity/signing-keys.json'), 'utf8'));
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'ES256', kid: keys[0].jwk.kid });
    const claims = decodeJwt(token);
    expect(claims).toMatchObject({ iss: `${server.url}/auth`, aud: 'urn:sozialplanung:platform', role: 'admin' });
    expect(claims.exp! - claims.iat!).toBe(3600);
  });
});

describe('signing key rotation in the running embedded provider', () => {
  // tokens of 3 s at most, the key checked every 0.2 s: a retired key stays published 3.4 s
  let at: Awaited<ReturnType<typeof identityAt>>;
  const password = 'das-admin-passwort-2026';
  const keysFile = () => join(at.dataDir, 'identity/signing-keys.json');
  const storedKids = () => (JSON.parse(readFileSync(keysFile(), 'utf8')) as StoredKey[]).map((k) => k.jwk.kid!);
  const jwksKids = async () => ((await (await fetch(`${at.server.url}/auth/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
  /** a fresh sign-in's access token, as the platform hands it to the gateway */
  const tokenOfSignIn = async (newPassword?: string) => {
    const browser = new CookieClient(at.server.url);
    await browser.signIn('admin', newPassword ? at.firstPassword() : password, newPassword);
    return (await at.identity.bearerFor({ headers: { cookie: `sp_session=${browser.cookies.get('sp_session')}` }, method: 'GET' } as never))!;
  };
  /** waits (up to 5 s) for the provider's word that it signs with `kid`; what it signs is checked after */
  const signingWith = async (kid: string) => {
    for (let i = 0; i < 50 && !at.printed.some((l) => l.includes(`signiert ab jetzt mit dem Schlüssel ${kid}`)); i++) await new Promise((r) => setTimeout(r, 100));
  };

  beforeAll(async () => {
    at = await identityAt({ SP_IDENTITY_KEY_CHECK_S: '0.2', SP_ACCESS_TOKEN_TTL_S: '3', SP_TOKEN_MAX_LIFETIME_S: '3' });
  });
  afterAll(() => at?.close());

  it('rotates a key that has aged while it runs: new tokens carry the new key, old ones verify until they expire, then the old key leaves the JWKS', async () => {
    const before = await tokenOfSignIn(password);
    const [old] = storedKids();
    expect(decodeProtectedHeader(before).kid).toBe(old);
    // the platform has been running for 91 days: its key is older than SP_IDENTITY_KEY_ROTATION_DAYS (90)
    const keys = JSON.parse(readFileSync(keysFile(), 'utf8')) as StoredKey[];
    keys[0]!.createdAt = new Date(Date.now() - 91 * 86_400_000).toISOString();
    writeFileSync(keysFile(), JSON.stringify(keys), { mode: 0o600 });
    await expect.poll(() => storedKids()[0], { timeout: 2_000 }).not.toBe(old);
    const [next] = storedKids();
    await signingWith(next!);
    expect(storedKids()).toEqual([next, old]);
    // the token signed before still verifies, and its key is still published
    expect(await at.identity.verify(before)).toMatchObject({ role: 'admin' });
    expect(await jwksKids()).toEqual([next, old]);
    const after = await tokenOfSignIn();
    expect(decodeProtectedHeader(after).kid).toBe(next);
    expect(await at.identity.verify(after)).toMatchObject({ role: 'admin' });
    // the retired key goes once every token it signed has expired, not before
    await expect.poll(jwksKids, { timeout: 6_000, interval: 100 }).toEqual([next]);
    expect(decodeJwt(before).exp! * 1000).toBeLessThanOrEqual(Date.now());
    await expect.poll(storedKids, { timeout: 1_000 }).toEqual([next]);
  });

  it('signs with a key `pnpm identity keys rotate` made, within the check interval and without a restart', async () => {
    const before = await tokenOfSignIn();
    const main = fileURLToPath(new URL('../dist/identity.main.js', import.meta.url));
    const out = await new Promise<{ status: number; out: string }>((resolve) =>
      execFile(process.execPath, [main, 'keys', 'rotate'], { env: { ...process.env, SP_ENGINES: '', SP_DATA_DIR: at.dataDir } }, (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
    expect(out.status, out.out).toBe(0);
    const made = /neuer Signaturschlüssel (\S+);/.exec(out.out)![1]!;
    expect(storedKids()[0]).toBe(made);
    await signingWith(made);
    const after = await tokenOfSignIn();
    expect(decodeProtectedHeader(after).kid).toBe(made);
    expect(await at.identity.verify(before)).toMatchObject({ role: 'admin' });
    expect(await jwksKids()).toContain(decodeProtectedHeader(before).kid);
  });
});
