// The list of saved scenarios in the dashboard's workspace (docs/projection.md §8.3) in a real browser
// (Debian's chromium via playwright-core) against the platform on embedded engines with the real Köln
// population, the demo's Kitas, Grundschulen (places estimated from the 2012 pupils) and Pflegeheime,
// and the base projection. A scenario saved earlier — through GraphQL, not in this browser session —
// is listed, and its maps and chart open from the list without a save: the Grundschule demand, supply
// and gap of every Stadtteil as GraphQL answers them, the estimate named beside the maps and chart.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { tokenFromDataDir } from '@sp/identity/testing';
import { repoRoot } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, openChromium } from '../../../../test/e2e/chromium.fixture.js';
import { startScenarioPlatform, type ScenarioPlatform } from './scenario.fixture.js';

type Page = Awaited<ReturnType<typeof openChromium>>['page'];

const shots = join(repoRoot, 'test-results/scenario-list');
const NORM = 'grundschule_plaetze_6_10';
const KEY = 'schule_altstadt';
let running: ScenarioPlatform;
let close: () => Promise<void>;
let page: Page;
let token = '';
const problems: string[] = [];

interface NeedsAnswer {
  area: { code: string };
  demand: number | null;
  supply: number;
  gap: number | null;
}

async function gql<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(`${running.platform.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data: T; errors?: unknown[] };
  expect(body.errors).toBeUndefined();
  return body.data;
}

/** the Grundschule needs of one year as GraphQL answers them, base and scenario, by area code */
async function needsFromApi(period: string): Promise<{ basis: Map<string, NeedsAnswer>; planned: Map<string, NeedsAnswer> }> {
  const data = await gql<{ basis: NeedsAnswer[]; planned: NeedsAnswer[] }>(
    `query($p: String!) {
      basis: needs(norm: "${NORM}", level: STADTTEIL, period: $p, scenario: "basis") { area { code } demand supply gap }
      planned: needs(norm: "${NORM}", level: STADTTEIL, period: $p, scenario: "${KEY}") { area { code } demand supply gap }
    }`,
    { p: period },
  );
  const byCode = (rows: NeedsAnswer[]) => new Map(rows.map((r) => [r.area.code, r]));
  return { basis: byCode(data.basis), planned: byCode(data.planned) };
}

/** what one scenario map shows per area (its data attributes) */
async function mapShows(id: string): Promise<Map<string, number | null>> {
  const list = await page.$$eval(`#${id} path.area`, (ps) =>
    ps.map((p) => {
      const d = (p as SVGPathElement).dataset;
      return [d.code ?? '', d.value === '' || d.value === undefined ? null : Number(d.value)] as const;
    }),
  );
  return new Map(list);
}

