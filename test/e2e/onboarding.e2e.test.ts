// Issue 15, deliver 6: docs/onboarding.md, executed. The platform starts as the README's main command
// would (services/platform/dist/main.js on a new data directory, without the demo); then every `sh`
// block of the guide marked `<!-- step: … -->` runs, in order, in one bash — exactly as a reader types
// it, with SP and ADMIN_TOKEN set as in the guide's step 0 — and its answer must match the `json`
// block below it (every field shown, with its value; "…" is any text; lists element for element).
// So the guide's calls are the test's calls: a new tenant created with the admin token, its
// statistics office's levels with its own names, areas as CSV and GeoJSON with a boundary reform,
// its own indicator and index definitions (an index at a level it lacks refused with
// UNKNOWN_AREA_LEVEL), counts and published signed changes (CSV) and shares (JSON) for 2019 and
// 2020, a figure for the ended area refused with AREA_NOT_VALID, and through GraphQL the areas,
// figures and index classes of each period — the pack's index and its own, at its Ortsteile and
// Sozialräume, over the reform; then a dataset of its own (an unknown Amt refused with UNKNOWN_AMT),
// an indicator on it, the counts of the Amt it grants and another Amt's refused with 403, and the
// values through GraphQL. Besides the guide's answers, the index classes are checked against @sp/indicators'
// evaluator over the delivered files, so the guide cannot state classes the method does not give.
// Last, the tenant's dashboard in Chromium (Debian's, playwright-core) draws each period with the
// areas valid then: 2019 with Sozialraum 2, 2020 with its successors 21 and 22 (screenshots in
// test-results/onboarding/).
import { type ChildProcessWithoutNullStreams, execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { computeCompositeIndex, indicatorSchema, loadCatalogue, overlayDefinitions } from '@sp/indicators';
import { freePort, repoRoot, startNodeService, tempDir } from '@sp/testing';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChromium } from './chromium.fixture.js';

const platformMain = 'services/platform/dist/main.js';
const guidePath = join(repoRoot, 'docs/onboarding.md');
const adminToken = 'onboarding-e2e-admin-token-0123456789abcdef';

interface Step {
  name: string;
  script: string;
  /** the answer the guide shows under the call */
  expected?: { lang: string; text: string };
}

/** the guide's steps: a `<!-- step: name -->` line, its `sh` block, and the first `json`/`text` block after it */
function guideSteps(markdown: string): Step[] {
  const lines = markdown.split('\n');
  const steps: Step[] = [];
  const fenceAt = (from: number): { lang: string; text: string; end: number } | undefined => {
    const open = /^```(\w*)\s*$/.exec(lines[from] ?? '');
    if (!open) return undefined;
    const end = lines.findIndex((l, i) => i > from && l.startsWith('```'));
    if (end < 0) throw new Error(`docs/onboarding.md: the block opened at line ${from + 1} is not closed`);
    return { lang: open[1] ?? '', text: lines.slice(from + 1, end).join('\n'), end };
  };
  for (let i = 0; i < lines.length; i++) {
    const marker = /^<!-- step: ([a-z0-9-]+) -->$/.exec(lines[i]!);
    if (!marker) continue;
    const script = fenceAt(i + 1);
    if (script?.lang !== 'sh') throw new Error(`docs/onboarding.md line ${i + 1}: step ${marker[1]} must be followed by a sh block`);
    const step: Step = { name: marker[1]!, script: script.text };
    for (let j = script.end + 1; j < lines.length; j++) {
      if (lines[j]!.startsWith('<!-- step:') || lines[j]!.startsWith('#')) break;
      const block = fenceAt(j);
      if (!block) continue;
      if (block.lang === 'json' || block.lang === 'text') step.expected = { lang: block.lang, text: block.text };
      break;
    }
    steps.push(step);
  }
  return steps;
}

