// The pure parts of the reports: which period of an indicator a profile shows, which periods its
// series has, and who may see a batch job.
import { describe, expect, it } from 'vitest';
import { publicViewer, type Viewer } from '../auth/viewer.js';
import { pickPeriod, seriesPeriods } from './profile.service.js';
import { MemoryReportJobStore, ReportJobs } from './report.jobs.js';

describe('pickPeriod', () => {
  const years = ['2010', '2011', '2012'];
  const months = ['2011-06', '2011-12', '2012-06', '2012-12'];
  it('takes the period itself, else the latest inside it, else the latest before it', () => {
    expect(pickPeriod(years, '2011')).toBe('2011');
    expect(pickPeriod(months, '2012')).toBe('2012-12');
    expect(pickPeriod(years, '2015')).toBe('2012');
    expect(pickPeriod(months, '2012-03')).toBe('2011-12');
    expect(pickPeriod(years, '2009')).toBeNull();
    expect(pickPeriod(years, null)).toBe('2012');
    expect(pickPeriod([], '2012')).toBeNull();
  });
});

describe('seriesPeriods', () => {
  it('keeps the shape of the period: a month keeps its month', () => {
    expect(seriesPeriods(['2011-06', '2011-12', '2012-06', '2012-12'], '2012-12')).toEqual(['2011-12', '2012-12']);
    expect(seriesPeriods(['2009', '2010', '2011', '2012', '2013'], '2012', 3)).toEqual(['2010', '2011', '2012']);
  });
});

describe('ReportJobs', () => {
  const planner: Viewer = { role: 'planner', amt: null, privileged: true, subject: 'a' };
  const file = { body: new Uint8Array([1]), contentType: 'application/pdf', filename: 'x.pdf' };

  it('shows a job only to the viewer who started it', async () => {
    const jobs = new ReportJobs();
    const job = await jobs.start(planner, 1, async (progress) => {
      progress(1);
      return file;
    });
    await new Promise((r) => setTimeout(r, 10));
    expect((await jobs.get(job.id, planner))?.state).toBe('done');
    expect(await jobs.get(job.id, publicViewer)).toBeUndefined();
    expect(await jobs.get(job.id, { ...planner, privileged: false })).toBeUndefined();
    expect(await jobs.get(job.id, { ...planner, subject: 'b' })).toBeUndefined();
  });

  it('refuses a third running job and forgets finished ones after keepMs', async () => {
    let now = 0;
    const jobs = new ReportJobs(undefined, { maxRunning: 2, keepMs: 1000 }, () => now);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const a = await jobs.start(planner, 1, async () => {
      await gate;
      return file;
    });
    await jobs.start(planner, 1, async () => {
      await gate;
      return file;
    });
    expect(await jobs.canStart()).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(await jobs.canStart()).toBe(true);
    now = 2000;
    await jobs.canStart();
    expect(await jobs.get(a.id, planner)).toBeUndefined();
  });

  it('answers a running job whose builder stopped beating as failed, and does not count it as running', async () => {
    let now = 0;
    const store = new MemoryReportJobStore();
    const jobs = new ReportJobs(store, { maxRunning: 1, staleMs: 1000 }, () => now);
    // the builder: a process that dies after the job started (its work never ends, nor beats again)
    const job = await jobs.start(planner, 3, () => new Promise<never>(() => {}));
    await new Promise((r) => setTimeout(r, 10));
    expect((await jobs.get(job.id, planner))?.state).toBe('running');
    expect(await jobs.canStart()).toBe(false);
    now = 5000;
    expect(await jobs.get(job.id, planner)).toMatchObject({ state: 'failed', error: expect.stringMatching(/stopped/) });
    expect(await jobs.canStart()).toBe(true);
  });
});
