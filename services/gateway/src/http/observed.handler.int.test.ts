// Issue 21 on the standalone gateway, over a real ClickHouse HTTP endpoint (services/chdb-http):
// live and ready naming the warehouse, a GraphQL request counted by route, and not-ready naming
// the warehouse once it is stopped.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { instrumentWarehouse, Telemetry } from '@sp/telemetry';
import { startChdbHttp, type ChildService } from '@sp/testing';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standaloneGateway } from '../standalone.js';
import { testAuth } from '../testing/gateway.fixture.js';
import { observedGatewayHandler } from './observed.handler.js';

describe('the standalone gateway answers /health/* and /metrics', () => {
  let chdb: ChildService;
  let server: Server;
  let telemetry: Telemetry;
  let base: string;
  let warehouse: ReturnType<typeof createClickHouseWarehouse>;

  beforeAll(async () => {
    chdb = await startChdbHttp();
    warehouse = createClickHouseWarehouse({ url: chdb.url });
    telemetry = new Telemetry({ service: 'gateway', env: {} });
    const gateway = standaloneGateway({ warehouse: instrumentWarehouse(warehouse, telemetry), reference: 'koeln', security: { auth: testAuth } });
    server = createServer(observedGatewayHandler(gateway, { warehouse, telemetry }));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((r) => server?.close(r));
    await warehouse?.close();
    await chdb?.stop().catch(() => undefined);
    await telemetry?.shutdown();
  });

  it('is live and ready, and counts a GraphQL request by route', async () => {
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', service: 'gateway', down: [], checks: { warehouse: { state: 'up' } } });
    const answer = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ __typename }' }) });
    expect(answer.status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^sp_http_requests_total\{service="gateway",route="\/graphql",method="POST",status_class="2xx"\} 1$/m);
  });

  it('reports not-ready naming the warehouse once ClickHouse is stopped', async () => {
    await chdb.stop();
    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'not-ready', down: ['warehouse'], checks: { warehouse: { state: 'down' } } });
    expect((await fetch(`${base}/health/live`)).status).toBe(200);
  });
});
