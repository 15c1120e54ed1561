// A closed tenant's series leave the deployment's /metrics, on the real engines of the embedded
// default: five tenants opened one after another under a cap of one, each answering a request.
// Before, every tenant opened since the start kept its series in the scrape (counters and
// histograms for good), so a scrape of a deployment with 400 tenants grew without bound; now only
// the open runtimes' series are there, and a tenant opened again starts its counters from zero.
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startDeployment, type Deployment } from './deployment.js';

const adminToken = 'admin-token-of-the-tenant-metrics-test-0123456789';
const tenants = ['stadt-a', 'stadt-b', 'stadt-c', 'stadt-d', 'stadt-e'];

describe("a closed tenant's series", () => {
  const dataDir = tempDir('sp-tenant-metrics-');
  const config: PlatformConfig = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0', SP_ADMIN_TOKEN: adminToken, SP_TENANTS_OPEN_MAX: '1', SP_TENANT_IDLE_S: '0' });
  let engines: Engines;
  let d: Deployment;

  const graphql = async (tenant: string) => {
    const res = await fetch(`${d.tenantUrl(tenant)}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ areas(level: STADT) { name } }' }) });
    expect(res.status).toBe(200);
    await res.text();
  };
  const metrics = async () => (await fetch(`${d.url}/metrics`)).text();
  /** the tenants whose series the scrape has */
  const labelled = (text: string) => [...new Set([...text.matchAll(/tenant="([^"]+)"/g)].map((m) => m[1]))].sort();
  const requestsOf = (text: string, tenant: string) =>
    Number(new RegExp(`^sp_http_requests_total\\{service="platform",tenant="${tenant}",route="/graphql",method="POST",status_class="2xx"\\} (\\d+)$`, 'm').exec(text)?.[1]);

  beforeAll(async () => {
    engines = await openEngines(config);
    d = await startDeployment(config, engines);
  }, 300_000);
  afterAll(async () => {
    await d?.close();
    await engines?.close();
  });

  it('leave the deployment’s /metrics when its runtime closes, and come back (counters from zero) when it opens again', async () => {
    for (const id of tenants) {
      const res = await fetch(`${d.url}/admin/tenants`, {
        method: 'POST',
        headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ id, name: id, kind: 'gemeinde', reference: 'musterstadt' }),
      });
      expect(res.status, await res.text()).toBe(201);
      // a request of its own: the cap of one closed the tenant before it
      await graphql(id);
    }
    await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(1);
    expect([...d.runtimes.keys()].sort()).toEqual(['koeln', 'stadt-e']);
    expect(d.tenantStats().closed).toBe(4);

    const after = await metrics();
    // the measure of the change: before it, the scrape held the series of all five tenants here
    process.stdout.write(
      `[tenant-metrics] /metrics after opening ${tenants.length} tenants and closing ${d.tenantStats().closed}: ${after.split('\n').length} lines, tenants labelled: ${labelled(after).join(', ')}\n`,
    );
    expect(labelled(after)).toEqual(['koeln', 'stadt-e']);
    expect(requestsOf(after, 'stadt-e')).toBe(1);
    // the deployment's own figures stay
    expect(after).toMatch(/^sp_tenants_closed_total\{service="platform"\} 4$/m);
    // a closed tenant's own /metrics: the router's answer, without opening it
    expect(await (await fetch(`${d.tenantUrl('stadt-a')}/metrics`)).text()).toContain('# tenant stadt-a is closed');

    // stadt-a opens again (closing stadt-e for the cap): its series are back, its counter from zero
    await graphql('stadt-a');
    await expect.poll(() => d.tenantStats().open, { timeout: 30_000 }).toBe(1);
    const reopened = await metrics();
    expect(labelled(reopened)).toEqual(['koeln', 'stadt-a']);
    expect(requestsOf(reopened, 'stadt-a')).toBe(1);
    expect(reopened).not.toContain('tenant="stadt-e"');
    // its gauges too, once its consumers have joined their groups (in the background after the open)
    await expect.poll(metrics, { timeout: 30_000 }).toMatch(/^sp_consumer_lag\{service="platform",tenant="stadt-a",group="aggregator",topic="records\.area-statistic"\} \d+$/m);
    process.stdout.write(`[tenant-metrics] /metrics with stadt-a open again: ${reopened.split('\n').length} lines\n`);
  }, 300_000);
});
