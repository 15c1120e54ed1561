// Per-client budgets and the end of work at a timeout (issue #13, deliver 5), played as the abuse:
// one client floods requests or asks for many costly aliases; another client is not affected; a
// request cut off by the timeout starts no further warehouse reads.
import type { IndicatorReader } from '@sp/indicator-store';
import { describe, expect, it } from 'vitest';
import { testGateway, tokenFor } from '../testing/gateway.fixture.js';
import { ClientBudgets } from './client-budgets.js';
import { FairScheduler } from './fair-scheduler.js';

describe('ClientBudgets', () => {
  it('refills requests and cells over time and says when to come back', () => {
    let t = 0;
    const b = new ClientBudgets({ requestsPerSecond: 2, requestBurst: 2, costPerSecond: 100, costBurst: 300, maxInFlight: 10 }, () => t);
    expect(b.begin('a').ok).toBe(true);
    expect(b.begin('a').ok).toBe(true);
    expect(b.begin('a')).toMatchObject({ ok: false, retryAfterSeconds: 1 });
    expect(b.begin('b').ok).toBe(true); // another client has its own
    t = 500;
    expect(b.begin('a').ok).toBe(true);
    expect(b.charge('a', 300)).toEqual({ ok: true });
    expect(b.charge('a', 250)).toMatchObject({ ok: false, retryAfterSeconds: 3 });
    t = 3000;
    expect(b.charge('a', 250)).toEqual({ ok: true });
    expect(b.charge('a', 301)).toMatchObject({ ok: false, retryAfterSeconds: 0 }); // never payable
  });

  it('books the warehouse time reads used and refuses a client in debt until it has paid off', () => {
    let t = 0;
    const b = new ClientBudgets({ warehouseMsPerSecond: 100, warehouseMsBurst: 500 }, () => t);
    expect(b.charge('a', 10)).toEqual({ ok: true });
    b.spend('a', 1_200); // one expensive read: 700 ms in debt
    expect(b.charge('a', 10)).toMatchObject({ ok: false, retryAfterSeconds: 7 });
    expect(b.charge('b', 10)).toEqual({ ok: true }); // another client's time is its own
    t = 7_000;
    expect(b.charge('a', 10)).toEqual({ ok: true });
  });

  it('limits requests running at once per client', () => {
    const b = new ClientBudgets({ maxInFlight: 2 });
    const first = b.begin('a');
    b.begin('a');
    expect(b.begin('a').ok).toBe(false);
    first.release();
    first.release(); // releasing twice frees one place only
    expect(b.begin('a').ok).toBe(true);
    expect(b.begin('a').ok).toBe(false);
  });

  it('lets a client refused for its budget yield to clients within theirs, and holds back one refused half-way until it could pay as much', () => {
    let t = 0;
    const b = new ClientBudgets({ costPerSecond: 100, costBurst: 1_000, costPerRead: 10, yieldForMs: 10_000, activeWindowMs: 2_000 }, () => t);
    expect(b.solvent('normal').ok).toBe(true); // let in: active
    expect(b.charge('abuser', 900)).toEqual({ ok: true });
    expect(b.charge('abuser', 900).ok).toBe(false);
    b.refusedFor('abuser', 900);
    t = 1_000; // 200 back: one read's worth, but not the 900 it asked for
    expect(b.solvent('abuser')).toMatchObject({ ok: false, retryAfterSeconds: 7 });
    t = 8_000; // it could pay, but yields: the normal client was let in 1 s ago
    expect(b.solvent('normal').ok).toBe(true);
    t = 9_000;
    expect(b.solvent('abuser')).toMatchObject({ ok: false, yielded: true });
    expect(b.yielding('abuser').ok).toBe(false); // its waiting reads do not start either
    t = 10_500; // the normal client quiet for 2.5 s: the abuser is served
    expect(b.solvent('abuser').ok).toBe(true);
    t = 20_001; // 10 s after its refusal it no longer yields
    expect(b.solvent('normal').ok).toBe(true);
    expect(b.solvent('abuser').ok).toBe(true);
  });
});

const choropleth = '{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012") { value } }';
/** n aliases of the choropleth, each another as-of date: n × 86 cells */
const aliases = (n: number) =>
  `{ ${Array.from({ length: n }, (_, i) => `a${i}: indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012", asOf: "2020-01-${String(i + 1).padStart(2, '0')}") { value }`).join(' ')} }`;

