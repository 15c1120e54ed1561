// The scenario form of the dashboard (docs/projection.md §8) in a real browser (Debian's chromium via
// playwright-core) against the platform on embedded engines with the real Köln population, the demo's
// Kitas and the base projection: a planner signs in, is shown the domain's refusal at the field, then
// saves a new housing area in Altstadt/Süd with a new Kita, waits for its projection and reads the
// Kita demand, supply and gap beside the base scenario's in the comparison table, on the two maps
// (base and scenario with the same classes, and the difference map) and in the chart of 101 over the
// projected years — each figure the page shows compared with the GraphQL answer.
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
let token = '';
const problems: string[] = [];

interface NeedsAnswer {
  area: { code: string };
  demand: number | null;
  supply: number;
  gap: number | null;
}

/** the needs of the Kita norm in 2018 as GraphQL answers them, base and scenario, by area code */
async function needsFromApi(period: string): Promise<{ basis: Map<string, NeedsAnswer>; planned: Map<string, NeedsAnswer> }> {
  const res = await fetch(`${running.platform.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({
      query: `query($p: String!) {
        basis: needs(norm: "kita_plaetze_1_6", level: STADTTEIL, period: $p, scenario: "basis") { area { code } demand supply gap }
        planned: needs(norm: "kita_plaetze_1_6", level: STADTTEIL, period: $p, scenario: "neubau_altstadt") { area { code } demand supply gap }
      }`,
      variables: { p: period },
    }),
  });
  const body = (await res.json()) as { data: { basis: NeedsAnswer[]; planned: NeedsAnswer[] } };
  const byCode = (rows: NeedsAnswer[]) => new Map(rows.map((r) => [r.area.code, r]));
  return { basis: byCode(body.data.basis), planned: byCode(body.data.planned) };
}

/** what one scenario map shows per area: the value and class in its data attributes, its fill and title */
async function mapShows(id: string): Promise<Map<string, { value: number | null; cls: number; fill: string; title: string }>> {
  const list = await page.$$eval(`#${id} path.area`, (ps) =>
    ps.map((p) => {
      const d = (p as SVGPathElement).dataset;
      return {
        code: d.code ?? '',
        value: d.value === '' || d.value === undefined ? null : Number(d.value),
        cls: Number(d.class),
        fill: p.getAttribute('fill') ?? '',
        title: p.querySelector('title')?.textContent ?? '',
      };
    }),
  );
  return new Map(list.map(({ code, ...rest }) => [code, rest]));
}

/** a screenshot from the top of one element to the bottom of another, scrolled clear of the sticky footer */
async function shoot(from: string, to: string, file: string): Promise<void> {
  await page.$eval(from, (el) => el.scrollIntoView({ block: 'start' }));
  const a = (await (await page.$(from))!.boundingBox())!;
  const b = (await (await page.$(to))!.boundingBox())!;
  await page.screenshot({ path: join(shots, file), clip: { x: 0, y: a.y - 4, width: 1440, height: b.y + b.height - a.y + 8 } });
}

