// Report jobs in the deployment's PostgreSQL (servers mode): the platform runs as several replicas
// behind one address, so the dashboard's poll of a job, and its download, land on any of them. The
// replica that started a job builds it and writes its progress, heartbeat and finally its file here;
// every replica answers from here. The table is made on start (one replica at a time); it holds no
// read model, so no rebuild from the log touches it.
import type { Database } from '@sp/ports';
import type { JobState, ReportJob, ReportJobStore } from './report.jobs.js';

const schema = `CREATE TABLE IF NOT EXISTS report_jobs (
  id text PRIMARY KEY,
  owner text NOT NULL,
  state text NOT NULL,
  done integer NOT NULL,
  total integer NOT NULL,
  started_at bigint NOT NULL,
  finished_at bigint,
  beat_at bigint NOT NULL,
  error text,
  body bytea,
  content_type text,
  filename text
)`;

interface Row {
  id: string;
  owner: string;
  state: JobState;
  done: number;
  total: number;
  started_at: string;
  finished_at: string | null;
  beat_at: string;
  error: string | null;
  body: Uint8Array | null;
  content_type: string | null;
  filename: string | null;
}

export class DatabaseReportJobStore implements ReportJobStore {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DatabaseReportJobStore> {
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', ['sp report jobs schema']);
      await tx.query(schema);
    });
    return new DatabaseReportJobStore(db);
  }

  async running(aliveSince: number): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>("SELECT count(*) AS n FROM report_jobs WHERE state IN ('queued', 'running') AND beat_at >= $1", [aliveSince]);
    return Number(rows[0]?.n ?? 0);
  }

  async create(job: ReportJob, at: number): Promise<void> {
    await this.db.query('INSERT INTO report_jobs (id, owner, state, done, total, started_at, beat_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
      job.id,
      job.owner,
      job.state,
      job.done,
      job.total,
      job.startedAt,
      at,
    ]);
  }

  async beat(id: string, state: JobState, done: number, at: number): Promise<void> {
    await this.db.query('UPDATE report_jobs SET state = $2, done = $3, beat_at = $4 WHERE id = $1 AND finished_at IS NULL', [id, state, done, at]);
  }

  async finish(id: string, end: Pick<ReportJob, 'state' | 'done' | 'finishedAt' | 'error' | 'file'>): Promise<void> {
    await this.db.query('UPDATE report_jobs SET state = $2, done = $8, finished_at = $3, error = $4, body = $5, content_type = $6, filename = $7 WHERE id = $1', [
      id,
      end.state,
      end.finishedAt,
      end.error,
      end.file?.body ?? null,
      end.file?.contentType ?? null,
      end.file?.filename ?? null,
      end.done,
    ]);
  }

  async get(id: string): Promise<(ReportJob & { beatAt: number }) | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM report_jobs WHERE id = $1', [id]);
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id,
      owner: r.owner,
      state: r.state,
      done: r.done,
      total: r.total,
      startedAt: Number(r.started_at),
      finishedAt: r.finished_at == null ? null : Number(r.finished_at),
      beatAt: Number(r.beat_at),
      error: r.error,
      file: r.body && r.content_type && r.filename ? { body: new Uint8Array(r.body), contentType: r.content_type, filename: r.filename } : null,
    };
  }

  async expire(before: number): Promise<void> {
    await this.db.query('DELETE FROM report_jobs WHERE (finished_at IS NOT NULL AND finished_at < $1) OR (finished_at IS NULL AND beat_at < $1)', [before]);
  }
}
