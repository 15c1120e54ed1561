// OpenTelemetry metrics of one service (issue 21): a MeterProvider with a Prometheus reader that
// the service's own HTTP server answers at /metrics (no second port), and an OTLP exporter when
// the standard OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT is set. The instruments are created here, so
// every entry point names its metrics alike (docs/observability.md lists them). Domain packages
// import none of this; composition roots wrap the ports (instrument.ts) and their HTTP handler.
import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  type Context,
  context,
  type Counter,
  defaultTextMapGetter,
  defaultTextMapSetter,
  type Histogram,
  type Meter,
  type BatchObservableCallback,
  type Observable,
  type ObservableCallback,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Tracer,
} from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPMetricExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { PrometheusExporter, PrometheusSerializer } from '@opentelemetry/exporter-prometheus';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { AggregationType, InstrumentType, MeterProvider, MetricReader, PeriodicExportingMetricReader, type IMetricReader, type ResourceMetrics, type ViewOptions } from '@opentelemetry/sdk-metrics';
import { BatchSpanProcessor, SimpleSpanProcessor, type SpanExporter, type SpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ProjectionStats } from '@sp/ports';
import { Logger, logFormatFromEnv } from './log.js';

const propagator = new W3CTraceContextPropagator();
let contextManagerSet = false;
/** the active span follows async calls (one per process; OpenTelemetry's global context manager) */
function ensureContextManager(): void {
  if (contextManagerSet) return;
  contextManagerSet = context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
}

/** the context a W3C traceparent in `carrier` names (HTTP headers, event headers), else the root */
export function extractTraceContext(carrier: Record<string, string | string[] | undefined>): Context {
  return propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

/** `headers` with the traceparent of `ctx`'s span (unchanged when there is none) */
export function injectTraceContext(ctx: Context, headers: Record<string, string>): Record<string, string> {
  const carrier: Record<string, string> = {};
  propagator.inject(ctx, carrier, defaultTextMapSetter);
  return carrier.traceparent ? { ...headers, ...carrier } : headers;
}

/** seconds: from 1 ms to 60 s, for requests, batches, queries and recomputations alike */
const durationBuckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** events per batch */
const sizeBuckets = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000];

export type RequestHandler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TelemetryOptions {
  /** service.name of the resource and the `service` label of every series */
  service: string;
  env?: NodeJS.ProcessEnv;
  /** where log lines go; default a Logger in the format SP_LOG_FORMAT asks for */
  logger?: Logger;
  /** where finished spans go besides OTLP (tests: an InMemorySpanExporter) */
  spanExporter?: SpanExporter;
}

/** the instruments every Telemetry records into, created on its own meter */
interface Instruments {
  httpRequests: Counter;
  httpDuration: Histogram;
  batchSize: Histogram;
  batchDuration: Histogram;
  appendDuration: Histogram;
  queryDuration: Histogram;
  computeDuration: Histogram;
}

/** what a root Telemetry and its tenants' views share: the root's meter provider and exporter, the tracer */
interface Core {
  provider: MeterProvider;
  prometheus: PrometheusExporter;
  /** what a view's meter provider is made from, as the root's was: its resource's name and OTLP settings */
  env: NodeJS.ProcessEnv;
  serviceName: string;
  otlp: boolean;
  tracer: Tracer;
  tracerProvider: TracerProvider;
  /** the open tenants' views, each with the reader of its own meter provider: what the deployment's scrape adds to the root's */
  views: Set<TenantMeter>;
}

/**
 * A tenant view's own meter provider. Its series live there and nowhere else, so that closing the
 * tenant's runtime drops them all: the SDK cannot forget one attribute set of a shared instrument,
 * so with one provider for the deployment the series of every tenant ever opened stayed in memory
 * and in each scrape (a closed tenant's gauges frozen at their last value).
 */
interface TenantMeter {
  provider: MeterProvider;
  reader: ScrapeReader;
}

/** a pull reader: collected at each scrape of the deployment or of the tenant */
class ScrapeReader extends MetricReader {
  protected override async onShutdown(): Promise<void> {}
  protected override async onForceFlush(): Promise<void> {}
}

/** a view of the root's metrics for one tenant (Telemetry.forTenant) */
interface View {
  core: Core;
  tenant: string;
  /** what its scrape answers: its own series (`own`) or every tenant's (`all`, the deployment's `/metrics`) */
  scrape: 'own' | 'all';
  logger: Logger;
}

/** histograms' buckets by name, the same in every meter provider */
const metricViews: ViewOptions[] = [
  { instrumentType: InstrumentType.HISTOGRAM, instrumentName: '*duration*', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: durationBuckets } } },
  { instrumentType: InstrumentType.HISTOGRAM, instrumentName: '*size*', aggregation: { type: AggregationType.EXPLICIT_BUCKET_HISTOGRAM, options: { boundaries: sizeBuckets } } },
];

