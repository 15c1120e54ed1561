// Tests that start services as child processes run their built `dist/`; build once per test run
// so those processes never run stale code. SWC builds the workspace in a few seconds.
//
// Every temporary directory of the run (the tests' data directories, chdb-http's, Chromium's
// profiles, the engines' scratch files) goes under one directory of this run, removed when the run
// ends: the forks vitest ends are not always given the chance to run their exit hooks, and runs on
// a developer's machine had left 60 GB in /tmp over a few days.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  if (process.env.SP_SKIP_BUILD !== '1') execFileSync('pnpm', ['-s', 'build'], { stdio: 'inherit' });
  const runDir = mkdtempSync(join(tmpdir(), 'sp-test-run-'));
  // as /tmp itself: the engines' scripts run PostgreSQL as its own user, which must reach its directory
  chmodSync(runDir, 0o1777);
  // os.tmpdir() reads TMPDIR at every call; the forks vitest starts from here inherit it
  process.env.TMPDIR = runDir;
  return () => rmSync(runDir, { recursive: true, force: true });
}
