// Sozialbericht jobs of replicas on one PostgreSQL server (servers mode), each with its own pool:
// a job one builds is answered by another — its progress, its file, its owner — and counts against
// the deployment's limit of running jobs there too. A job whose builder dies (its pool and jobs
// closed mid-build: no more heartbeats, nothing finished) is taken over by another replica and
// built again from its stored spec with the starter's viewer; of two replicas noticing at once one
// builds it; a job that stops every builder fails after the bound. The stores' contract on memory too.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { openPgliteDatabase } from '@sp/database-pglite';
import { type PostgresInstance, startPostgres } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Viewer } from '../auth/viewer.js';
import { DatabaseReportJobStore } from './report-jobs.database.js';
import { type JobLimits, type JobPlan, MemoryReportJobStore, type ReportJobStore, ReportJobs, type StoredJob } from './report.jobs.js';

let pg: PostgresInstance;
const pools: PgDatabase[] = [];

beforeAll(async () => {
  pg = await startPostgres();
}, 120_000);
afterAll(async () => {
  for (const p of pools) await p.close().catch(() => undefined);
  await pg?.wipe();
});

const planner: Viewer = { role: 'planner', amt: null, privileged: true, subject: 'planerin', name: 'Petra Planerin', tenant: null };
const spec = { level: 'STADTBEZIRK', period: '2012', format: 'pdf' };
const file = { body: new Uint8Array(Array.from({ length: 70_000 }, (_, i) => i % 251)), contentType: 'application/pdf', filename: 'sozialbericht.pdf' };
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** one replica's pool and store */
async function store(): Promise<{ db: PgDatabase; store: ReportJobStore }> {
  const db = createPgDatabase({ url: pg.url, max: 2 });
  pools.push(db);
  return { db, store: await DatabaseReportJobStore.open(db) };
}

async function replicaStore(): Promise<ReportJobStore> {
  return (await store()).store;
}

/** work that builds 1 of 2 areas and then never ends: the process building it dies there */
const dies: JobPlan['work'] = (progress, signal) => {
  progress(1);
  return new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason)));
};

/**
 * A replica: its own pool, and a planner that records what it was asked to build (the viewer and
 * spec as read back from the database) and builds it with `work`.
 */
async function replica(work: JobPlan['work'], limits: Partial<JobLimits>, now: () => number) {
  const { db, store: s } = await store();
  const planned: { viewer: unknown; spec: unknown }[] = [];
  const jobs = new ReportJobs(s, (viewer, asked) => (planned.push({ viewer, spec: asked }), { total: 2, work }), { sweepMs: 0, ...limits }, now);
  // a killed process: its connections drop, then nothing of it runs any more (no beat, no finish)
  const die = async () => {
    await db.close();
    jobs.close();
  };
  return { jobs, planned, die };
}

const builds: JobPlan['work'] = async (progress) => {
  progress(1);
  await pause(20);
  progress(2);
  return file;
};

async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 5_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await read();
    if (ok(v) || Date.now() - t0 > ms) return v;
    await pause(20);
  }
}

