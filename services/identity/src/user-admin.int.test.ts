// An admin manages the embedded provider's users over HTTP, played with real sessions and tokens:
// a disabled user's open session and token are refused at once (not only when the token expires),
// their right password gets "deaktiviert" and the provider's own session signs no one in; enabled
// again they sign in; a new one-time password replaces a forgotten one; a deleted user is gone;
// the last admin who can sign in can be neither disabled nor deleted; and only admins may do this.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieClient, identityAt } from './testing/browser.fixture.js';

let at: Awaited<ReturnType<typeof identityAt>>;
let identity: Awaited<ReturnType<typeof identityAt>>['identity'];
let server: Awaited<ReturnType<typeof identityAt>>['server'];

beforeAll(async () => {
  at = await identityAt();
  ({ identity, server } = at);
});

afterAll(() => at?.close());

const signIn = (browser: CookieClient, username: string, password: string, newPassword?: string) => browser.signIn(username, password, newPassword);

const bearerOf = async (browser: CookieClient) => (await identity.bearerFor({ headers: { cookie: `sp_session=${browser.cookies.get('sp_session')}` }, method: 'GET' } as never))!;

describe('the admin API for users', () => {
  const admin = () => new CookieClient(server.url);
  let adminBrowser: CookieClient;
  let planner: CookieClient;
  const api = (browser: CookieClient, path: string, method: string, body?: unknown) =>
    browser.request(path, { method, headers: { origin: server.url, 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  beforeAll(async () => {
    adminBrowser = admin();
    await signIn(adminBrowser, 'admin', at.firstPassword(), 'das-admin-passwort-2026');
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
    const token = await bearerOf(planner);
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
    expect((await api(adminBrowser, '/auth/users/%E0%A4%A', 'PATCH', { disabled: true })).status).toBe(400);
    expect((await api(adminBrowser, '/auth/users/planer1/password/x', 'POST')).status).toBe(404);
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
    const token = await bearerOf(planner);
    const res = await api(adminBrowser, '/auth/users/planer1', 'DELETE');
    expect(res.status).toBe(204);
    await expect(identity.verify(token)).rejects.toThrow(/disabled or deleted/);
    expect((await (await planner.request('/session/me')).json()).signedIn).toBe(false);
    expect((await (await api(adminBrowser, '/auth/users', 'GET')).json()).users.map((u: { username: string }) => u.username)).toEqual(['admin']);
    expect((await signIn(new CookieClient(server.url), 'planer1', 'das-neue-planer-passwort')).res.status).toBe(401);
    expect((await api(adminBrowser, '/auth/users/planer1', 'DELETE')).status).toBe(404);
  });
});

describe('the identity CLI (pnpm identity users …) on the data directory, beside the running provider', () => {
  const main = fileURLToPath(new URL('../dist/identity.main.js', import.meta.url));
  const cli = (...args: string[]) =>
    new Promise<{ status: number; out: string }>((resolve) =>
      execFile(process.execPath, [main, ...args], { env: { ...process.env, SP_DATA_DIR: at.dataDir } }, (error, stdout, stderr) =>
        resolve({ status: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
  const listed = async () => (await at.identity.users!.list()).find((u) => u.username === 'cli1');

  it('adds, disables, enables, resets and deletes a user; refuses the last admin and an unknown name with exit 2 and the reason', async () => {
    expect((await cli('users', 'add', '--username', 'cli1', '--name', 'Carla CLI', '--role', 'planner')).status).toBe(0);
    expect(await listed()).toMatchObject({ username: 'cli1', mustChangePassword: true });
    expect(await cli('users', 'disable', '--username', 'cli1')).toEqual({ status: 0, out: 'Benutzer cli1 deaktiviert.\n' });
    // the running provider reads the file again: it sees the change
    expect(await listed()).toMatchObject({ disabled: true });
    expect((await cli('users', 'list')).out).toMatch(/^cli1\tplanner\tCarla CLI\t\(Einmalpasswort offen\)\t\(deaktiviert\)$/m);
    expect((await cli('users', 'enable', '--username', 'cli1')).status).toBe(0);
    expect(await listed()).not.toHaveProperty('disabled');
    const reset = await cli('users', 'reset-password', '--username', 'cli1');
    expect(reset.out).toMatch(/^Neues Einmalpasswort für cli1: [\w-]{24}$/m);
    const lastAdmin = await cli('users', 'delete', '--username', 'admin');
    expect(lastAdmin.status).toBe(2);
    expect(lastAdmin.out).toContain('the only admin who can sign in');
    expect((await cli('users', 'delete', '--username', 'cli1')).status).toBe(0);
    expect(await listed()).toBeUndefined();
    const unknown = await cli('users', 'disable', '--username', 'cli1');
    expect(unknown).toMatchObject({ status: 2 });
    expect(unknown.out).toContain('no user "cli1"');
    expect((await cli('users', 'disable')).status).toBe(2);
  });
});
