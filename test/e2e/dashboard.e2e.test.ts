// The city dashboard in a real browser: Debian's chromium, headless, driven by playwright-core,
// against the running platform (services/platform/dist/main.js with the Köln demo). When the
// platform is not built yet (or SP_DASHBOARD_FIXTURE=1), the same page is served with the real
// gateway over the Köln open-data fixture of ./dashboard.fixture.ts. Screenshots go to
// test-results/dashboard/ (git-ignored).
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, repoRoot, startNodeService, tempDir } from '@sp/testing';
import { type BrowserContext, type ConsoleMessage, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, graphqlInPage, openChromium } from './chromium.fixture.js';
import { startFixturePlatform } from './dashboard.fixture.js';

const platformMain = 'services/platform/dist/main.js';
const shots = join(repoRoot, 'test-results/dashboard');

interface Running {
  url: string;
  kind: 'platform' | 'fixture';
  stop(): Promise<void>;
}

/** The whole platform on its embedded default with a fresh data directory, or the fixture. */
async function startPlatform(): Promise<Running> {
  if (process.env.SP_DASHBOARD_FIXTURE !== '1' && existsSync(join(repoRoot, platformMain))) {
    const port = await freePort();
    const svc = await startNodeService(platformMain, {
      // Köln alone: the demo tenants beside it are the tenant-switch test's (SP_DEMO_TENANTS)
      env: { SP_DATA_DIR: tempDir('sp-dashboard-e2e-'), SP_PORT: String(port), SP_DEMO_TENANTS: '' },
      ready: /Dashboard:/,
      // first start loads the Köln demo through the ingestion API
      timeoutMs: 540_000,
    });
    const printed = /Dashboard:\s*(https?:\/\/\S+)/.exec(svc.output())?.[1];
    const url = (printed ?? `http://127.0.0.1:${port}/`).replace(/\/$/, '');
    return { url, kind: 'platform', stop: () => svc.stop() };
  }
  console.warn(`dashboard e2e: ${platformMain} not built (or SP_DASHBOARD_FIXTURE=1): using the gateway over the Köln fixture`);
  const fixture = await startFixturePlatform();
  return { url: fixture.url, kind: 'fixture', stop: () => fixture.close() };
}

let running: Running;
let browser: BrowserContext;
let page: Page;
const problems: string[] = [];
const foreignRequests: string[] = [];

/** Waits until the page has finished a render (no "Lade …" in the status). */
async function settled(p: Page = page): Promise<void> {
  await p.waitForFunction(() => document.body.dataset.ready === 'true' && document.body.dataset.loading === 'false', undefined, { timeout: 60_000 });
}

async function fills(p: Page = page): Promise<Record<string, string>> {
  return p.$$eval('#map path.area', (paths) => Object.fromEntries(paths.map((el) => [el.getAttribute('data-code')!, el.getAttribute('fill') ?? ''])));
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: false });
}

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing: install Debian's chromium (infra/bin/test does)`);
  mkdirSync(shots, { recursive: true });
  running = await startPlatform();
  // a fresh profile per run (playwright passes it as --user-data-dir)
  // no fill transitions: screenshots show the final colours
  ({ browser, page } = await openChromium({ reducedMotion: 'reduce' }));
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') problems.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('request', (r) => {
    if (!r.url().startsWith(running.url) && !r.url().startsWith('data:')) foreignRequests.push(r.url());
  });
  await page.goto(`${running.url}/`);
  await settled();
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await running?.stop();
});

