// The router alone, on a real HTTP server with two stand-in tenant runtimes that record what reaches
// them: the tenant check must stop a credential of one tenant naming another before either runtime
// sees the request. (tenant-isolation.int.test.ts plays the same attacks against real runtimes.)
import { createServer, type Server } from 'node:http';
import { tokenFor } from '@sp/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialIndex } from './tenant-credentials.js';
import { tenantRouter } from './tenant-router.js';
import { createHash } from 'node:crypto';

const keys = { koeln: `sp_statistik-1_${'k'.repeat(43)}`, musterstadt: `sp_statistik-1_${'m'.repeat(43)}` };
const sha = (k: string) => `sha256:${createHash('sha256').update(k).digest('hex')}`;
// each tenant's tokens have their own issuer (its provider at <tenant url>/auth)
const issuers = { koeln: 'http://platform.test/auth', musterstadt: 'http://platform.test/t/musterstadt/auth' };
const token = (tenant: keyof typeof issuers) => tokenFor({ role: 'planner', privileged: true, iss: issuers[tenant] });

describe('tenant router', () => {
  const seen: { tenant: string; url: string }[] = [];
  let server: Server;
  let url: string;
  beforeAll(async () => {
    const credentials = new CredentialIndex();
    for (const t of ['koeln', 'musterstadt'] as const) credentials.add({ tenant: t, apiKeyHashes: [sha(keys[t])], issuer: issuers[t] });
    const handler = (tenant: string) => (req: { url?: string }, res: import('node:http').ServerResponse) => {
      seen.push({ tenant, url: req.url ?? '' });
      res.end(tenant);
    };
    server = createServer(
      tenantRouter({
        defaultTenant: 'koeln',
        runtimeOf: async (tenant) => ({ handle: handler(tenant), release: () => undefined }),
        known: () => new Set(['koeln', 'musterstadt']),
        credentials,
        admin: { handles: (p) => p.startsWith('/admin/'), handle: (_req, res) => res.end('admin') },
        directory: (_req, res) => res.end('directory'),
      }),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const call = async (path: string, headers: Record<string, string> = {}) => {
    seen.length = 0;
    const res = await fetch(`${url}${path}`, { headers });
    return { status: res.status, body: await res.text(), reached: [...seen] };
  };

  it("refuses Köln's key and token naming Musterstadt: 403, no runtime reached", async () => {
    const credentials: Record<string, string>[] = [{ authorization: `Bearer ${keys.koeln}` }, { 'x-api-key': keys.koeln }, { authorization: `Bearer ${await token('koeln')}` }];
    for (const headers of credentials) {
      for (const [path, extra] of [
        ['/t/musterstadt/graphql', {}],
        ['/graphql', { 'x-sp-tenant': 'musterstadt' }],
        ['/t/musterstadt/v1/deliveries/area-statistic', {}],
        ['/t/musterstadt/export/indicator-values.csv', {}],
      ] as const) {
        const r = await call(path, { ...headers, ...extra });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(403);
        expect(r.body).toContain('TENANT_MISMATCH');
        expect(r.reached).toEqual([]);
      }
    }
  });

  it("refuses Musterstadt's credentials naming Köln", async () => {
    expect((await call('/graphql', { authorization: `Bearer ${keys.musterstadt}`, 'x-sp-tenant': 'koeln' })).status).toBe(403);
    expect((await call('/t/koeln/graphql', { authorization: `Bearer ${await token('musterstadt')}` })).status).toBe(403);
  });

  it('takes a token of an issuer several tenants share (one external provider) for none of them', async () => {
    const shared = new CredentialIndex();
    for (const t of ['koeln', 'musterstadt']) shared.add({ tenant: t, apiKeyHashes: [], issuer: 'https://idp.example/realms/stadt' });
    const headers = { authorization: `Bearer ${await tokenFor({ role: 'planner', privileged: true, iss: 'https://idp.example/realms/stadt' })}` };
    // the tenant a request names (or the default) checks it; before, the last tenant added claimed it
    expect(shared.tenantOf(headers)).toBeUndefined();
    shared.remove('musterstadt');
    expect(shared.tenantOf(headers)).toBe('koeln');
  });

  it("routes by name, by credential, else to Köln, with the tenant's own path", async () => {
    expect((await call('/graphql')).reached).toEqual([{ tenant: 'koeln', url: '/graphql' }]);
    expect((await call('/t/musterstadt/export/x.csv?a=1')).reached).toEqual([{ tenant: 'musterstadt', url: '/export/x.csv?a=1' }]);
    expect((await call('/graphql', { authorization: `Bearer ${keys.musterstadt}` })).reached).toEqual([{ tenant: 'musterstadt', url: '/graphql' }]);
    expect((await call('/graphql', { authorization: `Bearer ${await token('musterstadt')}` })).reached).toEqual([{ tenant: 'musterstadt', url: '/graphql' }]);
    // a credential no tenant knows belongs to none: the named or default tenant refuses it itself
    expect((await call('/t/musterstadt/graphql', { authorization: 'Bearer sp_x-1_unknownunknownunknownunknownunknown' })).reached).toEqual([{ tenant: 'musterstadt', url: '/graphql' }]);
    expect((await call('/admin/tenants')).body).toBe('admin');
    // the public tenant list is the deployment's, at / and under a known tenant's path (the dashboard's relative URL)
    for (const path of ['/tenants', '/t/musterstadt/tenants']) expect(await call(path)).toEqual({ status: 200, body: 'directory', reached: [] });
    expect((await call('/t/nowhere/tenants')).status).toBe(404);
    const bare = await fetch(`${url}/t/musterstadt?x=1`, { redirect: 'manual' });
    expect([bare.status, bare.headers.get('location')]).toEqual([308, '/t/musterstadt/?x=1']);
  });
});
