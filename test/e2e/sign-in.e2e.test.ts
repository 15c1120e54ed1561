// Sign-in with the embedded OpenID Connect provider in a real browser (Debian's chromium, headless,
// playwright-core) against the running platform (services/platform/dist/main.js, fresh data dir,
// no demo load): the first admin signs in with the one-time password the platform printed, must
// choose a new one, sees who is signed in and the admin-only "Betrieb" view; creates an Amt user
// through the authenticated API; signs out; the Amt user signs in, sees their role and no admin view,
// and the API refuses them the admin query. Screenshots go to test-results/sign-in/.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, startNodeService, tempDir } from '@sp/testing';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, graphqlInPage, openChromium } from './chromium.fixture.js';

const platformMain = 'services/platform/dist/main.js';
const shots = join(repoRoot, 'test-results/sign-in');

let platform: Awaited<ReturnType<typeof startNodeService>>;
let url: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing: install Debian's chromium (infra/bin/test does)`);
  if (!existsSync(join(repoRoot, platformMain))) throw new Error(`${platformMain} missing: pnpm build first`);
  mkdirSync(shots, { recursive: true });
  const port = await freePort();
  platform = await startNodeService(platformMain, {
    env: { SP_DATA_DIR: tempDir('sp-sign-in-e2e-'), SP_PORT: String(port), SP_HOST: '127.0.0.1', SP_DEMO: '0' },
    ready: /Dashboard:/,
    timeoutMs: 300_000,
  });
  url = `http://127.0.0.1:${port}`;
  ({ browser, page } = await openChromium());
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

/** the one-time password the platform printed for the first admin */
const firstAdminPassword = () => /Einmalpasswort:\s+(\S+)/.exec(platform.output())?.[1];

async function signInAt(username: string, password: string, newPassword: string): Promise<void> {
  await page.click('#session-login');
  await page.waitForSelector('#username');
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('button[type=submit]');
  await page.waitForSelector('#newPassword');
  await page.fill('#newPassword', newPassword);
  await page.fill('#repeat', newPassword);
  await page.click('button[type=submit]');
  await page.waitForSelector('#session-who', { timeout: 30_000 });
}

const graphql = (query: string) => graphqlInPage(page, query);

describe('sign-in with the embedded provider in chromium', () => {
  it('shows "Anmelden" and no admin view before sign-in', async () => {
    expect(firstAdminPassword()).toMatch(/^[\w-]{24}$/);
    await page.goto(`${url}/`);
    await page.waitForSelector('#session-login');
    expect(await page.locator('#operations').isHidden()).toBe(true);
    expect((await graphql('{ operations { deadLetterCount } }')).body.errors[0].extensions.code).toBe('FORBIDDEN');
    await page.screenshot({ path: join(shots, '01-public.png') });
  });

  it('the first admin signs in with the printed one-time password, chooses a new one and sees who is signed in', async () => {
    await signInAt('admin', firstAdminPassword()!, 'Admin-Passwort-2026!');
    expect(new URL(page.url()).pathname).toBe('/');
    await expect(page.locator('#session-who').innerText()).resolves.toMatch(/Angemeldet: Administration\s+Administration/);
    // the session cookie is not readable by the page's scripts
    expect(await page.evaluate(() => document.cookie)).not.toContain('sp_session');
    const cookie = (await browser.cookies(url)).find((c) => c.name === 'sp_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax' });
    // the admin view appears and answers with the session's rights
    expect(await page.locator('#operations').isVisible()).toBe(true);
    await page.click('#operations summary');
    await page.click('#operations-load');
    await page.waitForSelector('#operations-result table');
    await expect(page.locator('#operations-result').innerText()).resolves.toContain('Verbraucher seit dem Start');
    await page.screenshot({ path: join(shots, '02-admin.png') });
  });

  let amtPassword: string;
  it('the admin creates an Amt user through the authenticated API and signs out', async () => {
    const created = await page.evaluate(async () => {
      const res = await fetch('/auth/users', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'jugendamt1', name: 'Jana Jugendamt', role: 'amt', amt: 'jugendamt' }),
      });
      return { status: res.status, body: await res.json() };
    });
    expect(created.status).toBe(201);
    amtPassword = created.body.oneTimePassword;
    await page.click('#session-logout');
    await page.waitForSelector('#session-login', { timeout: 30_000 });
    expect(await page.locator('#operations').isHidden()).toBe(true);
    expect((await graphql('{ operations { deadLetterCount } }')).body.errors[0].extensions.code).toBe('FORBIDDEN');
    // the provider's session ended too: signing in asks for the password again
    await page.click('#session-login');
    await page.waitForSelector('#username');
    await page.goto(`${url}/`);
  });

  it('the Amt user signs in, sees their role and Amt, no admin view, and the API refuses them admin data', async () => {
    await page.waitForSelector('#session-login');
    await signInAt('jugendamt1', amtPassword, 'Jugendamt-Passwort-2026');
    await expect(page.locator('#session-role').innerText()).resolves.toBe('Amt, Amt jugendamt');
    expect(await page.locator('#operations').isHidden()).toBe(true);
    const r = await graphql('{ operations { deadLetterCount } }');
    expect(r.body.errors[0].extensions.code).toBe('FORBIDDEN');
    // the Amt may not create users either
    const status = await page.evaluate(async () => (await fetch('/auth/users', { method: 'POST', body: '{}' })).status);
    expect(status).toBe(403);
    await page.screenshot({ path: join(shots, '03-amt.png') });
  });

  it("the Planungswerkstatt works in the signed-in person's name: no token typed, a goal refused for the Amt (planning staff edit goals)", async () => {
    await page.click('#workspace > summary');
    await expect.poll(() => page.textContent('#ws-identity')).toContain('Jana Jugendamt');
    const goal = { key: 'goal:sign-in-e2e', version: 1, title: 'Ziel aus dem Browser', areas: [{ level: 'STADTTEIL', code: '609' }], targetGroups: ['familien_mit_kindern'], status: 'draft' };
    const answer = await graphqlInPage(page, 'mutation($i: GoalInput!) { saveGoal(input: $i) { key saved } }', { i: goal });
    // the session's person reached the mutation (not UNAUTHENTICATED) and the Amt's rights ended there
    expect(answer.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    await page.screenshot({ path: join(shots, '04-workspace.png') });
  });
});
