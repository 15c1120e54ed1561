// The tenant registry and its admin API on the embedded default: only the admin token creates,
// lists or removes tenants, bad definitions are refused with what would be accepted and change
// nothing, a created tenant answers at once under /t/{id}/ and, after a restart, opens at its first
// request; a removed one is gone with its data, also when the process stopped half-way.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startDeployment, type Deployment } from './deployment.js';
import { TenantRepository } from './tenant.repository.js';

const adminToken = 'admin-token-of-the-test-deployment-0123456789';

describe('tenant registry and admin API', () => {
  const dataDir = tempDir('sp-tenants-admin-');
  const config: PlatformConfig = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0', SP_ADMIN_TOKEN: adminToken });
  let engines: Engines;
  let deployment: Deployment;
  const admin = (method: string, body?: unknown, token: string | null = adminToken) =>
    fetch(`${deployment.url}/admin/tenants`, {
      method,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });

  beforeAll(async () => {
    engines = await openEngines(config);
    deployment = await startDeployment(config, engines);
  }, 300_000);
  afterAll(async () => {
    await deployment?.close();
    await engines?.close();
  });

  it('refuses the admin API without the admin token, or with a tenant key', async () => {
    expect((await admin('GET', undefined, null)).status).toBe(401);
    expect((await admin('GET', undefined, 'wrong-token')).status).toBe(401);
    expect((await admin('POST', { id: 'musterstadt', name: 'Musterstadt', reference: 'musterstadt' }, deployment.platform.keys.keys.statistik!)).status).toBe(401);
    expect((await admin('GET')).status).toBe(200);
  });

  it('refuses bad definitions with the field and what is accepted, and stores nothing', async () => {
    const bad = await admin('POST', { id: '../etc', name: 'x', reference: 'musterstadt' });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: 'INVALID_TENANT', issues: [{ path: 'id' }] } });
    const unknownRef = await admin('POST', { id: 'atlantis', name: 'Atlantis', reference: 'atlantis' });
    expect(unknownRef.status).toBe(400);
    expect(((await unknownRef.json()) as { error: { message: string } }).error.message).toMatch(/accepted: .*musterstadt/);
    expect((await admin('POST', '{not json')).status).toBe(400);
    expect((await admin('POST', { id: 'koeln', name: 'Köln', reference: 'musterstadt' })).status).toBe(409);
    expect(((await (await admin('GET')).json()) as { tenants: unknown[] }).tenants).toEqual([]);
    expect(existsSync(join(dataDir, 'tenants', 'atlantis'))).toBe(false);
  });

  it('creates a tenant that answers at once under its prefix, with its own keys and stores', async () => {
    const res = await admin('POST', { id: 'musterstadt', name: 'Musterstadt', kind: 'gemeinde', reference: 'musterstadt', suppressionThreshold: 5 });
    expect(res.status).toBe(201);
    const created = (await res.json()) as { url: string; apiKeys: Record<string, string>; tenant: { id: string } };
    expect(created.url).toBe(`${deployment.url}/t/musterstadt`);
    expect(created.apiKeys.statistik).toMatch(/^sp_/);
    expect(created.apiKeys.statistik).not.toBe(deployment.platform.keys.keys.statistik);
    for (const store of ['eventlog', 'postgres', 'warehouse']) expect(existsSync(join(dataDir, 'tenants', 'musterstadt', store))).toBe(true);
    expect((await admin('POST', { id: 'musterstadt', name: 'Musterstadt', reference: 'musterstadt' })).status).toBe(409);
    const list = (await (await admin('GET')).json()) as { default: string; tenants: { id: string; kind: string; suppressionThreshold: number }[] };
    expect(list.default).toBe('koeln');
    expect(list.tenants).toMatchObject([{ id: 'musterstadt', kind: 'gemeinde', suppressionThreshold: 5 }]);
    const areas = await fetch(`${created.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ areas(level: SOZIALRAUM) { code } }' }),
    });
    expect(((await areas.json()) as { data: { areas: { code: string }[] } }).data.areas.map((a) => a.code)).toEqual(['1', '2', '3', '4', '5', '6', '7']);
  }, 120_000);

  // the CLI, asynchronously: the deployment answers from this very process
  const cli = (...args: string[]) =>
    new Promise<{ status: number | null; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [join(repoRoot, 'services/platform/dist/tenants/tenant.main.js'), ...args],
        { env: { ...process.env, SP_URL: deployment.url, SP_ADMIN_TOKEN: adminToken }, encoding: 'utf8' },
        (error, stdout) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout }),
      );
    });

  it('has a CLI that calls the admin API', async () => {
    const list = await cli('list');
    expect(list.status).toBe(0);
    expect(JSON.parse(list.stdout.slice(4))).toMatchObject({ default: 'koeln', tenants: [{ id: 'musterstadt' }] });
    const bad = await cli('create', '--id', 'x', '--name', 'X', '--reference', 'musterstadt');
    expect(bad.status).toBe(1);
    expect(bad.stdout).toMatch(/^400 .*INVALID_TENANT/);
  });

  it('knows the registered tenants after a restart and opens one at its first request', async () => {
    await deployment.close();
    await engines.close();
    engines = await openEngines(config);
    deployment = await startDeployment(config, engines);
    expect(deployment.registered()).toEqual(['koeln', 'musterstadt']);
    expect([...deployment.runtimes.keys()]).toEqual(['koeln']);
    const res = await fetch(`${deployment.tenantUrl('musterstadt')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ areas(level: STADT) { name } }' }),
    });
    expect(await res.json()).toEqual({ data: { areas: [{ name: 'Musterstadt' }] } });
    expect([...deployment.runtimes.keys()].sort()).toEqual(['koeln', 'musterstadt']);
  }, 300_000);

  const restart = async () => {
    await deployment.close();
    await engines.close();
    engines = await openEngines(config);
    deployment = await startDeployment(config, engines);
  };
  const removal = (id: string, confirm?: string) =>
    fetch(`${deployment.url}/admin/tenants/${id}${confirm === undefined ? '' : `?confirm=${confirm}`}`, { method: 'DELETE', headers: { authorization: `Bearer ${adminToken}` } });
  const graphqlStatus = async (id: string) =>
    (await fetch(`${deployment.tenantUrl(id)}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ areas(level: STADT) { name } }' }) }))
      .status;

  it('removes a tenant with its data only when asked with its id twice', async () => {
    const tenantDirectory = join(dataDir, 'tenants', 'musterstadt');
    const asDefault = await removal('koeln', 'koeln');
    expect(asDefault.status).toBe(409);
    expect(await asDefault.json()).toMatchObject({ error: { code: 'DEFAULT_TENANT' } });
    const unconfirmed = await removal('musterstadt');
    expect(unconfirmed.status).toBe(400);
    expect(((await unconfirmed.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: 'CONFIRMATION_REQUIRED',
      message: expect.stringContaining('?confirm=musterstadt'),
    });
    expect((await removal('musterstadt', 'koeln')).status).toBe(400);
    expect((await removal('atlantis', 'atlantis')).status).toBe(404);
    expect((await fetch(`${deployment.url}/admin/tenants/musterstadt?confirm=musterstadt`, { method: 'DELETE' })).status).toBe(401);
    // nothing of the refusals changed anything
    expect(deployment.registered()).toEqual(['koeln', 'musterstadt']);
    expect(await graphqlStatus('musterstadt')).toBe(200);

    const removed = await cli('remove', '--id', 'musterstadt', '--confirm', 'musterstadt');
    expect(removed.status).toBe(0);
    expect(JSON.parse(removed.stdout.slice(4))).toEqual({ removed: 'musterstadt', complete: true });
    expect(deployment.registered()).toEqual(['koeln']);
    expect(existsSync(tenantDirectory)).toBe(false);
    expect(await graphqlStatus('musterstadt')).toBe(404);
    expect(((await (await admin('GET')).json()) as { tenants: unknown[] }).tenants).toEqual([]);
    expect((await removal('musterstadt', 'musterstadt')).status).toBe(404);
  }, 120_000);

  it('finishes a removal a stopped process left half-way, and refuses the id until then', async () => {
    const created = await admin('POST', { id: 'musterstadt', name: 'Musterstadt', reference: 'musterstadt' });
    expect(created.status).toBe(201);
    const tenantDirectory = join(dataDir, 'tenants', 'musterstadt');
    expect(existsSync(join(tenantDirectory, 'eventlog'))).toBe(true);
    // the process stops right after taking the tenant out of the registry, before deleting anything
    expect(await new TenantRepository(engines.database).deregister('musterstadt')).toBe(true);
    const again = await admin('POST', { id: 'musterstadt', name: 'Musterstadt', reference: 'musterstadt' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { message: string } }).error.message).toMatch(/still being deleted/);
    expect(existsSync(tenantDirectory)).toBe(true);
    await restart();
    expect(existsSync(tenantDirectory)).toBe(false);
    expect(await new TenantRepository(engines.database).pendingRemovals()).toEqual([]);
    expect(deployment.registered()).toEqual(['koeln']);
    expect(await graphqlStatus('musterstadt')).toBe(404);
  }, 300_000);
});
