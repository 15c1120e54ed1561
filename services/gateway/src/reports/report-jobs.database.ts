// Report jobs in the deployment's PostgreSQL (servers mode): the platform runs as several replicas
// behind one address, so the dashboard's poll of a job, and its download, land on any of them. The
// replica that started a job builds it and writes its progress, heartbeat and finally its file here;
// every replica answers from here. The table is made on start (one replica at a time); it holds no
// read model, so no rebuild from the log touches it. A job also keeps its spec and the starter's
// viewer, and `builder` names the claim of whoever builds it now: a replica takes over a job whose
// heartbeat is stale with one UPDATE that checks the heartbeat it saw (claim), so of two replicas
// noticing at once one gets it, and the writes of a builder that lost its claim change nothing.
import { applySchemaOnce, type Database } from '@sp/ports';
import type { Claimed, JobEnd, JobState, ReportJobStore, StoredJob } from './report.jobs.js';

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
// added with the takeover of stopped jobs; a job written before has no spec and fails when taken over
const takeover = `ALTER TABLE report_jobs
  ADD COLUMN IF NOT EXISTS spec jsonb,
  ADD COLUMN IF NOT EXISTS viewer jsonb,
  ADD COLUMN IF NOT EXISTS builder text,
  ADD COLUMN IF NOT EXISTS takeovers integer NOT NULL DEFAULT 0`;

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
  spec: unknown;
  viewer: unknown;
  builder: string | null;
  takeovers: number;
}

export class DatabaseReportJobStore implements ReportJobStore {
  private constructor(private readonly db: Database) {}

  static async open(db: Database): Promise<DatabaseReportJobStore> {
    await applySchemaOnce(db, 'sp report jobs schema', [schema, takeover]);
    return new DatabaseReportJobStore(db);
  }

  async running(aliveSince: number): Promise<number> {
    const { rows } = await this.db.query<{ n: string }>("SELECT count(*) AS n FROM report_jobs WHERE state IN ('queued', 'running') AND beat_at >= $1", [aliveSince]);
    return Number(rows[0]?.n ?? 0);
  }

  async create(job: StoredJob): Promise<void> {
    await this.db.query('INSERT INTO report_jobs (id, owner, state, done, total, started_at, beat_at, builder, takeovers, spec, viewer) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)', [
      job.id,
      job.owner,
      job.state,
      job.done,
      job.total,
      job.startedAt,
      job.beatAt,
      job.builder,
      job.takeovers,
      JSON.stringify(job.spec),
      JSON.stringify(job.viewer),
    ]);
  }

  async beat(id: string, builder: string, state: JobState, done: number, at: number): Promise<boolean> {
    const r = await this.db.query('UPDATE report_jobs SET state = $3, done = $4, beat_at = $5 WHERE id = $1 AND builder = $2 AND finished_at IS NULL', [id, builder, state, done, at]);
    return r.rowCount > 0;
  }

  async finish(id: string, builder: string, end: JobEnd): Promise<boolean> {
    const r = await this.db.query(
      'UPDATE report_jobs SET state = $3, done = $4, finished_at = $5, error = $6, body = $7, content_type = $8, filename = $9 WHERE id = $1 AND builder = $2 AND finished_at IS NULL',
      [id, builder, end.state, end.done, end.finishedAt, end.error, end.file?.body ?? null, end.file?.contentType ?? null, end.file?.filename ?? null],
    );
    return r.rowCount > 0;
  }

  async get(id: string): Promise<StoredJob | undefined> {
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
      builder: r.builder,
      takeovers: r.takeovers,
      spec: r.spec,
      viewer: r.viewer,
    };
  }

  async stale(staleBefore: number): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>('SELECT id FROM report_jobs WHERE finished_at IS NULL AND beat_at < $1 ORDER BY started_at', [staleBefore]);
    return rows.map((r) => r.id);
  }

  async claim(id: string, builder: string, at: number, staleBefore: number, maxTakeovers: number, error: string): Promise<Claimed | undefined> {
    // one statement: PostgreSQL locks the row, and a second UPDATE waiting for that lock checks its
    // WHERE again on the row the first one wrote, whose heartbeat is fresh now, and changes nothing.
    // The SET expressions read the row as it was: a job at the bound is failed, not claimed.
    const { rows } = await this.db.query<{ claimed: boolean; spec: unknown; viewer: unknown }>(
      `UPDATE report_jobs SET
         builder = CASE WHEN takeovers < $5::integer THEN $2::text ELSE NULL END,
         beat_at = $3::bigint,
         state = CASE WHEN takeovers < $5 THEN 'queued' ELSE 'failed' END,
         done = CASE WHEN takeovers < $5 THEN 0 ELSE done END,
         finished_at = CASE WHEN takeovers < $5 THEN NULL ELSE $3::bigint END,
         error = CASE WHEN takeovers < $5 THEN NULL ELSE $6::text END,
         takeovers = CASE WHEN takeovers < $5 THEN takeovers + 1 ELSE takeovers END
       WHERE id = $1 AND finished_at IS NULL AND beat_at < $4::bigint
       RETURNING finished_at IS NULL AS claimed, spec, viewer`,
      [id, builder, at, staleBefore, maxTakeovers, error],
    );
    const r = rows[0];
    return r?.claimed ? { spec: r.spec, viewer: r.viewer } : undefined;
  }

  async expire(before: number): Promise<void> {
    await this.db.query('DELETE FROM report_jobs WHERE (finished_at IS NOT NULL AND finished_at < $1) OR (finished_at IS NULL AND beat_at < $1)', [before]);
  }
}
