// Which platform processes use a servers-mode deployment's servers right now: each writes its row of
// platform_replicas (the deployment's PostgreSQL) when it starts, again every BEAT_MS, and deletes it
// when it stops; a row not written for FRESH_MS is a process that died. The operator's rebuild
// (servers-rebuild.ts) refuses while a platform is present, and a platform does not start while a
// rebuild is: a process projecting beside the rebuild would write into the tables it truncates. The
// consumer groups' members say the same only once a starting process has joined them, seconds after
// it answers requests; the row is there before it does anything.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { applySchemaOnce, type Database } from '@sp/ports';

export type PresenceRole = 'serve' | 'rebuild';

const BEAT_MS = 5_000;
const FRESH_MS = 20_000;

const ddl = `CREATE TABLE IF NOT EXISTS platform_replicas (
  id text PRIMARY KEY,
  role text NOT NULL,
  host text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  seen_at timestamptz NOT NULL
)`;

export interface PresentReplica {
  role: PresenceRole;
  host: string;
  startedAt: string;
}

/** a platform may not start now: the operator's rebuild runs */
export class RebuildRunning extends Error {}

function migrate(database: Database): Promise<void> {
  return applySchemaOnce(database, 'sp platform replicas schema', [ddl]);
}

/** the processes present now (their rows written within FRESH_MS), of `role` when given */
export async function presentReplicas(database: Database, role?: PresenceRole): Promise<PresentReplica[]> {
  await migrate(database);
  const { rows } = await database.query<{ role: PresenceRole; host: string; started_at: string | Date }>(
    `SELECT role, host, started_at FROM platform_replicas WHERE seen_at > now() - make_interval(secs => $1) AND ($2::text IS NULL OR role = $2) ORDER BY started_at`,
    [FRESH_MS / 1000, role ?? null],
  );
  return rows.map((r) => ({ role: r.role, host: r.host, startedAt: new Date(r.started_at).toISOString() }));
}

/**
 * Writes this process's row and keeps it fresh until stop(). A platform ('serve') is refused
 * (RebuildRunning) while a rebuild is present; the rebuild checks for platforms itself first.
 */
export async function joinPresence(database: Database, role: PresenceRole): Promise<{ stop(): Promise<void> }> {
  if (role === 'serve') {
    const rebuilding = await presentReplicas(database, 'rebuild');
    if (rebuilding.length > 0) {
      throw new RebuildRunning(`an operator's rebuild (pnpm data:rebuild on ${rebuilding[0]!.host}, since ${rebuilding[0]!.startedAt}) is using the servers; the platform starts once it has ended`);
    }
  } else await migrate(database);
  const id = randomUUID();
  const beat = () => database.query(`INSERT INTO platform_replicas (id, role, host, seen_at) VALUES ($1, $2, $3, now()) ON CONFLICT (id) DO UPDATE SET seen_at = now()`, [id, role, hostname()]);
  await beat();
  const timer = setInterval(() => void beat().catch(() => undefined), BEAT_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await database.query('DELETE FROM platform_replicas WHERE id = $1', [id]).catch(() => undefined);
    },
  };
}
