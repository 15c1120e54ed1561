// An admin manages the embedded provider's users over HTTP, played with real sessions and tokens:
// a disabled user's open session and token are refused at once (not only when the token expires),
// their right password gets "deaktiviert" and the provider's own session signs no one in; enabled
// again they sign in; a new one-time password replaces a forgotten one; a deleted user is gone;
// the last admin who can sign in can be neither disabled nor deleted; and only admins may do this.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createIdentity, type IdentityService } from './identity.js';
import { identityEnvSchema } from './identity.config.js';
import { CookieClient, identityServer } from './testing/browser.fixture.js';

let dataDir: string;
let identity: IdentityService;
let server: Awaited<ReturnType<typeof identityServer>>;
const printed: string[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'sp-user-admin-'));
  identity = await createIdentity(identityEnvSchema.parse({}), dataDir, (l) => printed.push(l));
  server = await identityServer(identity);
});

afterAll(async () => {
  await server?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

/** sign-in from /session/login; the password page may ask for a new password */
async function signIn(browser: CookieClient, username: string, password: string, newPassword?: string) {
  const login = await browser.follow('/session/login?returnTo=/planung');
  expect(login.url).toMatch(/\/auth\/interaction\//);
  let page = await browser.submit(login.url, await login.res.text(), { username, password });
  if (newPassword) {
    const html = await page.res.text();
    expect(html).toContain('Neues Passwort wählen');
    page = await browser.submit(page.url, html, { newPassword, repeat: newPassword });
  }
  return page;
}

const bearerOf = (browser: CookieClient) => identity.bearerFor({ headers: { cookie: `sp_session=${browser.cookies.get('sp_session')}` }, method: 'GET' } as never)!;

describe('the admin API for users', () => {
  const admin = () => new CookieClient(server.url);
  let adminBrowser: CookieClient;
  let planner: CookieClient;
  const api = (browser: CookieClient, path: string, method: string, body?: unknown) =>
    browser.request(path, { method, headers: { origin: server.url, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  beforeAll(async () => {
    adminBrowser = admin();
    const otp = /Einmalpasswort:\s+(\S+)/.exec(printed.join('\n'))![1]!;
    await signIn(adminBrowser, 'admin', otp, 'das-admin-passwort-2026');
    const created = await api(adminBrowser, '/auth/users', 'POST', { username: 'planer1', name: 'Paula Planerin', role: 'planner' });
    expect(created.status).toBe(201);
    planner = new CookieClient(server.url);
    await signIn(planner, 'planer1', (await created.json()).oneTimePassword, 'das-planer-passwort-2026');
    expect(await (await planner.request('/whoami')).json()).toMatchObject({ role: 'planner', name: 'Paula Planerin' });
  });

  it('refuses non-admins (403) and anonymous callers (401)', async () => {
    expect((await api(planner, '/auth/users/planer1', 'PATCH', { disabled: true })).status).toBe(403);
    expect((await api(planner, '/auth/users/admin', 'DELETE')).status).toBe(403);
    expect((await api(new CookieClient(server.url), '/auth/users/planer1/password', 'POST')).status).toBe(401);
  });

  it('disables a user: their open session ends and their token is refused at once, their right password gets "deaktiviert", the provider signs them in no more', async () => {
    const token = bearerOf(planner);
    await expect(identity.verify(token)).resolves.toMatchObject({ role: 'planner' });
    const res = await api(adminBrowser, '/auth/users/planer1', 'PATCH', { disabled: true });
    expect(res.status).toBe(200);
    expect((await res.json()).user).toMatchObject({ username: 'planer1', disabled: true });
    // the session the planner still has: its token is refused now, not in an hour
    await expect(identity.verify(token)).rejects.toThrow(/disabled or deleted/);
    // and the dashboard's session of them ends: signed out, the page's requests go on as the public's
    expect((await (await planner.request('/session/me')).json()).signedIn).toBe(false);
    expect(await (await planner.request('/whoami')).json()).toEqual({ role: 'public' });
    // a new sign-in from the same browser (the provider's own session cookie included) asks for the password
    const login = await planner.follow('/session/login');
    const html = await login.res.text();
    expect(login.url).toMatch(/\/auth\/interaction\//);
    expect(html).toContain('name="password"');
    const right = await planner.submit(login.url, html, { username: 'planer1', password: 'das-planer-passwort-2026' });
    expect(right.res.status).toBe(403);
    expect(await right.res.text()).toContain('Dieses Konto ist deaktiviert');
    // a wrong password is answered as for anyone: nothing tells it the account is disabled
    const wrong = await signIn(new CookieClient(server.url), 'planer1', 'falsches-passwort');
    expect(wrong.res.status).toBe(401);
    expect((await (await api(adminBrowser, '/auth/users', 'GET')).json()).users.find((u: { username: string }) => u.username === 'planer1')).toMatchObject({ disabled: true });
  });

  it('enables the user again: they sign in with their password', async () => {
    const res = await api(adminBrowser, '/auth/users/planer1', 'PATCH', { disabled: false });
    expect(res.status).toBe(200);
    expect((await res.json()).user).not.toHaveProperty('disabled');
    const again = new CookieClient(server.url);
    await signIn(again, 'planer1', 'das-planer-passwort-2026');
    expect(await (await again.request('/whoami')).json()).toMatchObject({ role: 'planner' });
    planner = again;
  });

  it('gives a forgotten password a new one-time password: the old one is refused, the new one must be changed', async () => {
    const res = await api(adminBrowser, '/auth/users/planer1/password', 'POST');
    expect(res.status).toBe(200);
    const { user, oneTimePassword } = await res.json();
    expect(user).toMatchObject({ username: 'planer1', mustChangePassword: true });
    expect(oneTimePassword).toMatch(/^[\w-]{24}$/);
    expect((await signIn(new CookieClient(server.url), 'planer1', 'das-planer-passwort-2026')).res.status).toBe(401);
    const fresh = new CookieClient(server.url);
    await signIn(fresh, 'planer1', oneTimePassword, 'das-neue-planer-passwort');
    expect(await (await fresh.request('/whoami')).json()).toMatchObject({ role: 'planner' });
    planner = fresh;
  });

  it('refuses a body it does not understand and a user it does not know, naming what it accepts', async () => {
    const bad = await api(adminBrowser, '/auth/users/planer1', 'PATCH', { disabled: true, role: 'admin' });
    expect(bad.status).toBe(400);
    expect((await bad.json()).message).toContain('unknown field(s) role; expected {"disabled": true|false}');
    const notJson = await adminBrowser.request('/auth/users/planer1', { method: 'PATCH', headers: { origin: server.url }, body: '[' });
    expect(notJson.status).toBe(400);
    const unknown = await api(adminBrowser, '/auth/users/niemand', 'PATCH', { disabled: true });
    expect(unknown.status).toBe(404);
    expect((await unknown.json()).message).toContain('no user "niemand"');
    // nothing changed
    expect(await (await planner.request('/whoami')).json()).toMatchObject({ role: 'planner' });
  });

  it('keeps an admin who can sign in: the last one can be neither disabled nor deleted', async () => {
    for (const [method, body] of [
      ['PATCH', { disabled: true }],
      ['DELETE', undefined],
    ] as const) {
      const res = await api(adminBrowser, '/auth/users/admin', method, body);
      expect(res.status).toBe(409);
      expect((await res.json()).message).toContain('the only admin who can sign in');
    }
    expect(await (await adminBrowser.request('/whoami')).json()).toMatchObject({ role: 'admin' });
  });

  it('deletes a user: their session ends at once, they are not listed and cannot sign in', async () => {
    const token = bearerOf(planner);
    const res = await api(adminBrowser, '/auth/users/planer1', 'DELETE');
    expect(res.status).toBe(204);
    await expect(identity.verify(token)).rejects.toThrow(/disabled or deleted/);
    expect((await (await planner.request('/session/me')).json()).signedIn).toBe(false);
    expect((await (await api(adminBrowser, '/auth/users', 'GET')).json()).users.map((u: { username: string }) => u.username)).toEqual(['admin']);
    expect((await signIn(new CookieClient(server.url), 'planer1', 'das-neue-planer-passwort')).res.status).toBe(401);
    expect((await api(adminBrowser, '/auth/users/planer1', 'DELETE')).status).toBe(404);
  });
});
