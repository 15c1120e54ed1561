import { describe, expect, it } from 'vitest';
import { StatementQueue } from './statement.queue.js';

/** a statement that runs until released, and records when it started */
function gate(order: string[], name: string) {
  let release!: () => void;
  const done = new Promise<void>((r) => (release = r));
  return {
    start: () => {
      order.push(name);
      return done.then(() => name);
    },
    release: () => release(),
  };
}

describe('StatementQueue', () => {
  it('runs one statement at a time, urgent ones before the normal ones that wait, each lane in order', async () => {
    const q = new StatementQueue();
    const order: string[] = [];
    const running = gate(order, 'read 1');
    const r1 = q.run('normal', running.start);
    const r2 = q.run('normal', () => Promise.resolve(order.push('read 2')));
    const u1 = q.run('urgent', () => Promise.resolve(order.push('projection 1')));
    const u2 = q.run('urgent', () => Promise.resolve(order.push('projection 2')));
    expect(q.depth).toEqual({ urgent: 2, normal: 1, background: 0 });
    // nothing starts beside the running statement
    await new Promise((r) => setTimeout(r, 10));
    expect(order).toEqual(['read 1']);
    running.release();
    await Promise.all([r1, r2, u1, u2]);
    expect(order).toEqual(['read 1', 'projection 1', 'projection 2', 'read 2']);
    expect(q.depth).toEqual({ urgent: 0, normal: 0, background: 0 });
  });

  it('lets one waiting normal statement run after `burst` urgent ones in a row, so reads are not starved', async () => {
    const q = new StatementQueue(2);
    const order: string[] = [];
    const running = gate(order, 'read 1');
    const all = [q.run('normal', running.start)];
    for (const name of ['read 2', 'read 3']) all.push(q.run('normal', () => Promise.resolve(name).then((n) => (order.push(n), n))));
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) all.push(q.run('urgent', () => Promise.resolve(name).then((n) => (order.push(n), n))));
    running.release();
    await Promise.all(all);
    expect(order).toEqual(['read 1', 'u1', 'u2', 'read 2', 'u3', 'u4', 'read 3', 'u5']);
  });

  it('runs background statements only when no normal one waits, and after a burst of urgent ones', async () => {
    const q = new StatementQueue(2);
    const order: string[] = [];
    const running = gate(order, 'read 1');
    const step = (lane: 'urgent' | 'normal' | 'background', name: string) => q.run(lane, () => Promise.resolve(name).then((n) => (order.push(n), n)));
    const all = [q.run('normal', running.start), step('background', 'index 1'), step('background', 'index 2'), step('normal', 'read 2')];
    for (const name of ['u1', 'u2', 'u3', 'u4', 'u5']) all.push(step('urgent', name));
    expect(q.depth).toEqual({ urgent: 5, normal: 1, background: 2 });
    running.release();
    await Promise.all(all);
    // the GraphQL read that waits goes before the index reads that came before it; a background
    // statement also gets a turn after a burst, so the projection does not starve it either
    expect(order).toEqual(['read 1', 'u1', 'u2', 'read 2', 'u3', 'u4', 'index 1', 'u5', 'index 2']);
  });

  it('lets one waiting background statement run after `backgroundEvery` normal ones in a row, so a busy dashboard does not starve the indices', async () => {
    const q = new StatementQueue(3, 2);
    const order: string[] = [];
    const running = gate(order, 'read 1');
    const step = (lane: 'urgent' | 'normal' | 'background', name: string) => q.run(lane, () => Promise.resolve(name).then((n) => (order.push(n), n)));
    const all = [q.run('normal', running.start), step('background', 'index 1'), step('background', 'index 2')];
    for (const name of ['read 2', 'read 3', 'read 4', 'read 5', 'read 6']) all.push(step('normal', name));
    running.release();
    await Promise.all(all);
    expect(order).toEqual(['read 1', 'read 2', 'read 3', 'index 1', 'read 4', 'read 5', 'index 2', 'read 6']);
  });

  it('passes a failure on to its caller and goes on with the next statement', async () => {
    const q = new StatementQueue();
    const failing = q.run('normal', () => Promise.reject(new Error('boom')));
    const next = q.run('normal', () => Promise.resolve('next'));
    await expect(failing).rejects.toThrow('boom');
    await expect(next).resolves.toBe('next');
    // and a statement that throws before it returns a promise
    await expect(
      q.run('urgent', () => {
        throw new Error('at once');
      }),
    ).rejects.toThrow('at once');
    await expect(q.run('normal', () => Promise.resolve(1))).resolves.toBe(1);
  });
});
