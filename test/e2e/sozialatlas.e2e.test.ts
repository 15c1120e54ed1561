// The public Sozialatlas and the dashboard's report link in a real browser (Debian's chromium,
// headless, playwright-core) against the platform on its embedded default, started empty
// (SP_DEMO=0): offers with the details of offer v2 are delivered through the ingestion API as CSV
// and as JSON, projected into the registry, read through GraphQL and shown to a citizen, who
// searches by Lebenslage, area, language and a point picked on the map. axe-core checks the public
// pages (Sozialatlas and dashboard) against the WCAG 2.1 A and AA rules; a planner-to-be downloads
// the Gebietsprofil of a selected Stadtteil from the dashboard as PDF, and the Sozialbericht of the
// Stadtbezirke from its overview. docs/dashboard.md.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { freePort, repoRoot, startNodeService, tempDir, waitFor } from '@sp/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium } from './chromium.fixture.js';

type Service = Awaited<ReturnType<typeof startNodeService>>;

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

// the CSV an Amt exports from Excel: ";" and German decimal commas; one offer with every detail,
// one with none (the columns stay empty)
const csv =
  'key;version;name;offerType;provider;amt;targetGroups;street;postcode;city;lat;lon;reach;validFrom;source;synthetic;openingHours;languages;wheelchair;accessibilityNote;phone;email;website\n' +
  'e2e:treff:1;1;Treffpunkt Alleinerziehende Chorweiler;offener_treff;Familienforum e. V. (fiktiv);jugendamt;alleinerziehende|familien_mit_kindern;Merianstr. 5;50765;Köln;51,0272;6,8995;STADTTEIL;2024-01-01;e2e;ja;Mo–Fr 9–16 Uhr;de|tr|ar;limited;Rampe am Seiteneingang;0221 99123-0;treff@example.org;https://example.org/treff\n' +
  'e2e:treff:2;1;Alleinerziehenden-Café Altstadt;offener_treff;Stadtteilverein (fiktiv);jugendamt;alleinerziehende;Domkloster 4;50667;Köln;50,9413;6,9583;STADTTEIL;2024-01-01;e2e;ja;;;;;;;\n';
const json = {
  records: [
    {
      key: 'e2e:schulden:1',
      version: 1,
      name: 'Schuldnerberatung Chorweiler',
      offerType: 'schuldnerberatung',
      provider: 'Beratungsverein (fiktiv)',
      amt: 'jugendamt',
      targetGroups: ['verschuldete'],
      address: { street: 'Liverpooler Platz 1', postcode: '50765', city: 'Köln' },
      location: { lat: 51.0215, lon: 6.8945 },
      reach: 'STADTBEZIRK',
      validFrom: '2024-01-01',
      source: 'e2e',
      synthetic: true,
      openingHours: 'Di 14–18 Uhr',
      languages: ['de', 'ru'],
      accessibility: { wheelchair: 'yes', note: null },
      contact: { phone: null, email: null, website: 'https://example.org/schulden' },
    },
  ],
};

let platform: Service;
let url: string;
let browser: BrowserContext;
let page: Page;
const problems: string[] = [];
const dataDir = tempDir('sp-sozialatlas-e2e-');

async function settled(p: Page = page): Promise<void> {
  await p.waitForFunction(() => document.body.dataset.ready === 'true' && document.body.dataset.loading === 'false', undefined, { timeout: 60_000 });
}

/** axe-core's WCAG 2.1 A/AA rules on the page as it is now: the violations, each with its first nodes */
async function wcagViolations(p: Page): Promise<{ id: string; impact: string | null; nodes: string[] }[]> {
  await p.addScriptTag({ content: axeSource });
  return p.evaluate(async () => {
    const axe = (
      window as unknown as { axe: { run(ctx: Document, o: object): Promise<{ violations: { id: string; impact: string | null; nodes: { target: unknown[]; failureSummary?: string }[] }[] }> } }
    ).axe;
    const r = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary ?? ''}`) }));
  });
}

async function results(): Promise<string[]> {
  return page.$$eval('#atlas-results > li h3', (hs) => hs.map((h) => h.textContent ?? ''));
}

async function searchFor(choices: Record<string, string>): Promise<void> {
  for (const id of ['atlas-lebenslage', 'atlas-zielgruppe', 'atlas-angebotsart', 'atlas-gebiet', 'atlas-sprache', 'atlas-umkreis']) {
    await page.selectOption(`#${id}`, choices[id] ?? (id === 'atlas-umkreis' ? '0' : ''));
  }
  await page.click('#atlas-form button[type=submit]');
  await settled();
}