describe(`dashboard in chromium`, () => {
  it('loads in German with the data sources attributed and nothing fetched from elsewhere', async () => {
    expect(await page.getAttribute('html', 'lang')).toBe('de');
    await expect(page.title()).resolves.toMatch(/Sozialplanung (Stadt )?Köln/);
    const footer = page.locator('#attribution');
    expect(await footer.isVisible()).toBe(true);
    const text = await footer.innerText();
    for (const a of [
      'Stadt Köln – Offene Daten Köln (Stadtgliederung), dl-de/by-2-0',
      'Stadt Köln, Amt für Stadtentwicklung und Statistik – Offene Daten Köln',
      '© OpenStreetMap contributors, ODbL 1.0',
      'synthetische Daten',
    ])
      expect(text).toContain(a);
    // the footer stays in view: its box lies inside the viewport
    const box = (await footer.boundingBox())!;
    expect(box.y + box.height).toBeLessThanOrEqual(900 + 1);
    expect(foreignRequests).toEqual([]);
    expect(problems).toEqual([]);
    await shot('01-stadtteile-einwohner');
  });

  it('draws the 86 Stadtteile as coloured SVG polygons with a legend', async () => {
    expect(await page.inputValue('#level')).toBe('STADTTEIL');
    const colours = await fills();
    expect(Object.keys(colours)).toHaveLength(86);
    expect(Object.keys(colours)).toContain('101');
    expect(Object.keys(colours)).toContain('909');
    const d = await page.getAttribute('#map path.area[data-code="101"]', 'd');
    expect(d).toMatch(/^M[\d.]+ [\d.]+L/);
    // a choropleth: several classes, not one colour
    expect(new Set(Object.values(colours)).size).toBeGreaterThanOrEqual(4);
    expect(await page.locator('#legend .legend-item[data-class]').count()).toBeGreaterThanOrEqual(4);
    await expect(page.locator('#legend').innerText()).resolves.toContain('Wert geschützt (Datenschutz)');
  });

  it('recolours the map when the indicator changes, and labels synthetic indicators', async () => {
    const before = await fills();
    const legendBefore = await page.locator('#legend').innerText();
    const options = await page.$$eval('#indicator option', (os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, label: o.textContent ?? '' })));
    expect(options.length).toBeGreaterThanOrEqual(2);
    const current = await page.inputValue('#indicator');
    const other = options.find((o) => o.value !== current && /synthetisch/.test(o.label)) ?? options.find((o) => o.value !== current)!;
    await page.selectOption('#indicator', other.value);
    await page.waitForFunction((v) => location.hash.includes(`indikator=${v}`), other.value);
    await settled();
    const after = await fills();
    const changed = Object.keys(after).filter((c) => after[c] !== before[c]);
    expect(changed.length).toBeGreaterThan(20);
    expect(await page.locator('#legend').innerText()).not.toBe(legendBefore);
    if (/synthetisch/.test(other.label)) {
      expect(await page.locator('#map-badges').innerText()).toContain('synthetisch');
      expect(await page.locator('#legend').innerText()).toContain('synthetisch');
    }
    // suppressed cells are hatched, never coloured as a value
    const suppressed = await page.$$eval('#map path.area[data-status="suppressed"]', (ps) => ps.map((p) => p.getAttribute('fill')));
    for (const f of suppressed) expect(f).toBe('url(#hatch)');
    if (running.kind === 'fixture') expect(suppressed.length).toBe(3);
    await shot('02-indikator-gewechselt');
  });

  it('changes the classes with the classification method', async () => {
    const legends: string[] = [];
    for (const method of ['quantile', 'equal', 'jenks', 'stddev']) {
      await page.selectOption('#method', method);
      await page.waitForFunction((m) => location.hash.includes(`klassen=${m}`), method);
      await settled();
      legends.push(await page.locator('#legend').innerText());
    }
    expect(new Set(legends).size).toBe(4);
    expect(legends[3]).toMatch(/σ/);
    await shot('03-standardabweichung');
    await page.selectOption('#method', 'quantile');
    await settled();
  });

  it('shows the time series of a selected area against its Bezirk and the city', async () => {
    await page.locator('#map path.area[data-code="401"]').click();
    await expect(page.locator('#detail-title').innerText()).resolves.toBe('Ehrenfeld');
    await page.waitForSelector('#detail-series svg.chart', { timeout: 30_000 });
    const series = await page.$$eval('#detail-series svg.chart path[data-series]', (ps) => ps.map((p) => p.getAttribute('data-series')));
    expect(series).toEqual(expect.arrayContaining(['Ehrenfeld', 'Stadtbezirk Ehrenfeld', 'Köln']));
    expect(await page.locator('#selection-live').innerText()).toContain('Ehrenfeld');
    expect(await page.getAttribute('#map path.area[data-code="401"]', 'aria-pressed')).toBe('true');
    await page.waitForFunction(() => !document.querySelector('#detail-body')!.textContent!.includes('Lade'), undefined, { timeout: 30_000 });
    expect(await page.locator('#detail-body .error').count()).toBe(0);
    await shot('04-ehrenfeld-zeitreihe');
  });

  it('moves the period with the slider and keeps the map drawn', async () => {
    const max = Number(await page.getAttribute('#period', 'max'));
    if (max < 1) return; // one period only: nothing to slide
    const before = await page.locator('#period-output').innerText();
    await page.focus('#period');
    await page.keyboard.press('Home');
    await settled();
    const after = await page.locator('#period-output').innerText();
    expect(after).not.toBe(before);
    expect(await page.locator('#map-title').innerText()).toContain(after);
    expect(Object.keys(await fills())).toHaveLength(86);
    await page.keyboard.press('End');
    await settled();
  });

  it('offers every map as a table that selects areas from the keyboard', async () => {
    await page.click('#table-toggle');
    expect(await page.getAttribute('#table-toggle', 'aria-pressed')).toBe('true');
    const table = page.locator('#map-table');
    await table.waitFor();
    expect(await table.locator('caption').innerText()).toContain('Stadtteile');
    // a rate adds the column of its confidence interval
    const withInterval = (await table.locator('thead th', { hasText: 'Konfidenzintervall' }).count()) > 0;
    expect(await table.locator('thead th[scope="col"]').count()).toBe(withInterval ? 6 : 5);
    expect(await table.locator('tbody tr').count()).toBe(86);
    expect(await table.locator('tbody th[scope="row"]').count()).toBe(86);
    const button = table.locator('button.row-select[data-code="101"]');
    await button.focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#detail-title').innerText()).resolves.not.toBe('Ehrenfeld');
    expect(await page.locator('#selection-live').innerText()).toMatch(/Ausgewählt: .+ \(Stadtteil 101\)/);
    expect(await table.locator('button.row-select[data-code="101"]').getAttribute('aria-pressed')).toBe('true');
    // sorting by value puts the highest value first and says so
    await table.locator('button.sort[data-sort="value"]').click();
    expect(await table.locator('th[aria-sort]').getAttribute('aria-sort')).toBe('descending');
    const firstValues = await table.locator('tbody td.num').evaluateAll((tds) =>
      tds.slice(0, 5).map((td) =>
        Number(
          td
            .textContent!.replace(/\./g, '')
            .replace(',', '.')
            .replace(/[^\d.-]/g, ''),
        ),
      ),
    );
    expect([...firstValues].sort((a, b) => b - a)).toEqual(firstValues);
    await shot('05-tabellenansicht');
    await page.click('#table-toggle');
    expect(await page.isHidden('#table-view')).toBe(true);
  });

  it('is one tab stop on the map; arrow keys move and Enter selects', async () => {
    const focusable = await page.$$eval('#map path.area[tabindex="0"]', (ps) => ps.map((p) => p.getAttribute('data-code')));
    expect(focusable).toEqual(['101']); // the selected area holds the map's tab stop
    await page.focus('#map path.area[data-code="101"]');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await expect(page.locator('#selection-live').innerText()).resolves.toMatch(/\(Stadtteil 102\)/);
  });

  it('draws the composite index classes as a map', async () => {
    const disabled = await page.isDisabled('input[name=theme][value=index]');
    if (disabled) return; // no index in this catalogue
    await page.check('input[name=theme][value=index]');
    await page.waitForFunction(() => location.hash.includes('thema=index'));
    await settled();
    const labels = await page.$$eval('#legend .legend-item[data-class]', (els) => els.map((e) => e.textContent));
    expect(labels.length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#map-title').innerText()).not.toContain('Einwohner');
    expect(new Set(Object.values(await fills())).size).toBeGreaterThanOrEqual(2);
    // the slider stands on a period the index is scored for: areas have classes, no "keine Werte" notice
    expect(await page.locator('#map path.area[data-status="value"]').count()).toBeGreaterThan(40);
    expect(await page.isHidden('#map-notice')).toBe(true);
    await shot('06-sozialindex');
  });

  it('shows facilities filtered by type and the needs per area', async () => {
    await page.check('input[name=theme][value=indicator]');
    await page.check('#infra-on');
    await page.selectOption('#offer-type', 'schule');
    await settled();
    const schools = await page.locator('#map circle.offer').count();
    expect(schools).toBeGreaterThan(50);
    await page.selectOption('#target-group', 'senioren');
    await settled();
    expect(await page.locator('#map circle.offer').count()).toBeLessThan(schools);
    await page.selectOption('#target-group', '');
    await page.selectOption('#offer-type', 'kita');
    await settled();
    expect(await page.locator('#map circle.offer').count()).toBeGreaterThan(50);
    if (!(await page.isDisabled('input[name=theme][value=needs]'))) {
      await page.check('input[name=theme][value=needs]');
      await settled();
      await page.locator('#map path.area[data-code="802"]').click();
      await page.waitForSelector('#detail-needs table', { timeout: 30_000 });
      expect(await page.locator('#detail-needs').innerText()).toMatch(/Angebot/);
      // every norm is listed, computed or with the reason it cannot be; none fails the panel
      expect(await page.locator('#detail-needs th.norm-name').count()).toBe(await page.locator('#norm option').count());
      expect(await page.locator('#detail-needs td.num', { hasText: '%' }).count()).toBeGreaterThan(0);
      expect(await page.locator('#detail-needs .error').count()).toBe(0);
      // the supply is generated Kita capacities: the map says synthetisch, never "amtliche Daten"
      expect(await page.locator('#map-badges').innerText()).toContain('synthetisch');
      expect(await page.locator('#map-badges').innerText()).not.toContain('amtliche Daten');
      expect(await page.locator('#map-subtitle').innerText()).toContain('synthetisch erzeugt');
    }
    // units are German words, never the taxonomy's codes
    expect(await page.locator('body').innerText()).not.toMatch(/\bplaetze\b/);
    // the whole panel (series, needs, measures) has loaded, without errors
    await page.waitForFunction(() => !document.querySelector('#detail-body')!.textContent!.includes('Lade'), undefined, { timeout: 30_000 });
    expect(await page.locator('#detail-body .error').count()).toBe(0);
    if (running.kind === 'fixture') expect(await page.locator('#detail-measures .light-red').count()).toBe(1);
    // the Köln demo has example measures in Kalk, each with its traffic light
    else expect(await page.locator('#detail-measures article.measure .light').count()).toBeGreaterThan(0);
    await shot('07-kitas-versorgung');
  });

  it('shows a rate’s 95 % interval and small-number flag in the table, the tooltip and the series band', async () => {
    await page.check('input[name=theme][value=indicator]');
    await page.uncheck('#infra-on');
    await page.selectOption('#level', 'STADTTEIL');
    await page.selectOption('#indicator', 'sgb2_quote');
    await page.waitForFunction(() => location.hash.includes('indikator=sgb2_quote'));
    await settled();
    if ((await page.getAttribute('#table-toggle', 'aria-pressed')) !== 'true') await page.click('#table-toggle');
    const table = page.locator('#map-table');
    await table.waitFor();
    expect(await table.locator('thead th', { hasText: 'Unsicherheit (95-%-Konfidenzintervall)' }).count()).toBe(1);
    const cells = await table.locator('tbody td.uncertainty').allInnerTexts();
    expect(cells).toHaveLength(86);
    const intervals = cells.filter((c) => /^95-%-KI \d+(,\d+)?–\d+(,\d+)? %/.test(c));
    expect(intervals.length).toBeGreaterThan(50);
    // withheld figures show no interval, only "geschützt"
    const hidden = await page.$$eval('#map path.area[data-status="suppressed"]', (ps) => ps.map((p) => p.getAttribute('data-code')!));
    for (const code of hidden) expect(await table.locator(`tr:has(button[data-code="${code}"]) td.uncertainty`).innerText()).toBe('geschützt');
    // the tooltip of an area with a value
    const shown = (await page.$$eval('#map path.area[data-status="value"]', (ps) => ps.map((p) => p.getAttribute('data-code')!)))[0]!;
    await page.locator(`#map path.area[data-code="${shown}"]`).hover();
    await expect(page.locator('#tooltip .uncertainty').innerText()).resolves.toMatch(/95-%-KI \d/);
    await shot('09-konfidenzintervall-tooltip');
    // the series of the selected area carries its band (or whiskers for isolated periods)
    await page.locator(`#map path.area[data-code="${shown}"]`).click();
    await page.waitForSelector('#detail-series svg.chart', { timeout: 30_000 });
    expect(await page.locator('#detail-series svg.chart path.band').count()).toBeGreaterThan(0);
    expect(await page.locator('#detail-series').innerText()).toMatch(/Konfidenzintervall/);
    await page.click('#table-toggle');
    expect(problems).toEqual([]);
  });

  it('draws the typology as a map (k chosen by the planner) and lists the most similar areas', async () => {
    await page.check('input[name=theme][value=typology]');
    await page.waitForFunction(() => location.hash.includes('thema=typology'));
    await settled();
    expect(await page.locator('#map-title').innerText()).toMatch(/Typologie \(4 Typen\)/);
    const colours = await fills();
    expect(Object.keys(colours)).toHaveLength(86);
    const typed = await page.$$eval('#map path.area[data-status="value"]', (ps) => ps.map((p) => p.getAttribute('fill')));
    expect(typed.length).toBeGreaterThan(60);
    expect(new Set(typed).size).toBe(4);
    expect(await page.locator('#legend').innerText()).toMatch(/Typ 4 \(\d+\)/);
    await shot('10-typologie');
    await page.selectOption('#k', '3');
    await page.waitForFunction(() => location.hash.includes('typen=3'));
    await settled();
    const three = await page.$$eval('#map path.area[data-status="value"]', (ps) => ps.map((p) => p.getAttribute('fill')));
    expect(new Set(three).size).toBe(3);
    expect(await page.locator('#legend').innerText()).not.toMatch(/Typ 4/);
    // the same view again gives the same types (deterministic seeding)
    const before = await fills();
    await page.reload();
    await settled();
    expect(await fills()).toEqual(before);
    // similar areas of the selected area by the same profile
    const code = (await page.$$eval('#map path.area[data-status="value"]', (ps) => ps.map((p) => p.getAttribute('data-code')!)))[0]!;
    await page.locator(`#map path.area[data-code="${code}"]`).click();
    await page.waitForSelector('#detail-similar ol.similar-list li', { timeout: 30_000 });
    expect(await page.locator('#detail-similar ol.similar-list li').count()).toBe(5);
    expect(await page.locator('#detail-similar').innerText()).toMatch(/größter Unterschied: .+ % der Distanz/);
    await shot('11-aehnliche-gebiete');
    expect(problems).toEqual([]);
  });

  it('offers the levels of the API, the Sozialraumgebiete (Lebenswerte Veedel) among them, and draws them', async () => {
    await page.check('input[name=theme][value=indicator]');
    const options = await page.$$eval('#level option', (os) => os.map((o) => ({ value: (o as HTMLOptionElement).value, label: o.textContent ?? '' })));
    expect(options).toEqual([
      { value: 'STADTBEZIRK', label: 'Stadtbezirke' },
      { value: 'STADTTEIL', label: 'Stadtteile' },
      { value: 'STADTVIERTEL', label: 'Stadtviertel' },
      { value: 'SOZIALRAUM', label: 'Sozialraumgebiete (Lebenswerte Veedel)' },
    ]);
    await page.selectOption('#level', 'SOZIALRAUM');
    await settled();
    // the map draws the Sozialraumgebiete valid on the last day of the period shown: the 11 of
    // 2006–2019 up to 2019 (the demo's figures end in 2012), the 15 of the Ratsbeschluss since 2020
    const period = new URLSearchParams(new URL(page.url()).hash.slice(1)).get('zeitraum') ?? '';
    // the page's own periodEnd (a string, so the test runner does not rewrite the import)
    const at = (await page.evaluate(`import('./js/format.js').then((m) => m.periodEnd(${JSON.stringify(period)}))`)) as string | null;
    expect(at, `period ${period}`).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    const valid = (await graphqlInPage(page, 'query($at: String!) { areas(level: SOZIALRAUM, at: $at) { code } }', { at })).body as { data: { areas: { code: string }[] } };
    const codes = Object.keys(await fills()).sort();
    expect(codes).toEqual(valid.data.areas.map((a) => a.code).sort());
    expect(codes).toHaveLength(at! < '2020-01-01' ? 11 : 15);
    expect(await page.locator('#map-title').innerText()).toContain('Sozialraumgebiete (Lebenswerte Veedel)');
    // the demo's figures (Stadtteile, to 2012) roll up to the Sozialraumgebiete valid then made of
    // whole Stadtteile; the parts named by Stadtviertel have no figures at that level; the fixture
    // has none there and says so
    if (running.kind === 'platform') expect(await page.locator('#map path.area[data-status="value"]').count()).toBeGreaterThan(0);
    else if ((await page.locator('#map path.area[data-status="value"]').count()) === 0) expect(await page.isVisible('#map-notice')).toBe(true);
    await shot('12-sozialraumgebiete');
    expect(problems).toEqual([]);
  });

  it('says in German when a level has too few areas for the typology, and offers the coarser level', async () => {
    // before, the notice showed the gateway's English "0 area(s) with a complete profile; at least 2 are needed"
    await page.check('input[name=theme][value=typology]');
    await page.selectOption('#level', 'STADTVIERTEL');
    await settled();
    const notice = page.locator('#map-notice');
    expect(await notice.isVisible()).toBe(true);
    expect(await notice.innerText()).toMatch(/^Für Stadtviertel liegen zu „Typologie \(\d+ Typen\)“ .*keine Werte vor/);
    await notice.locator('button[data-level="STADTTEIL"]').click();
    await settled();
    expect(await page.inputValue('#level')).toBe('STADTTEIL');
    expect(await page.locator('#map path.area[data-status="value"]').count()).toBeGreaterThan(60);
    expect(problems).toEqual([]);
  });

  it('switches to Stadtbezirke and Stadtviertel', async () => {
    await page.check('input[name=theme][value=indicator]');
    await page.uncheck('#infra-on');
    await page.selectOption('#level', 'STADTBEZIRK');
    await settled();
    expect(Object.keys(await fills())).toHaveLength(9);
    await page.selectOption('#level', 'STADTVIERTEL');
    await settled();
    expect(Object.keys(await fills()).length).toBeGreaterThan(300);
    // a level without figures says so instead of showing an empty map
    const withValue = await page.locator('#map path.area[data-status="value"]').count();
    if (withValue === 0) {
      expect(await page.isVisible('#map-notice')).toBe(true);
      expect(await page.locator('#map-notice').innerText()).toMatch(/Für Stadtviertel liegen .* keine Werte vor/);
    }
    await shot('08-stadtviertel');
    expect(problems).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });
});
