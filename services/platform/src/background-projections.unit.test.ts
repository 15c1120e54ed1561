import { describe, expect, it } from 'vitest';
import { startProjectionsInBackground } from './background-projections.js';
import type { Projections } from './projections.js';

function fakeProjections(log: string[]): Projections {
  return {
    aggregator: undefined as never,
    deadLetters: undefined as never,
    stats: () => [],
    caughtUp: async () => void log.push('caughtUp'),
    stop: async () => void log.push('stop'),
    rebuild: async () => ({ ms: 0 }),
  };
}

describe('projections started in the background', () => {
  it('tries a failed start again with growing pauses and reports each failure', async () => {
    const log: string[] = [];
    const reports: string[] = [];
    let attempts = 0;
    const bg = startProjectionsInBackground(
      async () => {
        attempts += 1;
        if (attempts < 3) throw new Error(`broker not ready (${attempts})`);
        return fakeProjections(log);
      },
      { backoffMs: 10, report: (l) => reports.push(l) },
    );
    expect(bg.current()).toBeUndefined();
    await bg.caughtUp(5000);
    expect(bg.current()).toBeDefined();
    expect(attempts).toBe(3);
    expect(reports).toEqual([expect.stringContaining('start 1 failed'), expect.stringContaining('start 2 failed')]);
    expect(reports[1]).toContain('broker not ready (2)');
    expect(log).toEqual(['caughtUp']);
    await bg.stop();
    expect(log).toEqual(['caughtUp', 'stop']);
  });

  it('stops retrying once stopped, and stops projections that started after stop()', async () => {
    let attempts = 0;
    const bg = startProjectionsInBackground(
      async () => {
        attempts += 1;
        throw new Error('down');
      },
      { backoffMs: 60_000, report: () => undefined },
    );
    await new Promise((r) => setTimeout(r, 20));
    await bg.stop();
    await expect(bg.started).rejects.toThrow(/stopped before/);
    expect(attempts).toBe(1);

    const log: string[] = [];
    let finish!: (p: Projections) => void;
    const late = startProjectionsInBackground(() => new Promise<Projections>((r) => (finish = r)));
    await late.stop();
    finish(fakeProjections(log));
    await late.started;
    expect(log).toEqual(['stop']);
  });

  it('gives up waiting for caughtUp when the start takes longer than the timeout', async () => {
    const bg = startProjectionsInBackground(() => new Promise<Projections>(() => undefined));
    await expect(bg.caughtUp(50)).rejects.toThrow(/did not start within 50 ms/);
  });
});
