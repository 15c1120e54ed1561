// The composition root: wires the ports to the ingestion API, the projections, the GraphQL
// gateway and the dashboard, all on one HTTP server. The same code runs on embedded engines (one
// process, the default) or on Kafka, PostgreSQL and ClickHouse (see engines.ts). The server is
// ready before the projections' consumers have joined their groups; they join in the background.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { migrateControlling } from '@sp/controlling';
import { serveDashboard } from '@sp/dashboard';
import { EventCodec, recordTypes, SchemaRegistry, topology as topologyOf } from '@sp/events';
import { FeedCatalogue } from '@sp/feeds';
import { createGateway, DatabaseReportJobStore, type Gateway } from '@sp/gateway';
import { gatewayOptionsFromEnv, gatewaySources, indicatorReaderFor } from '@sp/gateway';
import { IndicatorProjector, migrateWarehouse } from '@sp/indicator-store';
import { loadCatalogue, loadProtection, type Protection } from '@sp/indicators';
import { controllingPlanningCheck, createIngestionApp, DeliveryService, migrateIngest, rebuildIngestRecords, spatialChecksFrom } from '@sp/ingestion';
import { createIdentity, databaseIdentityState, type IdentityService, type IdentityState, sessionCookie } from '@sp/identity';
import { RegistryRepository, spatialAreaLocator } from '@sp/registry';
import type { AreaReference } from '@sp/spatial';
import { databaseCheck, eventLogCheck, Health, instrumentDatabase, instrumentEventLog, instrumentWarehouse, observabilityRoutes, Telemetry, warehouseCheck } from '@sp/telemetry';
import { openDeliveredWriter } from '@sp/delivered';
import { DeadLetterStore } from './dead-letters.store.js';
import { operationsSourceFrom } from './sources/operations.source.js';
import { planningAmtOf, planningWriterFrom } from './sources/planning.writer.js';
import { loadOrCreateApiKeys, loadOrCreateSecret, loadOrCreateSharedApiKeys, loadOrCreateSharedSecret, type PlatformKeys } from './api-keys.store.js';
import type { PlatformConfig } from './config.js';
import type { Engines } from './engines.js';
import { startProjectionsInBackground, type BackgroundProjections } from './background-projections.js';
import { step } from './progress.js';
import { recordSchemaVersion, refuseNewerSchemas } from './schema-version.js';
import { indexMaxPassPeriods, indexPassPeriods, serversIndexPauseMs } from '@sp/aggregator';
import { startProjections, type Projections } from './projections.js';
import { type TenantSetup, tenantSetupFrom } from './tenant.setup.js';
import { applyScenarioEvents, loadScenarioDatasets, PlanningScenarioDatasets, ScenarioStore, scenarioSourceFrom } from './prognose/scenario.projection.js';
import { httpDelivery, runPopulationPrognose, type PrognoseJobResult } from './prognose/population-prognose.job.js';
import { closeHttpServer } from './http-close.js';

export interface Platform {
  url: string;
  server: Server;
  gateway: Gateway;
  /** the read models' consumers, joining in the background */
  projections: BackgroundProjections;
  reference: AreaReference;
  feeds: FeedCatalogue;
  keys: PlatformKeys;
  /** sign-in: the token verifier, the embedded provider (or an external one) and the dashboard's session */
  identity: IdentityService;
  /**
   * The projection job for the base scenario (docs/projection.md §7): projects the latest delivered
   * population and delivers the scenario's records through the ingestion API (next version of the
   * scenario's dataset). Resolves when the records are delivered; the projections pick them up like any.
   */
  runPrognose(): Promise<PrognoseJobResult>;
  /** the request handler behind `server` (a multi-tenant deployment's router calls it per tenant) */
  handle: (req: IncomingMessage, res: ServerResponse) => void;
  close(): Promise<void>;
}

