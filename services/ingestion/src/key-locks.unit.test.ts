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
});
