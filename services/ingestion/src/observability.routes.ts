// The operator's endpoints of the standalone ingestion (/health/live, /health/ready, /metrics) on
// its Fastify instance, and the request metrics of every route. The one-process platform serves
// the same endpoints on its own server and counts its requests there, so it does not mount these.
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Database, EventLog, TopicSpec } from '@sp/ports';
import { databaseCheck, eventLogCheck, Health, observabilityPaths, observabilityRoutes, type Telemetry } from '@sp/telemetry';

export interface IngestionObservabilityDeps {
  eventLog: EventLog;
  database: Database;
  /** a topic this instance writes, for the event log's probe */
  topic: TopicSpec;
  telemetry: Telemetry;
}

/** Call after createIngestionApp and before listen. */
export function mountObservability(app: NestFastifyApplication, deps: IngestionObservabilityDeps): Health {
  const fastify = app.getHttpAdapter().getInstance();
  const health = new Health({ service: deps.telemetry.service, checks: { eventLog: eventLogCheck(deps.eventLog, deps.topic), database: databaseCheck(deps.database) } });
  const routes = observabilityRoutes({ health, telemetry: deps.telemetry });
  for (const url of observabilityPaths) {
    fastify.route({
      method: ['GET', 'HEAD'],
      url,
      handler: (request, reply) => {
        reply.hijack();
        routes.handle(request.raw, reply.raw);
      },
    });
  }
  // the route template (/v1/deliveries/:recordType), never the path a client typed
  fastify.addHook('onResponse', (request, reply, done) => {
    deps.telemetry.recordRequest(request.routeOptions.url ?? 'unmatched', request.method, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  return health;
}
