// Crash-safe replacement of small metadata files (topic list, committed offsets): write a temp
// file, fsync it, rename it over the old one, fsync the directory. A reader after a crash sees
// either the old or the new content, never a mix.
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** The temporary file writeFileAtomic uses for `path`: hidden, named after the file and the writer's pid. */
const tempPattern = /^\..+\.\d+\.tmp$/;

/** True for a temporary file that writeFileAtomic leaves behind when its process is killed before the rename. */
export function isStaleTemp(name: string): boolean {
  return tempPattern.test(name);
}

export async function writeFileAtomic(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  const file = await open(tmp, 'w', 0o644);
  try {
    await file.writeFile(data);
    await file.sync();
  } finally {
    await file.close();
  }
  try {
    await rename(tmp, path);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  await syncDir(dirname(path));
}

/** Makes a directory's entries (new, renamed, removed files) durable. */
export async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
