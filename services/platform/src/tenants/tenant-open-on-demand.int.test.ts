// Tenant runtimes opened on demand and closed when idle or at the cap (tenant-pool.ts), on the real
// engines of the embedded default: three tenants under a cap of two. Played as requests do it: the
// first request opens a closed tenant, the least recently used unleased runtime is closed to make
// room, a slow delivery in flight keeps its tenant open while the cap forces an eviction, a delivery
// to a closed tenant is accepted and readable, concurrent first requests open a tenant once, a
// restart opens none of the registered tenants until asked, and an idle runtime closes. A probe
// (health, metrics) of a closed tenant is answered without opening it.
import { request } from 'node:http';
import { connect } from 'node:net';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startDeployment, type Deployment } from './deployment.js';

const adminToken = 'admin-token-of-the-open-on-demand-test-0123456';
type Gql = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };

describe('tenant runtimes opened on demand', () => {
  const dataDir = tempDir('sp-tenants-on-demand-');
  const configOf = (idleS: number): PlatformConfig => loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0', SP_ADMIN_TOKEN: adminToken, SP_TENANTS_OPEN_MAX: '2', SP_TENANT_IDLE_S: String(idleS) });
  let engines: Engines | undefined;
  let d: Deployment;
  const keys: Record<string, string> = {};

  const start = async (idleS: number) => {
    engines = await openEngines(configOf(idleS));
    d = await startDeployment(configOf(idleS), engines);
  };
  const stop = async () => {
    await d?.close();
    await engines?.close();
    engines = undefined;
  };
  const open = () => [...d.runtimes.keys()].sort();
  const gql = async (tenant: string, query: string): Promise<Gql> => {
    const res = await fetch(`${d.tenantUrl(tenant)}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query }) });
    return (await res.json()) as Gql;
  };
  const record = (area: string, value: number) => ({
    key: `bevoelkerung|SOZIALRAUM|${area}|2012`,
    version: 1,
    dataset: 'bevoelkerung',
    areaLevel: 'SOZIALRAUM',
    areaCode: area,
    period: '2012',
    observations: [{ measure: 'einwohner', dimensions: {}, value }],
    synthetic: true,
  });
  const einwohner = async (tenant: string, area: string): Promise<number | string | null> => {
    const r = await gql(tenant, `{ indicatorValues(indicator: "einwohner", level: SOZIALRAUM, period: "2012", areas: ["${area}"]) { value } }`);
    return r.data ? ((r.data.indicatorValues as { value: number | null }[])[0]?.value ?? null) : (r.errors?.[0]?.message ?? 'error');
  };
  /** polls until the tenant's projections have the value (the read itself reopens a closed tenant) */
  const eventually = async (tenant: string, area: string, value: number) => {
    const until = Date.now() + 60_000;
    let seen: unknown;
    while (Date.now() < until) {
      seen = await einwohner(tenant, area);
      if (seen === value) return;
      await new Promise((r) => setTimeout(r, 250));
    }
    expect(seen).toBe(value);
  };

  beforeAll(async () => {
    await start(0);
  }, 300_000);
  afterAll(stop);

  it('creates three tenants under a cap of two: the least recently used closes, every one stays registered', async () => {
    for (const id of ['stadt-a', 'stadt-b', 'stadt-c']) {
      const res = await fetch(`${d.url}/admin/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, name: id, kind: 'gemeinde', reference: 'musterstadt' }),
      });
      expect(res.status).toBe(201);
      keys[id] = ((await res.json()) as { apiKeys: Record<string, string> }).apiKeys.statistik!;
    }
    // the closing of stadt-a runs beside the opening of stadt-c; it is done once the pool no longer holds it
    await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(2);
    expect(open()).toEqual(['koeln', 'stadt-b', 'stadt-c']);
    expect(d.registered()).toEqual(['koeln', 'stadt-a', 'stadt-b', 'stadt-c']);
    const directory = (await (await fetch(`${d.url}/tenants`)).json()) as { tenants: { id: string }[] };
    expect(directory.tenants.map((t) => t.id)).toEqual(['koeln', 'stadt-a', 'stadt-b', 'stadt-c']);
    const listed = (await (await fetch(`${d.url}/admin/tenants`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { tenants: { id: string }[] };
    expect(listed.tenants.map((t) => t.id)).toEqual(['stadt-a', 'stadt-b', 'stadt-c']);
  }, 300_000);

  it('opens a closed tenant at its first request and closes the least recently used one', async () => {
    const opened = d.tenantStats().opened;
    expect(await gql('stadt-a', '{ areas(level: STADT) { name } }')).toEqual({ data: { areas: [{ name: 'Musterstadt' }] } });
    expect(d.tenantStats().opened).toBe(opened + 1);
    await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(2);
    expect(open()).toEqual(['koeln', 'stadt-a', 'stadt-c']);
  }, 120_000);

  it('never closes a runtime under a request in flight: a slow delivery holds stadt-a while the cap evicts stadt-c for stadt-b', async () => {
    const body = JSON.stringify({ records: [record('1', 4711)] });
    const slow = request(`${d.tenantUrl('stadt-a')}/v1/deliveries/area-statistic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['stadt-a']}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
    });
    const answered = new Promise<{ status: number; text: string }>((resolve, reject) => {
      slow.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      slow.on('error', reject);
    });
    // the headers and half the body: the router has the request and its lease on stadt-a
    slow.write(body.slice(0, 40));
    slow.flushHeaders();
    await new Promise((r) => setTimeout(r, 500));
    // stadt-c is used after the slow request began, so stadt-a is the least recently used: without its lease it would go
    await gql('stadt-c', '{ areas(level: STADT) { name } }');
    try {
      expect(await gql('stadt-b', '{ areas(level: STADT) { name } }')).toEqual({ data: { areas: [{ name: 'Musterstadt' }] } });
      await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(2);
      expect(open()).toEqual(['koeln', 'stadt-a', 'stadt-b']);
    } catch (error) {
      slow.destroy();
      throw error;
    }
    slow.end(body.slice(40));
    const res = await answered;
    expect(res.status, res.text).toBe(200);
    expect(open()).toEqual(['koeln', 'stadt-a', 'stadt-b']);
    await eventually('stadt-a', '1', 4711);
  }, 180_000);

  it('accepts a delivery to a closed tenant and serves it; what was accepted before a close is still there after the next open', async () => {
    expect(d.runtimes.has('stadt-c')).toBe(false);
    const res = await fetch(`${d.tenantUrl('stadt-c')}/v1/deliveries/area-statistic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['stadt-c']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [record('2', 815)] }),
    });
    expect(res.status, await res.text()).toBe(200);
    await eventually('stadt-c', '2', 815);
    // stadt-a (delivered above) was closed for stadt-c or is closed now for the read of stadt-b
    await gql('stadt-b', '{ areas(level: STADT) { name } }');
    await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(2);
    expect(d.runtimes.has('stadt-a')).toBe(false);
    await eventually('stadt-a', '1', 4711);
  }, 180_000);

  it('opens a tenant once for concurrent first requests', async () => {
    await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(2);
    const closed = ['stadt-a', 'stadt-b', 'stadt-c'].find((id) => !d.runtimes.has(id))!;
    const opened = d.tenantStats().opened;
    const answers = await Promise.all(Array.from({ length: 6 }, () => gql(closed, '{ areas(level: STADT) { name } }')));
    for (const a of answers) expect(a).toEqual({ data: { areas: [{ name: 'Musterstadt' }] } });
    expect(d.tenantStats().opened).toBe(opened + 1);
  }, 120_000);

  it('answers a probe (health, metrics) of a closed tenant without opening it, an open tenant’s from its runtime; the deployment’s /metrics counts the runtimes', async () => {
    await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(2);
    const closed = ['stadt-a', 'stadt-b', 'stadt-c'].find((id) => !d.runtimes.has(id))!;
    const awake = ['stadt-a', 'stadt-b', 'stadt-c'].find((id) => d.runtimes.has(id))!;
    const opened = d.tenantStats().opened;
    for (const path of ['/health/ready', '/health/live', '/health']) {
      const res = await fetch(`${d.tenantUrl(closed)}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toMatchObject({ status: 'closed', tenant: closed });
    }
    const metrics = await fetch(`${d.tenantUrl(closed)}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain(`# tenant ${closed} is closed`);
    // a monitor probing every tenant opens none (under the cap, opening one would close another)
    expect(d.runtimes.has(closed)).toBe(false);
    expect(d.tenantStats().opened).toBe(opened);
    // an open tenant's probe checks its stores in its runtime
    const ready = (await (await fetch(`${d.tenantUrl(awake)}/health/ready`)).json()) as { status: string; checks: Record<string, { state: string }> };
    expect(ready.status).toBe('ready');
    expect(Object.keys(ready.checks).sort()).toEqual(['database', 'eventLog', 'warehouse']);
    // an open tenant's /metrics: its own series, each labelled with it, none of another tenant
    const own = await (await fetch(`${d.tenantUrl(awake)}/metrics`)).text();
    expect(own).toMatch(new RegExp(`^sp_http_requests_total\\{service="platform",tenant="${awake}",route="/graphql",method="POST",status_class="2xx"\\} \\d+$`, 'm'));
    expect(own).toMatch(new RegExp(`^sp_consumer_lag\\{service="platform",tenant="${awake}",group="aggregator",topic="records\\.area-statistic"\\} \\d+$`, 'm'));
    expect([...own.matchAll(/tenant="([^"]+)"/g)].map((m) => m[1]).filter((t) => t !== awake)).toEqual([]);
    // the deployment's own /metrics: every tenant's series, labelled, and its count of the runtimes
    const deployment = await (await fetch(`${d.url}/metrics`)).text();
    expect(deployment).toMatch(new RegExp(`^sp_http_requests_total\\{service="platform",tenant="${awake}",route="/graphql"`, 'm'));
    expect(deployment).toMatch(/^sp_consumer_lag\{service="platform",tenant="koeln",group="aggregator",topic="records\.area-statistic"\} \d+$/m);

    const figure = (name: string) => Number(new RegExp(`^${name}\\{[^}]*\\} (\\d+)`, 'm').exec(deployment)?.[1]);
    const stats = d.tenantStats();
    expect(figure('sp_tenants_registered')).toBe(4);
    expect(figure('sp_tenants_open')).toBe(stats.open);
    expect(figure('sp_tenants_opened_total')).toBe(stats.opened);
    expect(figure('sp_tenants_closed_total')).toBe(stats.closed);
    expect(stats.closed).toBeGreaterThan(0);

    // a tenant that closes takes its series out of the deployment's /metrics: its gauges (nothing
    // measures them while it is closed) and its counters and histograms (they start from zero when
    // it opens again; tenant-metrics.int plays that)
    const lagOf = (id: string) => new RegExp(`^sp_consumer_lag\\{service="platform",tenant="${id}",`, 'm');
    const wereOpen = [...d.runtimes.keys()].filter((id) => id !== 'koeln');
    for (const id of wereOpen) expect(deployment).toMatch(lagOf(id));
    await gql(closed, '{ areas(level: STADT) { name } }');
    await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(2);
    const gone = wereOpen.find((id) => !d.runtimes.has(id))!;
    const after = await (await fetch(`${d.url}/metrics`)).text();
    expect(after).not.toMatch(lagOf(gone));
    expect(after).not.toContain(`tenant="${gone}"`);
    // the opened tenant's lag, once its consumers have joined their groups (in the background)
    await expect.poll(async () => (await fetch(`${d.url}/metrics`)).text(), { timeout: 30_000 }).toMatch(lagOf(closed));
  }, 120_000);

  it('stops with a delivery under way: answers it and closes its keep-alive connection at once; starts again with every tenant registered and none opened until asked, and closes an idle one', async () => {
    // a keep-alive request whose body is still on its way when the stop begins (SIGTERM: close())
    const body = JSON.stringify({ records: [record('3', 42)] });
    const socket = connect(Number(new URL(d.platform.url).port), '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    let answer = '';
    socket.on('data', (chunk: Buffer) => (answer += chunk.toString()));
    const socketClosed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.write(
      `POST /t/stadt-c/v1/deliveries/area-statistic HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\nAuthorization: Bearer ${keys['stadt-c']}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 40)}`,
    );
    await new Promise((r) => setTimeout(r, 300));
    const stopFrom = Date.now();
    const stopping = stop();
    await new Promise((r) => setTimeout(r, 200));
    socket.write(body.slice(40));
    await stopping;
    const stopMs = Date.now() - stopFrom;
    await socketClosed;
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    // closed once answered; before, the stop waited out the connection's keep-alive time (65 s)
    expect(stopMs).toBeLessThan(20_000);

    const t0 = Date.now();
    await start(1);
    const startMs = Date.now() - t0;
    expect(open()).toEqual(['koeln']);
    expect(d.registered()).toEqual(['koeln', 'stadt-a', 'stadt-b', 'stadt-c']);
    expect(d.tenantStats().opened).toBe(0);
    // a key of stadt-a naming stadt-b is refused before any runtime opens: the closed tenants' keys are known
    const wrong = await fetch(`${d.tenantUrl('stadt-b')}/v1/deliveries/area-statistic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys['stadt-a']}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records: [record('1', 1)] }),
    });
    expect(wrong.status).toBe(403);
    expect(d.tenantStats().opened).toBe(0);
    expect(await einwohner('stadt-c', '2')).toBe(815);
    expect(open()).toEqual(['koeln', 'stadt-c']);
    // the delivery answered during the stop
    await eventually('stadt-c', '3', 42);
    // idle for 1 s (and its projections settled): closed
    await expect.poll(() => open(), { timeout: 20_000, interval: 250 }).toEqual(['koeln']);
    expect(startMs).toBeLessThan(120_000);
  }, 300_000);
});