/** one bash the steps are typed into, so that what one step exports the next one sees */
class Shell {
  private readonly proc: ChildProcessWithoutNullStreams;
  private out = '';
  private err = '';
  private n = 0;
  constructor(cwd: string, env: Record<string, string>) {
    this.proc = spawn('bash', ['--noprofile', '--norc'], { cwd, env: { ...process.env, ...env } });
    this.proc.stdout.on('data', (c: Buffer) => (this.out += c.toString()));
    this.proc.stderr.on('data', (c: Buffer) => (this.err += c.toString()));
  }
  async run(script: string, timeoutMs = 60_000): Promise<{ stdout: string; stderr: string; status: number }> {
    const marker = `__onboarding_step_${++this.n}__`;
    this.out = '';
    this.err = '';
    this.proc.stdin.write(`${script}\nprintf '\\n${marker} %s\\n' "$?"\n`);
    const deadline = Date.now() + timeoutMs;
    const done = new RegExp(`\\n${marker} (\\d+)\\n`);
    for (;;) {
      const m = done.exec(this.out);
      if (m) return { stdout: this.out.slice(0, m.index), stderr: this.err, status: Number(m[1]) };
      if (Date.now() > deadline) throw new Error(`step did not finish within ${timeoutMs} ms; output so far:\n${this.out}\n${this.err}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}

/** the guide's answer as a matcher: its URLs at the test's port, "…" any text */
function matcher(expected: unknown, url: string): unknown {
  if (typeof expected === 'string') return expected === '…' ? expect.any(String) : expected.replaceAll('http://127.0.0.1:4000', url);
  if (Array.isArray(expected)) return expected.map((e) => matcher(e, url));
  if (expected && typeof expected === 'object') return Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, matcher(v, url)]));
  return expected;
}

const steps = guideSteps(readFileSync(guidePath, 'utf8'));

let platform: Awaited<ReturnType<typeof startNodeService>>;
let url: string;
let shell: Shell;
const answers = new Map<string, unknown>();

beforeAll(async () => {
  if (!existsSync(join(repoRoot, platformMain))) throw new Error(`${platformMain} missing: pnpm build first`);
  for (const tool of ['curl', 'jq']) {
    try {
      execFileSync('sh', ['-c', `command -v ${tool}`]);
    } catch {
      throw new Error(`${tool} missing: the guide's calls need it (Debian: apt-get install ${tool})`);
    }
  }
  const port = await freePort();
  platform = await startNodeService(platformMain, {
    env: { SP_DATA_DIR: tempDir('sp-onboarding-e2e-'), SP_PORT: String(port), SP_HOST: '127.0.0.1', SP_DEMO: '0', SP_ADMIN_TOKEN: adminToken },
    ready: /Dashboard:/,
    timeoutMs: 300_000,
  });
  url = `http://127.0.0.1:${port}`;
  // the reader's working directory: the repository's docs/ (for the data files), files written there stay in a temporary one
  const cwd = tempDir('sp-onboarding-shell-');
  symlinkSync(join(repoRoot, 'docs'), join(cwd, 'docs'));
  shell = new Shell(cwd, { SP: url, ADMIN_TOKEN: adminToken });
}, 400_000);

let browser: BrowserContext | undefined;

afterAll(async () => {
  await browser?.close();
  shell?.close();
  await platform?.stop();
});

