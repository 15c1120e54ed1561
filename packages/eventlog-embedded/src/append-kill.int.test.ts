// One append() is all-or-nothing across a kill -9 of the writing process, over all the partitions
// it touches, and every acknowledged append survives. A child process appends 50-event batches
// spread over 8 partitions from several concurrent writers and prints each acknowledgement; it is
// killed at a random moment, the log is reopened and every batch is counted.
import { spawn } from 'node:child_process';
import { readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { tempDir } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { openEmbeddedEventLog } from './embedded-event-log.js';

const here = dirname(fileURLToPath(import.meta.url));
const distUrl = pathToFileURL(resolve(here, '../dist/index.js')).href;
const BATCH = 50;
const ROUNDS = 12;

// several writers at once, so batches share commit rounds and partitions interleave
const childScript = `
const { openEmbeddedEventLog } = await import(process.env.SP_DIST);
const log = await openEmbeddedEventLog({ dir: process.env.SP_DIR });
await log.ensureTopics([{ name: 'batches', partitions: 8 }]);
const round = process.env.SP_ROUND;
const { writeSync } = await import('node:fs');
writeSync(1, 'READY\\n');
const writer = async (w) => {
  for (let n = 0; ; n++) {
    const id = round + '-' + w + '-' + n;
    const events = Array.from({ length: ${BATCH} }, (_, i) => ({ key: id + '/' + i, value: new TextEncoder().encode(id + ':' + i) }));
    await log.append('batches', events);
    writeSync(1, 'ACK ' + id + '\\n');
  }
};
await Promise.all([0, 1, 2].map(writer));
`;

function runAndKill(dir: string, round: number, killAfterMs: number): Promise<{ acked: string[]; output: string }> {
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', childScript], {
      env: { ...process.env, SP_DIST: distUrl, SP_DIR: dir, SP_ROUND: `r${round}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!timer && out.includes('READY')) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
    });
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return rej(new Error(`child ended without the kill:\n${out}`));
      // only complete lines: a line cut by the kill was not printed whole, so its batch may or may not be acknowledged
      const acked = out
        .split('\n')
        .slice(0, -1)
        .filter((l) => l.startsWith('ACK '))
        .map((l) => l.slice(4));
      res({ acked, output: out });
    });
  });
}

async function countBatches(dir: string): Promise<{ counts: Map<string, number>; recovered: number }> {
  const log = await openEmbeddedEventLog({ dir });
  try {
    const recovered = [...log.recovery.values()].reduce((sum, r) => sum + r.uncommittedRecords, 0);
    for (const r of log.recovery.values()) expect(r.lostRecords).toBe(0);
    const counts = new Map<string, number>();
    const sub = await log.subscribe({
      groupId: `count-${Math.random()}`,
      topics: ['batches'],
      handleBatch: async (b) => {
        for (const e of b.events) {
          const id = new TextDecoder().decode(e.value).split(':')[0]!;
          counts.set(id, (counts.get(id) ?? 0) + 1);
        }
      },
    });
    await sub.caughtUp(20_000);
    await sub.stop();
    return { counts, recovered };
  } finally {
    await log.close();
  }
}

describe('embedded log: a batch is all-or-nothing across kill -9', () => {
  it(`keeps every acknowledged batch whole and no batch in part, over ${ROUNDS} kills at random moments`, async () => {
    const dir = tempDir('sp-eventlog-kill-');
    const acked = new Set<string>();
    let uncommittedCut = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const result = await runAndKill(dir, round, 30 + Math.floor(Math.random() * 400));
      for (const id of result.acked) acked.add(id);
      const { counts, recovered } = await countBatches(dir);
      uncommittedCut += recovered;
      const partial = [...counts].filter(([, n]) => n !== BATCH);
      expect(partial, `round ${round}: batches present in part`).toEqual([]);
      const missing = [...acked].filter((id) => counts.get(id) !== BATCH);
      expect(missing, `round ${round}: acknowledged batches missing`).toEqual([]);
    }
    expect(acked.size).toBeGreaterThan(ROUNDS);
    // the kills did land inside appends: some rounds left uncommitted frames that recovery cut
    console.log(`embedded log kill test: ${acked.size} acknowledged batches, ${uncommittedCut} uncommitted records cut at reopen`);
  }, 180_000);

  it('removes the temporary file of an atomic write killed before its rename', async () => {
    const dir = tempDir('sp-eventlog-tmp-');
    await (await openEmbeddedEventLog({ dir })).close();
    writeFileSync(join(dir, '.topics.json.4242.tmp'), '{"version":1,"top');
    writeFileSync(join(dir, 'groups', '.g.offsets.json.4242.tmp'), '{');
    const log = await openEmbeddedEventLog({ dir });
    try {
      expect(log.removedTempFiles.sort()).toEqual([join(dir, '.topics.json.4242.tmp'), join(dir, 'groups', '.g.offsets.json.4242.tmp')].sort());
      expect(readdirSync(dir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
      expect(readdirSync(join(dir, 'groups')).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    } finally {
      await log.close();
    }
  });
});
