// The pure parts of the reports: which period of an indicator a profile shows, which periods its
// series has, and who may see a batch job.
import { describe, expect, it } from 'vitest';
import { publicViewer, type Viewer } from '../auth/viewer.js';
import { pickPeriod, seriesPeriods } from './profile.service.js';
import { type JobLimits, MemoryReportJobStore, ReportJobs } from './report.jobs.js';

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
  // these jobs get their plan at the start; a takeover (report-jobs.database.int.test.ts) plans again
  const noPlanner = () => {
    throw new Error('not planned again here');
  };
  const jobsOn = (limits: Partial<JobLimits> = {}, now?: () => number) => new ReportJobs(new MemoryReportJobStore(), noPlanner, { sweepMs: 0, ...limits }, now);

  it('shows a job only to the viewer who started it', async () => {
    const jobs = jobsOn();
    const job = await jobs.start(
      planner,
      {},
      {
        total: 1,
        work: async (progress) => {
          progress(1);
          return file;
        },
      },
    );
    await new Promise((r) => setTimeout(r, 10));
    expect((await jobs.get(job.id, planner))?.state).toBe('done');
    expect(await jobs.get(job.id, publicViewer)).toBeUndefined();
    expect(await jobs.get(job.id, { ...planner, privileged: false })).toBeUndefined();
    expect(await jobs.get(job.id, { ...planner, subject: 'b' })).toBeUndefined();
  });

  it('refuses a third running job and forgets finished ones after keepMs', async () => {
    let now = 0;
    const jobs = jobsOn({ maxRunning: 2, keepMs: 1000 }, () => now);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const waiting = {
      total: 1,
      work: async () => {
        await gate;
        return file;
      },
    };
    const a = await jobs.start(planner, {}, waiting);
    await jobs.start(planner, {}, waiting);
    expect(await jobs.canStart()).toBe(false);
    release();
    await new Promise((r) => setTimeout(r, 10));
    expect(await jobs.canStart()).toBe(true);
    now = 2000;
    await jobs.canStart();
    expect(await jobs.get(a.id, planner)).toBeUndefined();
  });
});
