// The dashboard under a tenant's path, in a real browser (Debian's chromium, headless,
// playwright-core) against the running platform (services/platform/dist/main.js, fresh data dir, no
// demo load; Musterstadt created through the admin API, docs/tenants.md): the page at / is Köln's;
// the header's switcher lists the tenants from GET /tenants and choosing Musterstadt navigates to
// /t/musterstadt/, where the map and table show Musterstadt's 7 Sozialräume and not Köln's areas,
// and every request the page makes goes to /t/musterstadt/ (before, the page asked /graphql there
// and showed Köln). Screenshots go to test-results/tenant-switch/.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, repoRoot, startNodeService, tempDir } from '@sp/testing';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, openChromium } from './chromium.fixture.js';

const platformMain = 'services/platform/dist/main.js';
const shots = join(repoRoot, 'test-results/tenant-switch');
const adminToken = 'tenant-switch-e2e-admin-token-0123456789';
const musterstadtSozialraeume = ['Enklave Ost', 'Gruiten', 'Mitte', 'Nord', 'Ost', 'Unterstadt', 'West'];

let platform: Awaited<ReturnType<typeof startNodeService>>;
let url: string;
let dataDir: string;
let browser: BrowserContext;
let page: Page;
const paths: string[] = [];

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing: install Debian's chromium (infra/bin/test does)`);
  if (!existsSync(join(repoRoot, platformMain))) throw new Error(`${platformMain} missing: pnpm build first`);
  mkdirSync(shots, { recursive: true });
  const port = await freePort();
  platform = await startNodeService(platformMain, {
    env: { SP_DATA_DIR: (dataDir = tempDir('sp-tenant-switch-e2e-')), SP_PORT: String(port), SP_HOST: '127.0.0.1', SP_DEMO: '0', SP_ADMIN_TOKEN: adminToken },
    ready: /Dashboard:/,
    timeoutMs: 300_000,
  });
  url = `http://127.0.0.1:${port}`;
  const created = await fetch(`${url}/admin/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ id: 'musterstadt', name: 'Musterstadt', kind: 'gemeinde', reference: 'musterstadt' }),
  });
  expect(created.status).toBe(201);
  ({ browser, page } = await openChromium());
  page.on('request', (r) => {
    if (r.url().startsWith(url)) paths.push(new URL(r.url()).pathname);
  });
}, 400_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

async function settled(): Promise<void> {
  await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.body.dataset.loading === 'false', undefined, { timeout: 60_000 });
}

/** the area names of the table (opened if closed) */
async function tableNames(): Promise<string[]> {
  if ((await page.getAttribute('#table-toggle', 'aria-pressed')) !== 'true') await page.click('#table-toggle');
  await page.waitForSelector('#map-table tbody tr');
  return (await page.$$eval('#map-table tbody th', (ths) => ths.map((th) => th.textContent?.trim() ?? ''))).sort();
}

describe('the dashboard switches tenants', () => {
  it('serves the public tenant list with public fields only, under / and under a tenant path', async () => {
    for (const at of ['/tenants', '/t/musterstadt/tenants']) {
      const res = await fetch(`${url}${at}`);
      expect(res.status).toBe(200);
      const body = (await res.json()) as { default: string; tenants: Record<string, unknown>[] };
      expect(body.default).toBe('koeln');
      expect(body.tenants.map((t) => [t.id, t.path])).toEqual([
        ['koeln', '/'],
        ['musterstadt', '/t/musterstadt/'],
      ]);
      for (const t of body.tenants) expect(Object.keys(t).sort()).toEqual(['id', 'kind', 'name', 'path']);
    }
    expect((await fetch(`${url}/tenants`, { method: 'POST' })).status).toBe(405);
  });

  it('opens Köln at /, with the switcher showing Köln', async () => {
    await page.goto(`${url}/`);
    await settled();
    await page.waitForSelector('#tenant-switcher:not([hidden])');
    expect(await page.$eval('#tenant-switch', (s) => (s as HTMLSelectElement).selectedOptions[0]?.dataset.tenant)).toBe('koeln');
    expect(await page.$$eval('#tenant-switch option', (os) => os.map((o) => o.textContent))).toEqual(['Stadt Köln', 'Musterstadt']);
    const names = await tableNames();
    expect(names.length).toBeGreaterThan(7);
    expect(names).not.toContain('Gruiten');
    await page.screenshot({ path: join(shots, '01-koeln.png') });
  });

  it("switches to Musterstadt: /t/musterstadt/ shows its 7 Sozialräume, and every request goes to Musterstadt's routes", async () => {
    paths.length = 0;
    await Promise.all([page.waitForURL(`${url}/t/musterstadt/`), page.selectOption('#tenant-switch', '/t/musterstadt/')]);
    await settled();
    expect(await page.textContent('#app-title')).toBe('Sozialplanung Musterstadt');
    expect(await page.$eval('#tenant-switch', (s) => (s as HTMLSelectElement).selectedOptions[0]?.dataset.tenant)).toBe('musterstadt');
    expect(await page.$$eval('#map path.area', (ps) => ps.length)).toBe(7);
    expect(await tableNames()).toEqual(musterstadtSozialraeume);
    // the footer credits Musterstadt's own sources (all fictional: the note on synthetic figures), none of Köln's
    const footer = await page.innerText('#attribution');
    expect(footer).not.toMatch(/Köln|OpenStreetMap/);
    expect(footer).toMatch(/synthetische Daten/);
    expect(paths).toContain('/t/musterstadt/graphql');
    expect(paths).toContain('/t/musterstadt/session/me');
    expect(paths.filter((p) => !p.startsWith('/t/musterstadt/'))).toEqual([]);
    expect(await page.getAttribute('#session-login', 'href')).toMatch(/^\/t\/musterstadt\/session\/login\?returnTo=/);
    await page.screenshot({ path: join(shots, '02-musterstadt.png') });
    // no figures delivered yet: nothing in the picker can be chosen (listed apart, disabled: 'keine Daten')
    expect(await page.$eval('#indicator option[value="sgb2_quote"]', (o) => (o as HTMLOptionElement).disabled)).toBe(true);
    // the indicator the map opened on: its source named from Musterstadt's feed catalogue, and the map
    // says there are no figures and labels it synthetic, never "amtliche Daten". (Before indicators
    // without figures were disabled, this chose sgb2_quote to see "Jobcenter Musterstadt", not
    // Köln's Jobcenter; the Amt the map opens on here is named alike in both catalogues.)
    expect(await page.innerText('#indicator-meta')).toMatch(/Quelle: Amt für Stadtentwicklung und Statistik/);
    expect(await page.innerText('#map-title')).toMatch(/: keine Werte veröffentlicht/);
    expect(await page.innerText('#map-badges')).toBe('synthetisch');
    // the workspace's level choices are Musterstadt's (the page held Köln's Stadtteil, Stadtbezirk …)
    const levelsOf = (selector: string) => page.$$eval(`${selector} option`, (os) => os.map((o) => (o as HTMLOptionElement).value));
    const offered = await levelsOf('#ws-filter-level');
    expect(offered).toContain('SOZIALRAUM');
    expect(offered).toContain('WOHNPLATZ');
    expect(offered.filter((l) => ['STADTTEIL', 'STADTBEZIRK', 'STADTVIERTEL'].includes(l))).toEqual([]);
    expect(await levelsOf('#ws-goal-areas-level')).not.toContain('STADTBEZIRK');
  });

  it("Musterstadt's admin signs in at /t/musterstadt/ with Musterstadt's own provider", async () => {
    // before, the tenant's provider gave the browser the default tenant's endpoints (/auth/auth …),
    // which refused Musterstadt's redirect_uri with 400: nobody could sign in under /t/{tenant}/
    const { stdout } = await promisify(execFile)(process.execPath, [join(repoRoot, 'services/identity/dist/identity.main.js'), 'users', 'reset-password', '--username', 'admin'], {
      env: { ...process.env, SP_DATA_DIR: join(dataDir, 'tenants/musterstadt') },
    });
    const oneTime = /Einmalpasswort für admin: (\S+)/.exec(stdout)?.[1];
    expect(oneTime, stdout).toBeTruthy();
    await page.goto(`${url}/t/musterstadt/`);
    await settled();
    await page.click('#session-login');
    await page.waitForSelector('#username');
    expect(new URL(page.url()).pathname).toMatch(/^\/t\/musterstadt\/auth\/interaction\//);
    await page.fill('#username', 'admin');
    await page.fill('#password', oneTime!);
    await page.click('button[type=submit]');
    await page.waitForSelector('#newPassword');
    await page.fill('#newPassword', 'Musterstadt-Admin-2026');
    await page.fill('#repeat', 'Musterstadt-Admin-2026');
    await page.click('button[type=submit]');
    await page.waitForSelector('#session-who', { timeout: 30_000 });
    expect(new URL(page.url()).pathname).toBe('/t/musterstadt/');
    expect(await page.innerText('#session-role')).toBe('Administration');
    // the admin view answers with the session's rights, from Musterstadt's API
    await page.click('#operations summary');
    await page.click('#operations-load');
    await page.waitForSelector('#operations-result table');
    await page.screenshot({ path: join(shots, '03-musterstadt-admin.png') });
  });

  it('switches back to Köln', async () => {
    await Promise.all([page.waitForURL(`${url}/`), page.selectOption('#tenant-switch', '/')]);
    await settled();
    expect(await tableNames()).not.toContain('Gruiten');
  });
});
