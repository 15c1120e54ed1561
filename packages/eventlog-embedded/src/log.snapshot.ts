// A consistent copy of an embedded log's committed events, taken from another process while the
// owner keeps appending (the online backup). It needs no lock: segment files only grow past their
// committed end, and the commit journal names that end. The journal is read first (its last
// complete frame is the cut; a commit being written at that moment has a torn frame and is not
// part of it), then topics.json (at least as new), then each segment, copied exactly up to the
// cut's end offset. Every frame copied is checked (CRC, consecutive offsets); a segment that holds
// fewer frames than the journal names is an error, never a silently shorter backup.
// The copy is a log directory of its own: topics.json, a journal with one snapshot frame, one
// segment per partition; no consumer groups (a restore rebuilds the read models from offset 0).
import { mkdir, open, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventLogError } from '@sp/ports';
import { JOURNAL_FILE, readJournal } from './commit.journal.js';
import { encodeFrame, scanFrames } from './record-frame.js';

export interface LogCut {
  /** committed end offset per "topic/partition" at the cut (events before it are in the copy) */
  ends: Record<string, string>;
  /** number of events in the copy */
  records: number;
  /** files written, relative to the copy's directory */
  files: string[];
}

interface TopicsFile {
  version: 1;
  topics: { name: string; partitions: number }[];
}

export async function snapshotCommittedLog(sourceDir: string, targetDir: string): Promise<LogCut> {
  const journal = await readJournal(sourceDir);
  let topics: TopicsFile;
  try {
    topics = JSON.parse(await readFile(join(sourceDir, 'topics.json'), 'utf8')) as TopicsFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    topics = { version: 1, topics: [] };
  }
  if (topics.topics.length > 0 && journal.ends === null) {
    throw new EventLogError('UNAVAILABLE', `event log ${sourceDir} has no commit journal (${JOURNAL_FILE}); open it once with the platform (which writes one) before an online backup`);
  }
  const ends: Record<string, string> = {};
  const files: string[] = ['topics.json', JOURNAL_FILE];
  let records = 0;
  await mkdir(join(targetDir, 'topics'), { recursive: true });
  await mkdir(join(targetDir, 'groups'), { recursive: true });
  for (const { name, partitions } of topics.topics) {
    await mkdir(join(targetDir, 'topics', name), { recursive: true });
    for (let p = 0; p < partitions; p++) {
      const key = `${name}/${p}`;
      const end = journal.ends?.get(key) ?? 0n;
      const relative = join('topics', name, `${p}.log`);
      const bytes = await committedPrefix(join(sourceDir, relative), end, key);
      await writeDurably(join(targetDir, relative), bytes);
      ends[key] = end.toString();
      records += Number(end);
      files.push(relative);
    }
  }
  // the copy's journal: one snapshot frame naming the cut, as CommitJournal.create writes it
  const snapshot = encodeFrame({ offset: 0n, timestamp: Date.now(), key: 'commit', headers: {}, value: Buffer.from(JSON.stringify(ends), 'utf8') });
  await writeDurably(join(targetDir, JOURNAL_FILE), snapshot);
  await writeDurably(join(targetDir, 'topics.json'), JSON.stringify(topics, null, 2));
  return { ends, records, files };
}

/** The bytes of the first `end` frames of a segment, each checked. */
async function committedPrefix(path: string, end: bigint, key: string): Promise<Buffer> {
  if (end === 0n) return Buffer.alloc(0);
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (error) {
    throw new EventLogError('INTERNAL', `event log ${key}: the journal names ${end} committed events but ${path} cannot be read: ${(error as Error).message}`);
  }
  const scan = scanFrames(data, 0n);
  const last = scan.frames[Number(end) - 1];
  if (!last) {
    const why = scan.stop.kind === 'corrupt' ? `; frame ${scan.frames.length} is damaged (${scan.stop.reason})` : '';
    throw new EventLogError('INTERNAL', `event log ${key}: the journal names ${end} committed events but ${path} holds ${scan.frames.length} valid ones${why}; run pnpm data:verify`);
  }
  return data.subarray(0, last.position + last.length);
}

async function writeDurably(path: string, data: string | Uint8Array): Promise<void> {
  await writeFile(path, data, { mode: 0o644 });
  const handle = await open(path, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
