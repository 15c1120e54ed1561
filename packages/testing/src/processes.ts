// What tests that play a process's death ask of Linux's /proc and of the files a service leaves:
// which children a process has (by command line or environment), whether a pid still runs, a
// script of the workspace run to its end, and the largest column file of a chDB/ClickHouse
// warehouse (the one a power loss would cut).
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from './engines.js';

/** the pids of `parent`'s children whose command line contains `cmdline` and, if given, whose environment has `env` (exactly) */
export function childPids(parent: number, match: { cmdline: string; env?: string }): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) !== parent) continue;
      if (!readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(match.cmdline)) continue;
      if (match.env && !readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').includes(match.env)) continue;
      pids.push(Number(entry));
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** whether a process of this pid runs (or is a zombie not yet reaped) */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** runs a script of the workspace (a path from the repository's root) with node to its end: exit status and output */
export function runNodeScript(entry: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<{ status: number | null; out: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [join(repoRoot, entry), ...args], { env: { ...process.env, ...env } });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('exit', (status) => done({ status, out }));
  });
}

/** the largest column file (`*.bin`) of any part of a chDB warehouse directory, or undefined when it has none */
export function largestPartFile(warehouseDir: string): { path: string; size: number } | undefined {
  const store = join(warehouseDir, 'store');
  return readdirSync(store, { recursive: true, encoding: 'utf8' })
    .filter((f) => /\/[a-z0-9]+_\d+_\d+_\d+(_\d+)?\/[^/]+\.bin$/.test(f))
    .map((f) => ({ path: join(store, f), size: statSync(join(store, f)).size }))
    .sort((a, b) => b.size - a.size)[0];
}
