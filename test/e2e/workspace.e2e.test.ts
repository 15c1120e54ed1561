// The planners' workspace (issue 18.2) in a real browser (Debian's chromium via playwright-core)
// against the built platform (services/platform/dist/main.js, embedded engines, no demo): a planner
// signs in with a bearer token (OIDC sign-in comes with 18.1; identity.js is where it plugs in),
// sees the domain's validation message at the field, creates a goal and a measure; the lead Amt
// plans a milestone, records its actual date late and sees the slippage in the controlling table
// and who changed what in the history; and it is refused where its role ends.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tokenFromDataDir } from '@sp/identity/testing';
import { freePort, repoRoot, startNodeService, tempDir } from '@sp/testing';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, openChromium } from './chromium.fixture.js';

const platformMain = 'services/platform/dist/main.js';
const shots = join(repoRoot, 'test-results/workspace');

let stop: () => Promise<void>;
let url: string;
let dataDir: string;
let browser: BrowserContext;
let page: Page;
const problems: string[] = [];

async function signInAs(claims: Record<string, unknown>): Promise<void> {
  if (await page.isVisible('#ws-signout')) await page.click('#ws-signout');
  await page.fill('#ws-token', await tokenFromDataDir(dataDir, url, claims));
  await page.click('#ws-signin-form button[type="submit"]');
  await expect.poll(() => page.textContent('#ws-identity')).toContain(String(claims.sub));
}

/** Fills a form's fields by record field name (ids ws-<form>-<field>). */
async function fill(form: string, values: Record<string, string>): Promise<void> {
  for (const [field, value] of Object.entries(values)) {
    const sel = `#ws-${form}-${field}`;
    if ((await page.getAttribute(sel, 'type')) === null && (await page.$eval(sel, (el) => el.tagName)) === 'SELECT') await page.selectOption(sel, value);
    else await page.fill(sel, value);
  }
}

async function submit(form: string): Promise<string> {
  await page.click(`#ws-form-${form} button[type="submit"]`);
  await expect.poll(() => page.textContent(`#ws-${form}-message`), { timeout: 30_000 }).not.toMatch(/^(Speichere …)?$/);
  return (await page.textContent(`#ws-${form}-message`)) ?? '';
}

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing: install Debian's chromium`);
  if (!existsSync(join(repoRoot, platformMain))) throw new Error(`${platformMain} missing: run pnpm build first`);
  mkdirSync(shots, { recursive: true });
  const port = await freePort();
  dataDir = tempDir('sp-workspace-e2e-');
  const svc = await startNodeService(platformMain, {
    env: { SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_DEMO: '0' },
    ready: /Dashboard:/,
    timeoutMs: 180_000,
  });
  url = `http://127.0.0.1:${port}`;
  stop = () => svc.stop();
  ({ browser, page } = await openChromium({ viewport: { width: 1440, height: 1000 } }));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  await page.goto(`${url}/`);
  await page.click('#workspace > summary');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await stop?.();
});

