// A multi-tenant deployment: one HTTP server, the default tenant (Köln, on the engines the platform
// always opened) and every registered tenant, each a platform runtime of its own (reference,
// catalogues, ingestion keys, gateway and response cache, projections) on stores of its own
// (tenant-engines.ts). The router picks the runtime once per request (tenant-router.ts); the admin
// API creates tenants while the deployment runs. docs/tenants.md says why it is built this way.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FeedCatalogue } from '@sp/feeds';
import { loadCatalogue } from '@sp/indicators';
import { hashApiKey } from '@sp/ingestion';
import { instrumentDatabase, Telemetry } from '@sp/telemetry';
import type { Tenant } from '@sp/tenancy';
import { databaseIdentityState } from '@sp/identity';
import { loadOrCreateSecret, loadOrCreateSharedSecret } from '../api-keys.store.js';
import type { PlatformConfig } from '../config.js';
import { askedVersionRecordsRebuild, askedWarehouseRebuild, type Engines } from '../engines.js';
import { startPlatform, type Platform } from '../platform.js';
import { withTenantAmts } from './tenant-amts.js';
import { CredentialIndex } from './tenant-credentials.js';
import { openTenantEngines, PgliteTemplate, tenantDir } from './tenant-engines.js';
import { definedTenants, readTenantFile, TENANT_FILE, writeTenantFile } from './tenant-file.js';
import { TenantPool, type TenantLease } from './tenant-pool.js';
import { joinPresence } from './replica-presence.js';
import { deleteServersTenantGroups, dropServersTenantStores, openServersTenantEngines } from './tenant-engines.servers.js';
import { referenceNames, tenantPacks } from './tenant-packs.js';
import { TenantRepository } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';
import { tenantsController } from './tenants.controller.js';
import { TenantStarting, tenantDirectoryPath, tenantRouter, type Handler } from './tenant-router.js';
import { closeHttpServer } from '../http-close.js';

export const defaultTenantId = 'koeln';

/** how often a servers-mode replica reads the registry for tenants and keys another replica added */
const REGISTRY_SYNC_MS = 10_000;
/** the longest awaitCreated waits for another replica's creation: its claim lapses after as long (tenant.repository.ts) */
const CREATION_WAIT_MS = 600_000;

export interface TenantRuntime {
  id: string;
  platform: Platform;
  engines: Engines;
}

export interface Deployment {
  /** the one URL of the deployment; a tenant is at `${url}/t/${id}` */
  url: string;
  server: Server;
  /** the default tenant's platform (Köln): every request that names no tenant */
  platform: Platform;
  /** the runtimes open right now: the default tenant's and those opened on demand (tenant-pool.ts) */
  readonly runtimes: ReadonlyMap<string, TenantRuntime>;
  /** every registered tenant's id, open or not, the default tenant first */
  registered(): readonly string[];
  /** tenant runtimes opened and closed on demand since the deployment started (the default tenant's not counted) */
  tenantStats(): { opened: number; closed: number; open: number };
  /** a tenant's runtime, opened when it is closed; held open until the lease is released */
  open(id: string): Promise<TenantLease<TenantRuntime>>;
  /**
   * Waits for a tenant whose creation another replica holds the claim of (servers mode: the demo
   * tenants, created at start by every replica at once) until the registry has it, and learns it
   * here. Throws when the claim ends — released, or lapsed with its replica — and no tenant was
   * registered, or after `timeoutMs` (default: the claim's 10 minutes).
   */
  awaitCreated(id: string, options?: { timeoutMs?: number; pollMs?: number }): Promise<void>;
  tenants: TenantService;
  adminToken: string;
  /** the base URL of a tenant's API, GraphQL and dashboard */
  tenantUrl(id: string): string;
  close(): Promise<void>;
}

export interface DeploymentOptions {
  /** servers mode: every tenant runtime opened rebuilds its warehouse from its log (the operator's rebuild, servers-rebuild.ts) */
  rebuildWarehouses?: boolean;
  /** servers mode: and replaces its version records by its log's (the servers restore, servers.backup.ts) */
  rebuildVersionRecords?: boolean;
}