describe('docs/onboarding.md, executed step by step over HTTP', () => {
  it('has the steps from a new tenant to its index, in this order', () => {
    expect(steps.map((s) => s.name)).toEqual([
      'create-tenant',
      'keys',
      'levels',
      'areas-csv',
      'sozialraeume',
      'area-levels',
      'reform',
      'areas-2019',
      'areas-2020',
      'definitions',
      'definition-refused',
      'counts',
      'refused',
      'shares',
      'einwohner-ortsteile',
      'saldo',
      'sgb2-anteil',
      'index-2019',
      'index-2020',
      'own-index',
      'index-map-2019',
      'index-csv',
      'dataset',
      'dataset-refused',
      'dataset-definition',
      'dataset-counts',
      'dataset-other-amt',
      'dataset-values',
    ]);
    for (const s of steps) expect(s.script, `step ${s.name} calls the platform over HTTP`).toContain('curl ');
  });

  for (const step of steps) {
    it(`step ${step.name}`, async () => {
      // GraphQL reads a projection: asked again until it shows what was delivered
      const repeat = step.script.includes('/graphql');
      const deadline = Date.now() + (repeat ? 60_000 : 0);
      for (;;) {
        const { stdout, stderr, status } = await shell.run(step.script);
        expect(status, `step ${step.name} failed: ${stderr}`).toBe(0);
        try {
          if (step.expected?.lang === 'json') {
            const answer = JSON.parse(stdout) as unknown;
            answers.set(step.name, answer);
            expect(answer).toMatchObject(matcher(JSON.parse(step.expected.text), url) as object);
          } else if (step.expected?.lang === 'text') {
            answers.set(step.name, stdout);
            // a CSV export starts with a byte order mark and ends its lines with CRLF (for Excel)
            const lines = stdout.replace(/^\uFEFF/, '').split(/\r?\n/);
            for (const line of step.expected.text.split('\n')) expect(lines).toContain(line);
          } else {
            answers.set(step.name, stdout);
          }
          return;
        } catch (error) {
          if (Date.now() > deadline) throw new Error(`step ${step.name}: the answer is not the guide's.\nanswer: ${stdout}\n${(error as Error).message}`);
          await new Promise((r) => setTimeout(r, 500));
        }
      }
    });
  }

  it("scores each period's index as @sp/indicators' evaluator does over the delivered files", () => {
    const index = loadCatalogue(join(repoRoot, 'services/platform/tenant-packs/musterstadt.indicators.yaml')).resolveIndex('index_sozialstruktur');
    const shares = JSON.parse(readFileSync(join(repoRoot, 'docs/onboarding/anteile.json'), 'utf8')) as {
      records: { areaCode: string; period: string; observations: { measure: string; value: number }[] }[];
    };
    const counts = readFileSync(join(repoRoot, 'docs/onboarding/einwohner.csv'), 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(','))
      .filter((c) => c[4] === 'einwohner');
    for (const period of ['2019', '2020']) {
      const input = (measure: string) => new Map(shares.records.filter((r) => r.period === period).map((r) => [r.areaCode, r.observations.find((o) => o.measure === measure)!.value]));
      const expected = computeCompositeIndex(index, {
        population: new Map(counts.filter((c) => c[3] === period).map((c) => [c[2]!, Number(c[5])])),
        inputs: { sgb2_anteil_veroeffentlicht: input('sgb2_anteil'), anteil_alleinerziehende_veroeffentlicht: input('alleinerziehende_anteil') },
      });
      const served = (answers.get(`index-${period}`) as { data: { indexValues: { area: { code: string }; class: string }[] } }).data.indexValues;
      const byCode = (rows: [string, string | null][]) => rows.sort(([a], [b]) => a.localeCompare(b));
      expect(byCode(served.map((v) => [v.area.code, v.class]))).toEqual(byCode(expected.areas.map((a) => [a.areaCode, a.classLabel])));
    }
  });
});

describe("the town's own index (step 5), as @sp/indicators' evaluator gives it", () => {
  it('scores the change of the Einwohner of 2020 at the Ortsteile (over the reform) and the Sozialräume', () => {
    const pack = loadCatalogue(join(repoRoot, 'services/platform/tenant-packs/musterstadt.indicators.yaml'));
    const delivered = (JSON.parse(readFileSync(join(repoRoot, 'docs/onboarding/definitionen.json'), 'utf8')) as { records: Record<string, unknown>[] }).records.map(({ source: _source, ...entry }) =>
      indicatorSchema.parse(entry),
    );
    const index = overlayDefinitions(pack, delivered).resolveIndex('index_entwicklung');
    const einwohner = new Map(
      readFileSync(join(repoRoot, 'docs/onboarding/einwohner.csv'), 'utf8')
        .trim()
        .split('\n')
        .slice(1)
        .map((l) => l.split(','))
        .filter((c) => c[4] === 'einwohner')
        .map((c) => [`${c[3]}|${c[2]}`, Number(c[5])]),
    );
    // each Sozialraum's Ortsteil, from the delivered areas (the reform keeps 21 and 22 in Altstadt)
    const ortsteilOf = new Map<string, string>();
    for (const file of ['sozialraeume.geojson', 'gebietsreform-2020.geojson']) {
      const fc = JSON.parse(readFileSync(join(repoRoot, 'docs/onboarding', file), 'utf8')) as { features: { properties: { code: string; parent: string } }[] };
      for (const f of fc.features) ortsteilOf.set(f.properties.code, f.properties.parent);
    }
    const sum = (period: string, ortsteil: string) => [...einwohner].filter(([k]) => k.startsWith(`${period}|`) && ortsteilOf.get(k.split('|')[1]!) === ortsteil).reduce((t, [, v]) => t + v, 0);
    const change = (now: number | undefined, before: number | undefined) => (now === undefined || before === undefined ? null : ((now - before) / before) * 100);
    const classes = (population: Map<string, number>, input: Map<string, number | null>) =>
      Object.fromEntries(computeCompositeIndex(index, { population, inputs: { einwohner_entwicklung: input } }).areas.map((a) => [a.areaCode, a.classLabel]));

    const ortsteile = ['1', '2'];
    const atOrtsteile = classes(new Map(ortsteile.map((o) => [o, sum('2020', o)])), new Map(ortsteile.map((o) => [o, change(sum('2020', o), sum('2019', o))])));
    const sozialraeume = ['1', '3', '21', '22'];
    const atSozialraeume = classes(
      new Map(sozialraeume.map((c) => [c, einwohner.get(`2020|${c}`)!])),
      new Map(sozialraeume.map((c) => [c, change(einwohner.get(`2020|${c}`), einwohner.get(`2019|${c}`))])),
    );
    const served = (answers.get('own-index') as { data: { ortsteile: { class: string | null }[]; sozialraeume: { area: { code: string }; class: string | null }[] } }).data;
    // Altstadt (1) and Neudorf (2), in the answer's order
    expect(served.ortsteile.map((v) => v.class)).toEqual([atOrtsteile['1'], atOrtsteile['2']]);
    expect(Object.fromEntries(served.sozialraeume.map((v) => [v.area.code, v.class]))).toEqual(atSozialraeume);
  });
});