describe('planners’ workspace in chromium', () => {
  it('shows the domain’s validation message at the field and saves nothing', async () => {
    await signInAs({ role: 'planner', sub: 'anna.planerin' });
    await fill('goal', { key: 'ziel:kita-chorweiler', 'areas-level': 'STADTTEIL', areas: '609', targetGroups: 'familien_mit_kindern', status: 'draft' });
    const message = await submit('goal');
    expect(message).toMatch(/Nicht gespeichert/);
    expect(await page.isVisible('#ws-goal-title-error')).toBe(true);
    expect(await page.textContent('#ws-goal-title-error')).toMatch(/erlaubt/);
    expect(await page.getAttribute('#ws-goal-title', 'aria-invalid')).toBe('true');
  });

  it('creates a goal and a measure as the planner', async () => {
    // a target value per area and year needs the indicator it is a value of: refused at the indicator
    await fill('goal', {
      title: 'Kita-Versorgung in Chorweiler verbessern',
      targetDirection: 'increase',
      'targets-level': 'STADTTEIL',
      targets: '609',
      'targets-year': '2030',
      'targets-value': '13500',
    });
    expect(await submit('goal')).toMatch(/Nicht gespeichert/);
    expect(await page.isVisible('#ws-goal-indicator-error')).toBe(true);
    await fill('goal', { indicator: 'einwohner' });
    expect(await submit('goal')).toMatch(/Gespeichert: ziel:kita-chorweiler, Version 1, von person:anna\.planerin/);
    await expect.poll(() => page.textContent('#ws-history-result'), { timeout: 30_000 }).toContain('person:anna.planerin');

    await fill('measure', {
      key: 'massnahme:familienzentrum-chorweiler',
      title: 'Familienzentrum Chorweiler',
      goalKeys: 'ziel:kita-chorweiler',
      leadAmt: 'jugendamt',
      areas: '609',
      targetGroups: 'familien_mit_kindern',
      budget: '2025',
      'budget-planned': '200000',
      'budget-spent': '50000',
      'budget-approved': '160000',
      plannedStart: '2025-01-01',
      plannedEnd: '2026-12-31',
      actualStart: '2025-01-15',
      status: 'in_progress',
    });
    // the goal reaches the ingestion's references when its delivery is recorded: the save is at once valid
    expect(await submit('measure')).toMatch(/Gespeichert: massnahme:familienzentrum-chorweiler, Version 1/);
  });

  it('lets the lead Amt plan a milestone, record it late and see the slippage', async () => {
    await signInAs({ role: 'amt', amt: 'jugendamt', sub: 'jan.jugendamt' });
    await fill('milestone', { key: 'meilenstein:konzept', measureKey: 'massnahme:familienzentrum-chorweiler', title: 'Konzept beschlossen', plannedDate: '2025-03-31' });
    expect(await submit('milestone')).toMatch(/Version 1, von person:jan\.jugendamt/);

    const button = '#ws-controlling-table button.ws-record-actual[data-key="meilenstein:konzept"]';
    await page.click('#ws-controlling-form button[type="submit"]');
    await page.waitForSelector(button, { timeout: 30_000 });
    await page.click(button);
    expect(await page.inputValue('#ws-milestone-version')).toBe('2');
    await page.fill('#ws-milestone-actualDate', '2025-05-15');
    expect(await submit('milestone')).toMatch(/Version 2/);

    const row = '#ws-controlling-table tr.ws-milestone[data-key="meilenstein:konzept"] .ws-slippage';
    await expect.poll(async () => ((await page.$(row)) ? page.textContent(row) : ''), { timeout: 30_000 }).toBe('45 Tage Verzug');
    expect(await page.textContent('#ws-controlling-summary')).toContain('jugendamt');
    // the approved budget (measure v2) and the share of it spent: 50 000 of 160 000
    expect(await page.textContent('#ws-controlling-table tr.ws-measure[data-key="massnahme:familienzentrum-chorweiler"]')).toMatch(/bewilligt 160\.000\s€ \(31 % verwendet\)/);
    await expect.poll(() => page.textContent('#ws-history-result'), { timeout: 30_000 }).toContain('MilestoneReached');
    expect(await page.textContent('#ws-history-result')).toContain('person:jan.jugendamt');
    await page.screenshot({ path: join(shots, 'workspace-slippage.png'), fullPage: true });
  });

  it('is refused where the role ends', async () => {
    // an Amt does not keep goals
    await page.click('#ws-form-goal .ws-new');
    await fill('goal', { key: 'ziel:vom-amt', title: 'Ein Ziel des Jugendamts', areas: '609', targetGroups: 'familien_mit_kindern', status: 'draft' });
    expect(await submit('goal')).toMatch(/Nicht erlaubt: .*planning staff \(Amt planung\)/);
    // nor another Amt's measure
    await signInAs({ role: 'amt', amt: 'sozialamt', sub: 'sara.sozialamt' });
    await page.click('#ws-form-milestone .ws-new');
    await fill('milestone', { key: 'meilenstein:fremd', measureKey: 'massnahme:familienzentrum-chorweiler', title: 'Fremd', plannedDate: '2025-06-30' });
    expect(await submit('milestone')).toMatch(/Nicht erlaubt: .*led by Amt jugendamt/);
    expect(problems).toEqual([]);
  });
});
