// createGateway: the GraphQL API (graphql-yoga + Pothos) at /graphql with GraphiQL, the CSV
// exports at /export/*.csv, and the geo routes (OGC API – Features at /ogc, GeoJSON/GeoPackage
// downloads at /export/*.{geojson,gpkg}, see ogc/), as one yoga instance behind the response cache. No listener here:
// tests call `fetch`, the platform's composition root mounts `handler`, src/main.ts listens for
// the standalone gateway.
import { createComplexityRule } from '@pothos/plugin-complexity';
import type { IndicatorReader } from '@sp/indicator-store';
import { type FieldNode, getOperationAST, type GraphQLError, type ValidationContext } from 'graphql';
import { createYoga, maskError, type Plugin } from 'graphql-yoga';
import { areaLevelsChecked } from './area-levels.js';
import { type AuthConfig, createAuthenticator, type Viewer } from './auth/viewer.js';
import type { GatewayContext } from './context.js';
import { expectedError, httpStatusFor, isExpected, userCausedSourceError } from './errors.js';
import { type BudgetsInput, ClientBudgets } from './fairness/client-budgets.js';
import type { RequestBudget } from './fairness/request-budget.js';
import { exporters } from './export/export.routes.js';
import { IndicatorService } from './indicators/indicator.service.js';
import { type CacheProbe, createResponseCache, type ResponseCacheOptions } from './http/response-cache.js';
import { createServe, type NodeHandler, type ServerContext, type Yoga } from './http/serve.js';
import { cachingReader, type ReaderCacheOptions } from './indicators/reader.cache.js';
import { type Limits, type LimitsInput, resolveLimits } from './limits.js';
import { geoRoutes, isGeoPath } from './ogc/ogc.plugin.js';
import { PlanningService } from './planning/planning.service.js';
import type { PlanningWriter } from './planning/planning.writer.js';
import { type JobLimits, MemoryReportJobStore, ReportJobs, type ReportJobStore } from './reports/report.jobs.js';
import { isReportPath, reportRoutes, sozialberichtPlanner } from './reports/reports.plugin.js';
import { schema } from './schema/index.js';
import type { AreaSource, CatalogueSource, ControllingSource, OperationsSource, RegistrySource, ScenarioSource } from './sources.js';

export interface GatewayOptions {
  areas: AreaSource;
  catalogue: CatalogueSource;
  indicators: IndicatorReader;
  registry?: RegistrySource | null;
  controlling?: ControllingSource | null;
  /**
   * Saves goals, measures, milestones and status reports for the mutations, through the ingestion
   * path (the platform passes its DeliveryService). Absent: the mutations answer NOT_AVAILABLE.
   */
  planningWriter?: PlanningWriter | null;
  /** the platform's consumers and dead letters, for admins */
  operations?: OperationsSource | null;
  /** the planners' scenarios (query `scenarios`); absent: an empty list */
  scenarios?: ScenarioSource | null;
  /**
   * Where Sozialbericht jobs are kept (reports/report.jobs.ts): default this process's memory; with
   * several replicas a shared one (DatabaseReportJobStore), so that any replica answers a job's
   * progress and file.
   */
  reportJobs?: ReportJobStore;
  /**
   * Limits of the Sozialbericht jobs (reports/report.jobs.ts); default two running, kept an hour,
   * taken over after two minutes without a heartbeat, at most twice.
   */
  reportJobLimits?: Partial<JobLimits>;
  auth: AuthConfig;
  limits?: LimitsInput;
  /** today for the controlling views; default the system clock */
  clock?: () => Date;
  /**
   * Shared read cache in front of the reader (see indicators/reader.cache.ts); default
   * { ttlMs: 5000, maxEntries: 2000 }; false: every request reads the warehouse.
   */
  cache?: Partial<ReaderCacheOptions> | false;
  /**
   * Whole-response cache for GraphQL POSTs that read only areas, catalogue and indicators (see
   * http/response-cache.ts); default { ttlMs: 1000, maxBytes: 32 MiB }; false: every request runs.
   */
  responseCache?: Partial<ResponseCacheOptions> | false;
  /** GraphiQL in the browser at /graphql (default true) */
  graphiql?: boolean;
  /** yoga's logger (default false: the composition root logs) */
  logging?: boolean;
  /**
   * Who may run introspection (`__schema`, `__type`): 'signed-in' (default: any valid token),
   * 'everyone', or 'off'. Refused requests get FORBIDDEN and run nothing.
   */
  introspection?: IntrospectionPolicy;
  /**
   * Browser origins allowed to call the gateway cross-origin (exact `scheme://host[:port]`). Only
   * they get Access-Control-Allow-Origin (with credentials); any other Origin gets no CORS headers,
   * so the browser withholds the answer. Default: none (same-origin use only). One list for the
   * whole gateway until tenants exist.
   */
  cors?: { origins: readonly string[] };
  /**
   * Per-client request and cost budgets (see fairness/client-budgets.ts); a client over one gets
   * 429 with Retry-After. false: no budgets (benchmarks of the raw engine).
   */
  budgets?: BudgetsInput | false;
  /**
   * Answers GraphQL POSTs with a Server-Timing header (token check, waiting for a warehouse slot,
   * warehouse reads, the gateway's own time; see http/serve.ts): for measuring (the abuse test
   * and bench). Off by default: it tells a caller how busy the warehouse is.
   */
  serverTiming?: boolean;
}

