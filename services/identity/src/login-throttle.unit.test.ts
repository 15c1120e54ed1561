// The login throttle's arithmetic on a clock the test moves: an account's lock after five wrong
// passwords, doubling to its cap and ended by a correct one; an address locked for walking through
// names; the bounded memory; the gate that lets two hashes run at once.
import { describe, expect, it } from 'vitest';
import { Busy, Gate, LoginThrottle } from './login-throttle.js';

describe('LoginThrottle', async () => {
  const clock = () => {
    let t = 1_000_000;
    return { now: () => t, pass: (s: number) => (t += s * 1000) };
  };

  it('locks an account after five wrong passwords for 60 s, doubling with each further one up to 900 s; a correct password ends the count', async () => {
    const c = clock();
    const throttle = new LoginThrottle({}, c.now);
    for (let i = 0; i < 4; i++) await throttle.failed('10.0.0.1', 'admin');
    expect(await throttle.waitS('10.0.0.1', 'admin')).toBe(0);
    await throttle.failed('10.0.0.1', 'admin');
    expect(await throttle.waitS('10.0.0.1', 'admin')).toBe(60);
    // from another address as well: the account is locked, not the pair
    expect(await throttle.waitS('10.9.9.9', 'admin')).toBe(60);
    // another account from the same address is not
    expect(await throttle.waitS('10.0.0.1', 'planer1')).toBe(0);
    c.pass(60);
    expect(await throttle.waitS('10.0.0.1', 'admin')).toBe(0);
    await throttle.failed('10.0.0.1', 'admin');
    expect(await throttle.waitS('10.0.0.1', 'admin')).toBe(120);
    for (let i = 0; i < 6; i++) await throttle.failed('10.0.0.2', 'admin');
    expect(await throttle.waitS('10.0.0.1', 'admin')).toBe(900);
    c.pass(900);
    await throttle.succeeded('admin');
    await throttle.failed('10.0.0.1', 'admin');
    expect(await throttle.waitS('10.0.0.1', 'admin')).toBe(0);
  });

  it('counts a name nobody has like one that exists, and "Admin " as "admin"', async () => {
    const throttle = new LoginThrottle({}, clock().now);
    for (let i = 0; i < 5; i++) await throttle.failed('10.0.0.1', 'gibt-es-nicht');
    expect(await throttle.waitS('10.0.0.1', 'gibt-es-nicht')).toBe(60);
    for (let i = 0; i < 5; i++) await throttle.failed('10.0.0.3', ' Admin ');
    expect(await throttle.waitS('10.0.0.4', 'admin')).toBe(60);
  });

  it('locks an address that tries 20 wrong passwords within 15 minutes, whatever the names', async () => {
    const c = clock();
    const throttle = new LoginThrottle({}, c.now);
    for (let i = 0; i < 19; i++) {
      await throttle.failed('10.0.0.1', `name${i}`);
      c.pass(40);
    }
    expect(await throttle.waitS('10.0.0.1', 'new-name')).toBe(0);
    await throttle.failed('10.0.0.1', 'name19');
    expect(await throttle.waitS('10.0.0.1', 'new-name')).toBe(900);
    expect(await throttle.waitS('10.0.0.2', 'new-name')).toBe(0);
    // failures older than the window do not count
    const slow = new LoginThrottle({}, c.now);
    for (let i = 0; i < 19; i++) await slow.failed('10.0.0.5', `name${i}`);
    c.pass(901);
    await slow.failed('10.0.0.5', 'name19');
    expect(await slow.waitS('10.0.0.5', 'new-name')).toBe(0);
  });

  it('forgets the least recently failed beyond maxEntries', async () => {
    const throttle = new LoginThrottle({ maxEntries: 3, accountFailures: 1 }, clock().now);
    for (const name of ['a', 'b', 'c', 'd']) await throttle.failed(`10.0.0.${name.charCodeAt(0)}`, name);
    expect(await throttle.waitS('x', 'a')).toBe(0);
    expect(await throttle.waitS('x', 'd')).toBe(60);
  });
});

describe('Gate', () => {
  it('runs two at once, lets the next wait and refuses beyond the queue', async () => {
    const gate = new Gate(2, 2);
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const work = () =>
      gate.run(async () => {
        running++;
        most = Math.max(most, running);
        await new Promise<void>((r) => releases.push(r));
        running--;
      });
    const runs = [work(), work(), work(), work()];
    await expect(work()).rejects.toBeInstanceOf(Busy);
    while (runs.length > 0) {
      await new Promise((r) => setTimeout(r, 5));
      releases.shift()?.();
      if (releases.length === 0 && running === 0) break;
    }
    await Promise.all(runs);
    expect(most).toBe(2);
  });
});