export async function startDeployment(config: PlatformConfig, engines: Engines, options: DeploymentOptions = {}): Promise<Deployment> {
  const credentials = new CredentialIndex();
  const repository = new TenantRepository(engines.database);
  await repository.migrate();
  // servers mode: this process is present on the servers (replica-presence.ts); refused while an operator's rebuild runs
  const presence = config.SP_ENGINES === 'servers' ? await joinPresence(engines.database, options.rebuildWarehouses ? 'rebuild' : 'serve') : undefined;
  // the registry is a table of the default tenant's database: one created anew (rebuilt from the log
  // by a restore, `data:rebuild`, or a repair at start) has lost it, so every tenant is registered
  // again from its own directory's definition (tenant-file.ts)
  // (embedded only: in servers mode the registry is in PostgreSQL, kept or restored with it, and a
  // tenant.json in this replica's directory may name a tenant the servers do not have)
  if (engines.repair && config.SP_ENGINES === 'embedded') await registerFromTenantFiles(config.dataDir, repository);
  // the registry as this process starts; creating a tenant adds to it, and so does another replica
  // in servers mode (learnRegistry below). No tenant's runtime is opened here.
  const definitions = new Map<string, Tenant>((await repository.list()).map((t) => [t.id, t]));
  const registered = new Set<string>([defaultTenantId, ...definitions.keys()]);
  // each tenant's definition beside its data, so that a backup of the directory carries it
  // (tenant-file.ts); a definition the registry does not have is a creation that never finished (its
  // 201 never sent): set aside, so that neither a backup nor a rebuilt registry brings that tenant in
  for (const tenant of definitions.values()) writeTenantFile(tenantDir(config.dataDir, tenant.id), tenant);
  // removed tenants whose deletion a stopped process left unfinished: deleted below, not set aside
  const unfinishedRemovals = await repository.pendingRemovals();
  setAsideUnregistered(config.dataDir, new Set([...definitions.keys(), ...unfinishedRemovals]));
  // one meter for the deployment: each tenant's runtime measures through a view that labels its
  // series with the tenant; the deployment's /metrics (the default tenant's view) answers them all,
  // /t/<id>/metrics its own
  const telemetry = new Telemetry({ service: 'platform' });
  const defaultTelemetry = telemetry.forTenant(defaultTenantId, { scrape: 'all' });
  // Servers mode: the default tenant's sign-in state in the deployment's PostgreSQL, opened (its
  // tables made) once here: it keeps the admin token, which the admin API needs before the default
  // tenant's platform starts, and that platform keeps its users, keys and sessions in it
  const identityState = config.SP_ENGINES === 'servers' ? await databaseIdentityState(instrumentDatabase(engines.database, defaultTelemetry)) : undefined;
  // without SP_ADMIN_TOKEN, servers mode keeps it as the document `admin-token`, made by the first
  // replica (from its data directory's file, where an earlier version kept it), so that the token one
  // replica reports is every replica's; a copy in the data directory, as in the embedded default
  const adminToken =
    config.SP_ADMIN_TOKEN ?? (identityState ? await loadOrCreateSharedSecret(identityState.documents, config.dataDir, 'admin-token') : loadOrCreateSecret(config.dataDir, 'admin-token'));

  let url = '';
  const tenantUrl = (id: string) => (id === defaultTenantId ? url : `${url}/t/${id}`);
  const report = (line: string) => process.stderr.write(`${line}\n`);
  const pglite = config.SP_ENGINES === 'embedded' ? new PgliteTemplate(config.dataDir) : undefined;
  const pool = new TenantPool<TenantRuntime>({
    async open(id) {
      const tenant = definitions.get(id);
      if (!tenant) throw new Error(`tenant "${id}" is not registered`);
      const runtime = await startTenantRuntime(config, tenant, tenantUrl(id), pglite, telemetry.forTenant(id), options);
      const apiKeyHashes = apiKeyHashesOf(runtime.platform);
      credentials.add({ tenant: id, apiKeyHashes, issuer: runtime.platform.identity.issuer() });
      // its keys as every replica routes them (an Amt new to its pack got one just now); a tenant
      // being created is not registered yet: its hashes are stored with it (tenant.service.ts)
      await repository.setApiKeyHashes(id, apiKeyHashes);
      return runtime;
    },
    async close(_id, runtime) {
      // the ingestion answers 2xx only once the events are in the tenant's log; what the projections
      // have not applied yet they apply after the next open, from their committed offsets
      await runtime.platform.close();
      await runtime.engines.close();
    },
    maxOpen: config.SP_TENANTS_OPEN_MAX,
    idleMs: config.SP_TENANT_IDLE_S * 1000,
    settled: (runtime) =>
      runtime.platform.projections.caughtUp(1_000).then(
        () => true,
        () => false,
      ),
    report,
  });
  const starter = {
    async start(tenant: Tenant) {
      definitions.set(tenant.id, tenant);
      writeTenantFile(tenantDir(config.dataDir, tenant.id), tenant);
      const lease = await pool.acquire(tenant.id);
      try {
        const { platform } = lease.runtime;
        registered.add(tenant.id);
        return { url: tenantUrl(tenant.id), apiKeys: platform.keys.keys, apiKeysFile: platform.keys.file, apiKeyHashes: apiKeyHashesOf(platform) };
      } finally {
        lease.release();
      }
    },
    async discard(id: string) {
      forget(id);
      await pool.close(id);
      if (config.SP_ENGINES === 'servers') await dropServersTenantStores(config, id);
      rmSync(tenantDir(config.dataDir, id), { recursive: true, force: true });
    },
    async close(id: string) {
      forget(id);
      await pool.close(id);
    },
  };
  /** no request reaches the tenant from now on (its definition gone first: a request between here and the pool's close cannot open it again) */
  const forget = (id: string) => {
    definitions.delete(id);
    registered.delete(id);
    credentials.remove(id);
  };
  const tenants = new TenantService({
    repository,
    runtimes: starter,
    defaultTenant: defaultTenantId,
    references: referenceNames(),
    datasetsOf: (reference) => Object.keys(packFeeds(reference, config).file.datasets),
    url: tenantUrl,
  });
  // removals a process left unfinished (it stopped while deleting the stores) are finished before serving
  for (const id of unfinishedRemovals) {
    const result = await tenants.remove(id, id);
    report(result.kind === 'removed' ? `[tenants] tenant "${id}": its removal finished (its data deleted)` : `[tenants] tenant "${id}": its removal is not finished: ${result.message}`);
  }
  const admin = tenantsController(tenants, adminToken);
  let defaultName = 'Köln';
  // public fields only (no reference, threshold, keys): the dashboard's tenant switcher; every
  // registered tenant, open or not (a click opens it)
  const directory: Handler = (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { 'content-type': 'application/json; charset=utf-8', allow: 'GET, HEAD' })
        .end(JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} ${tenantDirectoryPath}; accepted: GET` } }));
      return;
    }
    void learnRegistry()
      .then((list) => {
        const listed = list.filter((t) => registered.has(t.id));
        const entries = [{ id: defaultTenantId, name: defaultName, kind: 'stadt', path: '/' }, ...listed.map((t) => ({ id: t.id, name: t.name, kind: t.kind, path: `/t/${t.id}/` }))];
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify({ default: defaultTenantId, tenants: entries }));
      })
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } }));
      });
  };
  let platform: Platform | undefined;
  const runtimeOf = async (id: string): Promise<{ handle: Handler; release(): void }> => {
    if (id === defaultTenantId) {
      if (!platform) throw new TenantStarting(id);
      return { handle: platform.handle, release: () => undefined };
    }
    const lease = await pool.acquire(id);
    return { handle: lease.runtime.platform.handle, release: lease.release };
  };
  // Servers mode: another replica creates tenants and opens them (storing keys for Ämter new to a
  // pack) in the registry all replicas read. This one learns of them when a request names a tenant
  // or carries a credential it does not know, when the list of tenants is asked, and every
  // REGISTRY_SYNC_MS. What a request is answered from is a read begun after it came (before, a
  // request within a second of the last read was answered 404 from it, though the tenant had been
  // registered meanwhile: servers-replicas.int, once in four runs), and the requests start at most
  // one read a second together, so unknown names cost no more: such a request waits up to a second.
  // A tenant another replica removed (out of the registry, and no creation of it under way) is closed
  // here and its directory, which holds copies of its keys, deleted; a removal that some replica left
  // unfinished is finished.
  let learning: { startedAt: number; done: Promise<Tenant[]> } | undefined;
  let lastStarted = performance.now();
  /** a read of the registry begun after `since` (performance.now()): one in flight that began before is waited for, then another begun */
  const learnSince = (since: number): Promise<Tenant[]> => {
    if (learning && learning.startedAt > since) return learning.done;
    if (learning)
      return learning.done.then(
        () => learnSince(since),
        () => learnSince(since),
      );
    const startedAt = performance.now();
    lastStarted = startedAt;
    const done: Promise<Tenant[]> = (async () => {
      // the claims before the registry: a creation that releases its claim between the two reads
      // has registered its tenant before, so the list has it (read in the other order, a tenant
      // created here just then would look removed)
      const claimed = await repository.claimed();
      const removals = await repository.pendingRemovals();
      const [list, hashes] = await Promise.all([repository.list(), repository.apiKeyHashes()]);
      const listed = new Set(list.map((t) => t.id));
      for (const id of [...definitions.keys()]) {
        if (listed.has(id) || (claimed.has(id) && !removals.includes(id))) continue;
        // forgotten at once (the request that made us read answers 404); closed beside it
        forget(id);
        void pool
          .close(id)
          .then(() => rmSync(tenantDir(config.dataDir, id), { recursive: true, force: true }))
          .then(() => (config.SP_ENGINES === 'servers' ? deleteServersTenantGroups(config, id) : undefined))
          .then(
            () => report(`[tenants] tenant "${id}" was removed (by another replica): closed here, its directory deleted`),
            (error: unknown) => report(`[tenants] tenant "${id}" was removed; closing it here failed: ${error instanceof Error ? error.message : String(error)}`),
          );
      }
      const unfinished = removals.filter((id) => !claimed.has(id));
      if (unfinished.length > 0) void finishRemovals(unfinished);
      for (const tenant of list) {
        if (!definitions.has(tenant.id)) {
          definitions.set(tenant.id, tenant);
          registered.add(tenant.id);
          writeTenantFile(tenantDir(config.dataDir, tenant.id), tenant);
        }
        credentials.add({ tenant: tenant.id, apiKeyHashes: hashes.get(tenant.id) ?? [], issuer: issuerOf(config, tenant.id, tenantUrl(tenant.id)) });
      }
      return list;
    })().finally(() => {
      if (learning?.done === done) learning = undefined;
    });
    learning = { startedAt, done };
    return done;
  };
  const learnRegistry = (): Promise<Tenant[]> => learnSince(performance.now() - 1e-3);
  /** for a request: a read begun after it came, at most one a second for all requests together */
  const learnForRequest = async (): Promise<void> => {
    const since = performance.now();
    const wait = lastStarted + 1_000 - since;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    await learnSince(since);
  };
  // removals whose deletion another replica (or this one) left unfinished, beside the requests
  let finishing = false;
  const finishRemovals = async (ids: readonly string[]) => {
    if (finishing) return;
    finishing = true;
    try {
      for (const id of ids) {
        const result = await tenants.remove(id, id);
        if (result.kind === 'removed') report(`[tenants] tenant "${id}": its removal finished (its data deleted)`);
      }
    } catch (error) {
      report(`[tenants] finishing removals failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      finishing = false;
    }
  };
  const sync =
    config.SP_ENGINES === 'servers'
      ? setInterval(
          () => void learnRegistry().catch((error: unknown) => report(`[tenants] the registry could not be read: ${error instanceof Error ? error.message : String(error)}`)),
          REGISTRY_SYNC_MS,
        )
      : undefined;
  sync?.unref();
  const server = createServer(
    tenantRouter({
      defaultTenant: defaultTenantId,
      runtimeOf,
      known: () => registered,
      learn: learnForRequest,
      credentials,
      admin,
      directory,
      report,
      awake: (id) => pool.isAwake(id),
    }),
  );
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.SP_PORT, config.SP_HOST, () => resolve());
  });
  url = `http://${config.SP_HOST}:${(server.address() as AddressInfo).port}`;
  // a closed tenant's credentials are known without opening it: its keys' hashes from the registry
  // (servers mode: whichever replica opened it last; a new pod's data directory is empty) and from
  // its directory (a registry rebuilt from the log has none), and the issuer its runtime will have,
  // so that the router routes its keys and still refuses a key naming another tenant
  const registryHashes = await repository.apiKeyHashes();
  for (const id of definitions.keys()) {
    const apiKeyHashes = [...(registryHashes.get(id) ?? []), ...storedApiKeyHashes(tenantDir(config.dataDir, id))];
    credentials.add({ tenant: id, apiKeyHashes, issuer: issuerOf(config, id, tenantUrl(id)) });
  }

  // the deployment's own figures (no tenant label): the tenant runtimes
  telemetry.observeTenants(() => ({ registered: registered.size, ...pool.stats() }));
  // the default tenant's /metrics is the deployment's: every tenant's series
  const defaultPlatform = await startPlatform(config, engines, { serve: { url }, telemetry: defaultTelemetry, ...(identityState ? { identityState } : {}) });
  platform = defaultPlatform;
  defaultName = defaultPlatform.reference.name;
  const defaultRuntime: TenantRuntime = { id: defaultTenantId, platform: defaultPlatform, engines };
  credentials.add({ tenant: defaultTenantId, apiKeyHashes: apiKeyHashesOf(defaultPlatform), issuer: defaultPlatform.identity.issuer() });

  return {
    url,
    server,
    platform: defaultPlatform,
    get runtimes() {
      return new Map([[defaultTenantId, defaultRuntime], ...pool.open()]);
    },
    registered: () => [...registered],
    tenantStats: () => pool.stats(),
    open: async (id) => {
      if (id === defaultTenantId) return { runtime: defaultRuntime, release: () => undefined };
      if (!registered.has(id)) throw new Error(`tenant "${id}" is not registered`);
      return pool.acquire(id);
    },
    async awaitCreated(id, { timeoutMs = CREATION_WAIT_MS, pollMs = 500 } = {}) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        // the claim read before the registry: the creator registers the tenant before releasing its
        // claim, so a claim gone and then no tenant means the creation ended without one
        const held = (await repository.claimed()).has(id);
        await learnSince(performance.now() - 1e-3);
        if (registered.has(id)) return;
        if (!held) throw new Error(`tenant "${id}": the creation another replica claimed ended (released, or lapsed with its replica) and registered no tenant; create it again`);
        if (Date.now() >= until) throw new Error(`tenant "${id}": another replica has been creating it for more than ${Math.round(timeoutMs / 1000)} s; it is not registered yet`);
        await new Promise((resolve) => setTimeout(resolve, pollMs));
      }
    },
    tenants,
    adminToken,
    tenantUrl,
    async close() {
      clearInterval(sync);
      await closeHttpServer(server);
      await pool.closeAll();
      // the default tenant's engines belong to the caller, who opened them
      await defaultPlatform.close();
      identityState?.stop();
      await telemetry.shutdown();
      await presence?.stop();
    },
  };
}

