// The operator's endpoints on a service's HTTP server: /health/live, /health/ready and /metrics.
// A plain node handler, so the platform's server, the standalone gateway, Fastify (ingestion) and
// the aggregator's small server all mount the same one.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Health } from './health.js';
import type { Telemetry } from './telemetry.js';

export const observabilityPaths = ['/health/live', '/health/ready', '/metrics'] as const;

export interface ObservabilityRoutes {
  /** true when the path is one of the operator's endpoints */
  handles(path: string): boolean;
  handle(req: IncomingMessage, res: ServerResponse): void;
}

export function observabilityRoutes(deps: { health: Health; telemetry?: Telemetry }): ObservabilityRoutes {
  const json = (res: ServerResponse, status: number, body: unknown) =>
    res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(`${JSON.stringify(body)}\n`);
  return {
    handles: (path) => (observabilityPaths as readonly string[]).includes(path),
    handle(req, res) {
      const path = (req.url ?? '/').split('?')[0]!;
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'application/json; charset=utf-8' }).end(`${JSON.stringify({ error: `${path} answers GET or HEAD, not ${req.method}` })}\n`);
        return;
      }
      if (path === '/health/live') return json(res, 200, { status: 'live', service: deps.health.service, uptimeSeconds: Math.round(process.uptime()) });
      if (path === '/health/ready') {
        deps.health.readiness().then(
          (r) => json(res, r.status === 'ready' ? 200 : 503, r),
          (error: unknown) => json(res, 503, { status: 'not-ready', service: deps.health.service, error: String(error) }),
        );
        return;
      }
      if (path === '/metrics' && deps.telemetry) return deps.telemetry.scrape(req, res);
      json(res, 404, { error: `${path} is not served here; try ${observabilityPaths.filter((p) => p !== '/metrics' || deps.telemetry).join(', ')}` });
    },
  };
}