/** a meter provider with `readers`, and the OTLP exporter when the standard variables ask for it */
function meterProvider(serviceName: string, env: NodeJS.ProcessEnv, otlp: boolean, readers: IMetricReader[]): MeterProvider {
  // the exporter reads OTEL_EXPORTER_OTLP_* (endpoint, headers, timeout) itself
  if (otlp) readers.push(new PeriodicExportingMetricReader({ exporter: new OTLPMetricExporter(), exportIntervalMillis: Number(env.OTEL_METRIC_EXPORT_INTERVAL ?? 60_000) }));
  return new MeterProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), readers, views: metricViews });
}

function createInstruments(meter: Meter): Instruments {
  return {
    httpRequests: meter.createCounter('sp_http_requests', { description: 'HTTP requests answered, by route, method and status class' }),
    httpDuration: meter.createHistogram('sp_http_request_duration_seconds', { unit: 's', description: 'time to answer an HTTP request, by route, method and status class' }),
    batchSize: meter.createHistogram('sp_consumer_batch_size', { description: 'events per batch handed to a consumer group' }),
    batchDuration: meter.createHistogram('sp_consumer_batch_duration_seconds', {
      unit: 's',
      description: 'time a consumer group took for one batch (failed batches included, outcome label)',
    }),
    appendDuration: meter.createHistogram('sp_eventlog_append_duration_seconds', { unit: 's', description: 'time to append events to the event log, by topic and outcome' }),
    queryDuration: meter.createHistogram('sp_query_duration_seconds', { unit: 's', description: 'database and warehouse statement times, by store, operation and outcome' }),
    computeDuration: meter.createHistogram('sp_compute_duration_seconds', { unit: 's', description: 'projection and composite index recomputation times, by step' }),
  };
}

export class Telemetry {
  readonly service: string;
  /** the labels every series of this Telemetry carries: `service`, and `tenant` for a tenant's view */
  readonly labels: Readonly<Record<string, string>>;
  readonly meter: Meter;
  readonly otlp: boolean;
  readonly logger: Logger;
  readonly tracer: Tracer;
  private readonly core: Core;
  private readonly view: View | undefined;
  /** a view's own meter provider (the root's is the core's) */
  private readonly own: TenantMeter | undefined;
  /** the observable callbacks this Telemetry added, taken off the meter again by shutdown() */
  private readonly observing: (() => void)[] = [];
  private closed = false;

  private readonly httpRequests: Counter;
  private readonly httpDuration: Histogram;
  readonly batchSize: Histogram;
  readonly batchDuration: Histogram;
  readonly appendDuration: Histogram;
  readonly queryDuration: Histogram;
  readonly computeDuration: Histogram;

  /** a root: its own meter provider and tracer; `view` is forTenant's */
  constructor(options: TelemetryOptions, view?: View) {
    this.service = options.service;
    this.core = view?.core ?? Telemetry.createCore(options);
    this.view = view;
    this.labels = view ? { service: options.service, tenant: view.tenant } : { service: options.service };
    this.logger = view?.logger ?? options.logger ?? new Logger(options.service, logFormatFromEnv(options.env ?? process.env));
    this.otlp = this.core.otlp;
    this.tracer = this.core.tracer;
    if (view) {
      const reader = new ScrapeReader();
      this.own = { reader, provider: meterProvider(this.core.serviceName, this.core.env, this.core.otlp, [reader]) };
      this.core.views.add(this.own);
    }
    this.meter = (this.own?.provider ?? this.core.provider).getMeter('sp');
    ({
      httpRequests: this.httpRequests,
      httpDuration: this.httpDuration,
      batchSize: this.batchSize,
      batchDuration: this.batchDuration,
      appendDuration: this.appendDuration,
      queryDuration: this.queryDuration,
      computeDuration: this.computeDuration,
    } = createInstruments(this.meter));
  }

