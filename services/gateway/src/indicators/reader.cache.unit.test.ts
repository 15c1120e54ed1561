import { describe, expect, it } from 'vitest';
import { MemoryIndicatorReader } from '../testing/memory-indicator-reader.js';
import { koelnCells } from '../testing/koeln.fixture.js';
import { testGateway } from '../testing/gateway.fixture.js';
import { tokenFor } from '../testing/gateway.fixture.js';
import type { IndicatorReader, IndicatorValuesQuery } from '@sp/indicator-store';
import { cachingReader } from './reader.cache.js';

describe('shared reader cache', () => {
  it('collapses identical reads in flight and reuses answers within the TTL', async () => {
    const memory = new MemoryIndicatorReader(koelnCells());
    let t = 0;
    const reader = cachingReader(memory, { ttlMs: 1000, maxEntries: 10 }, () => t);
    const q = { indicator: 'einwohner', level: 'STADTTEIL', periods: ['2012'] };
    const answers = await Promise.all(Array.from({ length: 50 }, () => reader.values(q)));
    expect(answers[49]).toHaveLength(86);
    expect(memory.calls).toHaveLength(1);
    t = 900;
    await reader.values({ periods: ['2012'], level: 'STADTTEIL', indicator: 'einwohner' }); // same query, other key order
    expect(memory.calls).toHaveLength(1);
    // expired: the old answer is served at once while one refresh runs
    t = 2000;
    await reader.values(q);
    await reader.values(q);
    expect(memory.calls).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 0));
    // too old to serve: wait for a fresh read
    t = 10_000;
    await reader.values(q);
    expect(memory.calls).toHaveLength(3);
    reader.clear();
    await reader.values(q);
    expect(memory.calls).toHaveLength(4);
  });

  it('collapses reads of requests with other deadlines, and a request cut off does not fail the others sharing its read', async () => {
    const memory = new MemoryIndicatorReader(koelnCells());
    const started: IndicatorValuesQuery[] = [];
    // like the warehouse reader: a read whose signal aborts fails with the cancellation
    const slow: IndicatorReader = {
      ...memory,
      periods: (i) => memory.periods(i),
      indexValues: (q) => memory.indexValues(q),
      values: (q) => {
        started.push(q);
        return new Promise((resolve, reject) => {
          q.signal?.addEventListener('abort', () => reject(new Error('cancelled')), { once: true });
          setTimeout(() => resolve(memory.values(q)), 20);
        });
      },
    };
    const reader = cachingReader(slow, { ttlMs: 1000, maxEntries: 10 });
    const q = { indicator: 'einwohner', level: 'STADTTEIL', periods: ['2012'] };
    const first = new AbortController();
    const cut = reader.values({ ...q, signal: first.signal, deadline: Date.now() + 10_000, maxRowsToRead: 1e8 });
    const other = reader.values({ ...q, signal: new AbortController().signal, deadline: Date.now() + 10_001, maxRowsToRead: 1e8 });
    expect(started).toHaveLength(1);
    first.abort();
    await expect(cut).rejects.toThrow('cancelled');
    expect(await other).toHaveLength(86);
    expect(started).toHaveLength(2);
  });

  it('never serves a privileged answer to the public', async () => {
    const { gql, memory } = testGateway({ cache: { ttlMs: 60_000 } });
    const q = '{ indicatorValues(indicator: "sgb2", level: STADTTEIL, period: "2012", areas: ["101"]) { value suppressed } }';
    const privileged = await gql(q, { token: await tokenFor({ role: 'planner', privileged: true }) });
    expect(privileged.data.indicatorValues).toEqual([{ value: 2, suppressed: false }]);
    const anonymous = await gql(q);
    expect(anonymous.data.indicatorValues).toEqual([{ value: null, suppressed: true }]);
    await gql(q);
    expect(memory.calls.filter((c) => c.method === 'values')).toHaveLength(2);
  });

  it('forgets failed reads', async () => {
    let fail = true;
    const flaky = new MemoryIndicatorReader(koelnCells());
    const reader = cachingReader(
      { ...flaky, values: async (q) => (fail ? Promise.reject(new Error('down')) : flaky.values(q)), periods: (i) => flaky.periods(i), indexValues: (q) => flaky.indexValues(q) },
      { ttlMs: 60_000, maxEntries: 10 },
    );
    const q = { indicator: 'einwohner', level: 'STADT', periods: ['2012'] };
    await expect(reader.values(q)).rejects.toThrow('down');
    fail = false;
    expect(await reader.values(q)).toHaveLength(1);
  });
});
