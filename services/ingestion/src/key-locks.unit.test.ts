import { describe, expect, it } from 'vitest';
import { KeyLocks } from './key-locks.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

describe('KeyLocks', () => {
  it('lets deliveries sharing a key take turns and disjoint ones run at once', async () => {
    const locks = new KeyLocks();
    const order: string[] = [];
    const first = await locks.acquire(['a', 'b']);
    const second = locks.acquire(['b', 'c']).then((release) => (order.push('second'), release));
    const third = locks.acquire(['d']).then((release) => (order.push('third'), release));
    await tick();
    expect(order).toEqual(['third']);
    first();
    (await second)();
    (await third)();
    expect(order).toEqual(['third', 'second']);
    expect(locks.size).toBe(0);
  });

  it('does not deadlock when two deliveries name the same keys in another order', async () => {
    const locks = new KeyLocks();
    const runs = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const release = await locks.acquire(i % 2 ? ['x', 'y', 'z'] : ['z', 'y', 'x']);
        await tick();
        release();
        return i;
      }),
    );
    expect(runs).toHaveLength(20);
    expect(locks.size).toBe(0);
  });

  it('takes the keys of a delivery nobody holds at once, a key named twice among them, and frees them all on release', async () => {
    const locks = new KeyLocks();
    const release = await locks.acquire(['b', 'a', 'b']);
    expect(locks.size).toBe(2);
    let next = false;
    void locks.acquire(['a']).then((r) => {
      next = true;
      r();
    });
    await tick();
    expect(next).toBe(false);
    release();
    await tick();
    expect(next).toBe(true);
    expect(locks.size).toBe(0);
  });

  it('a release called twice releases once', async () => {
    const locks = new KeyLocks();
    const release = await locks.acquire(['k']);
    release();
    const next = await locks.acquire(['k']);
    release();
    let third = false;
    void locks.acquire(['k']).then(() => (third = true));
    await tick();
    expect(third).toBe(false);
    next();
    await tick();
    expect(third).toBe(true);
  });

  it('hands each key on in the order the deliveries asked for it, while keys nobody waits for are free at once', async () => {
    const locks = new KeyLocks();
    const log: string[] = [];
    const run = async (name: string, keys: string[], hold: number) => {
      const release = await locks.acquire(keys);
      log.push(`+${name}`);
      await new Promise((r) => setTimeout(r, hold));
      log.push(`-${name}`);
      release();
    };
    await Promise.all([run('A', ['k1', 'k2'], 20), run('B', ['k2', 'k3'], 5), run('C', ['k3'], 5), run('D', ['k1'], 5), run('E', ['k2'], 5)]);
    // C takes k3 before B gets there (B waits at k2 behind A); D waits for A's k1, E for B's k2
    expect(log.indexOf('+C')).toBeLessThan(log.indexOf('-A'));
    expect(log.indexOf('+D')).toBeGreaterThan(log.indexOf('-A'));
    expect(log.indexOf('+B')).toBeGreaterThan(log.indexOf('-A'));
    expect(log.indexOf('+B')).toBeGreaterThan(log.indexOf('-C'));
    expect(log.indexOf('+E')).toBeGreaterThan(log.indexOf('-B'));
    expect(locks.size).toBe(0);
  });
});
