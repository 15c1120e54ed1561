// The live projection's group commit: what waits while a round runs goes in the next round, no
// caller resolves before its item was applied, and a failing round tells each caller the outcome
// of its own item.
import { describe, expect, it } from 'vitest';
import { BatchCoalescer } from './batch-coalescer.js';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}
/** the end of the current turn of the event loop, when an idle coalescer takes its round */
const turn = () => new Promise<void>((r) => setImmediate(r));

describe('BatchCoalescer', () => {
  it('starts a lone item at once and projects what waited meanwhile in one round', async () => {
    const rounds: string[][] = [];
    const gate = deferred();
    const c = new BatchCoalescer<string>(async (items) => {
      rounds.push([...items]);
      if (rounds.length === 1) await gate.promise;
    });
    const done: string[] = [];
    const first = c.submit('p0-a').then(() => done.push('p0-a'));
    await turn();
    expect(rounds).toEqual([['p0-a']]); // nothing else came in its turn: no linger
    const rest = ['p1-a', 'p0-b', 'p1-b'].map((x) => c.submit(x).then(() => done.push(x)));
    expect(c.depth).toBe(3);
    await new Promise((r) => setTimeout(r, 10));
    expect(done).toEqual([]); // nobody resolves before their round was applied
    gate.resolve();
    await Promise.all([first, ...rest]);
    expect(rounds).toEqual([['p0-a'], ['p1-a', 'p0-b', 'p1-b']]);
    expect(done).toEqual(['p0-a', 'p1-a', 'p0-b', 'p1-b']);
  });

  it('puts no more than maxSize in a round, and a larger item alone', async () => {
    const rounds: string[][] = [];
    const gate = deferred();
    const c = new BatchCoalescer<string>(
      async (items) => {
        rounds.push([...items]);
        if (rounds.length === 1) await gate.promise;
      },
      { maxSize: 100 },
    );
    const all = [c.submit('run', 10)];
    await turn();
    all.push(c.submit('a', 60), c.submit('b', 40), c.submit('c', 150), c.submit('d', 1));
    gate.resolve();
    await Promise.all(all);
    expect(rounds).toEqual([['run'], ['a', 'b'], ['c'], ['d']]);
  });

  it('applies the items of a failed round again one by one: only the poison one fails', async () => {
    const rounds: string[][] = [];
    const gate = deferred();
    const c = new BatchCoalescer<string>(async (items) => {
      rounds.push([...items]);
      if (rounds.length === 1) await gate.promise;
      if (items.includes('poison')) throw new Error('bad event');
    });
    const first = c.submit('x');
    await turn();
    const outcomes = ['a', 'poison', 'b'].map((x) =>
      c.submit(x).then(
        () => `${x} ok`,
        (e: Error) => `${x} ${e.message}`,
      ),
    );
    gate.resolve();
    await first;
    expect(await Promise.all(outcomes)).toEqual(['a ok', 'poison bad event', 'b ok']);
    expect(rounds).toEqual([['x'], ['a', 'poison', 'b'], ['a'], ['poison'], ['b']]);
  });

  it("gives every caller of the round an error that is no one item's fault, without applying each alone", async () => {
    const rounds: string[][] = [];
    const gate = deferred();
    const away = Object.assign(new Error('engine away'), { transient: true });
    const c = new BatchCoalescer<string>(
      async (items) => {
        rounds.push([...items]);
        if (rounds.length === 1) return gate.promise;
        throw away;
      },
      { shared: (e) => (e as { transient?: boolean }).transient === true },
    );
    const first = c.submit('x');
    await turn();
    const outcomes = ['a', 'b'].map((x) => c.submit(x).catch((e: unknown) => e));
    gate.resolve();
    await first;
    expect(await Promise.all(outcomes)).toEqual([away, away]);
    expect(rounds).toEqual([['x'], ['a', 'b']]);
    // and the next item is applied again afterwards (the coalescer is not stuck)
    await expect(c.submit('c')).rejects.toBe(away);
    expect(rounds.at(-1)).toEqual(['c']);
  });

  it('takes the items handed in in the same turn of the event loop in one round (Kafka: the partitions of one fetch)', async () => {
    const rounds: string[][] = [];
    const c = new BatchCoalescer<string>(async (items) => {
      rounds.push([...items]);
    });
    // two partitions' handlers, started one after the other in one turn, each with some work
    // (decoding) and a few awaits before it hands in its batch
    const handler = async (x: string) => {
      await Promise.resolve();
      await Promise.resolve();
      return c.submit(x);
    };
    await Promise.all([handler('p0-a'), handler('p1-a')]);
    expect(rounds).toEqual([['p0-a', 'p1-a']]);
  });

  it('pauses between busy rounds, so that the items handed in right after a round go in one round', async () => {
    const rounds: string[][] = [];
    const slept: number[] = [];
    const c = new BatchCoalescer<string>(
      async (items) => {
        rounds.push([...items]);
      },
      { pauseMs: 50, sleep: async (ms) => void slept.push(ms) },
    );
    await c.submit('p0-a');
    expect(slept).toEqual([]); // the first round starts at once
    // both partitions hand in their next batch right after the round: one round after the pause
    await Promise.all([c.submit('p0-b'), c.submit('p1-a')]);
    expect(rounds).toEqual([['p0-a'], ['p0-b', 'p1-a']]);
    expect(slept).toHaveLength(1);
    expect(slept[0]).toBeGreaterThan(0);
    expect(slept[0]).toBeLessThanOrEqual(50);
  });
});