async function post(gateway: ReturnType<typeof testGateway>['gateway'], query: string, options: { token?: string; ip?: string } = {}) {
  const res = await gateway.fetch(
    'http://gateway.test/graphql',
    { method: 'POST', headers: { 'content-type': 'application/json', ...(options.token ? { authorization: `Bearer ${options.token}` } : {}) }, body: JSON.stringify({ query }) },
    options.ip ?? '192.0.2.1',
  );
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

describe('budgets at the gateway', () => {
  it('answers a client over its request rate with 429 and Retry-After; other clients go on', async () => {
    const { gateway } = testGateway({ budgets: { requestsPerSecond: 0.5, requestBurst: 3, holdRefusalsMs: 0 } });
    const abuser = await tokenFor({ role: 'planner', sub: 'abuser' });
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(gateway, choropleth, { token: abuser })).status);
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    const refused = await post(gateway, choropleth, { token: abuser });
    expect(refused.retryAfter).toBe('2');
    expect(refused.body.errors[0]).toMatchObject({ extensions: { code: 'RATE_LIMITED', retryAfter: 2 } });
    expect(refused.body.errors[0].message).toMatch(/over its budget: more than 0.5 requests per second/);
    // the same IP without a token, another subject, another IP: their own budgets
    expect((await post(gateway, choropleth, { token: await tokenFor({ role: 'planner', sub: 'normal' }) })).status).toBe(200);
    expect((await post(gateway, choropleth)).status).toBe(200);
    // the CSV exports count against the same budget
    const csv = await gateway.fetch('http://gateway.test/export/indicator-values.csv?indicator=einwohner&level=STADT&period=2012', { headers: { authorization: `Bearer ${abuser}` } });
    expect(csv.status).toBe(429);
    expect(csv.headers.get('retry-after')).toBe('2');
  });

  it('holds the refusals of a client that asks again before its Retry-After, not the first one', async () => {
    const { gateway } = testGateway({ budgets: { requestsPerSecond: 0.2, requestBurst: 1, holdRefusalsMs: 2000 } });
    const abuser = await tokenFor({ role: 'planner', sub: 'abuser' });
    const timed = async () => {
      const t = performance.now();
      const res = await post(gateway, choropleth, { token: abuser });
      return { status: res.status, retryAfter: res.retryAfter, ms: performance.now() - t };
    };
    expect((await timed()).status).toBe(200);
    const first = await timed();
    expect(first).toMatchObject({ status: 429, retryAfter: '5' });
    expect(first.ms).toBeLessThan(1000);
    const again = await timed();
    expect(again.status).toBe(429);
    expect(again.ms).toBeGreaterThanOrEqual(1990);
    // another client is not held
    const t = performance.now();
    expect((await post(gateway, choropleth, { token: await tokenFor({ role: 'planner', sub: 'normal' }) })).status).toBe(200);
    expect(performance.now() - t).toBeLessThan(1000);
  });

  it('charges each alias its cells: many costly aliases get 429 before anything is read', async () => {
    const { gateway, memory } = testGateway({ budgets: { costPerSecond: 100, costBurst: 2000, costPerRead: 0 } });
    const ok = await post(gateway, aliases(20)); // 1720 cells
    expect(ok.status).toBe(200);
    const reads = memory.calls.length;
    const again = await post(gateway, aliases(20));
    expect(again.status).toBe(429);
    expect(Number(again.retryAfter)).toBeGreaterThanOrEqual(1);
    expect(again.body.errors.length).toBeGreaterThan(0);
    expect(again.body.errors.every((e: any) => e.extensions.code === 'RATE_LIMITED')).toBe(true);
    expect(again.body.data).toBeNull();
    expect(memory.calls.length).toBe(reads);
    // a request no budget could pay for is a 400 to narrow, not a 429 to retry
    const huge = await post(gateway, aliases(30), { ip: '192.0.2.2' }); // 2580 cells
    expect(huge.status).toBe(400);
    expect(huge.body.errors[0]).toMatchObject({ extensions: { code: 'RESULT_TOO_LARGE' } });
    // another client still reads
    expect((await post(gateway, choropleth, { ip: '192.0.2.3' })).status).toBe(200);
  });

  it('charges a read asked again in the same request once (a ranking with each area value)', async () => {
    const { gateway } = testGateway({ budgets: { costPerSecond: 1, costBurst: 700, costPerRead: 200 } });
    // ranking (86 + 200) and 50 area values of 2011 (one read: 86 + 200) = 572
    const r = await post(gateway, '{ ranking(indicator: "einwohner", level: STADTTEIL, period: "2012", first: 50) { area { value(indicator: "einwohner", period: "2011") { value } } } }');
    expect(r.status).toBe(200);
    expect(r.body.errors).toBeUndefined();
  });

  it('trusts X-Forwarded-For only when configured', async () => {
    const ask = async (gateway: ReturnType<typeof testGateway>['gateway'], forwarded: string) =>
      (
        await gateway.fetch(
          'http://gateway.test/graphql',
          { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwarded }, body: JSON.stringify({ query: choropleth }) },
          '10.0.0.1',
        )
      ).status;
    const plain = testGateway({ budgets: { requestsPerSecond: 0.1, requestBurst: 1 } }).gateway;
    expect([await ask(plain, '198.51.100.1'), await ask(plain, '198.51.100.2')]).toEqual([200, 429]);
    const proxied = testGateway({ budgets: { requestsPerSecond: 0.1, requestBurst: 1, trustForwardedFor: true } }).gateway;
    expect([await ask(proxied, '198.51.100.1'), await ask(proxied, '198.51.100.2, 10.0.0.1'), await ask(proxied, '198.51.100.1')]).toEqual([200, 200, 429]);
  });
});

