// The deployment's admin API for tenants: GET /admin/tenants lists them, POST /admin/tenants creates
// one (body: see @sp/tenancy's tenantDefinitionSchema), DELETE /admin/tenants/<id>?confirm=<id>
// removes one with its data. Speaks HTTP only: the admin token (a bearer
// token, SP_ADMIN_TOKEN or <data>/admin-token) is checked here, the work is TenantService's.
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TenantService } from './tenant.service.js';

export const adminTenantsPath = '/admin/tenants';
const maxBodyBytes = 64 * 1024;

export function tenantsController(service: TenantService, adminToken: string) {
  const expected = createHash('sha256').update(adminToken).digest();
  const authorised = (req: IncomingMessage): boolean => {
    const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(createHash('sha256').update(m[1]!.trim()).digest(), expected);
  };
  return {
    handles: (path: string) => path === adminTenantsPath || path.startsWith('/admin/'),
    handle(req: IncomingMessage, res: ServerResponse): void {
      void (async () => {
        const requested = new URL(req.url ?? '/', 'http://admin');
        const path = requested.pathname;
        const one = path.startsWith(`${adminTenantsPath}/`) ? decodeURIComponent(path.slice(adminTenantsPath.length + 1)) : undefined;
        if (path !== adminTenantsPath && (one === undefined || one === '' || one.includes('/'))) {
          return answer(res, 404, { error: { code: 'NOT_FOUND', message: `no admin route ${path}; available: GET, POST ${adminTenantsPath}, DELETE ${adminTenantsPath}/<id>` } });
        }
        if (!authorised(req)) {
          return answer(
            res,
            401,
            { error: { code: 'UNAUTHENTICATED', message: 'the admin API needs "Authorization: Bearer <admin token>" (SP_ADMIN_TOKEN, or the file admin-token in the data directory)' } },
            { 'www-authenticate': 'Bearer realm="sp-admin"' },
          );
        }
        if (one !== undefined) {
          if (req.method !== 'DELETE') {
            return answer(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} ${path}; accepted: DELETE (with ?confirm=${one})` } }, { allow: 'DELETE' });
          }
          const result = await service.remove(one, requested.searchParams.get('confirm') ?? undefined);
          switch (result.kind) {
            case 'removed':
              process.stdout.write(`[tenants] tenant "${result.id}" removed through the admin API; its log, database, warehouse and directory are deleted\n`);
              return answer(res, 200, { removed: result.id, complete: true });
            case 'pending':
              // out of the registry for good (durable); the rest of the deletion follows by itself
              process.stdout.write(`[tenants] tenant "${result.id}" removed through the admin API; ${result.message}\n`);
              return answer(res, 202, { removed: result.id, complete: false, message: result.message });
            case 'rejected':
              return answer(res, result.status, { error: { code: result.code, message: result.message } });
          }
        }
        if (req.method === 'GET') return answer(res, 200, await service.list());
        if (req.method !== 'POST') return answer(res, 405, { error: { code: 'METHOD_NOT_ALLOWED', message: `${req.method} ${adminTenantsPath}; accepted: GET, POST` } }, { allow: 'GET, POST' });
        const body = await readJson(req);
        if (!body.ok) return answer(res, body.status, { error: { code: body.code, message: body.message } });
        const result = await service.create(body.value);
        switch (result.kind) {
          case 'accepted':
            return answer(res, 201, result.created, { location: `${adminTenantsPath}/${result.created.tenant.id}` });
          case 'rejected':
            return answer(res, result.code === 'TENANT_EXISTS' ? 409 : 400, { error: { code: result.code, message: result.message, ...(result.issues ? { issues: result.issues } : {}) } });
          case 'unavailable':
            return answer(res, 503, { error: { code: result.code, message: result.message } });
        }
      })().catch((error: unknown) => {
        if (!res.headersSent) answer(res, 500, { error: { code: 'INTERNAL', message: error instanceof Error ? error.message : String(error) } });
      });
    },
  };
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers }).end(JSON.stringify(body));
}

async function readJson(req: IncomingMessage): Promise<{ ok: true; value: unknown } | { ok: false; status: 400 | 413 | 415; code: string; message: string }> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/json\b/i.test(type)) return { ok: false, status: 415, code: 'UNSUPPORTED_MEDIA_TYPE', message: `content-type ${JSON.stringify(type)}; accepted: application/json` };
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maxBodyBytes) return { ok: false, status: 413, code: 'BODY_TOO_LARGE', message: `the body has more than ${maxBodyBytes} bytes` };
    chunks.push(chunk);
  }
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch (error) {
    return { ok: false, status: 400, code: 'INVALID_JSON', message: `the body is not JSON: ${(error as Error).message}` };
  }
}
