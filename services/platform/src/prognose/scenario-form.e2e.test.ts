// The scenario form of the dashboard (docs/projection.md §8) in a real browser (Debian's chromium via
// playwright-core) against the platform on embedded engines with the real Köln population, the demo's
// Kitas and the base projection: a planner signs in, is shown the domain's refusal at the field, then
// saves a new housing area in Altstadt/Süd with a new Kita, waits for its projection and reads the
// Kita demand, supply and gap beside the base scenario's in the comparison table.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tokenFromDataDir } from '@sp/identity/testing';
import { repoRoot } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, openChromium } from '../../../../test/e2e/chromium.fixture.js';
import { startScenarioPlatform, type ScenarioPlatform } from './scenario.fixture.js';

type Page = Awaited<ReturnType<typeof openChromium>>['page'];

const shots = join(repoRoot, 'test-results/scenario-form');
let running: ScenarioPlatform;
let close: () => Promise<void>;
let page: Page;
const problems: string[] = [];

/** the numbers of one row of the comparison table: demand, supply and gap, base then scenario */
async function comparedRow(code: string): Promise<{ demand: [number, number]; supply: [number, number]; gap: [number, number] }> {
  const cells = await page.$$eval(`#sc-compare-table tr[data-area="${code}"] td`, (tds) => tds.map((td) => Number((td.textContent ?? '').replace(/\./g, '').replace(',', '.').replace('−', '-'))));
  const [db, ds, sb, ss, gb, gs] = cells as [number, number, number, number, number, number];
  return { demand: [db, ds], supply: [sb, ss], gap: [gb, gs] };
}

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing: install Debian's chromium`);
  mkdirSync(shots, { recursive: true });
  running = await startScenarioPlatform();
  const opened = await openChromium({ viewport: { width: 1440, height: 1000 } });
  page = opened.page;
  close = () => opened.browser.close();
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${running.platform.url}/`);
  await page.click('#workspace > summary');
}, 600_000);

afterAll(async () => {
  await close?.();
  await running?.close();
});

describe('the scenario form in chromium', () => {
  it('shows what the domain refuses at its field and saves nothing', async () => {
    await page.fill('#ws-token', await tokenFromDataDir(running.dataDir, running.platform.url, { role: 'planner', sub: 'anna.planerin' }));
    await page.click('#ws-signin-form button[type="submit"]');
    await expect.poll(() => page.textContent('#ws-identity')).toContain('anna.planerin');
    // the norms come with the API's catalogue
    await expect.poll(() => page.$$eval('#sc-norm option', (o) => o.map((x) => (x as HTMLOptionElement).value)), { timeout: 30_000 }).toContain('kita_plaetze_1_6');
    await page.fill('#sc-key', 'neubau_altstadt');
    await page.fill('#sc-name', 'Neubaugebiet Altstadt/Süd');
    await page.fill('#sc-area', '999');
    await page.fill('#sc-dwellings', '400');
    await page.fill('#sc-occupancy', '2.5');
    await page.fill('#sc-year', '2016');
    await page.click('#sc-save');
    await expect.poll(() => page.textContent('#sc-message'), { timeout: 30_000 }).toMatch(/Nicht gespeichert/);
    expect(await page.isVisible('#sc-area-error')).toBe(true);
    expect(await page.textContent('#sc-area-error')).toMatch(/999.*erlaubt/);
    expect(await page.getAttribute('#sc-area', 'aria-invalid')).toBe('true');
  });

  it('saves a housing area with a new Kita, and shows its Kita demand, supply and gap beside the base scenario', async () => {
    await page.fill('#sc-area', '101');
    await page.selectOption('#sc-norm', 'kita_plaetze_1_6');
    await page.fill('#sc-facility-capacity', '60');
    await page.fill('#sc-facility-year', '2017');
    await page.fill('#sc-compare-year', '2018');
    await page.click('#sc-save');
    await expect.poll(() => page.textContent('#sc-message'), { timeout: 150_000, interval: 1000 }).toMatch(/prognostiziert|nicht prognostizierbar|Nicht/);
    expect(await page.textContent('#sc-message')).toMatch(/Gespeichert und prognostiziert: neubau_altstadt, Version 1, von person:anna\.planerin/);
    await page.waitForSelector('#sc-compare-table tr[data-area="101"]', { timeout: 30_000 });
    expect(await page.textContent('#sc-compare-table caption')).toMatch(/Prognose – Neubaugebiet Altstadt\/Süd neben dem Basisszenario/);
    const row = await comparedRow('101');
    // 400 dwellings × 2.5 persons, 20 % under 6: far more Kita places needed than in the base scenario
    expect(row.demand[1] - row.demand[0]).toBeGreaterThan(50);
    expect(row.supply[1] - row.supply[0]).toBe(60);
    expect(row.gap[1]).toBeCloseTo(row.demand[1] - row.supply[1], -1);
    // the housing area's Stadtteil comes first; only Stadtteile the scenario changes are listed
    expect(await page.$$eval('#sc-compare-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.area))).toEqual(['101']);
    await page.screenshot({ path: join(shots, 'scenario-compare.png'), fullPage: false });
    expect(problems).toEqual([]);
  });
});
