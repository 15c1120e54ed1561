// The response cache: what it reuses, for whom, for how long, and what it never stores. The
// gateway half runs over Node's http server, as the platform serves it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import type { RegistrySource } from '../sources.js';
import { testGateway, tokenFor } from '../testing/gateway.fixture.js';
import { type CacheProbe, createResponseCache, type StoredResponse } from './response-cache.js';

const json = (body: unknown, status = 200): StoredResponse => ({ status, headers: { 'content-type': 'application/json; charset=utf-8' }, body: new TextEncoder().encode(JSON.stringify(body)) });

describe('createResponseCache', () => {
  it('reuses an answer for ttlMs, serves it while one refresh runs until maxStaleMs, then runs again', async () => {
    let t = 0;
    const cache = createResponseCache({ ttlMs: 1000, maxStaleMs: 3000 }, () => t);
    let runs = 0;
    let release = (): void => undefined;
    const run = async () => {
      const n = ++runs;
      if (n === 2) await new Promise<void>((r) => (release = r));
      return json({ data: { n } });
    };
    const n = async () => JSON.parse(new TextDecoder().decode((await cache.serve('k', run)).response.body)).data.n;
    const state = async () => (await cache.serve('k', run)).state;
    expect(await state()).toBe('miss');
    t = 1000;
    expect([await state(), await n()]).toEqual(['hit', 1]);
    t = 1001;
    // stale: answered at once with the old answer, one refresh started (and held open here)
    expect([await state(), await state(), await n()]).toEqual(['stale', 'stale', 1]);
    expect(runs).toBe(2);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect([await state(), await n()]).toEqual(['hit', 2]);
    t = 1001 + 4001; // beyond ttl + maxStale: computed again before answering
    expect([await state(), await n()]).toEqual(['miss', 3]);
  });

  it('runs identical requests in flight once', async () => {
    const cache = createResponseCache();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = async () => {
      runs++;
      await gate;
      return json({ data: { ok: true } });
    };
    const all = Promise.all([cache.serve('k', run), cache.serve('k', run), cache.serve('k', run)]);
    release();
    expect((await all).map((r) => r.state)).toEqual(['miss', 'shared', 'shared']);
    expect(runs).toBe(1);
  });

  it('never stores errors, non-200 answers or answers whose probe says no', async () => {
    const cache = createResponseCache();
    expect((await cache.serve('errors', async () => json({ data: null, errors: [{ message: 'x' }] }))).state).toBe('bypass');
    expect((await cache.serve('status', async () => json({ data: {} }, 400))).state).toBe('bypass');
    const live = async (probe: CacheProbe) => {
      probe.cacheable = false;
      return json({ data: {} });
    };
    expect((await cache.serve('live', live)).state).toBe('bypass');
    await expect(cache.serve('thrown', async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(cache.stats.entries).toBe(0);
    // followers of a leader whose answer was not reusable run themselves
    const both = await Promise.all([cache.serve('live', live), cache.serve('live', live)]);
    expect(both.map((r) => r.state)).toEqual(['bypass', 'bypass']);
    expect(cache.stats.hits).toBe(0);
  });

  it('does not store an answer computed before a clear() that finished after it', async () => {
    const cache = createResponseCache();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pending = cache.serve('k', async () => {
      await gate;
      return json({ data: { old: true } });
    });
    cache.clear();
    release();
    await pending;
    expect(cache.stats.entries).toBe(0);
    expect((await cache.serve('k', async () => json({ data: { old: false } }))).state).toBe('miss');
  });

  it('keeps within maxBytes by dropping the least recently used answers', async () => {
    const cache = createResponseCache({ maxBytes: 800 }); // one answer may take 100 bytes
    const big = json({ data: { pad: 'x'.repeat(80) } });
    const state = async (k: string, r = big) => (await cache.serve(k, async () => r)).state;
    for (const k of ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i']) await state(k);
    expect(cache.stats.bytes).toBeLessThanOrEqual(800);
    expect(cache.stats.entries).toBe(8);
    expect(await state('i')).toBe('hit');
    expect(await state('a')).toBe('miss');
    expect(await state('huge', json({ data: { pad: 'x'.repeat(200) } }))).toBe('bypass');
  });
});

describe('the gateway behind the response cache', async () => {
  let offerSearches = 0;
  const registry: RegistrySource = {
    searchOffers: async () => ({ items: [], total: ++offerSearches }),
    offerHistory: async () => [],
    norms: async () => [],
    needs: async () => [],
  };
  const { gateway, memory } = testGateway({ registry, responseCache: { ttlMs: 60_000 } });
  const server = createServer(gateway.handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  afterAll(() => new Promise<void>((r) => server.close(() => r())));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;

  async function post(query: string, token?: string) {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query }),
    });
    return { status: res.status, cache: res.headers.get('x-sp-cache'), type: res.headers.get('content-type'), body: (await res.json()) as any };
  }

  const choropleth = '{ indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012") { area { code } value suppressed } }';

  it('answers a repeated query from the cache, byte for byte, without reading again', async () => {
    const first = await post(choropleth);
    const reads = memory.calls.length;
    const second = await post(choropleth);
    expect([first.cache, second.cache]).toEqual(['miss', 'hit']);
    expect(second.body).toEqual(first.body);
    expect(second.type).toBe(first.type);
    expect(second.body.data.indicatorValues).toHaveLength(86);
    expect(memory.calls.length).toBe(reads);
  });

  it('keeps one answer per viewer scope', async () => {
    const q = '{ indicatorValues(indicator: "sgb2", level: STADTTEIL, period: "2012", areas: ["101"]) { value suppressed } }';
    const privileged = await post(q, await tokenFor({ role: 'planner', privileged: true }));
    const anonymous = await post(q);
    const planner = await post(q, await tokenFor({ role: 'planner', sub: 'someone' }));
    const otherPlanner = await post(q, await tokenFor({ role: 'planner', sub: 'someone else' }));
    expect(privileged.body.data.indicatorValues[0].suppressed).toBe(false);
    expect(anonymous.body.data.indicatorValues[0]).toEqual({ value: null, suppressed: true });
    expect([privileged.cache, anonymous.cache, planner.cache, otherPlanner.cache]).toEqual(['miss', 'miss', 'miss', 'hit']);
  });

  it('never stores answers that read the registry, or errors, or a rejected token', async () => {
    const offers = '{ offers(first: 5) { totalCount } }';
    const a = await post(offers);
    const b = await post(offers);
    expect([a.cache, b.cache]).toEqual(['bypass', 'bypass']);
    expect(b.body.data.offers.totalCount).toBe(a.body.data.offers.totalCount + 1);
    const bad = '{ indicatorValues(indicator: "gibt_es_nicht", level: STADT, period: "2012") { value } }';
    expect([(await post(bad)).cache, (await post(bad)).cache]).toEqual(['bypass', 'bypass']);
    const rejected = await post(choropleth, 'not-a-jwt');
    expect(rejected.status).toBe(401);
    expect(rejected.body.errors[0].extensions.code).toBe('UNAUTHENTICATED');
  });

  it('forgets everything on clearCache (new indicator values projected)', async () => {
    expect((await post(choropleth)).cache).toBe('hit');
    gateway.clearCache();
    expect((await post(choropleth)).cache).toBe('miss');
  });

  it('refuses a body over maxBodyBytes with 413 PAYLOAD_TOO_LARGE before reading anything', async () => {
    const reads = memory.calls.length;
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: choropleth, variables: { pad: 'x'.repeat(1024 * 1024) } }) });
    expect(res.status).toBe(413);
    const body = (await res.json()) as any;
    expect(body.errors[0].extensions.code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.errors[0].message).toMatch(/exceeds 1048576 bytes/);
    expect(memory.calls.length).toBe(reads);
  });

  it('leaves GET requests, GraphiQL and CSV exports to yoga', async () => {
    const get = await fetch(`${url}?query=${encodeURIComponent('{ indicatorValues(indicator: "einwohner", level: STADT, period: "2012") { value } }')}`);
    expect(get.status).toBe(200);
    expect(get.headers.get('x-sp-cache')).toBeNull();
    expect(((await get.json()) as any).data.indicatorValues[0].value).toBe(1044555);
    const graphiql = await fetch(url, { headers: { accept: 'text/html' } });
    expect(graphiql.headers.get('content-type')).toMatch(/text\/html/);
  });
});
