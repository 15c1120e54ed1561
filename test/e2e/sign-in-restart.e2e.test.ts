// A restart of the embedded platform (an update: SIGTERM; a crash: SIGKILL) signs nobody out: the
// real one-process platform (services/platform/dist/main.js, no demo load) on one data directory,
// access tokens living 2 s so that every request after a restart needs the refresh token. The
// dashboard session's cookie from before is still signed in and its token is renewed; a sign-in
// begun before the restart ends after it; an account locked by wrong passwords stays locked through a
// crash (a restart gives a guesser no fresh count); no entry file holds the session's cookie.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CookieClient } from '@sp/identity/testing';
import { freePort, startNodeService, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Service = Awaited<ReturnType<typeof startNodeService>>;

const lockS = 600;
const dataDir = join(tempDir('sp-sign-in-restart-'), 'data');
let env: Record<string, string>;
let url: string;
let platform: Service | undefined;
let firstPassword: string;

const start = async () => {
  platform = await startNodeService('services/platform/dist/main.js', { env, ready: /Dashboard:/, timeoutMs: 180_000 });
};
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  env = { SP_DEMO: '0', SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1', SP_ACCESS_TOKEN_TTL_S: '2', SP_LOGIN_LOCK_S: String(lockS) };
  await start();
  firstPassword = /Einmalpasswort:\s+(\S+)/.exec(platform!.output())![1]!;
}, 240_000);

afterAll(async () => platform?.stop(), 60_000);

const me = async (browser: CookieClient) => (await (await browser.request('/session/me')).json()) as { signedIn: boolean; role?: string };
/** an admin-only query: answered only with a valid (here: renewed) access token of an admin */
const deadLetters = async (browser: CookieClient) => {
  const res = await browser.request('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: url },
    body: JSON.stringify({ query: '{ operations { deadLetterCount } }' }),
  });
  return (await res.json()) as { data?: { operations: { deadLetterCount: number } }; errors?: unknown[] };
};
/** a password typed at a fresh login page of the provider */
const attempt = async (username: string, password: string) => {
  const browser = new CookieClient(url);
  const login = await browser.follow('/session/login');
  expect(login.url).toMatch(/\/auth\/interaction\//);
  const page = await browser.submit(login.url, await login.res.text(), { username, password });
  return { status: page.res.status, retryAfter: Number(page.res.headers.get('retry-after')) };
};

describe('a restart of the embedded platform signs nobody out', () => {
  let signedIn: CookieClient;
  let pending: CookieClient;
  let pendingPage: { url: string; html: string };
  let lockedAt = 0;

  it('signs the admin in and begins a second sign-in, both before the restart', async () => {
    signedIn = new CookieClient(url);
    await signedIn.signIn('admin', firstPassword, 'das-admin-passwort-2026');
    expect(await me(signedIn)).toMatchObject({ signedIn: true, role: 'admin' });
    expect((await deadLetters(signedIn)).data?.operations.deadLetterCount).toBe(0);
    pending = new CookieClient(url);
    const login = await pending.follow('/session/login?returnTo=/planung');
    expect(login.url).toMatch(/\/auth\/interaction\//);
    pendingPage = { url: login.url, html: await login.res.text() };
  });

  it('after an update (SIGTERM, start again): the same cookie is signed in, its expired token renewed, and the sign-in begun before ends', async () => {
    await platform!.stop();
    await start();
    await pause(2_100);
    expect(await me(signedIn)).toMatchObject({ signedIn: true, role: 'admin' });
    expect((await deadLetters(signedIn)).data?.operations.deadLetterCount).toBe(0);
    // renewed once more: the refresh token the provider kept still works
    await pause(2_500);
    expect((await deadLetters(signedIn)).data?.operations.deadLetterCount).toBe(0);
    const done = await pending.submit(pendingPage.url, pendingPage.html, { username: 'admin', password: 'das-admin-passwort-2026' });
    expect(new URL(done.url).pathname).toBe('/planung');
    expect(await me(pending)).toMatchObject({ signedIn: true, role: 'admin' });
  });

  it('locks the admin account after five wrong passwords', async () => {
    for (let i = 1; i <= 4; i++) expect((await attempt('admin', `falsch-${i}`)).status).toBe(401);
    const fifth = await attempt('admin', 'falsch-5');
    lockedAt = Date.now();
    expect(fifth).toEqual({ status: 429, retryAfter: lockS });
  });

  it('keeps no presentable session cookie in the files of the entries', () => {
    const entries = join(dataDir, 'identity', 'entries');
    const texts = readdirSync(entries, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => readFileSync(join(f.parentPath, f.name), 'utf8'));
    expect(texts.length).toBeGreaterThan(0);
    for (const cookie of [signedIn.cookies.get('sp_session')!, pending.cookies.get('sp_session')!]) {
      expect(cookie).toMatch(/^[\w-]{20,}$/);
      expect(texts.filter((t) => t.includes(cookie))).toEqual([]);
    }
  });

  it('after a crash (SIGKILL, start again): both sessions are still signed in', async () => {
    await platform!.kill();
    await start();
    await pause(2_100);
    expect(await me(signedIn)).toMatchObject({ signedIn: true, role: 'admin' });
    expect((await deadLetters(signedIn)).data?.operations.deadLetterCount).toBe(0);
    expect((await deadLetters(pending)).data?.operations.deadLetterCount).toBe(0);
  });

  it('after the crash the account is still locked until its time', async () => {
    // the right password now: refused, for what is left of the lock
    const right = await attempt('admin', 'das-admin-passwort-2026');
    const left = lockS - (Date.now() - lockedAt) / 1000;
    expect(right.status).toBe(429);
    expect(right.retryAfter).toBeGreaterThan(left - 3);
    expect(right.retryAfter).toBeLessThan(left + 3);
  });
});
