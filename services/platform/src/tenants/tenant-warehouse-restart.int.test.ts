// A tenant's warehouse is a child process (services/chdb-http, tenant-engines.ts). Killed while the
// platform runs — the kernel's OOM killer picks the largest process, a crash — it used to stay gone:
// every read of the tenant failed and its aggregator retried the batch until the platform itself was
// restarted. Played here on the embedded default's real engines: the tenant's chdb-http gets
// SIGKILL; a delivery is accepted all the same (the log is the tenant's own), and the supervisor
// starts the warehouse again on its directory and URL, where the value from before the kill and the
// one delivered while it was down are read. Closing the tenant afterwards stops the new process.
import { join } from 'node:path';
import { anAreaStatistic } from '@sp/events/testing';
import { childPids, eventually, isAlive, platformApi, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { type Engines, openEngines } from '../engines.js';
import { type Deployment, startDeployment } from './deployment.js';

const adminToken = 'admin-token-of-the-warehouse-restart-test-0123';

/** the pid of this process's chdb-http child serving the warehouse directory of the tenant, if one runs */
const warehousePid = (dataDir: string, tenant: string): number | undefined => childPids(process.pid, { cmdline: 'chdb-http', env: `CHDB_PATH=${join(dataDir, 'tenants', tenant, 'warehouse')}` })[0];

describe("a tenant's warehouse process that dies while the platform runs", () => {
  const dataDir = tempDir('sp-tenant-warehouse-restart-');
  const config: PlatformConfig = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0', SP_ADMIN_TOKEN: adminToken });
  let engines: Engines;
  let d: Deployment;
  let key: string;

  const deliver = (area: string, value: number) =>
    platformApi.deliver(d.tenantUrl('stadt-w'), key, 'area-statistic', [
      anAreaStatistic({ areaLevel: 'SOZIALRAUM', areaCode: area, observations: [{ measure: 'einwohner', dimensions: {}, value }], synthetic: true, source: 'Stadt W' }),
    ]);
  const einwohner = (area: string) => platformApi.value(d.tenantUrl('stadt-w'), { indicator: 'einwohner', level: 'SOZIALRAUM', period: '2012', area });
  const shows = (area: string, value: number) =>
    eventually(
      () => einwohner(area),
      (v) => v === value,
      `einwohner of Sozialraum ${area}`,
    );

  beforeAll(async () => {
    engines = await openEngines(config);
    d = await startDeployment(config, engines);
    const res = await fetch(`${d.url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'stadt-w', name: 'Stadt W', kind: 'gemeinde', reference: 'musterstadt' }),
    });
    expect(res.status).toBe(201);
    key = ((await res.json()) as { apiKeys: Record<string, string> }).apiKeys.statistik!;
  }, 300_000);
  afterAll(async () => {
    await d?.close();
    await engines?.close();
  });

  it('starts it again on the same directory and URL: what was there and what was delivered meanwhile is read', async () => {
    expect(await deliver('1', 4711)).toBe('200 created');
    await shows('1', 4711);
    const killed = warehousePid(dataDir, 'stadt-w');
    expect(killed).toBeDefined();
    process.kill(killed!, 'SIGKILL');
    await eventually(
      async () => isAlive(killed!),
      (a) => !a,
      'the killed chdb-http gone',
    );
    expect(await deliver('2', 815)).toBe('200 created');
    await shows('2', 815);
    await shows('1', 4711);
    const restarted = warehousePid(dataDir, 'stadt-w');
    expect(restarted).toBeDefined();
    expect(restarted).not.toBe(killed);
  }, 180_000);

  it('stops the restarted warehouse with the tenant, and starts no other', async () => {
    const pid = warehousePid(dataDir, 'stadt-w')!;
    await d.close();
    expect(isAlive(pid)).toBe(false);
    await new Promise((r) => setTimeout(r, 1500));
    expect(warehousePid(dataDir, 'stadt-w')).toBeUndefined();
    await engines.close();
  }, 60_000);
});