describe("the tenant's dashboard draws each period with the areas valid then", () => {
  const shots = join(repoRoot, 'test-results/onboarding');
  let page: Page;
  /** the GraphQL operations the page sent, by name */
  const operations: string[] = [];

  /** the map's areas: code → status ("value", "missing", …) */
  async function drawn(): Promise<Record<string, string>> {
    await page.waitForFunction(() => document.body.dataset.ready === 'true' && document.body.dataset.loading === 'false', undefined, { timeout: 60_000 });
    return page.$$eval('#map path.area', (ps) => Object.fromEntries(ps.map((p) => [p.getAttribute('data-code') ?? '', p.getAttribute('data-status') ?? ''])));
  }

  /** the area names of the table (opened if closed) */
  async function tableNames(): Promise<string[]> {
    if ((await page.getAttribute('#table-toggle', 'aria-pressed')) !== 'true') await page.click('#table-toggle');
    await page.waitForSelector('#map-table tbody tr');
    return (await page.$$eval('#map-table tbody th', (ths) => ths.map((th) => th.textContent?.trim() ?? ''))).sort();
  }

  beforeAll(async () => {
    mkdirSync(shots, { recursive: true });
    ({ browser, page } = await openChromium({ reducedMotion: 'reduce' }));
    page.on('request', (r) => {
      const name = /^\s*query\s+(\w+)/.exec((JSON.parse(r.postData() ?? '{}') as { query?: string }).query ?? '')?.[1];
      if (r.url().endsWith('/graphql') && name) operations.push(name);
    });
  }, 60_000);

  it('2019: Sozialräume 1, 2 and 3 with their figures, not 21 and 22', async () => {
    await page.goto(`${url}/t/beispielstadt/#thema=indicator&ebene=SOZIALRAUM&indikator=einwohner&zeitraum=2019`);
    expect(await drawn()).toEqual({ '1': 'value', '2': 'value', '3': 'value' });
    expect(await page.locator('#period-output').innerText()).toBe('2019');
    expect(await page.locator('#map path.area[data-code="2"]').getAttribute('aria-label')).toMatch(/^Bahnhofsviertel: 3\.100/);
    expect(await tableNames()).toEqual(['Am Markt', 'Bahnhofsviertel', 'Lindenhof']);
    await page.screenshot({ path: join(shots, '01-sozialraeume-2019.png') });
  });

  it('2020 on the slider: 1, 3 and the successors 21 and 22 with their figures, not 2', async () => {
    await page.focus('#period');
    await page.keyboard.press('End');
    await page.waitForFunction(() => document.querySelector('#period-output')?.textContent === '2020');
    expect(await drawn()).toEqual({ '1': 'value', '21': 'value', '22': 'value', '3': 'value' });
    expect(await page.locator('#map path.area[data-code="21"]').getAttribute('aria-label')).toMatch(/^Bahnhof Nord: 1\.650/);
    expect(await tableNames()).toEqual(['Am Markt', 'Bahnhof Nord', 'Bahnhof Süd', 'Lindenhof']);
    await page.screenshot({ path: join(shots, '02-sozialraeume-2020.png') });
  });

  it('back to 2019 from the cache: the areas of each date and their boundaries are asked once', async () => {
    await page.focus('#period');
    await page.keyboard.press('Home');
    await page.waitForFunction(() => document.querySelector('#period-output')?.textContent === '2019');
    expect(await drawn()).toEqual({ '1': 'value', '2': 'value', '3': 'value' });
    // per date the versions of SOZIALRAUM and ORTSTEIL (2019-12-31, 2020-12-31); per set of versions its boundaries
    expect(operations.filter((o) => o === 'DashboardAreaVersions')).toHaveLength(4);
    expect(operations.filter((o) => o === 'DashboardAreasAt')).toHaveLength(3);
  });
});