  private static createCore(options: TelemetryOptions): Core {
    const env = options.env ?? process.env;
    const serviceName = env.OTEL_SERVICE_NAME ?? `sp-${options.service}`;
    // the service's own server answers /metrics: the exporter starts no server of its own
    const prometheus = new PrometheusExporter({ preventServerStart: true, withoutScopeInfo: true });
    const otlp = Boolean(env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_METRICS_ENDPOINT);
    const provider = meterProvider(serviceName, env, otlp, [prometheus]);
    // spans are made always (their trace id goes into the log lines and the event headers) and
    // exported where configured: OTLP by the standard variables, or the exporter a test passes
    ensureContextManager();
    const spanProcessors: SpanProcessor[] = [];
    if (options.spanExporter) spanProcessors.push(new SimpleSpanProcessor({ exporter: options.spanExporter }));
    if (env.OTEL_EXPORTER_OTLP_ENDPOINT || env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) spanProcessors.push(new BatchSpanProcessor({ exporter: new OTLPTraceExporter() }));
    const tracerProvider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), spanProcessors });
    return { provider, prometheus, env, serviceName, otlp, tracerProvider, tracer: tracerProvider.getTracer('sp'), views: new Set() };
  }

  /**
   * A view for one tenant of a deployment: the root's tracer, a meter provider of its own whose
   * series all carry the label `tenant`, JSON log lines with the field `tenant`. Its scrape answers
   * the tenant's own series (`/t/<id>/metrics`), or with `scrape: 'all'` the root's and every open
   * view's (the deployment's `/metrics`). Its shutdown() drops its series and callbacks with its
   * meter provider and leaves the root running; a view made again for the tenant starts from zero.
   */
  forTenant(tenant: string, options: { scrape?: 'own' | 'all' } = {}): Telemetry {
    if (this.view) throw new Error(`forTenant("${tenant}") on the view of tenant "${this.view.tenant}": ask the root`);
    return new Telemetry({ service: this.service }, { core: this.core, tenant, scrape: options.scrape ?? 'own', logger: this.logger.with({ tenant }) });
  }

  /** an observable instrument's callback, taken off again by shutdown() (a closed tenant's runtime must not be asked at the next scrape) */
  addCallback<T extends Observable>(instrument: T, callback: ObservableCallback): void {
    instrument.addCallback(callback);
    this.observing.push(() => instrument.removeCallback(callback));
  }

  /** a batch observable callback, taken off again by shutdown() */
  addBatchCallback(callback: BatchObservableCallback, instruments: Observable[]): void {
    this.meter.addBatchObservableCallback(callback, instruments);
    this.observing.push(() => this.meter.removeBatchObservableCallback(callback, instruments));
  }

  /** answers a Prometheus scrape (text exposition format) */
  scrape(_req: IncomingMessage, res: ServerResponse): void {
    if (this.closed) {
      // a scrape that reached a runtime while it closed: what the router answers for a closed tenant
      res.writeHead(200, { 'content-type': 'text/plain' }).end(`# tenant ${this.view?.tenant} is closed: no runtime to measure\n`);
      return;
    }
    // a tenant's own: its provider only; the deployment's (and a root's): the root's and every open view's
    const collecting = this.own && this.view?.scrape === 'own' ? collectScrape([], [this.own]) : collectScrape([this.core.prometheus], [...this.core.views]);
    collecting.then(
      (resourceMetrics) => res.writeHead(200, { 'content-type': 'text/plain' }).end(serializer.serialize(resourceMetrics)),
      (error: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`# failed to export metrics: ${String(error)}\n`),
    );
  }

  recordRequest(route: string, method: string, status: number, seconds: number): void {
    const attributes = { ...this.labels, route, method, status_class: `${Math.floor(status / 100)}xx` };
    this.httpRequests.add(1, attributes);
    this.httpDuration.record(seconds, attributes);
  }

  /**
   * The handler, with every request counted and timed once its answer is sent. `routeOf` maps a
   * path to a route template: labels must not carry what a client typed (unbounded series).
   */
  instrumentHttp(handler: RequestHandler, routeOf: (path: string) => string): RequestHandler {
    return (req, res) => {
      const started = performance.now();
      const route = routeOf((req.url ?? '/').split('?')[0]!);
      const method = knownMethods.has(req.method ?? '') ? req.method! : 'OTHER';
      // a server span, child of the caller's traceparent when it sent one
      const parent = extractTraceContext(req.headers);
      const span = this.tracer.startSpan(`${method} ${route}`, { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'http.route': route } }, parent);
      let recorded = false;
      const record = () => {
        if (recorded) return;
        recorded = true;
        // a request whose connection closed before an answer counts as 499, as nginx writes it
        const status = res.writableFinished ? res.statusCode : 499;
        const s = (performance.now() - started) / 1000;
        this.recordRequest(route, method, status, s);
        span.setAttribute('http.response.status_code', status);
        if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        span.end();
        // one access line a request, in JSON logs only (the plain logs never had them)
        if (this.logger.format === 'json') {
          this.logger.log(status >= 500 ? 'error' : 'info', 'request', { trace_id: span.spanContext().traceId, method, route, status, duration_ms: Math.round(s * 1000) });
        }
      };
      res.once('finish', record);
      res.once('close', record);
      context.with(trace.setSpan(parent, span), () => handler(req, res));
    };
  }

  /** one timing of a recomputation step (`projection`, `indices`) */
  recordCompute(step: string, seconds: number, attributes: Record<string, string> = {}): void {
    this.computeDuration.record(seconds, { ...this.labels, step, ...attributes });
  }

  /** dead letters and retries of consumer groups, read from the runner's counters at each scrape */
  observeProjectionStats(stats: () => readonly ProjectionStats[]): void {
    const deadLettered = this.meter.createObservableCounter('sp_consumer_dead_lettered', { description: 'events dead-lettered by a consumer group since the process started' });
    const retries = this.meter.createObservableCounter('sp_consumer_retries', { description: 'batches given back to the log for a transient error since the process started' });
    const failing = this.meter.createObservableGauge('sp_consumer_failing', { description: '1 while a consumer group retries a transient error, else 0' });
    this.addBatchCallback(
      (result) => {
        for (const s of stats()) {
          const attributes = { ...this.labels, group: s.groupId };
          result.observe(deadLettered, s.deadLettered, attributes);
          result.observe(retries, s.retries, attributes);
          result.observe(failing, s.failing ? 1 : 0, attributes);
        }
      },
      [deadLettered, retries, failing],
    );
  }

  /** hits and misses of a cache, read at each scrape; the hit rate is hits / (hits + misses) */
  observeCache(cache: string, counts: () => { hits: number; misses: number } | undefined): void {
    const lookups = this.meter.createObservableCounter('sp_cache_lookups', { description: 'cache lookups by cache and result (hit, miss)' });
    this.addCallback(lookups, (result) => {
      const c = counts();
      if (!c) return;
      result.observe(c.hits, { ...this.labels, cache, result: 'hit' });
      result.observe(c.misses, { ...this.labels, cache, result: 'miss' });
    });
  }

  /**
   * A deployment's tenant runtimes, read at each scrape: how many tenants are registered and open now,
   * and how many runtimes were opened and closed since the process started (a rate of both that
   * stays high means the cap, SP_TENANTS_OPEN_MAX, is below the tenants in use)
   */
  observeTenants(stats: () => { registered: number; open: number; opened: number; closed: number }): void {
    const registered = this.meter.createObservableGauge('sp_tenants_registered', { description: 'tenants of the deployment, the default one included' });
    const open = this.meter.createObservableGauge('sp_tenants_open', { description: 'tenant runtimes holding memory now (open, opening or closing), the default tenant not counted' });
    const opened = this.meter.createObservableCounter('sp_tenants_opened', { description: 'tenant runtimes opened since the process started' });
    const closed = this.meter.createObservableCounter('sp_tenants_closed', { description: 'tenant runtimes closed (idle, or for the cap) since the process started' });
    this.addBatchCallback(
      (result) => {
        const s = stats();
        const attributes = { ...this.labels };
        result.observe(registered, s.registered, attributes);
        result.observe(open, s.open, attributes);
        result.observe(opened, s.opened, attributes);
        result.observe(closed, s.closed, attributes);
      },
      [registered, open, opened, closed],
    );
  }

  /**
   * A root: flushes and stops its exporters. A tenant's view: takes its callbacks off and shuts its
   * meter provider down (OTLP gets a last export); its series leave the deployment's scrape and
   * nothing of the tenant's runtime stays referenced from the root.
   */
  async shutdown(): Promise<void> {
    for (const remove of this.observing.splice(0)) remove();
    if (this.own) {
      if (this.closed) return;
      this.closed = true;
      this.core.views.delete(this.own);
      await this.own.provider.shutdown().catch(() => undefined);
      return;
    }
    await this.core.tracerProvider.shutdown().catch(() => undefined);
    await this.core.provider.shutdown().catch(() => undefined);
  }
}

/** the Prometheus text of a scrape: the exporter's settings (no scope info, target info) */
const serializer = new PrometheusSerializer(undefined, false, undefined, false, true);

/**
 * One scrape of `roots` (the root's exporter: its failure fails the scrape) and of tenants' views:
 * their metrics side by side in one resource (the serializer writes each family once, whichever
 * providers fed it). A view that closes while it is collected is left out, as it would be a moment later.
 */
async function collectScrape(roots: IMetricReader[], views: TenantMeter[]): Promise<ResourceMetrics> {
  const [rooted, viewed] = await Promise.all([Promise.all(roots.map((r) => r.collect())), Promise.allSettled(views.map((v) => v.reader.collect()))]);
  const collected = [...rooted, ...viewed.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []))].map((c) => c.resourceMetrics);
  const [first] = collected;
  if (!first) return { resource: resourceFromAttributes({}), scopeMetrics: [] };
  return { resource: first.resource, scopeMetrics: collected.flatMap((m) => m.scopeMetrics) };
}

const knownMethods = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
