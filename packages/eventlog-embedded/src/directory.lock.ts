// Keeps a second process (or a second log in this process) from opening the same data directory:
// two writers on one segment file would corrupt it. The lock file holds the owner's pid; a lock
// whose process is gone (crash, SIGKILL) is stale and taken over.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { EventLogError } from '@sp/ports';

const openInThisProcess = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DirectoryLock {
  release(): void;
}

export function lockDirectory(dir: string): DirectoryLock {
  const path = join(dir, 'LOCK');
  if (openInThisProcess.has(path)) {
    throw new EventLogError('UNAVAILABLE', `event log directory ${dir} is already open in this process; close it first`);
  }
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      openInThisProcess.add(path);
      return {
        release: () => {
          openInThisProcess.delete(path);
          rmSync(path, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    let owner = NaN;
    try {
      owner = Number.parseInt(readFileSync(path, 'utf8'), 10);
    } catch {
      continue; // removed meanwhile; try again
    }
    if (Number.isInteger(owner) && owner !== process.pid && alive(owner)) {
      throw new EventLogError('UNAVAILABLE', `event log directory ${dir} is locked by running process ${owner} (${path}); only one process may open it`);
    }
    // stale: its owner is gone
    rmSync(path, { force: true });
  }
  throw new EventLogError('UNAVAILABLE', `could not lock event log directory ${dir} (${path})`);
}