export type IntrospectionPolicy = 'signed-in' | 'everyone' | 'off';

/**
 * The context of one request: `request` links the client going away to its abort; `untimed` for
 * work that outlives its request (a report batch job) and so has no request deadline.
 */
export type ContextFor = (viewer: Viewer, extras?: { probe?: CacheProbe | undefined; budget?: RequestBudget | undefined; request?: Request; untimed?: boolean }) => GatewayContext;

export type { NodeHandler } from './http/serve.js';

export interface Gateway {
  yoga: Yoga;
  /** for http.createServer or a framework's raw route; answers /graphql and /export/*.csv */
  handler: NodeHandler;
  /** the same as a WHATWG fetch function (tests, other runtimes); clientAddress: the caller's IP where known */
  fetch(input: string | URL | Request, init?: RequestInit, clientAddress?: string): Promise<Response>;
  /** the paths this handler answers, for a composition root that routes by prefix */
  handles(pathname: string): boolean;
  limits: Limits;
  /** forget cached indicator reads and answers (call after new deliveries were projected) */
  clearCache(): void;
  /** hits and misses of the response cache since start (metrics); undefined when it is off */
  cacheStats(): { hits: number; misses: number } | undefined;
  /**
   * Stops the gateway's background work (the Sozialbericht jobs' heartbeats and sweeps). A job it
   * was building is left for another replica to take over, as if the process had stopped.
   */
  close(): void;
}

export const graphqlEndpoint = '/graphql';
export const exportPrefix = '/export/';

