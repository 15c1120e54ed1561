// Tenants behind SP_PUBLIC_URL (the deployment's address as the browser sees it; the k8s manifest
// sets it): each tenant's sign-in is its own at SP_PUBLIC_URL/t/<id> — its provider's issuer and
// endpoints, the dashboard's sign-in redirect — and the router still takes Köln's tokens for Köln.
// Before, every tenant's runtime was given Köln's SP_PUBLIC_URL: a town's sign-in went to Köln's
// provider (which refused the town's redirect address), and once a tenant had opened, the router took
// every token of Köln's issuer for that tenant (Köln's own planners at /t/koeln/ were refused, 403).
import { freePort, tempDir } from '@sp/testing';
import { tokenFor } from '@sp/gateway/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startDeployment, type Deployment } from './deployment.js';

describe('tenants behind SP_PUBLIC_URL', () => {
  let config: PlatformConfig;
  let engines: Engines;
  let d: Deployment;
  let url: string;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    config = loadConfig({ SP_DATA_DIR: tempDir('sp-tenant-public-url-'), SP_HOST: '127.0.0.1', SP_PORT: String(port), SP_PUBLIC_URL: url, SP_DEMO: '0' });
    engines = await openEngines(config);
    d = await startDeployment(config, engines);
    const created = await fetch(`${url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${d.adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'musterstadt', name: 'Musterstadt', kind: 'gemeinde', reference: 'musterstadt' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
  }, 300_000);
  afterAll(async () => {
    await d?.close();
    await engines?.close();
  });

  it('gives the town a provider of its own under its path, and sends its sign-in there', async () => {
    const discovery = (await (await fetch(`${url}/t/musterstadt/auth/.well-known/openid-configuration`)).json()) as { issuer: string; authorization_endpoint: string };
    expect(discovery.issuer).toBe(`${url}/t/musterstadt/auth`);
    expect(discovery.authorization_endpoint.startsWith(`${url}/t/musterstadt/auth/`)).toBe(true);
    const login = await fetch(`${url}/t/musterstadt/session/login`, { redirect: 'manual' });
    expect(login.status).toBe(303);
    const to = new URL(login.headers.get('location')!);
    expect(`${to.origin}${to.pathname}`.startsWith(`${url}/t/musterstadt/auth/`)).toBe(true);
    expect(to.searchParams.get('redirect_uri')).toBe(`${url}/t/musterstadt/session/callback`);
    // Köln's stays where it was
    expect(((await (await fetch(`${url}/auth/.well-known/openid-configuration`)).json()) as { issuer: string }).issuer).toBe(`${url}/auth`);
  });

  it("routes a token of Köln's issuer to Köln, not to the tenant opened last", async () => {
    const koeln = await tokenFor({ role: 'planner', privileged: true, iss: `${url}/auth` });
    const res = await fetch(`${url}/t/koeln/graphql`, { method: 'POST', headers: { authorization: `Bearer ${koeln}`, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    // Köln's gateway checks it (a test token: not signed by Köln's provider), no TENANT_MISMATCH before
    expect(await res.text()).not.toContain('TENANT_MISMATCH');
    const town = await tokenFor({ role: 'planner', privileged: true, iss: `${url}/t/musterstadt/auth` });
    const mismatch = await fetch(`${url}/t/koeln/graphql`, { method: 'POST', headers: { authorization: `Bearer ${town}`, 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(mismatch.status).toBe(403);
  });
});
