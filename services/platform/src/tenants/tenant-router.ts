// The one HTTP entry of a multi-tenant deployment. Every request is given to exactly one tenant's
// runtime (its own ingestion, gateway with its response cache, dashboard routes), chosen once here
// and opened for the request when it is closed:
// a /t/{tenant}/ path prefix or an X-SP-Tenant header names it, an API key or token belongs to one,
// and without either the default tenant (Köln) answers, so every existing URL keeps its meaning.
// /admin/ is the deployment's own (tenant registry), never a tenant's.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { resolveTenant, splitTenantPath } from '@sp/tenancy';
import { observabilityPaths } from '@sp/telemetry';
import type { CredentialIndex } from './tenant-credentials.js';

export type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export interface TenantRouterDeps {
  defaultTenant: string;
  /**
   * the handler of a registered tenant's runtime, opened when it is closed (tenant-pool.ts), with the
   * lease that keeps it open until the response has ended; throws when it cannot be opened (503)
   */
  runtimeOf: (tenant: string) => Promise<{ handle: Handler; release(): void }>;
  /** the registered tenants */
  known: () => ReadonlySet<string>;
  /**
   * reads the registry again (servers mode: another replica may have created the tenant a request
   * names, or the one its key belongs to); asked before answering UNKNOWN_TENANT, or before giving a
   * request that names no tenant and carries a credential no tenant here knows to the default tenant
   */
  learn?: () => Promise<void>;
  credentials: CredentialIndex;
  admin: { handles(path: string): boolean; handle: Handler };
  /** the deployment's public list of tenants (GET /tenants, also under /t/{id}/ for the dashboard's relative URLs) */
  directory?: Handler;
  /**
   * whether the tenant's runtime is open or opening; a probe (health, metrics) of one that is not is
   * answered here without opening it (default: every tenant counts as awake)
   */
  awake?: (tenant: string) => boolean;
  report?: (line: string) => void;
}

/** thrown by runtimeOf for a tenant that is still starting (the default tenant before its platform is up): 503 TENANT_STARTING */
export class TenantStarting extends Error {
  constructor(readonly tenant: string) {
    super(`tenant "${tenant}" is starting; try again in a few seconds`);
  }
}

/** the public tenant list's path, after the tenant prefix */
export const tenantDirectoryPath = '/tenants';

export function tenantRouter(deps: TenantRouterDeps): Handler {
  return (req, res) => {
    const rawUrl = req.url ?? '/';
    if (deps.admin.handles(rawUrl.split('?')[0]!)) return deps.admin.handle(req, res);
    const split = splitTenantPath(rawUrl);
    const header = req.headers['x-sp-tenant'];
    const headerTenant = (Array.isArray(header) ? header[0] : header)?.trim() || undefined;
    const resolve = () => resolveTenant({ pathTenant: split.tenant, headerTenant, credentialTenant: deps.credentials.tenantOf(req.headers) }, deps.known(), deps.defaultTenant);
    const first = resolve();
    const unknownHere =
      first.kind === 'rejected'
        ? first.code === 'UNKNOWN_TENANT'
        : split.tenant === undefined && headerTenant === undefined && deps.credentials.tenantOf(req.headers) === undefined && deps.credentials.carries(req.headers);
    if (!deps.learn || !unknownHere) return dispatch(first);
    deps.learn().then(
      () => dispatch(resolve()),
      (error: unknown) => {
        deps.report?.(`[tenants] the registry could not be read: ${error instanceof Error ? error.message : String(error)}`);
        dispatch(first);
      },
    );

    function dispatch(resolution: ReturnType<typeof resolveTenant>) {
      if (resolution.kind === 'rejected') return refuse(res, split.url, resolution.status, resolution.code, resolution.message);
      // /t/{id} without the slash: the dashboard's relative links need the directory
      if (split.tenant !== undefined && /^\/t\/[^/?#]+(\?|$)/.test(rawUrl)) {
        res.writeHead(308, { location: rawUrl.replace(/^(\/t\/[^/?#]+)/, '$1/') }).end();
        return;
      }
      if (deps.directory && split.url.split('?')[0] === tenantDirectoryPath) return deps.directory(req, res);
      const tenant = resolution.tenant;
      // a monitor probing every tenant must not open them all (the cap would close and open them in turn)
      if (tenant !== deps.defaultTenant && deps.awake && !deps.awake(tenant) && isProbe(req.method, split.url)) return answerClosed(res, tenant, split.url);
      deps.runtimeOf(tenant).then(
        ({ handle, release }) => {
          // the lease holds the runtime open until the response has ended or its connection is gone
          res.once('close', release);
          if (res.destroyed) return release();
          // the tenant's runtime sees its own paths, as if it were alone
          req.url = split.url;
          handle(req, res);
        },
        (error: unknown) => {
          if (res.headersSent) return;
          if (error instanceof TenantStarting) return refuse(res, split.url, 503, 'TENANT_STARTING', error.message);
          deps.report?.(`tenant ${tenant}: its runtime could not be opened: ${error instanceof Error ? error.message : String(error)}`);
          refuse(res, split.url, 503, 'TENANT_UNAVAILABLE', `tenant "${tenant}" cannot be opened right now; try again in a few seconds`);
        },
      );
    }
  };
}

function refuse(res: ServerResponse, path: string, status: number, code: string, message: string): void {
  // GraphQL clients read `errors`, everything else the ingestion's shape
  const body = path.split('?')[0] === '/graphql' ? { errors: [{ message, extensions: { code } }] } : { error: { code, message } };
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...(status === 503 ? { 'retry-after': '2' } : {}) }).end(JSON.stringify(body));
}

/** the operator's endpoints of a runtime, and the ingestion's older /health */
const probePaths = new Set<string>([...observabilityPaths, '/health']);

function isProbe(method: string | undefined, url: string): boolean {
  return (method === 'GET' || method === 'HEAD') && probePaths.has(url.split('?')[0]!);
}

/**
 * A probe of a closed tenant: 200, saying it is closed — it opens on its next request other than a
 * probe, and its stores are checked then (an open tenant's probe checks them now, in its runtime).
 */
function answerClosed(res: ServerResponse, tenant: string, url: string): void {
  if (url.split('?')[0] === '/metrics') {
    res
      .writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' })
      .end(`# tenant ${tenant} is closed: no runtime to measure; it opens on its next request other than a probe\n`);
    return;
  }
  res
    .writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify({ status: 'closed', service: 'platform', tenant, info: { runtime: 'closed: opened by its next request other than a probe, which checks its stores then' } }));
}
