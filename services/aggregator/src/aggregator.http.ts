// The standalone aggregator consumes and serves nothing, but an operator needs to see it: this
// small HTTP server answers /health/live, /health/ready (event log and warehouse probes; whether
// the consumer has joined and its counters as information) and /metrics (its consumer lag, batch
// sizes and durations, dead letters, projection and index recomputation times, query times).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EventLog, ProjectionStats, Warehouse } from '@sp/ports';
import { eventLogCheck, Health, observabilityRoutes, type Telemetry, warehouseCheck } from '@sp/telemetry';
import type { AggregatorService } from './aggregator.service.js';

export interface AggregatorHttp {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export async function startAggregatorHttp(deps: {
  aggregator: AggregatorService;
  /** the engines themselves (not the instrumented ones): a probe is no query to measure */
  eventLog: EventLog;
  warehouse: Warehouse;
  partitions: number;
  telemetry: Telemetry;
  /** the counters of the other consumers in the process (the delivered reference and definitions) */
  consumers?: () => ProjectionStats[];
  host: string;
  port: number;
}): Promise<AggregatorHttp> {
  const { aggregator, telemetry } = deps;
  const health = new Health({
    service: telemetry.service,
    checks: { eventLog: eventLogCheck(deps.eventLog, { name: aggregator.topic, partitions: deps.partitions }), warehouse: warehouseCheck(deps.warehouse) },
    // indices: whether this process recomputes the composite indices ('alone', 'owner') or only notes them ('member')
    info: () => ({ eventsProcessed: aggregator.eventsProcessed, consumer: aggregator.stats, indices: aggregator.indexRole ?? null, ...(deps.consumers ? { consumers: deps.consumers() } : {}) }),
  });
  telemetry.observeProjectionStats(() => [aggregator.stats, ...(deps.consumers?.() ?? [])]);
  const routes = observabilityRoutes({ health, telemetry });
  const server = createServer(
    telemetry.instrumentHttp(
      (req, res) => {
        routes.handle(req, res);
      },
      (path) => (routes.handles(path) ? path : 'other'),
    ),
  );
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(deps.port, deps.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${deps.host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
