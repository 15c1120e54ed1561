// Tenant isolation, played as the attacks: Köln (the default tenant) and Musterstadt (7
// Sozialräume) on one deployment, each with its own data. A key or token of one tenant naming the
// other is refused (403) and changes nothing; a request that names no tenant sees Köln only; the
// same GraphQL query or CSV export for the two tenants never shares an answer (response caches);
// the dashboard's own queries and files answer per tenant. Each attack is refused by the router's
// tenant check; the deployment's second wall (stores and keys of their own) is asserted too.
import { tokenFromDataDir } from '@sp/identity/testing';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startDeployment, type Deployment } from './deployment.js';
import { demoLoaderDeps } from './demo-tenants.js';
import { buildMusterstadtDemo, loadMusterstadtDemo, musterstadtDemo } from './musterstadt.demo.js';
import { tenantDir } from './tenant-engines.js';

type Gql = { data?: Record<string, unknown> | null; errors?: { message: string; extensions?: { code?: string } }[] };

describe('tenant isolation (Köln and Musterstadt on one deployment)', () => {
  const dataDir = tempDir('sp-tenant-isolation-');
  const config: PlatformConfig = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0', SP_ADMIN_TOKEN: 'admin-token-of-the-isolation-test-0123456789' });
  let engines: Engines;
  let d: Deployment;
  let town: string; // Musterstadt's base URL
  let koelnKey: string;
  let townKey: string;
  let koelnPlanner: string;
  let townPlanner: string;
  /** Musterstadt's einwohner of Sozialraum 1 in 2012, as its demo delivered it */
  let townSr1: number;

  const gql = async (base: string, query: string, headers: Record<string, string> = {}): Promise<{ status: number; body: Gql }> => {
    const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
    return { status: res.status, body: (await res.json()) as Gql };
  };
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  const deliver = (base: string, key: string, records: unknown[], headers: Record<string, string> = {}) =>
    fetch(`${base}/v1/deliveries/area-statistic`, { method: 'POST', headers: { ...bearer(key), 'content-type': 'application/json', ...headers }, body: JSON.stringify({ records }) });
  const einwohner = async (base: string, level: string, area: string, headers: Record<string, string> = {}) => {
    const r = await gql(base, `{ indicatorValues(indicator: "einwohner", level: ${level}, period: "2012", areas: ["${area}"]) { value } }`, headers);
    // a number only when the tenant has the value; an error code or null otherwise
    return r.body.data ? ((r.body.data.indicatorValues as { value: number | null }[])[0]?.value ?? null) : (r.body.errors?.[0]?.extensions?.code ?? r.status);
  };
  const townRecord = (value: number) => ({
    key: `bevoelkerung|SOZIALRAUM|1|2012`,
    version: 2,
    dataset: 'bevoelkerung',
    areaLevel: 'SOZIALRAUM',
    areaCode: '1',
    period: '2012',
    observations: [{ measure: 'einwohner', dimensions: {}, value: value }],
    synthetic: true,
  });

  beforeAll(async () => {
    engines = await openEngines(config);
    d = await startDeployment(config, engines);
    const created = await fetch(`${d.url}/admin/tenants`, {
      method: 'POST',
      headers: { ...bearer(d.adminToken), 'content-type': 'application/json' },
      body: JSON.stringify({ ...musterstadtDemo, suppressionThreshold: 3 }),
    });
    expect(created.status).toBe(201);
    const runtime = d.runtimes.get('musterstadt')!;
    town = d.tenantUrl('musterstadt');
    await loadMusterstadtDemo(demoLoaderDeps(d, runtime));
    townSr1 = buildMusterstadtDemo(runtime.platform.reference).find((r) => r.dataset === 'bevoelkerung' && r.areaCode === '1' && r.period === '2012')!.observations[0]!.value;
    koelnKey = d.platform.keys.keys.statistik!;
    townKey = runtime.platform.keys.keys.statistik!;
    // Köln: one Stadtteil's population, delivered as before (no tenant named)
    const res = await deliver(d.url, koelnKey, [
      {
        key: 'bevoelkerung|STADTTEIL|101|2012',
        version: 1,
        dataset: 'bevoelkerung',
        areaLevel: 'STADTTEIL',
        areaCode: '101',
        period: '2012',
        observations: [{ measure: 'einwohner', dimensions: {}, value: 12345 }],
        synthetic: false,
      },
    ]);
    expect(res.status).toBeLessThan(300);
    await d.platform.projections.caughtUp();
    // each tenant's own provider signs its planners' tokens (issuer <tenant url>/auth)
    koelnPlanner = await tokenFromDataDir(dataDir, d.tenantUrl('koeln'), { role: 'planner', privileged: true });
    townPlanner = await tokenFromDataDir(tenantDir(dataDir, 'musterstadt'), d.tenantUrl('musterstadt'), { role: 'planner', privileged: true });
  }, 400_000);
  afterAll(async () => {
    await d?.close();
    await engines?.close();
  });

  it('each tenant sees its own data; a request naming none is Köln', async () => {
    expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1);
    expect(await einwohner(d.url, 'STADTTEIL', '101')).toBe(12345);
    // the town's data is not reachable without naming it: the default tenant answers, and it has no Sozialraum "1"
    expect(typeof (await einwohner(d.url, 'SOZIALRAUM', '1'))).not.toBe('number');
    const koelnSr = await gql(d.url, '{ areas(level: SOZIALRAUM) { code } }');
    expect((koelnSr.body.data!.areas as unknown[]).length).toBe(15);
  });

  describe('ingestion', () => {
    it("refuses Köln's key naming Musterstadt (path or header) with 403 and changes nothing", async () => {
      for (const [base, headers] of [
        [town, {}],
        [d.url, { 'x-sp-tenant': 'musterstadt' }],
      ] as const) {
        const res = await deliver(base, koelnKey, [townRecord(1)], headers);
        expect(res.status).toBe(403);
        expect(await res.json()).toMatchObject({ error: { code: 'TENANT_MISMATCH' } });
      }
      await d.runtimes.get('musterstadt')!.platform.projections.caughtUp();
      expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1);
    });

    it("refuses Musterstadt's key naming Köln, and its own key without a name goes to Musterstadt only", async () => {
      const res = await deliver(d.url, townKey, [townRecord(2)], { 'x-sp-tenant': 'koeln' });
      expect(res.status).toBe(403);
      // no tenant named: the key's tenant; the record lands in Musterstadt, never in Köln
      const own = await deliver(d.url, townKey, [townRecord(townSr1 + 7)]);
      expect(own.status).toBeLessThan(300);
      await d.runtimes.get('musterstadt')!.platform.projections.caughtUp();
      expect(await einwohner(town, 'SOZIALRAUM', '1')).toBe(townSr1 + 7);
      expect(typeof (await einwohner(d.url, 'SOZIALRAUM', '1'))).not.toBe('number');
    });
  });

  describe('GraphQL', () => {
    it("refuses Köln's privileged token reading Musterstadt with 403", async () => {
      const q = '{ indicatorValues(indicator: "sgb2_personen", level: SOZIALRAUM, period: "2012-12", areas: ["1"]) { value } }';
      for (const [base, headers] of [
        [town, bearer(koelnPlanner)],
        [d.url, { ...bearer(koelnPlanner), 'x-sp-tenant': 'musterstadt' }],
      ] as const) {
        const r = await gql(base, q, headers);
        expect(r.status).toBe(403);
        expect(r.body.errors?.[0]?.extensions?.code).toBe('TENANT_MISMATCH');
        expect(r.body.data).toBeUndefined();
      }
      // the town's own planner reads it, with or without naming the town
      const own = await gql(town, q, bearer(townPlanner));
      expect(own.body.errors).toBeUndefined();
      expect((own.body.data!.indicatorValues as { value: number }[])[0]!.value).toBeGreaterThan(0);
      const byToken = await gql(d.url, q, bearer(townPlanner));
      expect(byToken.body.data).toEqual(own.body.data);
    });

    it("refuses Musterstadt's token naming Köln", async () => {
      const r = await gql(d.url, '{ areas(level: STADT) { name } }', { ...bearer(townPlanner), 'x-sp-tenant': 'koeln' });
      expect(r.status).toBe(403);
    });

    it('refuses a path and header that disagree, and an unknown tenant', async () => {
      expect((await gql(town, '{ areas(level: STADT) { name } }', { 'x-sp-tenant': 'koeln' })).status).toBe(400);
      expect((await gql(`${d.url}/t/hamburg`, '{ areas(level: STADT) { name } }')).status).toBe(404);
    });
  });

  it('answers the same query from each tenant’s own response cache', async () => {
    const q = '{ areas(level: STADT) { name } }';
    // alternating, twice: a cache shared across tenants would hand the second tenant the first one's answer
    for (let round = 0; round < 2; round++) {
      expect((await gql(d.url, q)).body).toEqual({ data: { areas: [{ name: 'Köln' }] } });
      expect((await gql(town, q)).body).toEqual({ data: { areas: [{ name: 'Musterstadt' }] } });
      expect((await gql(d.url, q, { 'x-sp-tenant': 'musterstadt' })).body).toEqual({ data: { areas: [{ name: 'Musterstadt' }] } });
    }
  });

  describe('CSV export', () => {
    const path = '/export/indicator-values.csv?indicator=einwohner&level=SOZIALRAUM&period=2012';
    it("refuses Köln's token exporting Musterstadt's values", async () => {
      const res = await fetch(`${town}${path}`, { headers: bearer(koelnPlanner) });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain(String(townSr1 + 7));
    });
    it("exports each tenant's own rows; without a tenant, Köln's", async () => {
      const own = await (await fetch(`${town}${path}`)).text();
      expect(own).toContain(String(townSr1 + 7));
      const koeln = await fetch(`${d.url}${path}`);
      expect(koeln.status).toBe(200);
      expect(await koeln.text()).not.toContain(String(townSr1 + 7));
    });
  });

  describe('dashboard', () => {
    it("serves the dashboard and its sources query per tenant: the town's attribution, never Köln's", async () => {
      expect((await fetch(`${town}/`)).headers.get('content-type')).toMatch(/text\/html/);
      const q = '{ sources { code attribution } }';
      const townSources = JSON.stringify((await gql(town, q)).body.data);
      const koelnSources = JSON.stringify((await gql(d.url, q)).body.data);
      expect(townSources).toContain('Musterstadt');
      expect(townSources).not.toContain('Stadt Köln');
      expect(koelnSources).toContain('Stadt Köln');
      expect(koelnSources).not.toContain('Musterstadt');
    });
    it("refuses Köln's token on the town's dashboard API (OGC, GraphQL)", async () => {
      expect((await fetch(`${town}/ogc/collections`, { headers: bearer(koelnPlanner) })).status).toBe(403);
    });
  });

  it('keeps the stores apart: the second wall holds even past the router', async () => {
    // Köln's key is unknown to the town's own ingestion, and Köln's token does not verify there
    const runtime = d.runtimes.get('musterstadt')!.platform;
    expect(runtime.keys.entries.some((e) => d.platform.keys.entries.some((k) => k.hash === e.hash))).toBe(false);
    const { createServer } = await import('node:http');
    const direct = createServer(runtime.handle);
    await new Promise<void>((r) => direct.listen(0, '127.0.0.1', () => r()));
    const directUrl = `http://127.0.0.1:${(direct.address() as { port: number }).port}`;
    try {
      expect((await deliver(directUrl, koelnKey, [townRecord(3)])).status).toBe(401);
      const r = await gql(directUrl, '{ areas(level: STADT) { name } }', bearer(koelnPlanner));
      expect(r.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    } finally {
      await new Promise<void>((r) => direct.close(() => r()));
    }
  });
});