export function createGateway(options: GatewayOptions): Gateway {
  const limits = resolveLimits(options.limits);
  const authenticate = createAuthenticator(options.auth);
  const clock = options.clock ?? (() => new Date());
  const reader = options.cache === false ? null : cachingReader(options.indicators, { ttlMs: 5000, maxEntries: 2000, ...options.cache });
  const deps = { areas: options.areas, catalogue: options.catalogue, indicators: reader ?? options.indicators };

  /**
   * One context per request: its own viewer and its own DataLoaders. Registry and controlling
   * are live PostgreSQL reads (and controlling depends on today): touching them marks the answer
   * as not reusable for the response cache.
   */
  const contextFor: ContextFor = (viewer, { probe, budget, request, untimed } = {}) => {
    const today = clock().toISOString().slice(0, 10);
    const registry = options.registry ?? null;
    const planning = options.controlling ? new PlanningService(options.controlling, viewer, today) : null;
    const abort = new AbortController();
    // a batch job (untimed) has no request deadline; its reads are bounded by the budgets alone
    const deadline = untimed ? undefined : Date.now() + limits.requestTimeoutMs;
    // a client that goes away cancels its request's reads (the serving layer aborts request.signal)
    const gone = request?.signal;
    if (gone?.aborted) abort.abort();
    else gone?.addEventListener('abort', () => abort.abort(), { once: true });
    return {
      viewer,
      limits,
      areas: options.areas,
      catalogue: options.catalogue,
      indicators: new IndicatorService(deps, viewer, limits, { abort, ...(deadline !== undefined ? { deadline } : {}), ...(budget ? { budget } : {}) }),
      registry: probe ? marking(registry, probe) : registry,
      planning: probe ? marking(planning, probe) : planning,
      planningWriter: options.planningWriter ?? null,
      scenarios: options.scenarios ?? null,
      operations: probe ? marking(options.operations ?? null, probe) : (options.operations ?? null),
      today,
      abort,
      ...(deadline !== undefined ? { deadline } : {}),
      ...(probe ? { cacheProbe: probe } : {}),
      ...(budget ? { budget } : {}),
    };
  };

  const jobs = new ReportJobs(options.reportJobs ?? new MemoryReportJobStore(), sozialberichtPlanner(contextFor, limits), options.reportJobLimits);
  const yoga: Yoga = createYoga<ServerContext, GatewayContext>({
    schema,
    graphqlEndpoint,
    graphiql: options.graphiql ?? true,
    landingPage: false,
    maskedErrors: {
      maskError: (error, message) => userCausedSourceError(error) ?? maskError(error, message),
    },
    logging: options.logging ?? false,
    // the serving layer has checked the token already when it hands over a viewer
    context: async ({ request, viewer, cacheProbe, budget }) => contextFor(viewer ?? (await authenticate(request.headers.get('authorization'))), { probe: cacheProbe, budget, request }),
    cors: corsFor(options.cors?.origins ?? []),
    plugins: [
      geoRoutes(authenticate, contextFor, limits),
      csvExport(authenticate, contextFor, limits),
      reportRoutes(authenticate, contextFor, limits, jobs),
      introspectionFor(options.introspection ?? 'signed-in'),
      queryLimits(limits),
      areaLevelsChecked(),
      executionTimeout(limits.requestTimeoutMs),
      onlyQueriesReused(),
    ],
  });
  const responses = options.responseCache === false ? null : createResponseCache(options.responseCache ?? {});
  const budgets = options.budgets === false ? null : new ClientBudgets(options.budgets ?? {});
  const serve = createServe(yoga, authenticate, graphqlEndpoint, responses, limits.maxBodyBytes, budgets, options.serverTiming ?? false);

  return {
    yoga,
    handler: serve.node,
    fetch: serve.fetch,
    handles: (pathname) => pathname === graphqlEndpoint || pathname.startsWith(exportPrefix) || isGeoPath(pathname) || isReportPath(pathname),
    limits,
    clearCache: () => {
      reader?.clear();
      responses?.clear();
    },
    cacheStats: () => (responses ? { hits: responses.stats.hits, misses: responses.stats.misses } : undefined),
    close: () => jobs.close(),
  };
}

