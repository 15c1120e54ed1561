// A multi-tenant deployment: one HTTP server, the default tenant (Köln, on the engines the platform
// always opened) and every registered tenant, each a platform runtime of its own (reference,
// catalogues, ingestion keys, gateway and response cache, projections) on stores of its own
// (tenant-engines.ts). The router picks the runtime once per request (tenant-router.ts); the admin
// API creates tenants while the deployment runs. docs/tenants.md says why it is built this way.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, rmSync } from 'node:fs';
import { FeedCatalogue } from '@sp/feeds';
import { loadCatalogue } from '@sp/indicators';
import type { Tenant } from '@sp/tenancy';
import { loadOrCreateSecret } from '../api-keys.store.js';
import type { PlatformConfig } from '../config.js';
import type { Engines } from '../engines.js';
import { startPlatform, type Platform } from '../platform.js';
import { withTenantAmts } from './tenant-amts.js';
import { CredentialIndex } from './tenant-credentials.js';
import { openTenantEngines, tenantDir } from './tenant-engines.js';
import { dropServersTenantStores, openServersTenantEngines } from './tenant-engines.servers.js';
import { referenceNames, tenantPacks } from './tenant-packs.js';
import { TenantRepository } from './tenant.repository.js';
import { TenantService } from './tenant.service.js';
import { tenantsController } from './tenants.controller.js';
import { tenantDirectoryPath, tenantRouter, type Handler } from './tenant-router.js';

export const defaultTenantId = 'koeln';

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
  runtimes: ReadonlyMap<string, TenantRuntime>;
  tenants: TenantService;
  adminToken: string;
  /** the base URL of a tenant's API, GraphQL and dashboard */
  tenantUrl(id: string): string;
  close(): Promise<void>;
}

export async function startDeployment(config: PlatformConfig, engines: Engines): Promise<Deployment> {
  const handlers = new Map<string, Handler>();
  const runtimes = new Map<string, TenantRuntime>();
  const credentials = new CredentialIndex();
  const repository = new TenantRepository(engines.database);
  await repository.migrate();
  const registered = new Set<string>([defaultTenantId, ...(await repository.list()).map((t) => t.id)]);
  const adminToken = config.SP_ADMIN_TOKEN ?? loadOrCreateSecret(config.dataDir, 'admin-token');

  let url = '';
  const tenantUrl = (id: string) => (id === defaultTenantId ? url : `${url}/t/${id}`);
  const starter = {
    async start(tenant: Tenant) {
      const runtime = await startTenantRuntime(config, tenant, tenantUrl(tenant.id));
      runtimes.set(tenant.id, runtime);
      credentials.add({ tenant: tenant.id, apiKeyHashes: runtime.platform.keys.entries.map((e) => e.hash), issuer: runtime.platform.identity.issuer() });
      registered.add(tenant.id);
      handlers.set(tenant.id, runtime.platform.handle);
      return { url: tenantUrl(tenant.id), apiKeys: runtime.platform.keys.keys, apiKeysFile: runtime.platform.keys.file };
    },
    async discard(id: string) {
      handlers.delete(id);
      registered.delete(id);
      credentials.remove(id);
      const runtime = runtimes.get(id);
      runtimes.delete(id);
      if (runtime) {
        await runtime.platform.close();
        await runtime.engines.close();
      }
      if (config.SP_ENGINES === 'servers') await dropServersTenantStores(config, id);
      rmSync(tenantDir(config.dataDir, id), { recursive: true, force: true });
    },
  };
  const tenants = new TenantService({
    repository,
    runtimes: starter,
    defaultTenant: defaultTenantId,
    references: referenceNames(),
    datasetsOf: (reference) => Object.keys(packFeeds(reference, config).file.datasets),
    url: tenantUrl,
  });
  const admin = tenantsController(tenants, adminToken);
  let defaultName = 'Köln';
  // public fields only (no reference, threshold, keys): the dashboard's tenant switcher
  const directory: Handler = (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res
        .writeHead(405, { 'content-type': 'application/json; charset=utf-8', allow: 'GET, HEAD' })
        .end(JSON.stringify({ error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} ${tenantDirectoryPath}; accepted: GET` } }));
      return;
    }
    void repository
      .list()
      .then((list) => {
        const running = list.filter((t) => handlers.has(t.id));
        const entries = [{ id: defaultTenantId, name: defaultName, kind: 'stadt', path: '/' }, ...running.map((t) => ({ id: t.id, name: t.name, kind: t.kind, path: `/t/${t.id}/` }))];
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify({ default: defaultTenantId, tenants: entries }));
      })
      .catch((error: unknown) => {
        res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify({ error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } }));
      });
  };
  const server = createServer(tenantRouter({ defaultTenant: defaultTenantId, handlers, known: () => registered, credentials, admin, directory }));
  server.requestTimeout = 120_000;
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.SP_PORT, config.SP_HOST, () => resolve());
  });
  url = `http://${config.SP_HOST}:${(server.address() as AddressInfo).port}`;

  const platform = await startPlatform(config, engines, { serve: { url } });
  defaultName = platform.reference.name;
  runtimes.set(defaultTenantId, { id: defaultTenantId, platform, engines });
  credentials.add({ tenant: defaultTenantId, apiKeyHashes: platform.keys.entries.map((e) => e.hash), issuer: platform.identity.issuer() });
  handlers.set(defaultTenantId, platform.handle);
  // the registered tenants start one after the other; until then they answer 503
  for (const tenant of await repository.list()) await starter.start(tenant);

  return {
    url,
    server,
    platform,
    runtimes,
    tenants,
    adminToken,
    tenantUrl,
    async close() {
      await new Promise<void>((r) => server.close(() => r()));
      server.closeAllConnections();
      for (const [id, runtime] of [...runtimes].reverse()) {
        await runtime.platform.close();
        // the default tenant's engines belong to the caller, who opened them
        if (id !== defaultTenantId) await runtime.engines.close();
      }
    },
  };
}

/** the feed catalogue of a reference's pack (the repository's when the pack has none) */
function packFeeds(reference: string, config: PlatformConfig): FeedCatalogue {
  return tenantPacks[reference]?.feeds() ?? FeedCatalogue.load(config.SP_FEED_CATALOGUE);
}

async function startTenantRuntime(config: PlatformConfig, tenant: Tenant, url: string): Promise<TenantRuntime> {
  const pack = tenantPacks[tenant.reference];
  if (!pack) throw new Error(`no spatial reference "${tenant.reference}"; accepted: ${referenceNames().join(', ')}`);
  // the tenant's directory keeps its secrets and keys; in the embedded default its stores too
  const dir = tenantDir(config.dataDir, tenant.id);
  mkdirSync(dir, { recursive: true });
  const engines = config.SP_ENGINES === 'servers' ? await openServersTenantEngines(config, tenant.id) : await openTenantEngines(dir);
  try {
    // the tenant's own secrets (tokens, record keys) and keys, in its own directory; its threshold
    const { SP_RECORD_KEY_SECRET: _recordKeys, SP_SUPPRESSION_THRESHOLD: threshold, ...shared } = config;
    const suppression = tenant.suppressionThreshold ?? threshold;
    const tenantConfig: PlatformConfig = { ...shared, dataDir: dir, SP_DATA_DIR: dir, ...(suppression === undefined ? {} : { SP_SUPPRESSION_THRESHOLD: suppression }) };
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
    });
    return { id: tenant.id, platform, engines };
  } catch (error) {
    await engines.close().catch(() => undefined);
    throw error;
  }
}
