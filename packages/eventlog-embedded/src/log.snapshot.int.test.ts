// The online copy of the embedded log (log.snapshot.ts) on real files, taken while appends run:
// each copy opens as a log of its own, holds every append acknowledged before the copy began, and
// holds each append whole or not at all (the commit journal's cut), in the source's order.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@sp/testing';
import { describe, expect, it } from 'vitest';
import { openEmbeddedEventLog, type EmbeddedEventLog } from './embedded-event-log.js';
import { snapshotCommittedLog } from './log.snapshot.js';

const topics = [
  { name: 'alpha', partitions: 2 },
  { name: 'beta', partitions: 3 },
];

async function readAll(log: EmbeddedEventLog): Promise<Map<string, string[]>> {
  const seen = new Map<string, string[]>();
  const sub = await log.subscribe({
    groupId: `reader-${Math.random()}`,
    topics: topics.map((t) => t.name),
    startFrom: 'earliest',
    handleBatch: async (b) => {
      for (const e of b.events) {
        const key = `${e.topic}/${e.partition}`;
        seen.set(key, [...(seen.get(key) ?? []), new TextDecoder().decode(e.value)]);
      }
    },
  });
  await sub.caughtUp(10_000);
  await sub.stop();
  return seen;
}

describe('snapshotCommittedLog', () => {
  it('copies a consistent cut while appends continue', async () => {
    const root = tempDir('sp-log-snapshot-');
    const log = await openEmbeddedEventLog({ dir: join(root, 'source') });
    await log.ensureTopics(topics);
    const acked: number[] = [];
    let stop = false;
    // each append puts 6 events with distinct keys into both topics (several partitions): all-or-nothing across them
    const writer = (async () => {
      for (let i = 0; !stop; i++) {
        const events = Array.from({ length: 3 }, (_, j) => ({ key: `k${i}-${j}`, value: new TextEncoder().encode(`${i}`) }));
        await Promise.all([log.append('alpha', events), log.append('beta', events)]);
        acked.push(i);
      }
    })();
    const cuts: { ackedBefore: number; dir: string; records: number }[] = [];
    for (let n = 0; n < 4; n++) {
      await new Promise((r) => setTimeout(r, 60));
      const ackedBefore = acked.length;
      const dir = join(root, `copy-${n}`);
      const cut = await snapshotCommittedLog(log.dir, dir);
      cuts.push({ ackedBefore, dir, records: cut.records });
    }
    stop = true;
    await writer;
    const source = await readAll(log);
    await log.close();

    for (const { ackedBefore, dir, records } of cuts) {
      const copy = await openEmbeddedEventLog({ dir });
      for (const r of copy.recovery.values()) expect(r.truncatedBytes).toBe(0);
      const copied = await readAll(copy);
      await copy.close();
      let total = 0;
      const perAppend = new Map<string, number>();
      for (const [partition, values] of copied) {
        total += values.length;
        // a prefix of the source's partition, in its order
        expect(values).toEqual(source.get(partition)!.slice(0, values.length));
        for (const v of values) perAppend.set(`${partition.split('/')[0]}:${v}`, (perAppend.get(`${partition.split('/')[0]}:${v}`) ?? 0) + 1);
      }
      expect(total).toBe(records);
      // every append acknowledged before the copy began is in it, each one whole (3 events per topic)
      for (let i = 0; i < ackedBefore; i++) {
        expect(perAppend.get(`alpha:${i}`)).toBe(3);
        expect(perAppend.get(`beta:${i}`)).toBe(3);
      }
      for (const count of perAppend.values()) expect(count).toBe(3);
    }
    expect(cuts.at(-1)!.records).toBeGreaterThan(cuts[0]!.records);
  }, 60_000);

  it('refuses to copy a segment that holds fewer valid events than the journal names', async () => {
    const root = tempDir('sp-log-snapshot-damaged-');
    const log = await openEmbeddedEventLog({ dir: join(root, 'source') });
    await log.ensureTopics([{ name: 'alpha', partitions: 1 }]);
    await log.append('alpha', [{ key: 'a', value: new TextEncoder().encode('one') }]);
    await log.append('alpha', [{ key: 'a', value: new TextEncoder().encode('two') }]);
    await log.close();
    const segment = join(root, 'source', 'topics', 'alpha', '0.log');
    const bytes = readFileSync(segment);
    bytes[bytes.length - 2] = bytes[bytes.length - 2]! ^ 0xff;
    writeFileSync(segment, bytes);
    await expect(snapshotCommittedLog(join(root, 'source'), join(root, 'copy'))).rejects.toThrow(
      /journal names 2 committed events but .*0\.log holds 1 valid ones; frame 1 is damaged \(CRC mismatch\)/,
    );
  });
});