describe('timeout', () => {
  it('stops the work when a request is cut off: no read starts after the TIMEOUT answer', async () => {
    let started = 0;
    const { memory } = testGateway();
    const slow: IndicatorReader = {
      values: async (q) => {
        started++;
        await new Promise((r) => setTimeout(r, 150));
        q.signal?.throwIfAborted();
        return memory.values(q);
      },
      periods: async () => [],
      indexValues: async () => [],
    };
    const { gql } = testGateway({ indicators: slow, limits: { requestTimeoutMs: 100 } });
    // two reads one after the other: the ranking, then each ranked area's value of another year
    const q = '{ ranking(indicator: "einwohner", level: STADTTEIL, period: "2012", first: 3) { area { value(indicator: "einwohner", period: "2011") { value } } } }';
    const r = await gql(q);
    expect(r.errors?.[0]?.extensions?.code).toBe('TIMEOUT');
    await new Promise((resolve) => setTimeout(resolve, 600));
    // the ranking's read had started; the values of 2011 were never asked for
    expect(started).toBe(1);
  });
});

/** the scheduler hands out slots once the reads of this turn are queued */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('FairScheduler', () => {
  it('hands the slots out round-robin by client: a queue of one client does not hold up another', async () => {
    const scheduler = new FairScheduler(1);
    const order: string[] = [];
    const read = (name: string) => () =>
      new Promise<void>((resolve) => {
        order.push(name);
        setTimeout(resolve, 5);
      });
    const all = [1, 2, 3, 4].map((i) => scheduler.run('abuser', read(`a${i}`)));
    all.push(scheduler.run('normal', read('n1')));
    await Promise.all(all);
    // asked in the same turn, the normal client's single read goes before the abuser's queue
    expect(order).toEqual(['n1', 'a1', 'a2', 'a3', 'a4']);
  });

  it('lets one client hold at most its share of the slots, and serves a newcomer before the queues of four busy clients', async () => {
    const scheduler = new FairScheduler(2, 1);
    const order: string[] = [];
    let running = 0;
    let most = 0;
    const read = (name: string, ms: number) => () =>
      new Promise<void>((resolve) => {
        order.push(name);
        running++;
        most = Math.max(most, running);
        setTimeout(() => {
          running--;
          resolve();
        }, ms);
      });
    // one client alone: one read at a time, the second slot stays free for anyone else
    const alone = [1, 2, 3].map((i) => scheduler.run('abuser-1', read(`a1.${i}`, 5)));
    await turn();
    expect(order).toEqual(['a1.1']);
    const other = scheduler.run('normal', read('n1', 1));
    await turn();
    expect(order).toEqual(['a1.1', 'n1']);
    await Promise.all([...alone, other]);
    order.length = 0;
    most = 0;
    // four clients with three reads each queued: they share one slot, the other is kept for a
    // client asking a single read; a newcomer with one read starts at once
    const busy = [1, 2, 3, 4].flatMap((c) => [1, 2, 3].map((i) => scheduler.run(`abuser-${c}`, read(`a${c}.${i}`, 5))));
    await turn();
    expect(order).toEqual(['a2.1']); // not abuser-1, which used time lately
    const late = scheduler.run('newcomer', read('n2', 1));
    await turn();
    expect(order).toEqual(['a2.1', 'n2']);
    await Promise.all([...busy, late]);
    expect(most).toBe(2);
    expect(order).toHaveLength(13);
  });

  it('keeps the last free slot for a client asking a single read', async () => {
    const scheduler = new FairScheduler(2, 1);
    const order: string[] = [];
    const gates: (() => void)[] = [];
    const read = (name: string) => () =>
      new Promise<void>((resolve) => {
        order.push(name);
        gates.push(resolve);
      });
    // two clients with queues: only one of them runs
    const queued = ['a', 'b'].flatMap((c) => [1, 2].map((i) => scheduler.run(c, read(`${c}${i}`))));
    await turn();
    expect(order).toEqual(['a1']);
    // one read of a client with nothing else waiting takes the kept slot
    const single = scheduler.run('n', read('n1'));
    await turn();
    expect(order).toEqual(['a1', 'n1']);
    gates.shift()!(); // a1 ends: a, now with fewer waiting than b, goes on on the shared slot
    await turn();
    expect(order).toEqual(['a1', 'n1', 'a2']);
    gates.shift()!(); // n1 ends: the kept slot is not for b, which has two reads waiting
    await turn();
    expect(order).toEqual(['a1', 'n1', 'a2']);
    while (gates.length > 0) {
      gates.shift()!();
      await turn();
    }
    await Promise.all([...queued, single]);
    expect(order).toHaveLength(5);
  });

  it('frees the slot of a read that throws at once', async () => {
    const scheduler = new FairScheduler(1);
    await expect(
      scheduler.run('a', () => {
        throw new Error('cut off');
      }),
    ).rejects.toThrow('cut off');
    expect(await scheduler.run('a', async () => 'next')).toBe('next');
  });
});
