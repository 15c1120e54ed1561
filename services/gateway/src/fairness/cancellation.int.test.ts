// Work stops when a request is given up (issue #13, deliver 5): the real gateway over HTTP on
// loopback, the real warehouse reader on chDB. Each indicator read first runs an expensive query
// (minutes of counting) with the read's own options, as a warehouse under a heavy query would. A
// request that times out, and one whose client goes away, must stop that query — chDB cannot
// interrupt a running query, so it is stopped by the engine at the request's deadline
// (max_execution_time), and the read's signal is aborted at once (a ClickHouse server KILLs the
// query then). On the old code the query ran on after the TIMEOUT answer and nothing was aborted.
import { WarehouseError, type ReadOptions, type Warehouse } from '@sp/ports';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tokenFor } from '../testing/gateway.fixture.js';
import { type ServedGateway, servedChdbGateway } from '../testing/chdb-gateway.fixture.js';

const heavy = 'SELECT count() AS c FROM numbers_mt(1000000000000)';

interface Observed {
  options: ReadOptions | undefined;
  started: number;
  abortedAt?: number;
  settledAt?: number;
  code?: string;
}

const observed: Observed[] = [];
const seenOptions: (ReadOptions | undefined)[] = [];
let slow = true;
let gw: ServedGateway;
let token: string;

function observing(wh: Warehouse): Warehouse {
  return {
    command: (sql, params) => wh.command(sql, params),
    insert: (table, rows) => wh.insert(table, rows),
    insertFormatted: (table, insert) => wh.insertFormatted(table, insert),
    close: () => wh.close(),
    query: async <T>(sql: string, params?: Record<string, unknown>, options?: ReadOptions): Promise<T[]> => {
      if (!slow || !options) {
        seenOptions.push(options);
        return wh.query<T>(sql, params, options);
      }
      const o: Observed = { options, started: performance.now() };
      observed.push(o);
      options.signal?.addEventListener('abort', () => (o.abortedAt = performance.now()), { once: true });
      try {
        // the expensive query under the read's signal and deadline (its rows limit would refuse it at once)
        await wh.query(heavy, undefined, { ...(options.signal ? { signal: options.signal } : {}), ...(options.maxExecutionMs ? { maxExecutionMs: options.maxExecutionMs } : {}) });
        return await wh.query<T>(sql, params, options);
      } catch (error) {
        o.code = error instanceof WarehouseError ? error.code : String(error);
        throw error;
      } finally {
        o.settledAt = performance.now();
      }
    },
  };
}

beforeAll(async () => {
  gw = await servedChdbGateway({
    wrap: observing,
    prefix: 'sp-gw-cancel-',
    gateway: {
      cache: false,
      responseCache: false,
      limits: { requestTimeoutMs: 1_500 },
      // the reads here are slow on purpose: a time budget that pays for them (the budgets are not what is tested)
      budgets: { warehouseMsPerSecond: 10_000, warehouseMsBurst: 60_000 },
    },
  });
  token = await tokenFor({ role: 'planner', sub: 'cancel' });
});
afterAll(async () => {
  await gw?.close();
});

const query = '{ indicatorValues(indicator: "einwohner", level: STADTBEZIRK, period: "2012") { area { code } value } }';

function post(body: string, signal?: AbortSignal) {
  return fetch(gw.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body, ...(signal ? { signal } : {}) });
}

async function settled(o: Observed): Promise<void> {
  for (let i = 0; i < 200 && o.settledAt === undefined; i++) await new Promise((r) => setTimeout(r, 25));
}

describe('cancellation of warehouse work', () => {
  it("stops the warehouse query of a request that timed out at the request's deadline", { timeout: 30_000 }, async () => {
    observed.length = 0;
    const t = performance.now();
    const res = await post(JSON.stringify({ query }));
    const answeredAfter = performance.now() - t;
    const body = (await res.json()) as { errors?: { extensions: { code: string } }[] };
    expect(body.errors?.[0]?.extensions.code).toBe('TIMEOUT');
    expect(observed).toHaveLength(1);
    const o = observed[0]!;
    await settled(o);
    expect(o.options?.maxExecutionMs).toBeLessThanOrEqual(1_500);
    expect(o.options?.maxRowsToRead).toBeGreaterThan(0);
    expect(o.abortedAt).toBeDefined();
    expect(['CANCELLED', 'TIMEOUT']).toContain(o.code);
    const ranFor = o.settledAt! - o.started;
    console.log(`[cancel] timeout: answered after ${answeredAfter.toFixed(0)} ms, the warehouse query stopped after ${ranFor.toFixed(0)} ms (deadline 1500 ms; uncancelled it counts for minutes)`);
    expect(ranFor).toBeLessThan(3_000);
  });

  it('aborts the read of a client that goes away and the engine stops it by the deadline', { timeout: 30_000 }, async () => {
    observed.length = 0;
    const client = new AbortController();
    const t = performance.now();
    const request = post(JSON.stringify({ query }), client.signal).catch((e: unknown) => e);
    for (let i = 0; i < 500 && observed.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(observed).toHaveLength(1);
    await new Promise((r) => setTimeout(r, 200));
    client.abort();
    await request;
    const o = observed[0]!;
    await settled(o);
    expect(o.abortedAt).toBeDefined();
    const abortedAfter = o.abortedAt! - t;
    console.log(
      `[cancel] client gone after ~${(performance.now() - t).toFixed(0)} ms: read aborted after ${abortedAfter.toFixed(0)} ms, query stopped after ${(o.settledAt! - o.started).toFixed(0)} ms (${o.code})`,
    );
    // the signal follows the client at once, not the deadline
    expect(abortedAfter).toBeLessThan(1_200);
    expect(o.settledAt! - o.started).toBeLessThan(3_000);
  });

  it('answers a read over the rows one query may scan with RESULT_TOO_LARGE, not an internal error', async () => {
    slow = false;
    const small = await servedChdbGateway({ warehouse: gw.warehouse, wrap: observing, gateway: { cache: false, responseCache: false, limits: { maxRowsToRead: 10 } } });
    try {
      const res = await fetch(small.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ query }) });
      const body = (await res.json()) as { errors?: { message: string; extensions: { code: string } }[] };
      expect(seenOptions.at(-1)?.maxRowsToRead).toBe(10);
      expect(body.errors?.[0]?.extensions.code).toBe('RESULT_TOO_LARGE');
      expect(body.errors?.[0]?.message).toMatch(/more than 10 warehouse rows/);
    } finally {
      slow = true;
      await small.close();
    }
  });
});
