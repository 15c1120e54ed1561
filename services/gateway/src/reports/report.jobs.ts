// Sozialbericht batch jobs: all areas of a level, built one after the other in the background with
// the starter's viewer, rendered once at the end. They belong to the viewer who started them (same
// role, Amt, privilege and subject) and are forgotten an hour after they finish. Where they are kept
// is a ReportJobStore: this process's memory (the embedded default: one process, a restart forgets
// them), or the deployment's PostgreSQL (servers mode, report-jobs.database.ts): the replica that
// started a job builds it, any replica answers its progress and its file.
//
// A job keeps what is needed to build it again (its spec and the starter's viewer), so a job whose
// builder stopped (a replica killed or restarted mid-build: no sign of life for `staleMs`) is not
// lost: another replica, or this one after a restart, takes it over and builds it from the start.
// Takers look when the job is read (the dashboard polls it) and in a sweep every `sweepMs` (a job
// nobody polls still finishes). Taking over is one compare-and-set in the store, so of two replicas
// noticing at once exactly one builds it; a taker also respects the deployment's limit of running
// jobs, and a job that has stopped its builder `maxTakeovers` times is failed instead of built again
// (a report whose build itself kills the process must not loop through the replicas forever).
import { randomUUID } from 'node:crypto';
import type { Viewer } from '../auth/viewer.js';

export type JobState = 'queued' | 'running' | 'done' | 'failed';

export interface ReportFile {
  body: Uint8Array;
  contentType: string;
  filename: string;
}

export interface ReportJob {
  id: string;
  owner: string;
  state: JobState;
  /** areas built so far, of `total` (rendering the document is the last step after them) */
  done: number;
  total: number;
  startedAt: number;
  finishedAt: number | null;
  error: string | null;
  file: ReportFile | null;
}

/** A job as kept: with what rebuilds it, and who builds it now. */
export interface StoredJob extends ReportJob {
  /** the builder's last sign of life */
  beatAt: number;
  /** the claim of the builder building it (a random token per build) */
  builder: string | null;
  /** how often a silent builder's job was taken over */
  takeovers: number;
  /** what the job builds (JSON, read back by the planner) */
  spec: unknown;
  /** the starter's viewer (JSON): the job is built, and rebuilt, with its rights */
  viewer: unknown;
}

export type JobEnd = Pick<ReportJob, 'state' | 'done' | 'finishedAt' | 'error' | 'file'>;

/** a job as its starter sees it: without what rebuilds it (spec, viewer) or who builds it */
function publicView(job: StoredJob): ReportJob {
  const { beatAt: _b, builder: _c, takeovers: _t, spec: _s, viewer: _v, ...answer } = job;
  return answer;
}

export const ownerOf = (v: Viewer) => JSON.stringify([v.role, v.amt, v.privileged, v.subject]);

export interface JobLimits {
  /** jobs running at the same time (in the whole deployment, with a shared store); more are refused (429) */
  maxRunning: number;
  /** finished jobs are forgotten after this long */
  keepMs: number;
  /** a running job whose builder gave no sign of life for this long is taken over (its process stopped) */
  staleMs: number;
  /** how often a job may be taken over from a silent builder; the next time it fails */
  maxTakeovers: number;
  /** how often this process looks for jobs to take over (0: only when a job is read) */
  sweepMs: number;
}

/** One job to build: how many areas, and the work that builds its file. */
export interface JobPlan {
  total: number;
  work: (progress: (done: number) => void, signal: AbortSignal) => Promise<ReportFile>;
}

/**
 * Turns a job's spec and viewer into its plan: at the start (the spec as the request gave it) and
 * at a takeover (the spec and viewer as stored, to be checked again). Throws an expected error for
 * a spec that cannot be built.
 */
export type JobPlanner = (viewer: unknown, spec: unknown) => JobPlan;

/** what a taker gets: the job's spec and viewer, to plan it again */
export interface Claimed {
  spec: unknown;
  viewer: unknown;
}

