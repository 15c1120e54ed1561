// Guessing passwords at the embedded login page, played over HTTP against the real provider
// (scrypt hashes and all): five wrong passwords lock the account, so that even the right one is
// refused (429, Retry-After) until the lock ends; a name nobody has is answered the same way; an
// address walking through names is locked, and a forged X-Forwarded-For does not get it a fresh
// count; a flood of concurrent attempts is answered without hashing more than the gate lets through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CookieClient, identityAt } from './testing/browser.fixture.js';

/** one sign-in page of the provider, submitted again and again as a script guessing would */
async function loginPage(url: string): Promise<{ browser: CookieClient; url: string; html: string }> {
  const browser = new CookieClient(url);
  const login = await browser.follow('/session/login');
  expect(login.url).toMatch(/\/auth\/interaction\//);
  return { browser, url: login.url, html: await login.res.text() };
}

const attempt = async (page: { browser: CookieClient; url: string; html: string }, username: string, password: string, headers: Record<string, string> = {}) => {
  const action = /<form[^>]*action="([^"]+)"/.exec(page.html)![1]!.replace(/&amp;/g, '&');
  const res = await page.browser.request(new URL(action, page.url).href, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(page.url).origin, ...headers },
    body: new URLSearchParams({ username, password }),
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), text: await res.text() };
};

describe('the embedded login page slows down guessing', () => {
  let at: Awaited<ReturnType<typeof identityAt>>;
  beforeAll(async () => {
    at = await identityAt({ SP_LOGIN_LOCK_S: '2', SP_LOGIN_MAX_FAILURES_PER_ADDRESS: '15' });
  });
  afterAll(() => at?.close());

  it('locks an account after five wrong passwords: the right one is refused with 429 and Retry-After until the lock ends', async () => {
    const page = await loginPage(at.server.url);
    for (let i = 1; i <= 4; i++) expect((await attempt(page, 'admin', `falsch-${i}`)).status).toBe(401);
    const fifth = await attempt(page, 'admin', 'falsch-5');
    expect(fifth.status).toBe(429);
    expect(fifth.retryAfter).toBe('2');
    expect(fifth.text).toContain('Zu viele fehlgeschlagene Anmeldungen. Bitte in 2 Sekunden erneut versuchen.');
    // the right password now: refused all the same, no session
    const right = await attempt(page, 'admin', at.firstPassword());
    expect(right.status).toBe(429);
    expect(page.browser.cookies.has('sp_session')).toBe(false);
    // once the lock has passed, the right password signs in (here: the one-time password's change page)
    await new Promise((r) => setTimeout(r, 2_100));
    const later = await attempt(page, 'admin', at.firstPassword());
    expect(later.status).toBe(200);
    expect(later.text).toContain('Neues Passwort wählen');
  });

  it('answers a name nobody has exactly as one that exists (no list of names to be had)', async () => {
    const page = await loginPage(at.server.url);
    const answers = [];
    for (let i = 1; i <= 5; i++) answers.push(await attempt(page, 'gibt-es-nicht', `falsch-${i}`));
    expect(answers.map((a) => a.status)).toEqual([401, 401, 401, 401, 429]);
    expect(answers[4]!.text).toContain('Zu viele fehlgeschlagene Anmeldungen');
  });

  it('locks an address that walks through names, and a forged X-Forwarded-For does not buy a fresh count', async () => {
    // 10 failures so far from this address (5 + 5 above; the admin's success does not clear the address's)
    const page = await loginPage(at.server.url);
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await attempt(page, `name-${i}`, 'falsch', { 'x-forwarded-for': `203.0.113.${i}` })).status);
    expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    const other = await attempt(page, 'noch-ein-name', 'falsch', { 'x-forwarded-for': '198.51.100.7' });
    expect(other.status).toBe(429);
    expect(Number(other.retryAfter)).toBeGreaterThan(800);
  });
});

describe('a flood of concurrent sign-ins', () => {
  let at: Awaited<ReturnType<typeof identityAt>>;
  beforeAll(async () => {
    at = await identityAt({ SP_LOGIN_MAX_FAILURES_PER_ADDRESS: '1000' });
  });
  afterAll(() => at?.close());

  it('hashes two at once with 32 waiting and answers the rest 503 with Retry-After at once (scrypt takes 128 MiB a hash)', async () => {
    const page = await loginPage(at.server.url);
    const answers = await Promise.all(Array.from({ length: 40 }, (_, i) => attempt(page, `flut-${i}`, 'falsch')));
    const count = (status: number) => answers.filter((a) => a.status === status).length;
    // 2 hashing + 32 waiting when they all arrive at once; more if the first finish before the last arrive
    expect(count(401)).toBeGreaterThanOrEqual(34);
    expect(count(503)).toBeGreaterThan(0);
    expect(count(401) + count(503)).toBe(40);
    expect(answers.find((a) => a.status === 503)).toMatchObject({ retryAfter: '5' });
  }, 120_000);
});
