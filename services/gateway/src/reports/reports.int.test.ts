// Reports over the REAL warehouse (chDB, the real catalogue with its confidential, perturbed
// SGB-II dataset; Altstadt/Süd's true count is 2): the PDF is read back with poppler (pdftotext,
// pdftoppm, pdfinfo) and the DOCX with LibreOffice headless (converted to PDF, then read like
// the PDF). The public profile carries exactly the public GraphQL figure, never the truth; the
// privileged one says it is confidential on every page.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, type GraphQLClient, tokenFor } from '../testing/gateway.fixture.js';
import { type GeoGateway, startGeoGateway } from '../testing/geo.fixture.js';
import { confidentialityLine } from './profile.model.js';
import { formatNumber } from './report.format.js';

let geo: GeoGateway;
let gql: GraphQLClient;
let planner: string;
let dir: string;

beforeAll(async () => {
  geo = await startGeoGateway();
  gql = clientFor((u, init) => fetch(u, init), geo.url);
  planner = await tokenFor({ role: 'planner', privileged: true, sub: 'planerin' });
  dir = mkdtempSync(join(tmpdir(), 'sp-reports-'));
}, 120_000);
afterAll(async () => {
  await geo?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const profilePath = '/reports/gebietsprofil/STADTTEIL/101';
const query = 'period=2012&indicators=einwohner,sgb2_personen';

async function download(path: string, token?: string, init: RequestInit = {}): Promise<Response> {
  return fetch(`${geo.url}${path}`, { ...init, headers: token ? { authorization: `Bearer ${token}` } : {} });
}

async function save(res: Response, name: string): Promise<string> {
  const file = join(dir, name);
  writeFileSync(file, new Uint8Array(await res.arrayBuffer()));
  return file;
}

/** The text of each page (pdftotext separates pages with a form feed). */
function pages(pdf: string): string[] {
  const text = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' });
  return text.split('\f').filter((p) => p.trim().length > 0);
}

/**
 * LibreOffice headless opens the DOCX and writes it as PDF: a real reader, not our own parser.
 * Asynchronous: the gateway runs in this process, and a blocked event loop for the seconds
 * LibreOffice takes lets the server's keep-alive timer close a socket the client then reuses
 * (ECONNRESET on the next fetch).
 */
async function docxToPdf(docx: string): Promise<string> {
  const out = join(dir, 'lo');
  await promisify(execFile)('soffice', [`-env:UserInstallation=file://${join(dir, 'lo-profile')}`, '--headless', '--convert-to', 'pdf', '--outdir', out, docx], { timeout: 120_000 });
  return join(
    out,
    docx
      .split('/')
      .pop()!
      .replace(/\.docx$/, '.pdf'),
  );
}

async function sgb2Of101(token?: string): Promise<{ value: number | null; suppressed: boolean }> {
  const r = await gql<{ indicatorValues: { area: { code: string }; value: number | null; suppressed: boolean }[] }>(
    '{ indicatorValues(indicator: "sgb2_personen", level: STADTTEIL, period: "2012-12", areas: ["101"]) { area { code } value suppressed } }',
    token ? { token } : {},
  );
  expect(r.errors).toBeUndefined();
  return r.data!.indicatorValues[0]!;
}

/** The figures printed in the row of the SGB-II indicator in the comparison table. */
function sgb2Row(text: string): string {
  const line = text.split('\n').find((l) => l.includes('12/2012') && /SGB/.test(l));
  expect(line, 'the SGB-II row of the comparison table').toBeDefined();
  return line!.slice(line!.indexOf('12/2012') + 7).trim();
}

describe('Gebietsprofil as PDF', () => {
  it('gives the public the API’s protected figure, the synthetic label, a tagged PDF and no confidentiality line', async () => {
    const started = performance.now();
    const res = await download(`${profilePath}.pdf?${query}`);
    const ms = performance.now() - started;
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = await save(res, 'public.pdf');
    console.log(`[reports] one Gebietsprofil PDF in ${ms.toFixed(0)} ms, ${statSync(pdf).size} bytes`);
    expect(ms).toBeLessThan(10_000);

    const text = pages(pdf).join('\n');
    expect(text).toContain('Altstadt/Süd');
    expect(text).toContain('synthetisch');
    expect(text).not.toContain(confidentialityLine);
    const api = await sgb2Of101();
    const row = sgb2Row(text);
    const expected = api.suppressed || api.value == null ? 'gesperrt' : `${formatNumber(api.value, 'count')}*`;
    expect(row.startsWith(expected)).toBe(true);
    // the truth (2) is not what the public sees
    expect(api.value).not.toBe(2);
    expect(row.split(/\s{2,}/)[0]).not.toBe('2');

    const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
    expect(info).toMatch(/Tagged:\s+yes/);
    expect(info).toMatch(/Title:\s+Gebietsprofil Altstadt\/Süd/);
    const fonts = execFileSync('pdffonts', [pdf], { encoding: 'utf8' });
    expect(fonts).toMatch(/DejaVuSans.*yes/);

    // every page renders (print quality: 150 dpi) to a non-empty image
    execFileSync('pdftoppm', ['-r', '150', '-png', pdf, join(dir, 'page')]);
    const images = readdirSync(dir).filter((f) => f.startsWith('page') && f.endsWith('.png'));
    expect(images.length).toBe(pages(pdf).length);
    for (const image of images) expect(statSync(join(dir, image)).size).toBeGreaterThan(10_000);
  }, 60_000);

  it('shows a privileged planner the true figure and the confidentiality line on every page', async () => {
    const res = await download(`${profilePath}.pdf?${query}`, planner);
    expect(res.status).toBe(200);
    const all = pages(await save(res, 'planner.pdf'));
    expect(all.length).toBeGreaterThanOrEqual(1);
    for (const page of all) expect(page).toContain(confidentialityLine);
    expect((await sgb2Of101(planner)).value).toBe(2);
    expect(sgb2Row(all.join('\n')).split(/\s{2,}/)[0]).toBe('2');
  }, 60_000);

  it('profiles a planning area and a Stadtbezirk with the default key indicators', async () => {
    for (const path of ['/reports/gebietsprofil/STADTBEZIRK/1.pdf?period=2012', '/reports/gebietsprofil/SOZIALRAUM/bickendorf-westend-ossendorf.pdf?period=2012']) {
      const res = await download(path);
      expect(res.status, path).toBe(200);
      const text = pages(await save(res, 'level.pdf')).join('\n');
      expect(text).toContain('Kennzahlen im Vergleich');
      expect(text).toContain('Quellen und Namensnennung');
    }
  }, 60_000);
});

describe('Gebietsprofil as DOCX, opened by LibreOffice', () => {
  it('public: the same figure as the API, no confidentiality line; privileged: the line on every page', async () => {
    const publicDocx = await save(await download(`${profilePath}.docx?${query}`), 'public.docx');
    const publicText = pages(await docxToPdf(publicDocx)).join('\n');
    expect(publicText).toContain('Altstadt/Süd');
    expect(publicText).toContain('synthetisch');
    expect(publicText).not.toContain(confidentialityLine);
    const api = await sgb2Of101();
    expect(publicText).toContain(api.suppressed || api.value == null ? 'gesperrt' : `${formatNumber(api.value, 'count')}*`);

    const res = await download(`${profilePath}.docx?${query}`, planner);
    expect(res.headers.get('content-type')).toContain('wordprocessingml');
    const privileged = pages(await docxToPdf(await save(res, 'planner.docx')));
    for (const page of privileged) expect(page).toContain(confidentialityLine);
  }, 180_000);
});

describe('bad report requests get a clear 4xx and build nothing', () => {
  it.each([
    ['/reports/gebietsprofil/GALAXIE/101.pdf', 400, /level GALAXIE has no areas/],
    ['/reports/gebietsprofil/STADTTEIL/999.pdf', 404, /no STADTTEIL with code "999"/],
    ['/reports/gebietsprofil/STADTTEIL/101.pdf?period=12.2012', 400, /period "12.2012" is not a period/],
    ['/reports/gebietsprofil/STADTTEIL/101.odt', 404, /accepted: \.pdf, \.docx/],
    ['/reports/gebietsprofil/STADTTEIL/101.pdf?format=a3', 400, /unknown query parameter "format"/],
    ['/reports/gebietsprofil/STADTTEIL/101.pdf?indicators=gibtsnicht', 404, /indicator "gibtsnicht" is not in the catalogue/],
    ['/reports/bericht.pdf', 404, /available: GET \/reports\/gebietsprofil/],
  ])('%s → %i', async (path, status, message) => {
    const res = await download(path);
    expect(res.status).toBe(status);
    const body = (await res.json()) as { errors: { message: string }[] };
    expect(body.errors[0]!.message).toMatch(message);
  });

  it('refuses the batch without a level and GET on the batch route', async () => {
    expect((await download('/reports/sozialbericht.pdf', undefined, { method: 'POST' })).status).toBe(400);
    expect((await download('/reports/sozialbericht.pdf?level=STADTBEZIRK')).status).toBe(405);
  });
});

describe('Sozialbericht as a batch job', () => {
  it('starts, reports progress, and hands the finished file only to whoever started it', async () => {
    const started = await download('/reports/sozialbericht.pdf?level=STADTBEZIRK&period=2012', planner, { method: 'POST' });
    expect(started.status).toBe(202);
    const job = (await started.json()) as { id: string; total: number; status: string };
    expect(job.total).toBe(9);

    // the public (or anyone else) cannot see or fetch a planner's job
    expect((await download(job.status)).status).toBe(404);
    expect((await download(`${job.status}/download`)).status).toBe(404);

    let state: { state: string; done: number; total: number; download?: string } = { state: 'queued', done: 0, total: 9 };
    const seen = new Set<number>();
    const t0 = performance.now();
    while (state.state !== 'done' && state.state !== 'failed' && performance.now() - t0 < 90_000) {
      state = (await (await download(job.status, planner)).json()) as typeof state;
      seen.add(state.done);
      if (state.state !== 'done') await new Promise((r) => setTimeout(r, 100));
    }
    console.log(`[reports] Sozialbericht 9 Stadtbezirke PDF in ${(performance.now() - t0).toFixed(0)} ms; progress seen: ${[...seen].sort((a, b) => a - b).join(', ')}`);
    expect(state.state).toBe('done');
    expect(state.done).toBe(9);
    const res = await download(state.download!, planner);
    expect(res.status).toBe(200);
    const all = pages(await save(res, 'bericht.pdf'));
    for (const page of all) expect(page).toContain(confidentialityLine);
    const text = all.join('\n');
    expect(text).toContain('Sozialbericht Köln');
    for (const bezirk of ['Innenstadt', 'Rodenkirchen', 'Lindenthal', 'Ehrenfeld', 'Nippes', 'Chorweiler', 'Porz', 'Kalk', 'Mülheim']) expect(text).toContain(bezirk);
  }, 120_000);
});
