// Sozialbericht jobs of two replicas on one PostgreSQL server (servers mode), each with its own pool:
// a job one builds is answered by the other — its progress, its file, its owner — and counts against
// the deployment's limit of running jobs there too; a job whose builder died (no more heartbeats) is
// answered as failed and frees its place, instead of running forever. The same contract on memory.
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { type PostgresInstance, startPostgres } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../auth/viewer.js';
import { DatabaseReportJobStore } from './report-jobs.database.js';
import { MemoryReportJobStore, type ReportJobStore, ReportJobs } from './report.jobs.js';

let pg: PostgresInstance;
const pools: PgDatabase[] = [];

beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  for (const p of pools) await p.close();
  await pg?.wipe();
});

const planner: Viewer = { role: 'planner', amt: null, privileged: true, subject: 'planerin' };
const file = { body: new Uint8Array(Array.from({ length: 70_000 }, (_, i) => i % 251)), contentType: 'application/pdf', filename: 'sozialbericht.pdf' };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function replica(): Promise<ReportJobStore> {
  const db = createPgDatabase({ url: pg.url, max: 2 });
  pools.push(db);
  return DatabaseReportJobStore.open(db);
}

describe('report jobs of two replicas on one PostgreSQL', () => {
  it('answer a job at the replica that does not build it: progress, file, owner', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    const builder = new ReportJobs(a, { maxRunning: 1 });
    const other = new ReportJobs(b, { maxRunning: 1 });
    let step: () => void = () => {};
    const job = await builder.start(planner, 2, async (progress) => {
      await new Promise<void>((r) => {
        step = r;
      });
      progress(1);
      await pause(300);
      await new Promise<void>((r) => {
        step = r;
      });
      progress(2);
      return file;
    });
    await pause(50);
    expect(await other.get(job.id, planner)).toMatchObject({ state: 'running', done: 0, total: 2 });
    // one job at a time in the whole deployment: the other replica may not start a second
    expect(await other.canStart()).toBe(false);
    step();
    await pause(400);
    expect((await other.get(job.id, planner))?.done).toBe(1);
    step();
    await pause(100);
    const done = await other.get(job.id, planner);
    expect(done).toMatchObject({ state: 'done', done: 2 });
    expect(done?.file?.filename).toBe('sozialbericht.pdf');
    expect(Buffer.from(done!.file!.body).equals(Buffer.from(file.body))).toBe(true);
    expect(await other.get(job.id, { ...planner, subject: 'jemand-anders' })).toBeUndefined();
    expect(await other.canStart()).toBe(true);
  });

  it('answer a job whose builder died as failed, and free its place', async () => {
    const [a, b] = await Promise.all([replica(), replica()]);
    let now = Date.now();
    const dying = new ReportJobs(a, { maxRunning: 1, staleMs: 1_000 }, () => now);
    const other = new ReportJobs(b, { maxRunning: 1, staleMs: 1_000 }, () => now);
    // the builder's process dies after the job started: its work never ends, it beats no more
    const job = await dying.start(planner, 5, () => new Promise<never>(() => {}));
    await pause(50);
    expect(await other.canStart()).toBe(false);
    now += 60_000;
    expect(await other.get(job.id, planner)).toMatchObject({ state: 'failed', error: expect.stringMatching(/stopped/) });
    expect(await other.canStart()).toBe(true);
  });
});

describe('the job stores alike', () => {
  for (const [name, open] of [
    ['memory', async () => new MemoryReportJobStore()],
    ['PostgreSQL', replica],
  ] as const) {
    it(`${name}: keeps a job's fields and file, and forgets it after it finished`, async () => {
      const store = await open();
      const id = crypto.randomUUID();
      await store.create({ id, owner: 'o', state: 'queued', done: 0, total: 3, startedAt: 1000, finishedAt: null, error: null, file: null }, 1000);
      expect(await store.running(1000)).toBeGreaterThanOrEqual(1);
      await store.beat(id, 'running', 2, 2000);
      expect(await store.get(id)).toMatchObject({ state: 'running', done: 2, beatAt: 2000, file: null });
      await store.finish(id, { state: 'done', done: 3, finishedAt: 3000, error: null, file });
      const got = await store.get(id);
      expect(got).toMatchObject({ state: 'done', done: 3, finishedAt: 3000, file: { contentType: 'application/pdf', filename: 'sozialbericht.pdf' } });
      expect(got!.file!.body.byteLength).toBe(70_000);
      await store.expire(2999);
      expect(await store.get(id)).toBeDefined();
      await store.expire(3001);
      expect(await store.get(id)).toBeUndefined();
    });
  }
});
