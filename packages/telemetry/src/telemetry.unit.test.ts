// The metric names of docs/observability.md as a Prometheus scrape shows them, and the route
// labels staying templates.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Logger } from './log.js';
import { Telemetry } from './telemetry.js';
import { instrumentWarehouse } from './instrument.js';
import type { Warehouse } from '@sp/ports';

describe('Telemetry', () => {
  const telemetry = new Telemetry({ service: 'test', env: {} });
  let server: Server;
  let url: string;

  beforeAll(async () => {
    const handler = telemetry.instrumentHttp(
      (req, res) => {
        if (req.url === '/metrics') return telemetry.scrape(req, res);
        res.writeHead(req.url?.startsWith('/missing') ? 404 : 200).end('ok');
      },
      (path) => (path.startsWith('/items/') ? '/items/{id}' : path),
    );
    server = createServer(handler);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server.close(r));
    await telemetry.shutdown();
  });

  it('counts and times requests by route template and status class', async () => {
    await fetch(`${url}/items/1`);
    await fetch(`${url}/items/2`);
    await fetch(`${url}/missing`);
    telemetry.recordCompute('indices', 0.02);
    telemetry.observeProjectionStats(() => [{ groupId: 'g', deadLettered: 2, retries: 1, failing: null }]);
    telemetry.observeCache('c', () => ({ hits: 3, misses: 1 }));
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('sp_http_requests_total{service="test",route="/items/{id}",method="GET",status_class="2xx"} 2');
    expect(text).toContain('sp_http_requests_total{service="test",route="/missing",method="GET",status_class="4xx"} 1');
    expect(text).toMatch(/^sp_http_request_duration_seconds_count\{service="test",route="\/items\/\{id\}",method="GET",status_class="2xx"\} 2$/m);
    expect(text).toMatch(/^sp_compute_duration_seconds_count\{service="test",step="indices"\} 1$/m);
    expect(text).toContain('sp_consumer_dead_lettered_total{service="test",group="g"} 2');
    expect(text).toContain('sp_consumer_retries_total{service="test",group="g"} 1');
    expect(text).toContain('sp_cache_lookups_total{service="test",cache="c",result="hit"} 3');
    expect(text).not.toContain('/items/1');
  });

  it('writes one JSON access line a request with the trace id of its traceparent (SP_LOG_FORMAT=json)', async () => {
    const lines: string[] = [];
    const json = new Telemetry({ service: 'json', env: {}, logger: new Logger('json', 'json', (l) => lines.push(l)) });
    const s = createServer(
      json.instrumentHttp(
        (_req, res) => res.writeHead(204).end(),
        () => '/x',
      ),
    );
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/x`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } });
      await new Promise((r) => setTimeout(r, 50));
    } finally {
      await new Promise((r) => s.close(r));
      await json.shutdown();
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', service: 'json', msg: 'request', trace_id: '4bf92f3577b34da6a3ce929d0e0e4736', method: 'GET', route: '/x', status: 204 });
  });
});

describe('Telemetry of a deployment with tenants', () => {
  /** the Prometheus text a Telemetry's scrape answers */
  const scrape = async (telemetry: Telemetry): Promise<string> => {
    const s = createServer((req, res) => telemetry.scrape(req, res));
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    try {
      return await (await fetch(`http://127.0.0.1:${(s.address() as AddressInfo).port}/metrics`)).text();
    } finally {
      await new Promise((r) => s.close(r));
    }
  };

  it("labels each tenant's series with its tenant: /t/<id>/metrics answers its own, the deployment's /metrics every tenant's; a closed tenant's callbacks are not asked again", async () => {
    const root = new Telemetry({ service: 'platform', env: {} });
    const koeln = root.forTenant('koeln', { scrape: 'all' });
    const a = root.forTenant('stadt-a');
    const b = root.forTenant('stadt-b');
    root.observeTenants(() => ({ registered: 3, open: 2, opened: 2, closed: 0 }));
    koeln.recordCompute('indices', 0.1);
    a.recordCompute('indices', 0.1);
    b.recordCompute('indices', 0.1);
    b.recordCompute('indices', 0.2);
    let askedA = 0;
    a.observeCache('gateway-responses', () => {
      askedA++;
      return { hits: 3, misses: 1 };
    });
    b.observeCache('gateway-responses', () => ({ hits: 7, misses: 2 }));
    a.observeProjectionStats(() => [{ groupId: 'g', deadLettered: 0, retries: 0, failing: null }]);

    const deployment = await scrape(koeln);
    expect(deployment).toMatch(/^sp_compute_duration_seconds_count\{service="platform",tenant="koeln",step="indices"\} 1$/m);
    expect(deployment).toMatch(/^sp_compute_duration_seconds_count\{service="platform",tenant="stadt-a",step="indices"\} 1$/m);
    expect(deployment).toMatch(/^sp_compute_duration_seconds_count\{service="platform",tenant="stadt-b",step="indices"\} 2$/m);
    expect(deployment).toContain('sp_cache_lookups_total{service="platform",tenant="stadt-b",cache="gateway-responses",result="hit"} 7');
    expect(deployment).toContain('sp_consumer_failing{service="platform",tenant="stadt-a",group="g"} 0');
    expect(deployment).toMatch(/^sp_tenants_registered\{service="platform"\} 3$/m);
    // one family a metric, whichever tenants fed it (Prometheus refuses a family written twice)
    expect(deployment.match(/^# TYPE sp_compute_duration_seconds histogram$/gm)).toHaveLength(1);

    const own = await scrape(b);
    expect(own).toMatch(/^sp_compute_duration_seconds_count\{service="platform",tenant="stadt-b",step="indices"\} 2$/m);
    expect(own).toContain('sp_cache_lookups_total{service="platform",tenant="stadt-b",cache="gateway-responses",result="hit"} 7');
    expect(own).not.toContain('tenant="stadt-a"');
    expect(own).not.toContain('tenant="koeln"');
    // the deployment's own figures carry no tenant: not a tenant's
    expect(own).not.toContain('sp_tenants_registered{');
    expect(own.match(/^# TYPE sp_compute_duration_seconds histogram$/gm)).toHaveLength(1);

    // stadt-a closes: its callbacks are taken off, the root and the others keep theirs
    const asked = askedA;
    await a.shutdown();
    const after = await scrape(koeln);
    expect(askedA).toBe(asked);
    // every series of it leaves the deployment's scrape: counters and histograms as well as gauges
    expect(after).not.toContain('tenant="stadt-a"');
    // open again: its series are back, its counters from zero (a counter reset, as after a restart)
    const again = root.forTenant('stadt-a');
    again.recordCompute('indices', 0.1);
    again.observeProjectionStats(() => [{ groupId: 'g', deadLettered: 0, retries: 0, failing: null }]);
    const reopened = await scrape(koeln);
    expect(reopened).toContain('sp_consumer_failing{service="platform",tenant="stadt-a",group="g"} 0');
    expect(reopened).toMatch(/^sp_compute_duration_seconds_count\{service="platform",tenant="stadt-a",step="indices"\} 1$/m);
    expect(reopened).not.toContain('sp_cache_lookups_total{service="platform",tenant="stadt-a"');
    expect(reopened.match(/^# TYPE sp_compute_duration_seconds histogram$/gm)).toHaveLength(1);
    await again.shutdown();
    expect(await scrape(koeln)).not.toContain('tenant="stadt-a"');
    // a scrape of a view that has closed says so (the router answers a closed tenant's alike)
    expect(await scrape(a)).toBe('# tenant stadt-a is closed: no runtime to measure\n');
    expect(after).toContain('sp_cache_lookups_total{service="platform",tenant="stadt-b",cache="gateway-responses",result="hit"} 7');
    expect(after).toMatch(/^sp_tenants_registered\{service="platform"\} 3$/m);
    expect(() => a.forTenant('x')).toThrow(/ask the root/);
    await b.shutdown();
    await koeln.shutdown();
    await root.shutdown();
  });

  it("keeps nothing of a closed tenant's runtime: its callbacks, instruments and series are collectable once it is shut down", async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const root = new Telemetry({ service: 'platform', env: {} });
    const deployment = root.forTenant('koeln', { scrape: 'all' });
    let refs: { runtime: WeakRef<object>; meter: WeakRef<object>; view: WeakRef<object> } | undefined;
    await (async () => {
      // what a runtime hands its callbacks: the gateway's cache, the projection runner
      const runtime = { cache: new Array(100_000).fill(1), stats: () => ({ hits: 1, misses: 0 }) };
      const view = root.forTenant('stadt-a');
      view.observeCache('gateway-responses', () => runtime.stats());
      view.recordCompute('indices', 0.1);
      expect(await scrape(deployment)).toContain('tenant="stadt-a"');
      refs = { runtime: new WeakRef(runtime), meter: new WeakRef(view.meter), view: new WeakRef(view) };
      await view.shutdown();
    })();
    expect(await scrape(deployment)).not.toContain('tenant="stadt-a"');
    for (let i = 0; i < 10 && (refs!.runtime.deref() || refs!.meter.deref() || refs!.view.deref()); i++) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
    }
    expect(refs!.runtime.deref()).toBeUndefined();
    expect(refs!.view.deref()).toBeUndefined();
    // the meter held the tenant's series: with one meter for the deployment they stayed for good
    expect(refs!.meter.deref()).toBeUndefined();
    await deployment.shutdown();
    await root.shutdown();
  });

  it("writes a tenant's JSON log lines with its tenant", () => {
    const lines: string[] = [];
    const root = new Telemetry({ service: 'platform', env: {}, logger: new Logger('platform', 'json', (l) => lines.push(l)) });
    root.forTenant('stadt-a').logger.log('warn', 'slow', { ms: 5 });
    root.logger.log('warn', 'deployment');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'warn', service: 'platform', tenant: 'stadt-a', msg: 'slow', ms: 5 });
    expect(JSON.parse(lines[1]!)).not.toHaveProperty('tenant');
  });
});

describe('instrumentWarehouse', () => {
  it("passes a read's limits and abort signal to the warehouse (a cut-off request's read must stop)", async () => {
    const telemetry = new Telemetry({ service: 'test', env: {} });
    const seen: unknown[] = [];
    const warehouse = {
      query: async (_sql: string, _params?: unknown, options?: unknown) => {
        seen.push(options);
        return [];
      },
      command: async () => undefined,
      insert: async () => undefined,
      close: async () => undefined,
    } as unknown as Warehouse;
    const signal = new AbortController().signal;
    await instrumentWarehouse(warehouse, telemetry).query('SELECT 1', {}, { signal, maxExecutionMs: 500, maxRowsToRead: 10 });
    expect(seen).toEqual([{ signal, maxExecutionMs: 500, maxRowsToRead: 10 }]);
    await telemetry.shutdown();
  });
});
