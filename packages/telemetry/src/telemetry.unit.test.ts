// The metric names of docs/observability.md as a Prometheus scrape shows them, and the route
// labels staying templates.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
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