describe('report jobs of two replicas on one PostgreSQL', () => {
  it('answer a job at the replica that does not build it: progress, file, owner', async () => {
    const [a, b] = await Promise.all([replicaStore(), replicaStore()]);
    const noPlanner = () => {
      throw new Error('not planned again here');
    };
    const builder = new ReportJobs(a, noPlanner, { maxRunning: 1 });
    const other = new ReportJobs(b, noPlanner, { maxRunning: 1 });
    let step: () => void = () => {};
    const job = await builder.start(planner, spec, {
      total: 2,
      work: async (progress) => {
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
      },
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
    builder.close();
    other.close();
  });

  it('finish a job whose builder died mid-build at the other replica: built again from its spec, with the starter’s viewer, the file correct', async () => {
    let now = Date.now();
    const limits = { maxRunning: 1, staleMs: 1_000 };
    const dying = await replica(dies, limits, () => now);
    const other = await replica(builds, limits, () => now);
    const job = await dying.jobs.start(planner, spec);
    await until(
      () => other.jobs.get(job.id, planner),
      (j) => j?.done === 1,
    );
    expect(await other.jobs.get(job.id, planner)).toMatchObject({ state: 'running', done: 1 });
    expect(await other.jobs.canStart()).toBe(false);
    await dying.die();
    // its heartbeat grows old: the next poll (here at the other replica) takes the job over
    now += 60_000;
    const taken = await other.jobs.get(job.id, planner);
    expect(taken?.state, JSON.stringify(taken)).not.toBe('failed');
    const done = await until(
      () => other.jobs.get(job.id, planner),
      (j) => j?.finishedAt != null,
    );
    expect(done).toMatchObject({ state: 'done', done: 2, total: 2, error: null });
    expect(Buffer.from(done!.file!.body).equals(Buffer.from(file.body))).toBe(true);
    // rebuilt with what the starter asked, with the starter's rights, and still only theirs
    expect(other.planned).toEqual([{ viewer: planner, spec }]);
    expect(await other.jobs.get(job.id, { ...planner, subject: 'jemand-anders' })).toBeUndefined();
    expect(await other.jobs.canStart()).toBe(true);
    other.jobs.close();
  });

  it('build a job two replicas find stopped at the same moment once', async () => {
    let now = Date.now();
    const limits = { maxRunning: 2, staleMs: 1_000 };
    const dying = await replica(dies, limits, () => now);
    const [b, c] = await Promise.all([replica(builds, limits, () => now), replica(builds, limits, () => now)]);
    const job = await dying.jobs.start(planner, spec);
    await until(
      () => b.jobs.get(job.id, planner),
      (j) => j?.done === 1,
    );
    await dying.die();
    now += 60_000;
    // both notice at once, each by a poll and by its sweep
    const taken = await Promise.all([b.jobs.get(job.id, planner), c.jobs.get(job.id, planner), b.jobs.takeOverStale(), c.jobs.takeOverStale()]);
    console.log(`[report jobs] noticed at once: ${JSON.stringify(taken.map((t) => (typeof t === 'number' ? t : t?.state)))}`);
    expect(b.planned.length + c.planned.length).toBe(1);
    const done = await until(
      () => c.jobs.get(job.id, planner),
      (j) => j?.finishedAt != null,
    );
    expect(done).toMatchObject({ state: 'done', done: 2 });
    expect(b.planned.length + c.planned.length).toBe(1);
    b.jobs.close();
    c.jobs.close();
  });

  it('fail a job that stopped its builder at every takeover after the bound, with a clear error', async () => {
    let now = Date.now();
    const limits = { maxRunning: 1, staleMs: 1_000, maxTakeovers: 2 };
    // each replica that builds this report dies of it
    const replicas = await Promise.all([0, 1, 2, 3].map(() => replica(dies, limits, () => now)));
    const job = await replicas[0]!.jobs.start(planner, spec);
    for (const [i, r] of replicas.entries()) {
      const seen = await until(
        () => r.jobs.get(job.id, planner),
        (j) => j?.done === 1 || j?.state === 'failed',
      );
      if (i < 3) {
        // the first build, then two takeovers: each got to its first area
        expect(seen, `replica ${i}`).toMatchObject({ state: 'running', done: 1 });
        await r.die();
        now += 60_000;
      } else {
        expect(seen).toMatchObject({ state: 'failed', error: expect.stringMatching(/stopped the process building it 3 times and is not built again/) });
      }
    }
    // planned at the start, then at each takeover; the last replica plans nothing
    expect(replicas.map((r) => r.planned.length)).toEqual([1, 1, 1, 0]);
    replicas[3]!.jobs.close();
  });
});

describe('report jobs of the embedded default (PGlite in the data directory)', () => {
  it('survive a restart of the process: the restarted one takes the job over in its sweep, nobody polling', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sp-report-jobs-restart-'));
    try {
      const before = await openPgliteDatabase({ dataDir: dir });
      const limits = { staleMs: 300, sweepMs: 0 };
      const stopping = new ReportJobs(await DatabaseReportJobStore.open(before), () => ({ total: 2, work: dies }), limits);
      const job = await stopping.start(planner, spec);
      await pause(50);
      stopping.close();
      await before.close();
      // the restart: the same data directory, and a sweep instead of a poll
      const after = await openPgliteDatabase({ dataDir: dir });
      const planned: unknown[] = [];
      const store = await DatabaseReportJobStore.open(after);
      const restarted = new ReportJobs(store, (viewer, asked) => (planned.push({ viewer, spec: asked }), { total: 2, work: builds }), { ...limits, sweepMs: 100 });
      // read from the table, not through ReportJobs.get (whose read would take the job over itself)
      const done = await until(
        () => store.get(job.id),
        (j) => j?.finishedAt != null,
      );
      expect(done).toMatchObject({ state: 'done', done: 2 });
      expect(Buffer.from(done!.file!.body).equals(Buffer.from(file.body))).toBe(true);
      expect(planned).toEqual([{ viewer: planner, spec }]);
      restarted.close();
      await after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the job stores alike', () => {
  const stored = (over: Partial<StoredJob> = {}): StoredJob => ({
    id: crypto.randomUUID(),
    owner: 'o',
    state: 'queued',
    done: 0,
    total: 3,
    startedAt: 1000,
    finishedAt: null,
    error: null,
    file: null,
    beatAt: 1000,
    builder: 'first',
    takeovers: 0,
    spec,
    viewer: planner,
    ...over,
  });

  for (const [name, open] of [
    ['memory', async () => new MemoryReportJobStore()],
    ['PostgreSQL', replicaStore],
  ] as const) {
    it(`${name}: keeps a job's fields and file, and forgets it after it finished`, async () => {
      const store = await open();
      const job = stored();
      await store.create(job);
      expect(await store.running(1000)).toBeGreaterThanOrEqual(1);
      expect(await store.beat(job.id, 'first', 'running', 2, 2000)).toBe(true);
      expect(await store.get(job.id)).toMatchObject({ state: 'running', done: 2, beatAt: 2000, file: null, spec, viewer: planner });
      expect(await store.finish(job.id, 'first', { state: 'done', done: 3, finishedAt: 3000, error: null, file })).toBe(true);
      const got = await store.get(job.id);
      expect(got).toMatchObject({ state: 'done', done: 3, finishedAt: 3000, file: { contentType: 'application/pdf', filename: 'sozialbericht.pdf' } });
      expect(got!.file!.body.byteLength).toBe(70_000);
      await store.expire(2999);
      expect(await store.get(job.id)).toBeDefined();
      await store.expire(3001);
      expect(await store.get(job.id)).toBeUndefined();
    });

    it(`${name}: gives a stale job to one claimant, ignores its old builder, and fails it at the bound`, async () => {
      const store = await open();
      const job = stored({ beatAt: 1000 });
      await store.create(job);
      // a fresh heartbeat is not taken
      expect(await store.claim(job.id, 'early', 1500, 1000, 2, 'given up')).toBeUndefined();
      expect(await store.stale(1001)).toContain(job.id);
      const claims = await Promise.all(['second', 'third'].map((b) => store.claim(job.id, b, 5000, 4000, 2, 'given up')));
      expect(claims.filter(Boolean)).toEqual([{ spec, viewer: planner }]);
      expect(await store.get(job.id)).toMatchObject({ state: 'queued', done: 0, beatAt: 5000, takeovers: 1, finishedAt: null });
      expect(await store.stale(4001)).not.toContain(job.id);
      // the old builder wakes up: its beat and its end change nothing
      expect(await store.beat(job.id, 'first', 'running', 3, 5100)).toBe(false);
      expect(await store.finish(job.id, 'first', { state: 'done', done: 3, finishedAt: 5200, error: null, file })).toBe(false);
      expect(await store.get(job.id)).toMatchObject({ state: 'queued', finishedAt: null, beatAt: 5000 });
      expect(await store.claim(job.id, 'fourth', 9000, 8000, 2, 'given up')).toBeDefined();
      // at the bound: failed, not claimed
      expect(await store.claim(job.id, 'fifth', 13000, 12000, 2, 'given up')).toBeUndefined();
      expect(await store.get(job.id)).toMatchObject({ state: 'failed', finishedAt: 13000, error: 'given up', takeovers: 2 });
    });
  }
});