/** where jobs are kept: the job's fields, its heartbeat and, once done, its file */
export interface ReportJobStore {
  /** jobs queued or running whose builder beat at or after `aliveSince` */
  running(aliveSince: number): Promise<number>;
  create(job: StoredJob): Promise<void>;
  /** progress (or only a sign of life) of a running job; false when `builder` no longer builds it */
  beat(id: string, builder: string, state: JobState, done: number, at: number): Promise<boolean>;
  /** the end of a job, if `builder` still builds it */
  finish(id: string, builder: string, end: JobEnd): Promise<boolean>;
  get(id: string): Promise<StoredJob | undefined>;
  /** unfinished jobs whose builder beat before `staleBefore` */
  stale(staleBefore: number): Promise<string[]>;
  /**
   * In one atomic step: if the job is unfinished and its builder beat before `staleBefore`, either
   * it was taken over `maxTakeovers` times already and is failed with `error`, or `builder` becomes
   * its builder (heartbeat `at`, progress 0, one takeover more) and gets its spec and viewer. Of two
   * callers at once, at most one gets it.
   */
  claim(id: string, builder: string, at: number, staleBefore: number, maxTakeovers: number, error: string): Promise<Claimed | undefined>;
  /** forgets jobs that finished before `before` and running ones that stopped beating before it */
  expire(before: number): Promise<void>;
}

/** the embedded default's store: this process's memory */
export class MemoryReportJobStore implements ReportJobStore {
  private readonly jobs = new Map<string, StoredJob>();

  async running(aliveSince: number): Promise<number> {
    return [...this.jobs.values()].filter((j) => (j.state === 'queued' || j.state === 'running') && j.beatAt >= aliveSince).length;
  }

  async create(job: StoredJob): Promise<void> {
    this.jobs.set(job.id, { ...job });
  }

  async beat(id: string, builder: string, state: JobState, done: number, at: number): Promise<boolean> {
    const job = this.jobs.get(id);
    if (!job || job.builder !== builder || job.finishedAt != null) return false;
    Object.assign(job, { state, done, beatAt: at });
    return true;
  }

  async finish(id: string, builder: string, end: JobEnd): Promise<boolean> {
    const job = this.jobs.get(id);
    if (!job || job.builder !== builder || job.finishedAt != null) return false;
    Object.assign(job, end);
    return true;
  }

  async get(id: string): Promise<StoredJob | undefined> {
    const job = this.jobs.get(id);
    return job ? { ...job } : undefined;
  }

  async stale(staleBefore: number): Promise<string[]> {
    return [...this.jobs.values()].filter((j) => j.finishedAt == null && j.beatAt < staleBefore).map((j) => j.id);
  }

  async claim(id: string, builder: string, at: number, staleBefore: number, maxTakeovers: number, error: string): Promise<Claimed | undefined> {
    const job = this.jobs.get(id);
    if (!job || job.finishedAt != null || job.beatAt >= staleBefore) return undefined;
    if (job.takeovers >= maxTakeovers) {
      Object.assign(job, { state: 'failed', finishedAt: at, error, builder: null });
      return undefined;
    }
    Object.assign(job, { builder, beatAt: at, state: 'queued', done: 0, takeovers: job.takeovers + 1 });
    return { spec: job.spec, viewer: job.viewer };
  }

  async expire(before: number): Promise<void> {
    for (const [id, j] of this.jobs) if ((j.finishedAt != null && j.finishedAt < before) || (j.finishedAt == null && j.beatAt < before)) this.jobs.delete(id);
  }
}

export const gaveUp = (takeovers: number) =>
  `the report stopped the process building it ${takeovers + 1} times and is not built again; start it again (a smaller level or a single area may go through), or ask the operator to look at the gateway's log`;

