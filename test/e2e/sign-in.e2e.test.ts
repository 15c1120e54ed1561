// Sign-in with the embedded OpenID Connect provider in a real browser (Debian's chromium, headless,
// playwright-core) against the running platform (services/platform/dist/main.js, fresh data dir,
// no demo load): the first admin signs in with the one-time password the platform printed, must
// choose a new one, sees who is signed in and the admin-only "Betrieb" view; creates an Amt user in
// its "Benutzer" panel; signs out; the Amt user signs in, sees their role and no admin view, and the
// API refuses them the admin query; the admin, in a browser of their own, disables the Amt user
// (whose open page is signed out at once), gives a new one-time password, is refused deleting the
// last admin and deletes the Amt user. Screenshots go to test-results/sign-in/.
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
  it('the admin creates an Amt user in the "Benutzer" panel (a refusal names the field), reads the one-time password once and signs out', async () => {
    await page.click('#users-load');
    await page.waitForSelector('#users-table tr[data-user="admin"]');
    // role Amt without an Amt: the API's refusal is shown, nothing is created
    await page.fill('#users-new-username', 'jugendamt1');
    await page.fill('#users-new-name', 'Jana Jugendamt');
    await page.selectOption('#users-new-role', 'amt');
    await page.click('#users-new button[type=submit]');
    await expect.poll(() => page.textContent('#users-message')).toContain('a user with role "amt" needs an Amt code');
    await page.fill('#users-new-amt', 'jugendamt');
    await page.click('#users-new button[type=submit]');
    await page.waitForSelector('#users-password');
    amtPassword = (await page.textContent('#users-password'))!;
    expect(amtPassword).toMatch(/^[\w-]{24}$/);
    await page.waitForSelector('#users-table tr[data-user="jugendamt1"]');
    await expect(page.locator('#users-table tr[data-user="jugendamt1"]').innerText()).resolves.toMatch(/Jana Jugendamt\s+Amt, Amt jugendamt\s+Einmalpasswort offen/);
    await page.screenshot({ path: join(shots, '02b-users.png') });
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

  it('the admin disables the Amt user in the panel: the Amt user’s open page is signed out at once; a new one-time password; the last admin kept; deleting the Amt user', async () => {
    // the admin in a browser of their own (cookies apart), while the Amt user's page stays open here
    const { browser: adminContext, page: admin } = await openChromium();
    try {
      await admin.goto(`${url}/`);
      await admin.click('#session-login');
      await admin.waitForSelector('#username');
      await admin.fill('#username', 'admin');
      await admin.fill('#password', 'Admin-Passwort-2026!');
      await admin.click('button[type=submit]');
      await admin.waitForSelector('#session-who', { timeout: 30_000 });
      await admin.click('#operations summary');
      await admin.click('#users-load');
      await admin.click('#users-table tr[data-user="jugendamt1"] button[data-action="disable"]');
      await expect.poll(() => admin.locator('#users-table tr[data-user="jugendamt1"]').innerText()).toContain('deaktiviert');
      await admin.screenshot({ path: join(shots, '05-disabled.png') });
      // the Amt user's page: signed out at its next request, not when the token expires in an hour
      await page.reload();
      await page.waitForSelector('#session-login', { timeout: 30_000 });
      expect((await page.evaluate(async () => (await fetch('/session/me')).json())).signedIn).toBe(false);
      await admin.click('#users-table tr[data-user="jugendamt1"] button[data-action="password"]');
      await admin.waitForSelector('#users-password');
      expect(await admin.textContent('#users-password')).toMatch(/^[\w-]{24}$/);
      // the last admin who can sign in is kept: the refusal is shown
      admin.once('dialog', (d) => void d.accept());
      await admin.click('#users-table tr[data-user="admin"] button[data-action="delete"]');
      await expect.poll(() => admin.textContent('#users-message')).toContain('the only admin who can sign in');
      admin.once('dialog', (d) => void d.accept());
      await admin.click('#users-table tr[data-user="jugendamt1"] button[data-action="delete"]');
      await expect.poll(() => admin.locator('#users-table tr[data-user="jugendamt1"]').count()).toBe(0);
      await expect(admin.locator('#users-message').innerText()).resolves.toBe('jugendamt1 gelöscht.');
    } finally {
      await adminContext.close();
    }
  });
});