export interface StartPlatformOptions {
  telemetry?: Telemetry;
  /**
   * the municipality served (reference, catalogues, extras); default: tenantSetupFrom(config), the
   * demo Köln unless SP_REFERENCE etc. say otherwise. A multi-tenant deployment (src/tenants/) gives
   * the tenant's own reference and catalogues; what it leaves out is the configured catalogues, no
   * extra sources and no projection job.
   */
  tenant?: Partial<TenantSetup>;
  /** set by a multi-tenant deployment: the platform does not listen itself, the deployment's router hands it the tenant's requests at `serve.url` */
  serve?: { url: string };
  /**
   * Servers mode: the identity state on this platform's database that the caller opened already (the
   * deployment, which keeps the admin token in it) and stops itself; default: one opened here.
   */
  identityState?: IdentityState;
}

export async function startPlatform(config: PlatformConfig, engines: Engines, options: StartPlatformOptions = {}): Promise<Platform> {
  // every port is measured and traced (docs/observability.md); the health probes ask the engines themselves
  const telemetry = options.telemetry ?? new Telemetry({ service: 'platform' });
  const eventLog = instrumentEventLog(engines.eventLog, telemetry);
  const warehouse = instrumentWarehouse(engines.warehouse, telemetry);
  // embedded: the projection's statements go before the reads that wait in the one chDB session
  const projectionWarehouse = engines.projectionWarehouse ? instrumentWarehouse(engines.projectionWarehouse, telemetry) : warehouse;
  // and the composite indices' recomputation after the reads
  const indexWarehouse = engines.indexWarehouse ? instrumentWarehouse(engines.indexWarehouse, telemetry) : warehouse;
  const database = instrumentDatabase(engines.database, telemetry);
  const tenant: TenantSetup = options.tenant?.reference
    ? {
        catalogue: loadCatalogue(config.SP_INDICATOR_CATALOGUE),
        feeds: FeedCatalogue.load(config.SP_FEED_CATALOGUE),
        extraSources: [],
        prognose: null,
        reference: options.tenant.reference,
        ...options.tenant,
      }
    : { ...tenantSetupFrom(config), ...options.tenant };
  const { reference, catalogue, feeds } = tenant;
  const codec = new EventCodec(SchemaRegistry.load());

  await refuseNewerSchemas(database, warehouse, engines.describe);
  // embedded, chDB lives in this process: no other process writes to the warehouse
  await migrateWarehouse(warehouse, { soleWriter: config.SP_ENGINES === 'embedded' });
  // a tenant that has delivered its levels and areas is served with them (docs/spatial-reference.md),
  // with its delivered datasets in its feed catalogue (docs/indicators.md §9),
  // and with the indicator and index definitions it has delivered, over its pack's (docs/indicators.md
  // §8); the platform is their writer, as the standalone aggregator is in a split deployment
  const delivered = await openDeliveredWriter({ database, reference, catalogue, feeds, warehouse, log: telemetry.logger.lines('warn') });
  await migrateIngest(database);
  await migrateControlling(database);
  const registry = new RegistryRepository(database, spatialAreaLocator(reference));
  await registry.migrate();
  await recordSchemaVersion(database);

  // Datenschutz (docs/disclosure.md): the tenant's perturbation table and the secret of its record keys
  const loaded = loadProtection(config.SP_PROTECTION);
  const protection: Protection = config.SP_SUPPRESSION_THRESHOLD === undefined ? loaded : { ...loaded, config: { ...loaded.config, suppressBelow: config.SP_SUPPRESSION_THRESHOLD } };
  // servers mode: what the replicas must share (sign-in, keys, this secret) is kept in PostgreSQL
  const opened = config.SP_ENGINES === 'servers' && !options.identityState ? await databaseIdentityState(database) : undefined;
  const shared = options.identityState ?? opened;
  const recordKeySecret =
    config.SP_RECORD_KEY_SECRET ?? (shared ? await loadOrCreateSharedSecret(shared.documents, config.dataDir, 'record-key-secret') : loadOrCreateSecret(config.dataDir, 'record-key-secret'));
  // projected values are read from the feed catalogue's prognose datasets, under their source's rules
  // and from the planners' scenarios the scenario projection has written (docs/projection.md §8)
  const scenarioStore = new ScenarioStore(database);
  await scenarioStore.migrate();
  const scenarioDatasets = new PlanningScenarioDatasets(feeds.scenarioDatasets(), tenant.prognose?.mapping.dataset ?? null);
  await loadScenarioDatasets(scenarioStore, scenarioDatasets);
  const reader = indicatorReaderFor(warehouse, { reference, catalogue, protection, scenarios: scenarioDatasets });
  // the indices' inputs are read like the gateway reads them, through the recomputation's lane
  const indexReader = indexWarehouse === warehouse ? reader : indicatorReaderFor(indexWarehouse, { reference, catalogue, protection, scenarios: scenarioDatasets });
  // the one topology of this composition root: ingestion writes and every projection reads through it
  const topology = topologyOf({ partitions: config.SP_ENGINES === 'embedded' ? 2 : 4 });
  // the gateway is created below; new indicator values drop its read cache as soon as they land
  let onIndicatorsChanged = (): void => undefined;
  // made once: the gateway lists the dead letters before the consumers have joined, and a retried start reuses it
  const deadLetters = new DeadLetterStore(database);
  await deadLetters.migrate();
  const startAll = (): Promise<Projections> =>
    startProjections({
      eventLog,
      warehouse,
      projectionWarehouse,
      indexWarehouse,
      indexReader,
      database,
      codec,
      reference,
      delivered,
      onReferenceChanged: () => onIndicatorsChanged(),
      catalogue,
      reader,
      registry,
      topology,
      projection: { protection, recordKeySecret },
      projectionPauseMs: config.SP_PROJECTION_PAUSE_MS ?? (config.SP_ENGINES === 'embedded' ? 100 : 0),
      // servers: the one ClickHouse (chdb-http) runs a statement at a time and has no lanes (as the standalone aggregator)
      indexPauseMs: config.SP_INDEX_PAUSE_MS ?? (config.SP_ENGINES === 'servers' ? serversIndexPauseMs : 0),
      indexPassPeriods,
      indexMaxPassPeriods,
      onIndicatorsChanged: () => onIndicatorsChanged(),
      scenarios: {
        apply: async (events) => {
          await applyScenarioEvents(
            { warehouse, store: scenarioStore, projector: new IndicatorProjector(warehouse, { protection, recordKeySecret }), datasets: scenarioDatasets, config: tenant.prognose },
            events,
          );
          onIndicatorsChanged();
        },
      },
      deadLetters,
      timing: (step, seconds) => telemetry.recordCompute(step, seconds),
      // retry steps and dead letters: plain lines, or JSON with SP_LOG_FORMAT=json
      log: telemetry.logger.lines('warn'),
    });

  // a repair needs the projections before ingestion accepts a delivery; otherwise they join in the
  // background after the server listens (issue 14)
  let repaired: Projections | undefined;
  if (engines.repair || engines.warehouseRepair) {
    // the database starts empty: everything it knew is rebuilt from the log before ingestion
    // accepts a delivery (versions must continue, planning checks need the controlling model);
    // a warehouse that starts empty is rebuilt before anyone reads figures from it
    repaired = await startAll();
    const aside = (r: { movedTo: string | null }) => (r.movedTo ? `; beiseitegelegt: ${r.movedTo}` : '');
    let ingest: { records: number; events: number; droppedDeliveries: number } | undefined;
    if (engines.repair) {
      step(`Datenbank aus dem Ereignisprotokoll wiederherstellen (${engines.repair.reason}${aside(engines.repair)})`);
      // replace: a database restored in servers mode comes from a dump taken after the log's cut and
      // may know versions the log does not hold (docs/backup.md); an embedded one starts empty
      ingest = await rebuildIngestRecords({ database, eventLog, codec, topics: recordTypes.map((t) => topology.topicFor(t)), replace: true });
      if (ingest.droppedDeliveries > 0) step(`${ingest.droppedDeliveries} Lieferprotokolle nach dem Schnitt des Ereignisprotokolls entfernt`);
    }
    if (engines.warehouseRepair) step(`Warehouse aus dem Ereignisprotokoll wiederherstellen (${engines.warehouseRepair.reason}${aside(engines.warehouseRepair)})`);
    // every read model from the log: the warehouse truncated and replayed, registry and controlling idempotently
    const { ms } = await repaired.rebuild();
    process.stdout.write(`  ✓ ${ingest ? `${ingest.records} Datensatzversionen aus ${ingest.events} Ereignissen, ` : ''}Lesemodelle neu aufgebaut (${ms} ms)\n`);
  }

  const keys = shared ? await loadOrCreateSharedApiKeys(shared.documents, config.dataDir, feeds.amtCodes()) : loadOrCreateApiKeys(config.dataDir, feeds.amtCodes());
  // sign-in (docs/auth.md): gateway and ingestion verify access tokens against the provider's keys;
  // in servers mode its state (users, keys, sessions) is in the deployment's PostgreSQL, shared by every replica
  const identity = await createIdentity(config, config.dataDir, shared ? { state: shared } : {});
  const planningAmt = planningAmtOf(feeds);
  const ingestion = await createIngestionApp({
    verifyToken: identity.verify,
    eventLog,
    database,
    spatial: spatialChecksFrom(reference),
    config: { apiKeys: keys.entries, recordKeySecret },
    topology,
    planningCheck: controllingPlanningCheck(),
    indicatorCodes: catalogue.latest().map((i) => i.code),
    // delivered definitions are checked against the live catalogue
    indicatorCatalogue: catalogue,
    // the feed catalogue the keys were made from (SP_FEED_CATALOGUE, or the tenant's own)
    catalogue: feeds,
  });
  // the ingestion's Fastify instance answers its paths on the platform's one server
  const fastify = ingestion.getHttpAdapter().getInstance();
  await fastify.ready();
  const ingestionRouting = fastify.routing.bind(fastify);

  const gateway = createGateway({
    ...gatewaySources({
      reference,
      catalogue,
      protection,
      indicators: reader,
      database,
      extraSources: tenant.extraSources,
      scenarios: scenarioSourceFrom(scenarioStore),
      ...(tenant.licences ? { licences: tenant.licences } : {}),
      // the Ämter's names are the tenant's (its feed catalogue, delivered datasets included)
      authorities: feeds,
    }),
    // the consumers join after the server listens: until then there are no counters, the dead letters are in the database
    operations: operationsSourceFrom({ deadLetters, stats: () => projections.current()?.stats() ?? [] }),
    // the planning mutations deliver through the same service as the feeds (in-process)
    planningWriter: planningAmt ? planningWriterFrom(ingestion.get(DeliveryService), planningAmt) : null,
    scenarios: scenarioSourceFrom(scenarioStore),
    // the Sozialbericht jobs are kept in the database: in servers mode the replicas share them (a poll
    // lands on any of them), and a job whose builder stopped is taken over by another replica — or,
    // in the embedded default, by this process after its restart
    reportJobs: await DatabaseReportJobStore.open(database),
    ...gatewayOptionsFromEnv(config, identity.verify),
  });

  onIndicatorsChanged = () => gateway.clearCache();

  // set once the server listens; until then the projections count as joining
  let background: BackgroundProjections | undefined;
  const health = new Health({
    service: 'platform',
    checks: {
      eventLog: eventLogCheck(engines.eventLog, { name: topology.topicFor('area-statistic'), partitions: topology.partitions }),
      database: databaseCheck(engines.database),
      warehouse: warehouseCheck(engines.warehouse),
    },
    // ingestion does not need the consumers: whether they have joined is told, not a condition
    info: () => ({ projections: background?.current() ? 'running' : 'joining' }),
  });
  telemetry.observeProjectionStats(() => background?.current()?.stats() ?? []);
  telemetry.observeCache('gateway-responses', () => gateway.cacheStats());
  const observability = observabilityRoutes({ health, telemetry });

  const server = createServer(
    telemetry.instrumentHttp((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      // a dashboard session travels on as the person's access token, verified like any other; one
      // whose token has expired is refreshed first (its refresh token), then the request goes on
      if (!req.headers.authorization && !path.startsWith('/session/') && req.headers.cookie?.includes(sessionCookie)) {
        identity.bearerFor(req).then(
          (token) => {
            if (token) req.headers.authorization = `Bearer ${token}`;
            route(req, res, path);
          },
          () => route(req, res, path),
        );
        return;
      }
      route(req, res, path);
    }, platformRouteOf),
  );
  function route(req: IncomingMessage, res: ServerResponse, path: string) {
    if (observability.handles(path)) return observability.handle(req, res);
    if (identity.handle(req, res)) return;
    if (gateway.handles(path)) return gateway.handler(req, res);
    if (path.startsWith('/v1/') || path === '/health') return ingestionRouting(req, res);
    if (req.method === 'GET' || req.method === 'HEAD') {
      if (serveDashboard(req, res)) return;
    }
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found\n');
  }
  // a tenant's requests come from the deployment's router, whether this server listens or not
  const handle = (req: IncomingMessage, res: ServerResponse): void => void server.emit('request', req, res);
  server.requestTimeout = 120_000;
  // longer than clients' idle keep-alive, so a reused connection is not closed under them
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  const serve = options.serve;
  if (!serve) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(config.SP_PORT, config.SP_HOST, () => resolve());
    });
  }
  const url = serve ? serve.url : `http://${config.SP_HOST}:${(server.address() as AddressInfo).port}`;
  identity.listening(url);

  // the consumers join in the background: ingestion and the server are ready without them (issue 14)
  const projections = startProjectionsInBackground(repaired ? async () => repaired : startAll, { report: telemetry.logger.lines('error') });
  background = projections;

  return {
    url,
    server,
    gateway,
    projections,
    reference,
    feeds,
    keys,
    handle,
    identity,
    runPrognose: () => {
      const apiKey = keys.keys.prognose;
      if (!apiKey) throw new Error('no API key for the Amt prognose (feed catalogue)');
      if (!tenant.prognose) throw new Error(`no population projection configured for the reference ${reference.id}`);
      return runPopulationPrognose({ warehouse, deliver: httpDelivery({ baseUrl: url, apiKey }) }, tenant.prognose);
    },
    async close() {
      await closeHttpServer(server);
      // a Sozialbericht this replica builds is left to another replica (servers mode) to take over
      gateway.close();
      identity.stop();
      opened?.stop();
      await projections.stop();
      await ingestion.close();
      await telemetry.shutdown();
    },
  };
}

/** a request's route for metrics labels: templates, never what the client typed */
export function platformRouteOf(path: string): string {
  if (path.startsWith('/v1/deliveries/')) return '/v1/deliveries/{recordType}';
  if (path.startsWith('/v1/')) return '/v1/other';
  if (path === '/graphql' || path === '/health' || path === '/health/live' || path === '/health/ready' || path === '/metrics') return path;
  if (path.startsWith('/export/')) return '/export/{name}.csv';
  if (path.startsWith('/ogc')) return '/ogc';
  if (path.startsWith('/auth/interaction/')) return '/auth/interaction/{uid}';
  if (path.startsWith('/auth')) return '/auth';
  if (path.startsWith('/session/')) return ['/session/login', '/session/callback', '/session/logout', '/session/me'].includes(path) ? path : '/session/other';
  return 'dashboard';
}
