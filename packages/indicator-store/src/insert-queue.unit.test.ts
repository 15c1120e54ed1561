// The rebuild's queue of block inserts: in the order handed over whatever each takes, drained()
// only once every one has landed (also one queued while it waited), the first failure thrown and
// every insert after it skipped.
import { describe, expect, it } from 'vitest';
import { InsertQueue } from './insert-queue.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('InsertQueue', () => {
  it('lands inserts in the order handed over, one at a time, and drains only when all have landed', async () => {
    const q = new InsertQueue();
    const events: string[] = [];
    const insert = (name: string, ms: number) => async () => {
      events.push(`start ${name}`);
      await sleep(ms);
      events.push(`end ${name}`);
    };
    // two callers at once (two partitions), the first insert the slowest
    await Promise.all([q.push(insert('a', 60)), q.push(insert('b', 1))]);
    const third = q.push(insert('c', 30));
    const drained = q.drained();
    await third;
    // queued while drained() waited
    void q.push(insert('d', 10));
    await drained;
    expect(events).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c', 'start d', 'end d']);
  });

  it('throws the first failure from push() and drained(), and skips every insert after it', async () => {
    const q = new InsertQueue();
    const ran: string[] = [];
    await q.push(async () => {
      await sleep(5);
      throw new Error('disk full');
    });
    await expect(
      q.push(async () => {
        ran.push('after');
      }),
    ).rejects.toThrow('disk full');
    await expect(q.drained()).rejects.toThrow('disk full');
    expect(ran).toEqual([]);
    expect(q.failure?.cause).toBeInstanceOf(Error);
  });
});