/** registers every tenant whose directory has its definition (tenant.json) and that the registry lacks */
async function registerFromTenantFiles(dataDir: string, repository: TenantRepository): Promise<void> {
  const again: string[] = [];
  for (const id of definedTenants(dataDir)) {
    if ((await repository.restore(readTenantFile(tenantDir(dataDir, id)))) === 'restored') again.push(id);
  }
  if (again.length > 0) process.stdout.write(`  ✓ Mandanten wieder registriert (aus ihrer tenant.json): ${again.join(', ')}\n`);
}

function setAsideUnregistered(dataDir: string, registered: ReadonlySet<string>): void {
  for (const id of definedTenants(dataDir)) {
    if (registered.has(id)) continue;
    const file = join(tenantDir(dataDir, id), TENANT_FILE);
    renameSync(file, `${file}.not-registered`);
    process.stderr.write(`[tenants] ${tenantDir(dataDir, id)}: a tenant whose creation did not finish (not in the registry); its ${TENANT_FILE} is set aside, the directory kept\n`);
  }
}

/** the `sha256:` hashes of a running tenant's API keys (what the router and the registry know them by) */
function apiKeyHashesOf(platform: Platform): string[] {
  return platform.keys.entries.map((e) => e.hash);
}

/** the `sha256:` hashes of the API keys kept in a tenant's directory (none before its first start) */
function storedApiKeyHashes(dir: string): string[] {
  const file = join(dir, 'api-keys.json');
  if (!existsSync(file)) return [];
  try {
    return Object.values(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>).map((key) => hashApiKey(key));
  } catch {
    return [];
  }
}

