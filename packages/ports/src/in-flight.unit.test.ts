import { describe, expect, it } from 'vitest';
import { inFlight } from './in-flight.js';

const mapped = (error: unknown) => new Error(`mapped: ${(error as Error).message}`);

describe('inFlight', () => {
  it('settles only after every tracked call has settled, failed ones included', async () => {
    const calls = inFlight();
    const order: string[] = [];
    let finish!: () => void;
    const slow = calls.track(() => new Promise<string>((r) => (finish = () => r('slow'))), mapped).then((v) => order.push(v));
    const failing = calls.track(() => Promise.reject(new Error('boom')), mapped).catch((e: Error) => order.push(e.message));
    const settled = calls.settled().then(() => order.push('settled'));
    await failing;
    expect(order).toEqual(['mapped: boom']);
    finish();
    await Promise.all([slow, settled]);
    expect(order).toEqual(['mapped: boom', 'slow', 'settled']);
    await expect(calls.settled()).resolves.toBeUndefined();
  });

  it('maps an error thrown synchronously by the call and does not count the call', async () => {
    const calls = inFlight();
    await expect(
      calls.track(() => {
        throw new Error('bind');
      }, mapped),
    ).rejects.toThrow('mapped: bind');
    await expect(calls.settled()).resolves.toBeUndefined();
  });
});
