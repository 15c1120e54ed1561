// Readiness names each dependency that fails or does not answer in time.
import { describe, expect, it } from 'vitest';
import { Health } from './health.js';

describe('Health', () => {
  it('is ready when every probe answers', async () => {
    const health = new Health({ service: 's', checks: { database: async () => undefined, warehouse: async () => undefined } });
    expect(await health.readiness()).toMatchObject({ status: 'ready', service: 's', down: [], checks: { database: { state: 'up' }, warehouse: { state: 'up' } } });
  });

  it('names a dependency that fails and one that does not answer within the deadline', async () => {
    const health = new Health({
      service: 's',
      timeoutMs: 50,
      checks: {
        eventLog: async () => undefined,
        database: async () => {
          throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
        },
        warehouse: () => new Promise<void>(() => undefined),
      },
      info: () => ({ projections: 'joining' }),
    });
    const r = await health.readiness();
    expect(r.status).toBe('not-ready');
    expect(r.down).toEqual(['database', 'warehouse']);
    expect(r.checks.eventLog!.state).toBe('up');
    expect(r.checks.database).toMatchObject({ state: 'down', error: 'connect ECONNREFUSED 127.0.0.1:5432' });
    expect(r.checks.warehouse).toMatchObject({ state: 'down', error: 'no answer within 50 ms' });
    expect(r.info).toEqual({ projections: 'joining' });
  });
});