export class ReportJobs {
  private readonly limits: JobLimits;
  /** the jobs this process builds: their claim, heartbeat and abort */
  private readonly building = new Map<string, { builder: string; alive: NodeJS.Timeout; abort: AbortController }>();
  private readonly sweeper: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly store: ReportJobStore,
    private readonly planner: JobPlanner,
    limits: Partial<JobLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    const staleMs = limits.staleMs ?? 2 * 60 * 1000;
    this.limits = { maxRunning: 2, keepMs: 60 * 60 * 1000, staleMs, maxTakeovers: 2, sweepMs: staleMs / 2, ...limits };
    if (this.limits.sweepMs > 0) {
      this.sweeper = setInterval(() => void this.takeOverStale().catch((e: unknown) => console.error('[reports] looking for stopped jobs failed', e)), this.limits.sweepMs);
      this.sweeper.unref();
    }
  }

  /** the plan of `spec` for `viewer`; throws the planner's expected error for a spec it cannot build */
  plan(viewer: Viewer, spec: unknown): JobPlan {
    return this.planner(viewer, spec);
  }

  async canStart(): Promise<boolean> {
    await this.store.expire(this.now() - this.limits.keepMs);
    return (await this.store.running(this.now() - this.limits.staleMs)) < this.limits.maxRunning;
  }

  /**
   * Starts the job `spec` for `viewer` (planned by the planner unless `plan` is given: the caller
   * may have planned it already to check the request); it is built after the answer went out.
   */
  async start(viewer: Viewer, spec: unknown, plan: JobPlan = this.planner(viewer, spec)): Promise<ReportJob> {
    const builder = randomUUID();
    const job: StoredJob = {
      id: randomUUID(),
      owner: ownerOf(viewer),
      state: 'queued',
      done: 0,
      total: plan.total,
      startedAt: this.now(),
      finishedAt: null,
      error: null,
      file: null,
      beatAt: this.now(),
      builder,
      takeovers: 0,
      spec,
      viewer,
    };
    await this.store.create(job);
    // the work starts after the answer with the job id has gone out
    setImmediate(() => this.build(job.id, builder, plan));
    return publicView(job);
  }

  /** The job if this viewer started it; someone else's job is as unknown as a missing one. */
  async get(id: string, viewer: Viewer): Promise<ReportJob | undefined> {
    let job = await this.store.get(id);
    if (!job || job.owner !== ownerOf(viewer)) return undefined;
    if (job.finishedAt == null && job.beatAt < this.now() - this.limits.staleMs) {
      await this.takeOver(id);
      job = (await this.store.get(id)) ?? job;
    }
    const answer = publicView(job);
    // still without a builder (the deployment builds as many as it may): it waits for one
    if (answer.finishedAt == null && job.beatAt < this.now() - this.limits.staleMs) return { ...answer, state: 'queued', done: 0 };
    return answer;
  }

  /** Takes over every job whose builder stopped, as far as the limit of running jobs allows; how many. */
  async takeOverStale(): Promise<number> {
    let taken = 0;
    for (const id of await this.store.stale(this.now() - this.limits.staleMs)) if (await this.takeOver(id)) taken++;
    return taken;
  }

  /**
   * Stops this process's part: no more sweeps, heartbeats or writes. The jobs it was building are
   * left as they are, so another replica (or this one after a restart, with a shared store) takes
   * them over once their heartbeat is `staleMs` old — exactly what happens when the process dies.
   */
  close(): void {
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const b of this.building.values()) {
      clearInterval(b.alive);
      b.abort.abort();
    }
    this.building.clear();
  }

  private async takeOver(id: string): Promise<boolean> {
    if (this.closed || !(await this.canStart())) return false;
    const builder = randomUUID();
    const claimed = await this.store.claim(id, builder, this.now(), this.now() - this.limits.staleMs, this.limits.maxTakeovers, gaveUp(this.limits.maxTakeovers));
    if (!claimed) return false;
    let plan: JobPlan;
    try {
      // the stored viewer and spec are read back as any input: checked again by the planner
      plan = this.planner(claimed.viewer, claimed.spec);
    } catch (error) {
      await this.store.finish(id, builder, { state: 'failed', done: 0, finishedAt: this.now(), error: messageOf(error), file: null });
      return true;
    }
    this.build(id, builder, plan);
    return true;
  }

  private build(id: string, builder: string, plan: JobPlan): void {
    if (this.closed) return;
    let done = 0;
    const abort = new AbortController();
    const stop = () => {
      clearInterval(alive);
      this.building.delete(id);
    };
    const beat = () =>
      this.store
        .beat(id, builder, 'running', done, this.now())
        .then((mine) => {
          // taken over by another replica while this one was silent too long: its build counts, not ours
          if (!mine && !this.closed) {
            stop();
            abort.abort();
          }
        })
        .catch(() => undefined);
    // a sign of life also while one step (the rendering) takes long
    const alive = setInterval(beat, Math.max(1000, this.limits.staleMs / 4));
    alive.unref();
    this.building.set(id, { builder, alive, abort });
    void beat();
    let last = 0;
    plan
      .work((n) => {
        done = n;
        // progress at most every 250 ms: a store on a database gets no write per area of a long level
        if (this.now() - last >= 250) {
          last = this.now();
          void beat();
        }
      }, abort.signal)
      .then(
        (file): JobEnd => ({ state: 'done', done, finishedAt: this.now(), error: null, file }),
        (error: unknown): JobEnd => ({ state: 'failed', done, finishedAt: this.now(), error: messageOf(error), file: null }),
      )
      .then((end) => (this.closed || abort.signal.aborted ? false : this.store.finish(id, builder, end)))
      .catch((e: unknown) => console.error('[reports] the job could not be stored', e))
      .finally(stop);
  }
}

const messageOf = (error: unknown) => (error instanceof Error && error.name === 'GraphQLError' ? error.message : 'Unexpected error.');