beforeAll(async () => {
  const port = await freePort();
  platform = await startNodeService('services/platform/dist/main.js', {
    env: { SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1', SP_DEMO: '0' },
    ready: /Dashboard:/,
    timeoutMs: 240_000,
  });
  url = `http://127.0.0.1:${port}`;
  const key = (JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>).jugendamt!;
  const deliver = (contentType: string, body: string) => fetch(`${url}/v1/deliveries/offer`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': contentType }, body });
  const byCsv = await deliver('text/csv; charset=utf-8', csv);
  expect(byCsv.status, await byCsv.clone().text()).toBe(200);
  expect((await byCsv.json()).schema).toEqual({ id: 11, version: 2 });
  const byJson = await deliver('application/json', JSON.stringify(json));
  expect(byJson.status, await byJson.clone().text()).toBe(200);
  // a bad website is refused with the field named, and nothing is appended
  const bad = await deliver('application/json', JSON.stringify({ records: [{ ...json.records[0], key: 'e2e:bad:1', contact: { website: 'javascript:alert(1)' } }] }));
  expect(bad.status).toBe(422);
  expect((await bad.json()).errors[0]).toMatchObject({ field: 'contact.website', code: 'INVALID_VALUE' });
  await waitFor(
    async () => {
      const r = await fetch(`${url}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ offers(first: 1) { totalCount } }' }) });
      return ((await r.json()) as { data?: { offers: { totalCount: number } } }).data?.offers.totalCount === 3;
    },
    { timeoutMs: 60_000 },
  );
  ({ browser, page } = await openChromium({ reducedMotion: 'reduce' }));
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${url}/sozialatlas.html`);
  await settled();
}, 300_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
});

describe('the Sozialatlas', () => {
  it('lists every offer with Träger, opening hours, languages, accessibility and contact as delivered', async () => {
    expect(await page.title()).toBe('Sozialatlas Köln – Angebote in Ihrer Nähe');
    expect(await page.locator('#atlas-status').innerText()).toBe('3 Angebote gefunden.');
    const treff = page.locator('#atlas-results > li', { hasText: 'Treffpunkt Alleinerziehende Chorweiler' });
    const text = await treff.innerText();
    for (const shown of [
      'Familienforum e. V. (fiktiv)',
      'Merianstr. 5, 50765 Köln',
      'Mo–Fr 9–16 Uhr',
      'Deutsch, Türkisch, Arabisch',
      'Mit dem Rollstuhl teilweise zugänglich. Rampe am Seiteneingang',
    ]) {
      expect(text).toContain(shown);
    }
    expect(await treff.locator('a').evaluateAll((as) => as.map((a) => a.getAttribute('href')))).toEqual(['tel:0221991230', 'mailto:treff@example.org', 'https://example.org/treff']);
    // the CSV row with empty detail columns: nothing is made up
    const plain = await page.locator('#atlas-results > li', { hasText: 'Alleinerziehenden-Café Altstadt' }).innerText();
    expect(plain.match(/keine Angabe/g)).toHaveLength(4);
    // the JSON delivery
    expect(await page.locator('#atlas-results > li', { hasText: 'Schuldnerberatung Chorweiler' }).innerText()).toContain('Deutsch, Russisch');
    expect(await page.locator('#atlas-points circle').count()).toBe(3);
  });

  it('finds offers by Lebenslage and area, by language, and by a point picked on the map', async () => {
    await searchFor({ 'atlas-lebenslage': 'alleinerziehend', 'atlas-gebiet': 'STADTTEIL:609' });
    expect(await results()).toEqual(['1. Treffpunkt Alleinerziehende Chorweiler']);
    expect(await page.locator('#atlas-map path.chosen').getAttribute('data-code')).toBe('609');
    await searchFor({ 'atlas-lebenslage': 'alleinerziehend' });
    expect((await results()).sort()).toEqual(['1. Alleinerziehenden-Café Altstadt', '2. Treffpunkt Alleinerziehende Chorweiler'].sort());
    await searchFor({ 'atlas-sprache': 'ru' });
    expect(await results()).toEqual(['1. Schuldnerberatung Chorweiler']);
    await searchFor({ 'atlas-lebenslage': 'schulden', 'atlas-sprache': 'tr' });
    expect(await page.locator('#atlas-status').innerText()).toMatch(/^Keine Angebote gefunden/);

    // a click on the map next to the Altstadt café: 1 km around it, sorted by distance
    await searchFor({});
    await page.locator('#atlas-points circle', { has: page.locator('title', { hasText: 'Altstadt' }) }).click();
    expect(await page.locator('#atlas-umkreis').inputValue()).toBe('1000');
    expect(await page.locator('#atlas-ort').innerText()).toMatch(/^Ort auf der Karte gewählt/);
    await page.click('#atlas-form button[type=submit]');
    await settled();
    expect(await results()).toEqual(['1. Alleinerziehenden-Café Altstadt']);
    expect(await page.locator('#atlas-status').innerText()).toBe('1 Angebot gefunden, nach Entfernung sortiert.');
    expect(await page.locator('#atlas-results > li').innerText()).toMatch(/Entfernung\s+\d+ m/);
    // 5 km around it still leaves out Chorweiler, about 10 km to the north
    await page.selectOption('#atlas-umkreis', '5000');
    await page.click('#atlas-form button[type=submit]');
    await settled();
    expect(await results()).toEqual(['1. Alleinerziehenden-Café Altstadt']);
    await page.click('#atlas-ort-weg');
    expect(await page.locator('#atlas-ort-weg').isHidden()).toBe(true);
  });

  it('works from the keyboard: skip link first, the form in reading order, Enter searches', async () => {
    await page.goto(`${url}/sozialatlas.html`);
    await settled();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Zum Inhalt springen');
    const order: string[] = [];
    for (let i = 0; i < 8; i++) {
      await page.keyboard.press('Tab');
      order.push(await page.evaluate(() => document.activeElement?.id || document.activeElement?.textContent || ''));
    }
    expect(order).toEqual(['Zum Dashboard der Sozialplanung', 'atlas-lebenslage', 'atlas-zielgruppe', 'atlas-angebotsart', 'atlas-gebiet', 'atlas-sprache', 'atlas-umkreis', 'Angebote suchen']);
    // a language chosen in its select, then Enter on the focused button searches
    await page.focus('#atlas-sprache');
    await page.selectOption('#atlas-sprache', 'ar');
    await page.focus('#atlas-form button[type=submit]');
    await page.keyboard.press('Enter');
    await settled();
    expect(await results()).toEqual(['1. Treffpunkt Alleinerziehende Chorweiler']);
    // every control has a visible label
    expect(await page.$$eval('#atlas-form select', (ss) => ss.filter((s) => !document.querySelector(`label[for="${s.id}"]`)?.textContent?.trim()).map((s) => s.id))).toEqual([]);
  });

  it('has no WCAG 2.1 A/AA violations by axe-core, with results and with none', async () => {
    expect(await wcagViolations(page)).toEqual([]);
    await searchFor({ 'atlas-lebenslage': 'sucht' });
    expect(await page.locator('#atlas-status').innerText()).toMatch(/^Keine Angebote gefunden/);
    expect(await wcagViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await searchFor({});
    expect(await wcagViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.screenshot({ path: join(repoRoot, 'test-results/sozialatlas.png'), fullPage: true });
  });
});

describe('the dashboard', () => {
  it('has no WCAG 2.1 A/AA violations by axe-core, and links to the Sozialatlas', async () => {
    await page.goto(`${url}/`);
    await settled();
    expect(await wcagViolations(page)).toEqual([]);
    expect(await page.locator('a[href="sozialatlas.html"]').innerText()).toBe('Sozialatlas: Angebote finden');
  });

  it('downloads the Gebietsprofil of the selected area as PDF', async () => {
    await page.locator('#map path.area[data-code="609"]').click();
    await page.locator('#report-pdf').waitFor();
    expect(await page.locator('#report-pdf').getAttribute('href')).toMatch(/^\/reports\/gebietsprofil\/STADTTEIL\/609\.pdf(\?period=\d{4})?$/);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#report-pdf')]);
    expect(download.suggestedFilename()).toMatch(/\.pdf$/);
    const file = join(tempDir('sp-report-download-'), 'profil.pdf');
    await download.saveAs(file);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.7');
    expect(bytes.length).toBeGreaterThan(10_000);
    expect(await page.locator('#report-docx').getAttribute('href')).toMatch(/^\/reports\/gebietsprofil\/STADTTEIL\/609\.docx/);
  });

  it('builds the Sozialbericht of the Stadtbezirke from the overview (a job, its progress shown) and downloads it as PDF', async () => {
    await page.goto(`${url}/?bericht#ebene=STADTBEZIRK`);
    await settled();
    await page.click('#report-batch-pdf');
    await page.locator('#report-batch-download').waitFor({ timeout: 180_000 });
    expect(await page.locator('#report-batch-download').getAttribute('href')).toMatch(/^\/reports\/jobs\/[\w-]+\/download$/);
    const [download] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.click('#report-batch-download')]);
    // the gateway's Content-Disposition names the file
    expect(download.suggestedFilename()).toMatch(/^sozialbericht[-_]stadtbezirk.*\.pdf$/);
    const file = join(tempDir('sp-report-download-'), 'bericht.pdf');
    await download.saveAs(file);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('%PDF-1.7');
    expect(bytes.length).toBeGreaterThan(50_000);
  }, 300_000);

  it('logged no errors in the browser', () => {
    expect(problems).toEqual([]);
  });
});