/** the chart table's figure of one year, measure and scenario (basis | planned) */
async function chartShows(year: string, measure: string, scenario: string): Promise<number> {
  return Number(await page.getAttribute(`#sc-chart-table tr[data-year="${year}"] td[data-measure="${measure}"][data-scenario="${scenario}"]`, 'data-value'));
}

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing: install Debian's chromium`);
  mkdirSync(shots, { recursive: true });
  running = await startScenarioPlatform();
  token = await tokenFromDataDir(running.dataDir, running.platform.url, { role: 'planner', sub: 'anna.planerin' });
  // saved before the browser opens: the page has never saved it
  const saved = await gql<{ saveScenario: { saved: boolean; errors: unknown[] } }>(`mutation($i: ScenarioInput!) { saveScenario(input: $i) { saved errors { field message } } }`, {
    i: {
      key: KEY,
      version: 1,
      name: 'Neubau mit Grundschule Altstadt/Süd',
      housingAreas: [
        {
          areaCode: '101',
          dwellings: 400,
          occupancy: 2.5,
          completionYear: 2016,
          ageProfile: [
            { band: '0-6', share: 0.3 },
            { band: '25-45', share: 0.5 },
            { band: '45-65', share: 0.2 },
          ],
        },
      ],
      facilities: [{ change: 'open', norm: NORM, capacity: 100, areaCode: '101', year: 2019 }],
    },
  });
  expect(saved.saveScenario).toMatchObject({ saved: true, errors: [] });
  const deadline = Date.now() + 120_000;
  while ((await gql<{ scenarios: { key: string; status: string }[] }>('{ scenarios { key status } }')).scenarios.every((s) => s.key !== KEY || s.status !== 'projected')) {
    if (Date.now() > deadline) throw new Error(`${KEY} not projected within 120 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
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

describe('saved scenarios in chromium', () => {
  it('lists the scenario saved elsewhere, with its changes and state, and who saved it once a planner signs in', async () => {
    await page.waitForSelector(`#sc-saved-table tr[data-scenario="${KEY}"]`, { timeout: 60_000 });
    const row = () => page.textContent(`#sc-saved-table tr[data-scenario="${KEY}"]`);
    expect(await row()).toMatch(/Neubau mit Grundschule Altstadt\/Süd/);
    expect(await row()).toMatch(/prognostiziert/);
    expect(await row()).toMatch(/Wohngebiet in 101: 400 Wohnungen/);
    expect(await row()).toMatch(/neue Einrichtung \(Grundschulplätze je 100 Kinder von 6 bis unter 10 Jahren\) in 101 ab 2019: 100 Plätze/);
    await page.fill('#ws-token', token);
    await page.click('#ws-signin-form button[type="submit"]');
    await expect.poll(() => page.textContent('#ws-identity')).toContain('anna.planerin');
    await expect.poll(row, { timeout: 30_000 }).toMatch(/person:anna\.planerin/);
    // nothing was saved in this page: the maps are closed until the scenario is opened
    expect(await page.isVisible('#sc-views')).toBe(false);
  });

  it('opens its maps and chart from the list: Grundschule demand, supply and gap of every Stadtteil as GraphQL answers them', async () => {
    await page.click(`#sc-saved-table tr[data-scenario="${KEY}"] button.sc-open`);
    await page.waitForSelector('#sc-views:not([hidden])', { timeout: 30_000 });
    await expect.poll(() => page.textContent('#sc-view-status'), { timeout: 90_000 }).toBe('');
    // opened on the scenario's facility norm, its housing area and two years after completion
    expect(await page.inputValue('#sc-view-scenario')).toBe(KEY);
    expect(await page.inputValue('#sc-view-norm')).toBe(NORM);
    expect(await page.inputValue('#sc-view-area')).toBe('101');
    expect(await page.inputValue('#sc-view-year')).toBe('2018');
    // the estimate is said beside the maps and in the chart
    expect(await page.textContent('#sc-view-note')).toMatch(/Kapazität geschätzt aus Schülerzahl 2012/);
    expect(await page.textContent('#sc-chart')).toMatch(/Kapazität geschätzt aus Schülerzahl 2012/);

    await page.selectOption('#sc-view-year', '2020');
    for (const measure of ['demand', 'supply', 'gap'] as const) {
      await page.selectOption('#sc-view-measure', measure);
      const label = { demand: 'Bedarf', supply: 'Angebot', gap: 'Lücke' }[measure];
      await expect.poll(() => page.textContent('#sc-map-planned-title')).toBe(`Neubau mit Grundschule Altstadt/Süd – ${label} Grundschulplätze je 100 Kinder von 6 bis unter 10 Jahren, 2020`);
      await expect.poll(() => page.textContent('#sc-view-status')).toBe('');
      const api = await needsFromApi('2020');
      const [basis, planned] = [await mapShows('sc-map-basis'), await mapShows('sc-map-planned')];
      expect(basis.size).toBe(86);
      for (const [shown, answer] of [
        [basis, api.basis],
        [planned, api.planned],
      ] as const)
        for (const [code, a] of answer) expect(shown.get(code), `${measure} ${code}`).toBeCloseTo(a[measure] ?? Number.NaN, 6);
      // Chorweiler is not touched by the scenario
      expect(planned.get('609')).toBe(basis.get('609'));
    }
    await page.screenshot({ path: join(shots, 'scenario-list-maps.png'), fullPage: false });
    expect(problems).toEqual([]);
  });

  it('charts 101: equal before completion; in 2020 more Grundschule demand, and 100 places more from 2019', async () => {
    const years = await page.$$eval('#sc-chart-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.year ?? ''));
    expect(years[0]).toBe('2013');
    for (const y of years.filter((y) => y < '2016'))
      for (const m of ['population', 'demand', 'supply', 'gap']) expect(await chartShows(y, m, 'planned'), `${m} ${y}`).toBeCloseTo(await chartShows(y, m, 'basis'), 6);
    const api = await needsFromApi('2020');
    for (const m of ['demand', 'supply', 'gap'] as const) {
      expect(await chartShows('2020', m, 'basis')).toBeCloseTo(api.basis.get('101')![m] ?? Number.NaN, 6);
      expect(await chartShows('2020', m, 'planned')).toBeCloseTo(api.planned.get('101')![m] ?? Number.NaN, 6);
    }
    // the movers' children aged 0-6 in 2016 are of Grundschule age in 2020
    expect((await chartShows('2020', 'demand', 'planned')) - (await chartShows('2020', 'demand', 'basis'))).toBeGreaterThan(100);
    // the registry's estimate for Altstadt/Süd (282 pupils in 2012), plus the scenario's school from 2019
    expect(await chartShows('2018', 'supply', 'basis')).toBe(282);
    expect(await chartShows('2018', 'supply', 'planned')).toBe(282);
    expect(await chartShows('2020', 'supply', 'planned')).toBe(382);
    const figures = Object.fromEntries(
      await Promise.all(['demand', 'supply', 'gap'].map(async (m) => [m, [Math.round(await chartShows('2020', m, 'basis')), Math.round(await chartShows('2020', m, 'planned'))]] as const)),
    );
    console.log(`Grundschule 101, 2020 (basis → ${KEY}): ${JSON.stringify(figures)}`);
    await page.$eval('#sc-chart-title', (el) => el.scrollIntoView({ block: 'start' }));
    await page.screenshot({ path: join(shots, 'scenario-list-chart.png'), fullPage: false });
    expect(problems).toEqual([]);
  });

  it('labels the care supply synthetic and the Grundschule supply estimated, each on its own norm only', async () => {
    await page.selectOption('#sc-view-norm', 'pflegeheim_plaetze_80');
    await expect.poll(() => page.textContent('#sc-map-planned-title'), { timeout: 60_000 }).toMatch(/Vollstationäre Pflegeplätze/);
    await expect.poll(() => page.textContent('#sc-view-status'), { timeout: 60_000 }).toBe('');
    expect(await page.textContent('#sc-view-note')).toMatch(/synthetisch erzeugt/);
    expect(await page.textContent('#sc-view-note')).not.toMatch(/Schülerzahl/);
    // care demand under the scenario comes from the projected residents aged 80 and over
    const planned = await mapShows('sc-map-planned');
    expect([...planned.values()].filter((v) => v !== null).length).toBe(86);
    await page.selectOption('#sc-view-norm', NORM);
    await expect.poll(() => page.textContent('#sc-view-note')).toMatch(/Kapazität geschätzt aus Schülerzahl 2012/);
    expect(await page.textContent('#sc-view-note')).not.toMatch(/synthetisch/);
    expect(problems).toEqual([]);
  });
});
