// The planners' workspace (issue 18.2) in a real browser (Debian's chromium via playwright-core)
// against the built platform (services/platform/dist/main.js, embedded engines, no demo): a planner
// signs in with a bearer token (OIDC sign-in comes with 18.1; identity.js is where it plugs in),
// sees the domain's validation message at the field, creates a goal and a measure; the lead Amt
// plans a milestone, records its actual date late and sees the slippage in the controlling table
// and who changed what in the history; and it is refused where its role ends. The planner then keeps
// target values of a goal per area and year (SGB-II-Quote in Chorweiler ≤ …) and sees them against
// the published figure delivered through the ingestion API: target, actual, gap and traffic light.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
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
  // the workspace section is opened once in beforeAll; under the whole suite's load it was once found closed here (session 19's
  // first CI run: the sign-in field never became visible), so it is opened again where needed
  if (!(await page.$eval('#workspace', (d) => (d as HTMLDetailsElement).open))) await page.click('#workspace > summary');
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
      'targets-0-level': 'STADTTEIL',
      'targets-0-code': '609',
      'targets-0-year': '2030',
      'targets-0-value': '13500',
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
    // a second budget year in the same save
    await page.click('#ws-measure-budget-add');
    await fill('measure', { 'budget-1': '2026', 'budget-1-planned': '250000', 'budget-1-spent': '0' });
    // the goal reaches the ingestion's references when its delivery is recorded: the save is at once valid
    expect(await submit('measure')).toMatch(/Gespeichert: massnahme:familienzentrum-chorweiler, Version 1/);
    const token = await tokenFromDataDir(dataDir, url, { role: 'planner', sub: 'anna.planerin' });
    const budget = async () => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ measures(first: 5, amt: "jugendamt") { edges { node { key budget { year planned spent approved } } } } }' }),
      });
      const body = (await res.json()) as { data?: { measures: { edges: { node: { key: string; budget: unknown[] } }[] } }; errors?: unknown };
      return body.data?.measures.edges.find((e) => e.node.key === 'massnahme:familienzentrum-chorweiler')?.node.budget ?? body.errors ?? null;
    };
    await expect.poll(budget, { timeout: 30_000 }).toEqual([
      { year: 2025, planned: 200000, spent: 50000, approved: 160000 },
      { year: 2026, planned: 250000, spent: 0, approved: null },
    ]);
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

  it('keeps target values per area and year and shows them against the published figure: target, actual, gap, light', async () => {
    // the figures, delivered as the Ämter's feeds do: SGB II (Jobcenter, December 2023) over the
    // Einwohner under 65 (Statistik, 2023) of Chorweiler (609): 1 000 / 5 000 = 20 %
    const keys = JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>;
    const deliver = async (amt: string, record: Record<string, unknown>) => {
      const res = await fetch(`${url}/v1/deliveries/area-statistic`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys[amt]}`, 'content-type': 'application/json' },
        body: JSON.stringify([record]),
      });
      expect(res.status, await res.clone().text()).toBeLessThan(300);
    };
    const head = (dataset: string, period: string) => ({
      key: `${dataset}|STADTTEIL|609|${period}`,
      version: 1,
      dataset,
      areaLevel: 'STADTTEIL',
      areaCode: '609',
      period,
      synthetic: false,
      source: 'e2e',
    });
    const u65 = ['0-3', '3-6', '6-10', '10-15', '15-18', '18-25', '25-35', '35-45', '45-55', '55-60', '60-65'];
    await deliver('statistik', { ...head('bevoelkerung', '2023'), observations: u65.map((alter, i) => ({ measure: 'einwohner_alter', dimensions: { alter }, value: i === 0 ? 500 : 450 })) });
    await deliver('jobcenter', {
      ...head('sgb2', '2023-12'),
      observations: [
        { measure: 'sgb2_personen', dimensions: { alter: 'u15' }, value: 300 },
        { measure: 'sgb2_personen', dimensions: { alter: '15-65' }, value: 700 },
      ],
    });

    await signInAs({ role: 'planner', sub: 'anna.planerin' });
    await page.click('#ws-form-goal .ws-new');
    await fill('goal', {
      key: 'ziel:sgb2-chorweiler',
      title: 'SGB-II-Quote in Chorweiler senken',
      // two areas: codes separated by commas at the chosen level (Stadtteil)
      areas: '609, 101',
      status: 'draft',
      indicator: 'sgb2_quote',
      targetDirection: 'decrease',
      'targets-0-level': 'STADTTEIL',
      'targets-0-code': '609',
      'targets-0-year': '2025',
      'targets-0-value': '25',
    });
    // two more lines: one with an implausible year (2100 for 2030), one with a value that is no number
    await page.click('#ws-goal-targets-add');
    await fill('goal', { 'targets-1-code': '609', 'targets-1-year': '2100', 'targets-1-value': '15' });
    await page.click('#ws-goal-targets-add');
    await fill('goal', { 'targets-2-code': '101', 'targets-2-year': '2025', 'targets-2-value': 'zwölf' });
    // the domain checks the record's shape first: the value that is no number (left out, so missing)
    expect(await submit('goal')).toMatch(/Nicht gespeichert: 1 Fehler/);
    expect(await page.textContent('#ws-goal-targets-error')).toBe('Zeile 3, Zielwert („zwölf“ ist keine Zahl): targets[2].value is required – erlaubt: a value of type number');
    expect(await page.getAttribute('#ws-goal-targets-2-value', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#ws-goal-targets-1-year', 'aria-invalid')).toBeNull();

    // nothing was saved: the API knows no such goal
    const token = await tokenFromDataDir(dataDir, url, { role: 'planner', sub: 'anna.planerin' });
    type Target = {
      area: { code: string };
      year: number;
      targetValue: number;
      actualPeriod: string | null;
      actualValue: number | null;
      actual: { perturbed: boolean } | null;
      gap: number | null;
      onTrack: boolean | null;
    };
    const goalOf = async (): Promise<{ version: number; areas: { level: string; code: string }[]; targets: Target[] } | null> => {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({
          query: '{ goal(key: "ziel:sgb2-chorweiler") { version areas { level code } targets { area { code } year targetValue actualPeriod actualValue actual { perturbed } gap onTrack } } }',
        }),
      });
      const body = (await res.json()) as { data?: { goal: { version: number; areas: { level: string; code: string }[]; targets: Target[] } | null }; errors?: unknown };
      expect(body.errors).toBeUndefined();
      return body.data!.goal;
    };
    expect(await goalOf()).toBeNull();

    // with a number there, the year the catalogue does not allow
    await fill('goal', { 'targets-2-value': '10' });
    expect(await submit('goal')).toMatch(/Nicht gespeichert: 1 Fehler/);
    expect(await page.textContent('#ws-goal-targets-error')).toMatch(/^Zeile 2, Jahr: target year 2100 is not plausible – erlaubt: a year 1950–20\d\d \(feed catalogue limits\.periods\)$/);
    expect(await page.getAttribute('#ws-goal-targets-1-year', 'aria-invalid')).toBe('true');
    expect(await page.getAttribute('#ws-goal-targets-2-value', 'aria-invalid')).toBeNull();
    await page.screenshot({ path: join(shots, 'workspace-goal-target-refused.png'), fullPage: true });
    expect(await goalOf()).toBeNull();

    // corrected: the line with the wrong year gets 2030; saved as version 1
    await fill('goal', { 'targets-1-year': '2030' });
    expect(await submit('goal')).toMatch(/Gespeichert: ziel:sgb2-chorweiler, Version 1, von person:anna\.planerin/);
    expect(await page.isVisible('#ws-goal-targets-error')).toBe(false);
    // the controlling view of the goal: once the aggregator has the figures, as the API gives them to the planner
    await expect.poll(async () => (await goalOf())?.targets[0]?.actualValue ?? null, { timeout: 60_000, interval: 500 }).not.toBeNull();
    expect((await goalOf())!.areas).toEqual([
      { level: 'STADTTEIL', code: '609' },
      { level: 'STADTTEIL', code: '101' },
    ]);
    const api = (await goalOf())!.targets;
    expect(api.map((t) => [t.area.code, t.year, t.targetValue, t.actualPeriod, t.onTrack])).toEqual([
      ['609', 2025, 25, '2023-12', true],
      ['609', 2030, 15, '2023-12', false],
      ['101', 2025, 10, null, null],
    ]);
    // SGB II is confidential: the planner without the privilege sees it from perturbed counts, near 20 %
    expect(api[0]!.actualValue!).toBeGreaterThan(19);
    expect(api[0]!.actualValue!).toBeLessThan(21);
    expect(api[0]!.actual?.perturbed).toBe(true);
    expect(api[0]!.gap).toBeCloseTo(api[0]!.actualValue! - 25, 6);

    await page.click('#ws-goal-detail-form button[type="submit"]');
    const row = (area: string, year: number) => `#ws-goal-targets-result tr.ws-goal-target[data-area="${area}"][data-year="${year}"]`;
    await expect.poll(async () => ((await page.$(row('609', 2025))) ? page.textContent(`${row('609', 2025)} .ws-actual`) : ''), { timeout: 30_000 }).toContain('Stand 2023-12');
    // as the page formats: one decimal from 1 on, two below
    const de = (v: number) => v.toLocaleString('de-DE', { maximumFractionDigits: Math.abs(v) >= 1 ? 1 : 2 });
    const cells = async (area: string, year: number) => ({
      target: (await page.textContent(`${row(area, year)} .ws-target`))?.trim(),
      actual: (await page.textContent(`${row(area, year)} .ws-actual`))?.trim(),
      gap: (await page.textContent(`${row(area, year)} .ws-gap`))?.trim(),
      light: (await page.textContent(`${row(area, year)} .ws-on-track`))?.trim(),
    });
    const reached = await cells('609', 2025);
    expect(reached.target).toBe('≤ 25 %');
    expect(reached.actual).toBe(`${de(api[0]!.actualValue!)} % (Stand 2023-12) geschützt: aus überlagerten Zahlen`);
    expect(reached.gap).toBe(`−${de(Math.abs(api[0]!.gap!))} Prozentpunkte`);
    expect(reached.light).toBe('erreicht');
    expect(await page.getAttribute(`${row('609', 2025)} .ws-light`, 'class')).toContain('ws-light-green');
    const missed = await cells('609', 2030);
    expect(missed).toMatchObject({ target: '≤ 15 %', gap: `+${de(api[1]!.gap!)} Prozentpunkte`, light: 'nicht erreicht' });
    expect(await page.getAttribute(`${row('609', 2030)} .ws-light`, 'class')).toContain('ws-light-red');
    expect(await cells('101', 2025)).toMatchObject({ actual: 'kein Wert bis 2025', gap: '–', light: 'kein Urteil (kein Ist-Wert)' });
    expect(await page.textContent('#ws-goal-detail')).toContain('Zielindikator: SGB-II-Quote (sgb2_quote, %) · soll sinken');
    await page.screenshot({ path: join(shots, 'workspace-goal-targets.png'), fullPage: true });

    // the goal as its next version in the form, target lines included: one target changed, saved as version 2
    await page.click('#ws-goal-edit');
    expect(await page.inputValue('#ws-goal-version')).toBe('2');
    expect(await page.inputValue('#ws-goal-title')).toBe('SGB-II-Quote in Chorweiler senken');
    expect(await page.inputValue('#ws-goal-areas')).toBe('609, 101');
    expect(await page.inputValue('#ws-goal-areas-level')).toBe('STADTTEIL');
    expect(await page.$$eval('#ws-goal-targets-table tr.ws-target-row', (rows) => rows.map((r) => [...r.querySelectorAll('input')].map((i) => i.value).join('/')))).toEqual([
      '609/2025/25',
      '609/2030/15',
      '101/2025/10',
    ]);
    await fill('goal', { 'targets-0-value': '22,5', revisionReason: 'Zwischenziel 2025 geschärft' });
    expect(await submit('goal')).toMatch(/Gespeichert: ziel:sgb2-chorweiler, Version 2/);
    await expect.poll(() => page.textContent(`${row('609', 2025)} .ws-target`), { timeout: 30_000 }).toBe('≤ 22,5 %');
    expect(await page.textContent(`${row('609', 2030)} .ws-target`)).toBe('≤ 15 %');
    expect((await goalOf())!.targets.map((t) => t.targetValue)).toEqual([22.5, 15, 10]);

    // a goal without target values says so
    await page.click('#ws-form-goal .ws-new');
    await fill('goal', { key: 'ziel:ohne-zielwerte', title: 'Ein Ziel ohne Zielwerte', areas: '609', status: 'draft' });
    expect(await submit('goal')).toMatch(/Gespeichert: ziel:ohne-zielwerte, Version 1/);
    await expect.poll(() => page.textContent('#ws-goal-detail'), { timeout: 30_000 }).toContain('Dieses Ziel hat keine Zielwerte je Gebiet und Jahr');
    expect(problems).toEqual([]);
  });
});
