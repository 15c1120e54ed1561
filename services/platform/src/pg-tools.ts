// PostgreSQL's own client programs (pg_dump, pg_restore) for the servers-mode backup and restore
// (servers.backup.ts). They are found as the test helpers find PostgreSQL (infra/postgres/pg.sh):
// the newest /usr/lib/postgresql/<version>/bin (Debian and Ubuntu install every version there, and
// pg_dump must be at least as new as the server), else the one on PATH. The password of a
// DATABASE_URL goes to the program in PGPASSWORD, not on its command line, where `ps` would show it.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export function pgProgram(name: 'pg_dump' | 'pg_restore'): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', name)))
        .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    : [];
  return versions[0] ? join(root, versions[0], 'bin', name) : name;
}

/** `url` without its password, and the password apart */
function withoutPassword(url: string): { url: string; password?: string } {
  const u = new URL(url);
  const password = u.password ? decodeURIComponent(u.password) : undefined;
  u.password = '';
  return { url: u.toString(), ...(password === undefined ? {} : { password }) };
}

/** Runs pg_dump or pg_restore on the database `url` names; rejects with the program's own message. */
export async function runPgProgram(name: 'pg_dump' | 'pg_restore', url: string, args: readonly string[]): Promise<void> {
  const { url: plain, password } = withoutPassword(url);
  const program = pgProgram(name);
  try {
    await run(program, [...args, `--dbname=${plain}`], {
      env: { ...process.env, ...(password === undefined ? {} : { PGPASSWORD: password }) },
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const e = error as { code?: string; stderr?: string; message: string };
    if (e.code === 'ENOENT')
      throw new Error(`${name} was not found (looked in /usr/lib/postgresql/*/bin and on PATH): install PostgreSQL's client programs (Debian: apt-get install postgresql-client)`);
    throw new Error(`${name} failed: ${(e.stderr ?? '').trim() || e.message}`);
  }
}
