// Sozialbericht batch jobs: all areas of a level, built one after the other in the background with
// the starter's viewer, rendered once at the end. Jobs live in this process's memory (a restart
// forgets them; the caller starts again), belong to the viewer who started them (same role, Amt,
// privilege and subject), and are forgotten an hour after they finish.
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
  /** jobs running at the same time; more are refused (429) */
  maxRunning: number;
  /** finished jobs are forgotten after this long */
  keepMs: number;
}

export class ReportJobs {
  private readonly jobs = new Map<string, ReportJob>();

  constructor(
    private readonly limits: JobLimits = { maxRunning: 2, keepMs: 60 * 60 * 1000 },
    private readonly now: () => number = Date.now,
  ) {}

  running(): number {
    return [...this.jobs.values()].filter((j) => j.state === 'queued' || j.state === 'running').length;
  }

  canStart(): boolean {
    this.expire();
    return this.running() < this.limits.maxRunning;
  }

  /** Starts `work` for `viewer`; work reports progress through the callback and returns the file. */
  start(viewer: Viewer, total: number, work: (progress: (done: number) => void) => Promise<ReportFile>): ReportJob {
    const job: ReportJob = { id: randomUUID(), owner: ownerOf(viewer), state: 'queued', done: 0, total, startedAt: this.now(), finishedAt: null, error: null, file: null };
    this.jobs.set(job.id, job);
    // the work starts after the answer with the job id has gone out
    setImmediate(() => {
      job.state = 'running';
      work((done) => {
        job.done = done;
      }).then(
        (file) => {
          job.file = file;
          job.state = 'done';
          job.finishedAt = this.now();
        },
        (error: unknown) => {
          job.state = 'failed';
          job.error = error instanceof Error && error.name === 'GraphQLError' ? error.message : 'Unexpected error.';
          job.finishedAt = this.now();
        },
      );
    });
    return job;
  }

  /** The job if this viewer started it; someone else's job is as unknown as a missing one. */
  get(id: string, viewer: Viewer): ReportJob | undefined {
    this.expire();
    const job = this.jobs.get(id);
    return job && job.owner === ownerOf(viewer) ? job : undefined;
  }

  private expire(): void {
    const now = this.now();
    for (const [id, j] of this.jobs) if (j.finishedAt != null && now - j.finishedAt > this.limits.keepMs) this.jobs.delete(id);
  }
}