/** the issuer a tenant's runtime will have (its identity, services/identity): the external one, or its own provider under its URL */
function issuerOf(config: PlatformConfig, id: string, tenantUrl: string): string {
  return config.SP_OIDC_ISSUER ?? `${publicUrlOf(config, id) ?? tenantUrl}/auth`;
}

/**
 * A tenant's public URL behind SP_PUBLIC_URL (the deployment's address as the browser sees it): the
 * default tenant's is SP_PUBLIC_URL itself, another's SP_PUBLIC_URL/t/<id>. Given to each tenant's
 * runtime as its SP_PUBLIC_URL: its own provider's issuer and the links it hands out are its own
 * (before, every tenant had the default tenant's, so a tenant's sign-in went to Köln's provider and
 * the router took Köln's tokens for the last tenant opened).
 */
function publicUrlOf(config: PlatformConfig, id: string): string | undefined {
  if (!config.SP_PUBLIC_URL) return undefined;
  const base = config.SP_PUBLIC_URL.replace(/\/+$/, '');
  return id === defaultTenantId ? base : `${base}/t/${id}`;
}

/** the feed catalogue of a reference's pack (the repository's when the pack has none) */
function packFeeds(reference: string, config: PlatformConfig): FeedCatalogue {
  return tenantPacks[reference]?.feeds() ?? FeedCatalogue.load(config.SP_FEED_CATALOGUE);
}

