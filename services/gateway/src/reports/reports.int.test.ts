// Reports over the REAL warehouse (chDB, the real catalogue with its confidential, perturbed
// SGB-II dataset; Altstadt/Süd's true count is 2): the PDF is read back with poppler (pdftotext,
// pdftoppm, pdfinfo) and the DOCX with LibreOffice headless (converted to PDF, then read like
// the PDF). The public profile carries exactly the public GraphQL figure, never the truth; the
// privileged one says it is confidential on every page.
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { openPgliteDatabase } from '@sp/database-pglite';
import type { Database } from '@sp/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientFor, type GraphQLClient, tokenFor } from '../testing/gateway.fixture.js';
import { docxPart, docxParts, pngSize } from '../testing/docx.fixture.js';
import { type GeoGateway, startGeoGateway } from '../testing/geo.fixture.js';
import { confidentialityLine } from './profile.model.js';
import { DatabaseReportJobStore } from './report-jobs.database.js';
import { formatNumber } from './report.format.js';

let geo: GeoGateway;
let gql: GraphQLClient;
let planner: string;
let dir: string;
let jobsDir: string;
let jobsDb: Database & { close(): Promise<void> };

beforeAll(async () => {
  // two earlier Decembers give the SGB-II chart a series (a monthly series keeps its month). The
  // public reads their perturbed figures (Altstadt/Süd's true 1 in 12/2011 is published as 0) and
  // 12/2012 not at all (its observations carry no record key), so its chart ends in a gap
  // two replicas sharing their Sozialbericht jobs through a database, as the platform's pods do in servers mode
  jobsDir = mkdtempSync(join(tmpdir(), 'sp-report-jobs-'));
  jobsDb = await openPgliteDatabase({ dataDir: jobsDir });
  geo = await startGeoGateway({ sgb2History: { '2010-12': 40, '2011-12': 1 }, replicas: { reportJobs: await DatabaseReportJobStore.open(jobsDb) } });
  gql = clientFor((u, init) => fetch(u, init), geo.url);
  planner = await tokenFor({ role: 'planner', privileged: true, sub: 'planerin' });
  dir = mkdtempSync(join(tmpdir(), 'sp-reports-'));
}, 120_000);
afterAll(async () => {
  await geo?.close();
  await jobsDb?.close();
  if (jobsDir) rmSync(jobsDir, { recursive: true, force: true });
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

    // every page renders (print quality: 150 dpi) to a non-empty image; asynchronously, as LibreOffice below
    await promisify(execFile)('pdftoppm', ['-r', '150', '-png', pdf, join(dir, 'page')]);
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

/** The pictures of a DOCX: each PNG part's size, and each drawing's name and alternative text (LibreOffice and Word read `descr`). */
function pictures(docx: string): { media: { part: string; width: number; height: number; bytes: number }[]; drawings: { id: string; name: string; descr: string }[] } {
  const media = docxParts(docx)
    .filter((p) => p.startsWith('word/media/'))
    .map((part) => {
      const png = docxPart(docx, part);
      return { part, ...pngSize(png), bytes: png.length };
    });
  const xml = docxPart(docx, 'word/document.xml').toString('utf8');
  const fromXml = (s: string) =>
    s
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  const attr = (tag: string, name: string) => fromXml(new RegExp(`\\s${name}="([^"]*)"`).exec(tag)?.[1] ?? '');
  const drawings = [...xml.matchAll(/<wp:docPr\s[^>]*>/g)].map((m) => ({ id: attr(m[0], 'id'), name: attr(m[0], 'name'), descr: attr(m[0], 'descr') }));
  return { media, drawings };
}

/**
 * The alternative texts of a PDF's structure elements (/Alt), in file order: PDF literal strings
 * read as the PDF syntax defines them (backslash escapes; UTF-16BE after a byte-order mark), so the
 * DOCX's pictures can be compared with the figures the PDF tags.
 */
function pdfAltTexts(pdf: string): string[] {
  const raw = readFileSync(pdf).toString('latin1');
  const out: string[] = [];
  for (const m of raw.matchAll(/\/Alt\s*\(/g)) {
    let bytes = '';
    let depth = 1;
    for (let i = m.index + m[0].length; i < raw.length; i++) {
      const c = raw[i]!;
      if (c === '\\') {
        const next = raw[++i]!;
        bytes += ({ n: '\n', r: '\r', t: '\t', b: '\b', f: '\f' } as Record<string, string>)[next] ?? next;
      } else if (c === '(') {
        depth++;
        bytes += c;
      } else if (c === ')') {
        if (--depth === 0) break;
        bytes += c;
      } else bytes += c;
    }
    const b = Buffer.from(bytes, 'latin1');
    out.push(b[0] === 0xfe && b[1] === 0xff ? b.subarray(2).swap16().toString('utf16le') : b.toString('latin1'));
  }
  return out;
}

/** "12/2012: 17*; …" → { "12/2012": "17*", … } */
function seriesOf(alt: string): Record<string, string> {
  return Object.fromEntries(
    alt
      .slice(alt.indexOf(': ') + 2)
      .split('; ')
      .map((e) => [e.slice(0, e.indexOf(': ')), e.slice(e.indexOf(': ') + 2)]),
  );
}

async function publicSgb2(period: string, token?: string): Promise<string> {
  const r = await gql<{ indicatorValues: { value: number | null; suppressed: boolean; perturbed: boolean }[] }>(
    `{ indicatorValues(indicator: "sgb2_personen", level: STADTTEIL, period: "${period}", areas: ["101"]) { value suppressed perturbed } }`,
    token ? { token } : {},
  );
  expect(r.errors).toBeUndefined();
  const v = r.data!.indicatorValues[0]!;
  return v.suppressed ? 'gesperrt' : v.value == null ? '–' : `${formatNumber(v.value, 'count')}${v.perturbed ? '*' : ''}`;
}

describe('DOCX pictures: the map and the charts of the PDF', () => {
  it('carries the map and the SGB-II chart as valid PNGs with alternative text, and LibreOffice keeps them', async () => {
    const docx = await save(await download(`${profilePath}.docx?${query}`), 'pictures.docx');
    const { media, drawings } = pictures(docx);
    console.log(`[reports] DOCX pictures: ${media.map((m) => `${m.part} ${m.width}x${m.height} ${m.bytes} B`).join(', ')}`);
    console.log(`[reports] DOCX alt texts: ${drawings.map((d) => d.descr).join(' | ')}`);
    // the map and one chart (Einwohner has a single year here, so no chart of its own)
    expect(media).toHaveLength(2);
    for (const m of media) {
      expect(m.part).toMatch(/\.png$/);
      // 200 dpi: the 240 × 180 pt map is 667 × 500 px, a 235 × 95 pt chart 653 × 264 px
      expect(m.width).toBeGreaterThanOrEqual(600);
      expect(m.height).toBeGreaterThanOrEqual(250);
      expect(m.bytes).toBeGreaterThan(5_000);
    }
    expect(drawings).toHaveLength(2);
    expect(new Set(drawings.map((d) => d.id)).size).toBe(drawings.length);
    expect(drawings[0]!.descr).toBe('Karte: Altstadt/Süd hervorgehoben zwischen den benachbarten Gebieten derselben Ebene');
    expect(drawings[1]!.descr).toMatch(/^Zeitreihe Personen in SGB-II-Bedarfsgemeinschaften \(synthetisch\) für Altstadt\/Süd: 12\/2010: /);

    // one figure description: the PDF tags its vector map and chart with the very same texts
    const pdfAlts = pdfAltTexts(await save(await download(`${profilePath}.pdf?${query}`), 'pictures.pdf'));
    expect(pdfAlts.filter((a) => a.startsWith('Karte: ') || a.startsWith('Zeitreihe '))).toEqual(drawings.map((d) => d.descr));

    // LibreOffice opens it with both pictures, and the document still reads as before
    const pdf = await docxToPdf(docx);
    const images = execFileSync('pdfimages', ['-list', pdf], { encoding: 'utf8' }).trim().split('\n').slice(2);
    expect(images.length).toBeGreaterThanOrEqual(2);
    const all = pages(pdf);
    console.log(`[reports] DOCX with pictures → LibreOffice PDF: ${all.length} pages`);
    expect(all.length).toBeLessThanOrEqual(3);
    const text = all.join('\n');
    for (const heading of ['Kennzahlen im Vergleich', 'Zeitreihen', 'Quellen und Namensnennung']) expect(text).toContain(heading);
  }, 180_000);

  it('charts for the public exactly the protected figures of the API, a suppressed cell as a gap; the planner’s chart the true ones', async () => {
    const chartAlt = async (token?: string) => {
      const docx = await save(await download(`${profilePath}.docx?${query}`, token), `chart-${token ? 'planner' : 'public'}.docx`);
      return pictures(docx).drawings.find((d) => d.descr.startsWith('Zeitreihe Personen in SGB-II'))!.descr;
    };
    const publicSeries = seriesOf(await chartAlt());
    const periods = { '12/2010': '2010-12', '12/2011': '2011-12', '12/2012': '2012-12' };
    expect(Object.keys(publicSeries)).toEqual(Object.keys(periods));
    for (const [label, period] of Object.entries(periods)) expect(publicSeries[label]!.replace(/ \(.*\)$/, ''), label).toBe(await publicSgb2(period));
    // 12/2012 is withheld from the public: the chart has an open marker there, not the count
    expect(publicSeries['12/2012']).toMatch(/^gesperrt/);
    expect(Object.values(publicSeries)).not.toContain('2');

    const plannerSeries = seriesOf(await chartAlt(planner));
    expect(plannerSeries['12/2012']).toBe('2');
    expect(plannerSeries['12/2011']).toBe('1');
    expect(plannerSeries['12/2010']).toBe('40');
  }, 120_000);
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

  it('is answered by another replica than the one that builds it: progress, and the file to whoever started it', async () => {
    const at = (base: string, path: string, token?: string) => fetch(`${base}${path}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    const started = await fetch(`${geo.url}/reports/sozialbericht.docx?level=STADTBEZIRK&period=2012`, { method: 'POST', headers: { authorization: `Bearer ${planner}` } });
    expect(started.status).toBe(202);
    const job = (await started.json()) as { id: string; status: string };
    const other = geo.secondUrl!;
    expect((await at(other, job.status)).status).toBe(404);
    let state: { state: string; done: number; download?: string } = { state: 'queued', done: 0 };
    const t0 = performance.now();
    while (state.state !== 'done' && state.state !== 'failed' && performance.now() - t0 < 90_000) {
      const res = await at(other, job.status, planner);
      expect(res.status).toBe(200);
      state = (await res.json()) as typeof state;
      if (state.state !== 'done') await new Promise((r) => setTimeout(r, 100));
    }
    expect(state).toMatchObject({ state: 'done', done: 9 });
    const file = await at(other, state.download!, planner);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain('sozialbericht_stadtbezirk_2012.docx');
    expect((await file.arrayBuffer()).byteLength).toBeGreaterThan(10_000);
    expect((await at(other, state.download!)).status).toBe(404);
  }, 120_000);

  it('as DOCX: each area’s map as a picture with alternative text, no empty charts, readable by LibreOffice', async () => {
    const started = await download('/reports/sozialbericht.docx?level=STADTBEZIRK&period=2012', undefined, { method: 'POST' });
    expect(started.status).toBe(202);
    const job = (await started.json()) as { status: string };
    let state: { state: string; download?: string } = { state: 'queued' };
    const t0 = performance.now();
    while (state.state !== 'done' && state.state !== 'failed' && performance.now() - t0 < 90_000) {
      state = (await (await download(job.status)).json()) as typeof state;
      if (state.state !== 'done') await new Promise((r) => setTimeout(r, 100));
    }
    const ms = performance.now() - t0;
    expect(state.state).toBe('done');
    const docx = await save(await download(state.download!), 'bericht.docx');
    const { media, drawings } = pictures(docx);
    console.log(`[reports] Sozialbericht 9 Stadtbezirke DOCX in ${ms.toFixed(0)} ms, ${statSync(docx).size} bytes, ${media.length} pictures`);
    const maps = drawings.filter((d) => d.descr.startsWith('Karte: '));
    expect(maps.map((d) => d.descr.slice('Karte: '.length, d.descr.indexOf(' hervorgehoben')))).toEqual(
      expect.arrayContaining(['Innenstadt', 'Rodenkirchen', 'Lindenthal', 'Ehrenfeld', 'Nippes', 'Chorweiler', 'Porz', 'Kalk', 'Mülheim']),
    );
    expect(maps).toHaveLength(9);
    // the default key indicators here are SGB-II quotas whose age bands this fixture does not
    // deliver: every period is "–", so there is nothing to chart and no empty chart is drawn
    expect(drawings.filter((d) => d.descr.startsWith('Zeitreihe '))).toEqual([]);
    expect(media).toHaveLength(drawings.length);
    expect(new Set(drawings.map((d) => d.id)).size).toBe(drawings.length);
    for (const m of media) expect(m.width).toBeGreaterThanOrEqual(600);

    const all = pages(await docxToPdf(docx));
    console.log(`[reports] Sozialbericht DOCX → LibreOffice PDF: ${all.length} pages`);
    const text = all.join('\n');
    for (const bezirk of ['Innenstadt', 'Rodenkirchen', 'Chorweiler', 'Mülheim']) expect(text).toContain(bezirk);
    expect(text).not.toContain(confidentialityLine);
  }, 180_000);
});
