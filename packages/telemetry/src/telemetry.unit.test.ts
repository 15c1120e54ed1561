// The metric names of docs/observability.md as a Prometheus scrape shows them, and the route
// labels staying templates.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Telemetry } from './telemetry.js';

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
});