/** the chart table's figure of one year, measure and scenario (basis | planned) */
async function chartShows(year: string, measure: string, scenario: string): Promise<number> {
  return Number(await page.getAttribute(`#sc-chart-table tr[data-year="${year}"] td[data-measure="${measure}"][data-scenario="${scenario}"]`, 'data-value'));
}

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
    token = await tokenFromDataDir(running.dataDir, running.platform.url, { role: 'planner', sub: 'anna.planerin' });
    await page.fill('#ws-token', token);
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

  it('draws base and scenario side by side on two maps with the same classes, where 101 moves to a higher demand class', async () => {
    await page.waitForSelector('#sc-views:not([hidden])', { timeout: 30_000 });
    await expect.poll(() => page.textContent('#sc-view-status'), { timeout: 60_000 }).toBe('');
    // the maps start with what the form compared: the Kita norm, 2018, the gap; the chart with 101
    expect(await page.inputValue('#sc-view-norm')).toBe('kita_plaetze_1_6');
    expect(await page.inputValue('#sc-view-year')).toBe('2018');
    expect(await page.inputValue('#sc-view-measure')).toBe('gap');
    expect(await page.inputValue('#sc-view-area')).toBe('101');
    expect(await page.inputValue('#sc-view-method')).toBe('equal');
    expect(await page.inputValue('#sc-view-classes')).toBe('5');
    const api = await needsFromApi('2018');
    const classBounds = async () =>
      page.$$eval('#sc-map-legend .legend-item[data-class]', (items) => items.map((i) => [Number((i as HTMLElement).dataset.lo), Number((i as HTMLElement).dataset.hi)] as [number, number]));
    for (const measure of ['gap', 'demand'] as const) {
      await page.selectOption('#sc-view-measure', measure);
      await expect.poll(() => page.textContent('#sc-map-planned-title')).toMatch(measure === 'gap' ? /^Neubaugebiet Altstadt\/Süd – Lücke Kita/ : /^Neubaugebiet Altstadt\/Süd – Bedarf Kita/);
      const bounds = await classBounds();
      expect(bounds.length).toBeGreaterThanOrEqual(3);
      const [basis, planned] = [await mapShows('sc-map-basis'), await mapShows('sc-map-planned')];
      expect(basis.size).toBe(86);
      // every area shows the API's figure, in the class the one legend gives it
      for (const [shown, answer] of [
        [basis, api.basis],
        [planned, api.planned],
      ] as const) {
        for (const [code, a] of answer) {
          const v = shown.get(code);
          expect(v?.value, `${measure} ${code}`).toBeCloseTo(a[measure] ?? Number.NaN, 6);
          const expected = bounds.findIndex(([lo, hi], i) => (i === 0 ? v!.value! >= lo : v!.value! > lo) && v!.value! <= hi);
          expect(v?.cls, `class of ${code} (${v?.value}) in ${JSON.stringify(bounds)}`).toBe(expected);
        }
      }
      const [b101, p101] = [basis.get('101')!, planned.get('101')!];
      expect(p101.value!).toBeGreaterThan(b101.value!);
      // five equal classes of about 365 places over the demand of 37 … 1860: 725 and 826 lie on both
      // sides of the break at about 766. The gap grows by 41 places only and stays in its class of
      // about 300 places (the difference map below shows it)
      if (measure === 'demand') {
        expect(p101.cls, `101: ${b101.value} → ${p101.value} in ${JSON.stringify(bounds)}`).toBe(b101.cls + 1);
        expect(p101.fill).not.toBe(b101.fill);
      }
      expect(p101.title).toMatch(/^Altstadt\/Süd \(101\): (Lücke|Bedarf) \d+/);
      // Chorweiler lies far from the housing area: the same figure and class on both maps
      expect(planned.get('609')).toEqual(basis.get('609'));
    }
    await page.selectOption('#sc-view-measure', 'gap');
    await page.check('#sc-view-diff');
    await expect.poll(() => page.isVisible('#sc-map-diff')).toBe(true);
    const diff = await mapShows('sc-map-diff');
    // only 101 changes; its gap grows by the demand added less the 60 new places
    expect([...diff].filter(([, d]) => d.value !== 0 && d.value !== null && Math.abs(d.value) >= 0.5).map(([code]) => code)).toEqual(['101']);
    expect(diff.get('101')?.value).toBeCloseTo((api.planned.get('101')!.gap ?? 0) - (api.basis.get('101')!.gap ?? 0), 6);
    expect(diff.get('609')?.title).toMatch(/unverändert/);
    await shoot('.sc-maps', '#sc-map-diff-legend', 'scenario-maps.png');
    expect(problems).toEqual([]);
  });

  it('charts 101 over the projected years: equal before completion, then demand 725 → 826, supply 0 → 60, gap 725 → 766 in 2018', async () => {
    const years = await page.$$eval('#sc-chart-table tbody tr', (trs) => trs.map((tr) => (tr as HTMLElement).dataset.year ?? ''));
    expect(years[0]).toBe('2013');
    expect(years).toContain('2022');
    for (const y of years.filter((y) => y < '2016'))
      for (const m of ['population', 'demand', 'supply', 'gap']) expect(await chartShows(y, m, 'planned'), `${m} ${y}`).toBeCloseTo(await chartShows(y, m, 'basis'), 6);
    // the movers arrive in 2016: about 400 × 2.5 more residents
    expect((await chartShows('2016', 'population', 'planned')) - (await chartShows('2016', 'population', 'basis'))).toBeCloseTo(1000, -1);
    const api = (await needsFromApi('2018')).basis.get('101')!;
    const apiPlanned = (await needsFromApi('2018')).planned.get('101')!;
    for (const m of ['demand', 'supply', 'gap'] as const) {
      expect(await chartShows('2018', m, 'basis')).toBeCloseTo(api[m] ?? Number.NaN, 6);
      expect(await chartShows('2018', m, 'planned')).toBeCloseTo(apiPlanned[m] ?? Number.NaN, 6);
    }
    const rounded = async (m: string) => [Math.round(await chartShows('2018', m, 'basis')), Math.round(await chartShows('2018', m, 'planned'))];
    expect(await rounded('demand')).toEqual([725, 826]);
    expect(await rounded('supply')).toEqual([0, 60]);
    expect(await rounded('gap')).toEqual([725, 766]);
    // the lines: base and scenario in two styles, their 2018 markers saying the same figures
    const markers = await page.$$eval('#sc-chart [data-chart="demand"] svg title', (ts) => ts.map((t) => t.textContent ?? ''));
    expect(markers.find((t) => t.startsWith('Basisszenario, 2018:'))).toMatch(/^Basisszenario, 2018: 72[45]/);
    expect(markers.find((t) => t.startsWith('Neubaugebiet Altstadt/Süd, 2018:'))).toMatch(/^Neubaugebiet Altstadt\/Süd, 2018: 82[56]/);
    const dashes = await page.$$eval('#sc-chart [data-chart="demand"] svg path[data-series]', (ps) => ps.map((p) => p.getAttribute('stroke-dasharray')));
    expect(new Set(dashes).size).toBe(2);
    expect(await page.textContent('#sc-chart')).toMatch(/Bis 2015 sind Basis und Szenario gleich; ab 2016 weicht das Szenario ab/);
    await shoot('#sc-chart-title', '#sc-chart .sc-charts', 'scenario-chart.png');
    expect(problems).toEqual([]);
  });
});
