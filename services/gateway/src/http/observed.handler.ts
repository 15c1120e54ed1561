// The standalone gateway's one request handler: the operator's endpoints (/health/live,
// /health/ready with the warehouse's probe, /metrics) next to the gateway's paths, every request
// counted and timed by its route template. The platform mounts the gateway in its own server,
// which does the same for all its paths.
import type { Warehouse } from '@sp/ports';
import { Health, observabilityRoutes, type RequestHandler, type Telemetry, warehouseCheck } from '@sp/telemetry';
import { exportPrefix, type Gateway, graphqlEndpoint } from '../gateway.js';

export function observedGatewayHandler(gateway: Gateway, deps: { warehouse: Warehouse; telemetry: Telemetry; extraChecks?: ConstructorParameters<typeof Health>[0]['checks'] }): RequestHandler {
  const health = new Health({ service: deps.telemetry.service, checks: { warehouse: warehouseCheck(deps.warehouse), ...deps.extraChecks } });
  const observability = observabilityRoutes({ health, telemetry: deps.telemetry });
  deps.telemetry.observeCache('gateway-responses', () => gateway.cacheStats());
  return deps.telemetry.instrumentHttp((req, res) => {
    const path = (req.url ?? '/').split('?')[0]!;
    if (observability.handles(path)) return observability.handle(req, res);
    // everything else as before this handler existed: the gateway answers (or refuses) it
    gateway.handler(req, res);
  }, gatewayRouteOf);
}

/** a request's route for metrics labels: templates, never what the client typed */
export function gatewayRouteOf(path: string): string {
  if (path === graphqlEndpoint || path === '/health/live' || path === '/health/ready' || path === '/metrics') return path;
  if (path.startsWith(exportPrefix)) return `${exportPrefix}{name}.csv`;
  if (path.startsWith('/ogc')) return '/ogc';
  return 'other';
}
