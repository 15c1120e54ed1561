// Two real gateways sharing their Sozialbericht jobs through one database, as the platform's pods
// in servers mode, over the real warehouse (chDB, one per process: hence a file of its own). The
// replica building a job is stopped mid-build (its server closed, its heartbeats and work ended,
// nothing finished); the other replica, polled by the starter, takes the job over after the
// heartbeat horizon and builds it again from the start with the starter's rights: the privileged
// planner's PDF, read back with pdftotext, has every Stadtbezirk and the confidentiality line.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openPgliteDatabase } from '@sp/database-pglite';
import type { Database } from '@sp/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../testing/gateway.fixture.js';
import { type GeoGateway, startGeoGateway } from '../testing/geo.fixture.js';
import { confidentialityLine } from './profile.model.js';
import { DatabaseReportJobStore } from './report-jobs.database.js';

let pods: GeoGateway;
let planner: string;
let dir: string;
let jobsDb: Database & { close(): Promise<void> };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sp-report-takeover-'));
  jobsDb = await openPgliteDatabase({ dataDir: join(dir, 'jobs') });
  // a short heartbeat horizon: the test waits it out
  pods = await startGeoGateway({ replicas: { reportJobs: await DatabaseReportJobStore.open(jobsDb), jobLimits: { staleMs: 4_000 } } });
  planner = await tokenFor({ role: 'planner', privileged: true, sub: 'planerin' });
}, 120_000);
afterAll(async () => {
  await pods?.close();
  await jobsDb?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

type State = { state: string; done: number; total: number; error?: string; download?: string };

describe('Sozialbericht whose builder stops mid-build', () => {
  it('is taken over by the other replica and finished with the starter’s rights', async () => {
    const at = (base: string, path: string) => fetch(`${base}${path}`, { headers: { authorization: `Bearer ${planner}` } });
    const started = await fetch(`${pods.url}/reports/sozialbericht.pdf?level=STADTBEZIRK&period=2012`, { method: 'POST', headers: { authorization: `Bearer ${planner}` } });
    expect(started.status).toBe(202);
    const job = (await started.json()) as { id: string; status: string };
    const other = pods.secondUrl!;
    const poll = async () => (await (await at(other, job.status)).json()) as State;

    // the replica building it is stopped once it has built an area
    let state = await poll();
    while (state.done < 1 && state.state !== 'done' && state.state !== 'failed') {
      await new Promise((r) => setTimeout(r, 20));
      state = await poll();
    }
    await pods.stopFirst();
    const atStop = await poll();
    console.log(`[reports] builder stopped at ${atStop.done}/${atStop.total} areas`);
    expect(atStop).toMatchObject({ state: 'running', total: 9 });

    const seen = new Set<string>();
    const t0 = performance.now();
    while (state.state !== 'done' && state.state !== 'failed' && performance.now() - t0 < 90_000) {
      await new Promise((r) => setTimeout(r, 200));
      state = await poll();
      seen.add(`${state.state} ${state.done}`);
    }
    console.log(`[reports] taken over and finished ${(performance.now() - t0).toFixed(0)} ms after the stop; seen: ${[...seen].join(', ')}`);
    expect(state).toMatchObject({ state: 'done', done: 9, total: 9 });

    const res = await at(other, state.download!);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toContain('sozialbericht_stadtbezirk_2012.pdf');
    const pdf = join(dir, 'taken-over.pdf');
    writeFileSync(pdf, new Uint8Array(await res.arrayBuffer()));
    const pages = execFileSync('pdftotext', ['-layout', '-enc', 'UTF-8', pdf, '-'], { encoding: 'utf8' })
      .split('\f')
      .filter((p) => p.trim().length > 0);
    // the privileged planner's report: the confidentiality line on every page, every Stadtbezirk in it
    expect(pages.length).toBeGreaterThan(9);
    for (const page of pages) expect(page).toContain(confidentialityLine);
    const text = pages.join('\n');
    expect(text).toContain('Sozialbericht Köln');
    for (const bezirk of ['Innenstadt', 'Rodenkirchen', 'Lindenthal', 'Ehrenfeld', 'Nippes', 'Chorweiler', 'Porz', 'Kalk', 'Mülheim']) expect(text).toContain(bezirk);
    // still the starter's only
    expect((await fetch(`${other}${state.download!}`)).status).toBe(404);
  }, 150_000);
});
