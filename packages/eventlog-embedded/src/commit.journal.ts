// The commit journal of the embedded log: what makes one append() all-or-nothing across partitions.
// An append writes its frames to every partition it touches and fsyncs them, but they stay
// invisible until one journal frame naming the new end offset of each of those partitions is
// written and fsync'd. At open, every segment is cut back to the end the journal names, so the
// frames of an append interrupted by a crash (some partitions written, others not; or all written
// but no commit frame) are gone as a whole, and every acknowledged append is kept whole.
//
// File `commits.log`: frames as in record-frame.ts (CRC'd, consecutive sequence numbers as
// offsets); the value is JSON {"<topic>/<partition>": "<end offset>", …}. A later frame overrides
// an earlier one's entries. At open, and when the file grows past a limit, it is replaced
// atomically by one snapshot frame holding every partition's end.
import { constants, type FileHandle, open, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { EventLogError } from '@sp/ports';
import { writeFileAtomic } from './atomic-file.js';
import { ioFailure } from './io-errors.js';
import { encodeFrame, scanFrames } from './record-frame.js';

export const JOURNAL_FILE = 'commits.log';
const ROTATE_BYTES = 1024 * 1024;

export interface JournalRead {
  /** committed end offset per "topic/partition"; null when the directory has no journal yet (written before journals existed, or new) */
  ends: Map<string, bigint> | null;
  /** bytes of a torn or corrupt journal tail (a commit interrupted by a crash) */
  truncatedBytes: number;
}

function frameFor(seq: bigint, ends: Iterable<[string, bigint]>): Buffer {
  const value: Record<string, string> = {};
  for (const [key, end] of ends) value[key] = end.toString();
  return encodeFrame({ offset: seq, timestamp: Date.now(), key: 'commit', headers: {}, value: Buffer.from(JSON.stringify(value), 'utf8') });
}

/** Reads the committed ends from `dir`'s journal; a torn tail (crash during a commit) counts as not committed. */
export async function readJournal(dir: string): Promise<JournalRead> {
  let data: Buffer;
  try {
    data = await readFile(join(dir, JOURNAL_FILE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { ends: null, truncatedBytes: 0 };
    throw ioFailure(`reading the commit journal in ${dir}`, error);
  }
  const scan = scanFrames(data, 0n, { decode: true });
  const ends = new Map<string, bigint>();
  for (const record of scan.records ?? []) {
    const entries = JSON.parse(Buffer.from(record.value).toString('utf8')) as Record<string, string>;
    for (const [key, end] of Object.entries(entries)) ends.set(key, BigInt(end));
  }
  return { ends, truncatedBytes: data.length - scan.validBytes };
}

export class CommitJournal {
  private broken: Error | null = null;

  private constructor(
    private readonly path: string,
    private file: FileHandle,
    private readonly ends: Map<string, bigint>,
    private seq: bigint,
    private size: number,
  ) {}

  /** Replaces the journal by a snapshot of `ends` (atomically) and opens it for commits. */
  static async create(dir: string, ends: Map<string, bigint>): Promise<CommitJournal> {
    const path = join(dir, JOURNAL_FILE);
    const snapshot = frameFor(0n, ends);
    await writeFileAtomic(path, snapshot);
    const file = await open(path, constants.O_RDWR);
    return new CommitJournal(path, file, new Map(ends), 1n, snapshot.length);
  }

  /** The committed end of a partition ("topic/partition"), if the journal names it. */
  endOf(key: string): bigint | undefined {
    return this.ends.get(key);
  }

  /** Makes new end offsets durable; when this resolves, the frames up to them are committed. */
  async commit(changes: readonly [string, bigint][]): Promise<void> {
    if (this.broken) throw new EventLogError('UNAVAILABLE', `the commit journal ${this.path} failed earlier and is closed for writes; restart the platform (${this.broken.message})`);
    const frame = frameFor(this.seq, changes);
    const start = this.size;
    try {
      let written = 0;
      while (written < frame.length) {
        const { bytesWritten } = await this.file.write(frame, written, frame.length - written, start + written);
        written += bytesWritten;
      }
      await this.file.datasync();
    } catch (error) {
      // a commit frame that may be on disk but was not acknowledged must not commit later frames
      await this.file.truncate(start).catch((cut: Error) => (this.broken = cut));
      throw ioFailure(`committing to ${this.path}`, error);
    }
    this.seq += 1n;
    this.size += frame.length;
    for (const [key, end] of changes) this.ends.set(key, end);
    if (this.size > ROTATE_BYTES) await this.rotate();
  }

  /** Never throws: the commit before it is durable either way, and a failed rotation is tried again next time. */
  private async rotate(): Promise<void> {
    const snapshot = frameFor(0n, this.ends);
    try {
      // the old and the new file both name the same ends, so a crash during the rename loses nothing
      await writeFileAtomic(this.path, snapshot);
    } catch {
      return; // the old file is still in place and open
    }
    let file: FileHandle;
    try {
      file = await open(this.path, constants.O_RDWR);
    } catch (error) {
      // the handle still points at the replaced file: commits written there would be lost
      this.broken = error as Error;
      return;
    }
    await this.file.close().catch(() => undefined);
    this.file = file;
    this.seq = 1n;
    this.size = snapshot.length;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