async function startTenantRuntime(config: PlatformConfig, tenant: Tenant, url: string, pglite: PgliteTemplate | undefined, telemetry: Telemetry, rebuild: DeploymentOptions): Promise<TenantRuntime> {
  const pack = tenantPacks[tenant.reference];
  if (!pack) throw new Error(`no spatial reference "${tenant.reference}"; accepted: ${referenceNames().join(', ')}`);
  // the tenant's directory keeps its secrets and keys; in the embedded default its stores too
  const dir = tenantDir(config.dataDir, tenant.id);
  mkdirSync(dir, { recursive: true });
  const engines =
    config.SP_ENGINES === 'servers'
      ? {
          ...(await openServersTenantEngines(config, tenant.id)),
          ...(rebuild.rebuildWarehouses ? { warehouseRepair: askedWarehouseRebuild } : {}),
          ...(rebuild.rebuildVersionRecords ? { repair: askedVersionRecordsRebuild } : {}),
        }
      : await openTenantEngines(dir, pglite ? { pgliteTemplate: () => pglite.path() } : {});
  try {
    // the tenant's own secrets (tokens, record keys) and keys, in its own directory; its threshold
    const { SP_RECORD_KEY_SECRET: _recordKeys, SP_SUPPRESSION_THRESHOLD: threshold, ...shared } = config;
    const suppression = tenant.suppressionThreshold ?? threshold;
    const publicUrl = publicUrlOf(config, tenant.id);
    const tenantConfig: PlatformConfig = {
      ...shared,
      dataDir: dir,
      SP_DATA_DIR: dir,
      ...(suppression === undefined ? {} : { SP_SUPPRESSION_THRESHOLD: suppression }),
      ...(publicUrl === undefined ? {} : { SP_PUBLIC_URL: publicUrl }),
    };
    // the tenant's own Ämter, when its definition names them, replace the pack's (docs/tenants.md)
    const { feeds, catalogue } = tenant.amts
      ? withTenantAmts(packFeeds(tenant.reference, config), pack.catalogue() ?? loadCatalogue(config.SP_INDICATOR_CATALOGUE), tenant.amts)
      : { feeds: pack.feeds(), catalogue: pack.catalogue() };
    const platform = await startPlatform(tenantConfig, engines, {
      tenant: {
        reference: pack.reference(),
        ...(feeds ? { feeds } : {}),
        ...(catalogue ? { catalogue } : {}),
        extraSources: pack.extraSources(tenant.attribution),
        ...(pack.licences ? { licences: pack.licences } : {}),
      },
      serve: { url },
      telemetry,
    });
    return { id: tenant.id, platform, engines };
  } catch (error) {
    await telemetry.shutdown();
    await engines.close().catch(() => undefined);
    throw error;
  }
}