/** `source` as seen by one request: any property read marks the request's answer as not reusable. */
function marking<T extends object>(source: T | null, probe: CacheProbe): T | null {
  if (!source) return null;
  return new Proxy(source, {
    get(target, property) {
      probe.cacheable = false;
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/**
 * CORS from an allow-list: yoga's own CORS reflects any Origin (with credentials) when no origin is
 * configured, so the decision is made here per request and an unknown Origin gets no CORS headers.
 */
function corsFor(origins: readonly string[]) {
  const allowed = new Set(origins.map((o) => o.replace(/\/+$/, '')));
  return (request: Request) => {
    const origin = request.headers.get('origin');
    if (!origin || !allowed.has(origin)) return false as const;
    return { origin: [origin], credentials: true, methods: ['GET', 'POST', 'OPTIONS'], allowedHeaders: ['authorization', 'content-type', 'accept'], maxAge: 600 };
  };
}

/** Introspection only for the viewers the policy names; others get FORBIDDEN before anything runs. */
function introspectionFor(policy: IntrospectionPolicy): Plugin<GatewayContext> {
  return {
    onValidate({ addValidationRule, context }) {
      if (policy === 'everyone') return;
      if (policy === 'signed-in' && (context as GatewayContext).viewer?.role !== 'public') return;
      const who = policy === 'off' ? 'is switched off on this gateway' : 'needs a signed-in viewer (send a Bearer token)';
      addValidationRule((validation: ValidationContext) => ({
        Field(node: FieldNode) {
          if (node.name.value === '__schema' || node.name.value === '__type') {
            validation.reportError(expectedError('FORBIDDEN', `introspection (${node.name.value}) ${who}; __typename stays available`, { argument: node.name.value }));
          }
        },
      }));
    },
  };
}

/** Mutations (the planning saves) are never answered from the response cache. */
function onlyQueriesReused(): Plugin<GatewayContext> {
  return {
    onExecute({ args }) {
      const probe = (args.contextValue as GatewayContext).cacheProbe;
      if (probe && getOperationAST(args.document, args.operationName)?.operation !== 'query') probe.cacheable = false;
    },
  };
}

/** Depth, breadth and cost limits as a validation rule: a query over a limit runs nothing. */
function queryLimits(limits: Limits): Plugin<GatewayContext> {
  return {
    onValidate({ addValidationRule, context }) {
      const params = (context as { params?: { variables?: Record<string, unknown>; operationName?: string } }).params;
      addValidationRule(
        createComplexityRule({
          context,
          variableValues: params?.variables ?? {},
          operationName: params?.operationName ?? null,
          maxDepth: limits.maxDepth,
          maxBreadth: limits.maxBreadth,
          maxComplexity: limits.maxComplexity,
        }),
      );
    },
  };
}

/** Cuts an execution off after the request timeout with a TIMEOUT error. */
function executionTimeout(ms: number): Plugin<GatewayContext> {
  return {
    onExecute({ executeFn, setExecuteFn }) {
      setExecuteFn(async (args) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<{ errors: GraphQLError[] }>((resolve) => {
          timer = setTimeout(() => {
            // stop the work too, not only the answer: no further reads start, running ones are told
            (args.contextValue as GatewayContext).abort.abort();
            resolve({ errors: [expectedError('TIMEOUT', `the request took longer than ${ms} ms and was cut off; narrow the query`)] });
          }, ms);
        });
        try {
          return await Promise.race([executeFn(args), timeout]);
        } finally {
          clearTimeout(timer);
        }
      });
    },
  };
}

/** GET /export/<name>.csv through the same context (viewer, loaders, limits) as GraphQL. */
function csvExport(authenticate: ReturnType<typeof createAuthenticator>, contextFor: ContextFor, limits: Limits): Plugin<GatewayContext> {
  return {
    async onRequest({ request, url, endResponse, serverContext }) {
      if (!url.pathname.startsWith(exportPrefix)) return;
      const match = /^\/export\/([a-z-]+)\.csv$/.exec(url.pathname);
      const exporter = match ? exporters[match[1]!] : undefined;
      if (!exporter) {
        endResponse(
          errorResponse(
            expectedError(
              'NOT_FOUND',
              `no export at ${url.pathname}; available: ${Object.keys(exporters)
                .map((n) => `${exportPrefix}${n}.csv`)
                .join(', ')}`,
            ),
          ),
        );
        return;
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new Response('GET only', { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      try {
        const ctx = contextFor(await authenticate(request.headers.get('authorization')), { budget: (serverContext as ServerContext | undefined)?.budget, request });
        let timer: NodeJS.Timeout | undefined;
        const { csv, filename } = await Promise.race([
          exporter(ctx, Object.fromEntries(url.searchParams)),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => {
              ctx.abort.abort();
              reject(expectedError('TIMEOUT', `the export took longer than ${limits.requestTimeoutMs} ms and was cut off`));
            }, limits.requestTimeoutMs);
          }),
        ]).finally(() => clearTimeout(timer));
        endResponse(
          new Response(csv, {
            status: 200,
            headers: {
              'content-type': 'text/csv; charset=utf-8',
              'content-disposition': `attachment; filename="${filename.replace(/[^\w.-]/g, '_')}"`,
              'cache-control': 'no-store',
            },
          }),
        );
      } catch (error) {
        endResponse(errorResponse(error));
      }
    },
  };
}

function errorResponse(error: unknown): Response {
  // expected errors say what is wrong; anything else is masked like GraphQL does
  const body = isExpected(error)
    ? { errors: [{ message: error.message, extensions: { code: error.extensions.code } }] }
    : { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
  const status = isExpected(error) ? httpStatusFor(String(error.extensions.code)) : 500;
  const retryAfter = isExpected(error) ? error.extensions.retryAfter : undefined;
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json; charset=utf-8', ...(retryAfter ? { 'retry-after': String(retryAfter) } : {}) } });
}
