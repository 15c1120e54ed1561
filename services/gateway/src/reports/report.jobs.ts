// Sozialbericht batch jobs: all areas of a level, built one after the other in the background with
// the starter's viewer, rendered once at the end. They belong to the viewer who started them (same
// role, Amt, privilege and subject) and are forgotten an hour after they finish. Where they are kept
// is a ReportJobStore: this process's memory (the embedded default: one process, a restart forgets
// them), or the deployment's PostgreSQL (servers mode, report-jobs.database.ts): the replica that
// started a job builds it, any replica answers its progress and its file. A job whose builder stopped
// (no sign of life for `staleMs`) is answered as failed, so nobody waits for it forever.
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

export const ownerOf = (v: Viewer) => JSON.stringify([v.role, v.amt, v.privileged, v.subject]);

export interface JobLimits {
  /** jobs running at the same time (in the whole deployment, with a shared store); more are refused (429) */
  maxRunning: number;
  /** finished jobs are forgotten after this long */
  keepMs: number;
  /** a running job whose builder gave no sign of life for this long has failed (its process stopped) */
  staleMs: number;
}

/** where jobs are kept: the job's fields, its heartbeat and, once done, its file */
export interface ReportJobStore {
  /** jobs queued or running whose builder beat at or after `aliveSince` */
  running(aliveSince: number): Promise<number>;
  create(job: ReportJob, at: number): Promise<void>;
  /** progress (or only a sign of life) of a running job */
  beat(id: string, state: JobState, done: number, at: number): Promise<void>;
  finish(id: string, end: Pick<ReportJob, 'state' | 'done' | 'finishedAt' | 'error' | 'file'>): Promise<void>;
  get(id: string): Promise<(ReportJob & { beatAt: number }) | undefined>;
  /** forgets jobs that finished before `before` and running ones that stopped beating before it */
  expire(before: number): Promise<void>;
}

/** the embedded default's store: this process's memory */
export class MemoryReportJobStore implements ReportJobStore {
  private readonly jobs = new Map<string, ReportJob & { beatAt: number }>();

  async running(aliveSince: number): Promise<number> {
    return [...this.jobs.values()].filter((j) => (j.state === 'queued' || j.state === 'running') && j.beatAt >= aliveSince).length;
  }

  async create(job: ReportJob, at: number): Promise<void> {
    this.jobs.set(job.id, { ...job, beatAt: at });
  }

  async beat(id: string, state: JobState, done: number, at: number): Promise<void> {
    const job = this.jobs.get(id);
    if (job) Object.assign(job, { state, done, beatAt: at });
  }

  async finish(id: string, end: Pick<ReportJob, 'state' | 'done' | 'finishedAt' | 'error' | 'file'>): Promise<void> {
    const job = this.jobs.get(id);
    if (job) Object.assign(job, end);
  }

  async get(id: string): Promise<(ReportJob & { beatAt: number }) | undefined> {
    const job = this.jobs.get(id);
    return job ? { ...job } : undefined;
  }

  async expire(before: number): Promise<void> {
    for (const [id, j] of this.jobs) if ((j.finishedAt != null && j.finishedAt < before) || (j.finishedAt == null && j.beatAt < before)) this.jobs.delete(id);
  }
}

export class ReportJobs {
  private readonly limits: JobLimits;

  constructor(
    private readonly store: ReportJobStore = new MemoryReportJobStore(),
    limits: Partial<JobLimits> = {},
    private readonly now: () => number = Date.now,
  ) {
    this.limits = { maxRunning: 2, keepMs: 60 * 60 * 1000, staleMs: 2 * 60 * 1000, ...limits };
  }

  async canStart(): Promise<boolean> {
    await this.store.expire(this.now() - this.limits.keepMs);
    return (await this.store.running(this.now() - this.limits.staleMs)) < this.limits.maxRunning;
  }

  /** Starts `work` for `viewer`; work reports progress through the callback and returns the file. */
  async start(viewer: Viewer, total: number, work: (progress: (done: number) => void) => Promise<ReportFile>): Promise<ReportJob> {
    const job: ReportJob = { id: randomUUID(), owner: ownerOf(viewer), state: 'queued', done: 0, total, startedAt: this.now(), finishedAt: null, error: null, file: null };
    await this.store.create(job, this.now());
    // the work starts after the answer with the job id has gone out
    setImmediate(() => {
      let done = 0;
      const beat = () => this.store.beat(job.id, 'running', done, this.now()).catch(() => undefined);
      // a sign of life also while one step (the rendering) takes long
      const alive = setInterval(beat, Math.max(1000, this.limits.staleMs / 4));
      alive.unref();
      void beat();
      let last = 0;
      work((n) => {
        done = n;
        // progress at most every 250 ms: a store on a database gets no write per area of a long level
        if (this.now() - last >= 250) {
          last = this.now();
          void beat();
        }
      })
        .then(
          (file) => this.store.finish(job.id, { state: 'done', done, finishedAt: this.now(), error: null, file }),
          (error: unknown) =>
            this.store.finish(job.id, {
              state: 'failed',
              done,
              finishedAt: this.now(),
              error: error instanceof Error && error.name === 'GraphQLError' ? error.message : 'Unexpected error.',
              file: null,
            }),
        )
        .catch((e: unknown) => console.error('[reports] the job could not be stored', e))
        .finally(() => clearInterval(alive));
    });
    return job;
  }

  /** The job if this viewer started it; someone else's job is as unknown as a missing one. */
  async get(id: string, viewer: Viewer): Promise<ReportJob | undefined> {
    const job = await this.store.get(id);
    if (!job || job.owner !== ownerOf(viewer)) return undefined;
    const { beatAt, ...rest } = job;
    if (rest.finishedAt == null && beatAt < this.now() - this.limits.staleMs) {
      return { ...rest, state: 'failed', error: 'the process building this report stopped; start the report again', finishedAt: beatAt };
    }
    return rest;
  }
}
