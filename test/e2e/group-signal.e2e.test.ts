// Ctrl+C in the terminal of `infra/bin/start`, or a service manager's stop, signals the platform's
// whole process group. A tenant's warehouse is a child process (services/chdb-http, tenant-engines.ts):
// in the platform's group it stopped at the same signal, before the platform had closed the tenant,
// and the tenant's last statements (the index passes' delete of index_pending) went to a warehouse
// that was gone ("could not delete recomputed periods … ECONNREFUSED"). Played here: the platform
// (services/platform/dist/main.js) leads a group of its own, a tenant gets a delivery, and SIGTERM goes
// to the group right after a second one was acknowledged. The platform must close everything itself:
// exit 0, no statement to a vanished warehouse, no warehouse process left, and both values there after
// a restart. In a group of its own, a warehouse no longer dies with a kill of the platform's group
// either: it stops when its IPC channel to the platform ends, which the second case plays.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { anAreaStatistic } from '@sp/events/testing';
import { childPids, eventually, freePort, isAlive, platformApi, repoRoot, startNodeService, tempDir } from '@sp/testing';
import { afterAll, describe, expect, it } from 'vitest';

const platformMain = 'services/platform/dist/main.js';
const adminToken = 'group-signal-e2e-admin-token-0123456789';
type Platform = Awaited<ReturnType<typeof startNodeService>>;

describe('a signal to the platform’s process group (Ctrl+C, a service manager’s stop)', () => {
  const dataDir = join(tempDir('sp-group-signal-'), 'data');
  let port: number;
  let platform: Platform | undefined;
  let apiKey: string;

  const start = async () => {
    platform = await startNodeService(platformMain, {
      env: { SP_DEMO: '0', SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1', SP_ADMIN_TOKEN: adminToken },
      ready: /Dashboard:/,
      timeoutMs: 300_000,
      ownGroup: true,
    });
  };
  const url = () => `http://127.0.0.1:${port}`;
  const deliver = (area: string, value: number) =>
    platformApi.deliver(`${url()}/t/musterstadt`, apiKey, 'area-statistic', [
      anAreaStatistic({ areaLevel: 'SOZIALRAUM', areaCode: area, observations: [{ measure: 'einwohner', dimensions: {}, value }], synthetic: true, source: 'Musterstadt, Statistikstelle' }),
    ]);
  const einwohner = (area: string) => platformApi.value(`${url()}/t/musterstadt`, { indicator: 'einwohner', level: 'SOZIALRAUM', period: '2012', area });
  const shows = (area: string, value: number) =>
    eventually(
      () => einwohner(area),
      (v) => v === value,
      `einwohner of Sozialraum ${area}`,
    );

  afterAll(async () => platform?.stop(), 60_000);

  it('reaches the platform only: it closes its tenants and their warehouses itself, exits 0, and nothing is lost', async () => {
    if (!existsSync(join(repoRoot, platformMain))) throw new Error(`${platformMain} missing: pnpm build first`);
    port = await freePort();
    await start();
    const created = await fetch(`${url()}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'musterstadt', name: 'Musterstadt', kind: 'gemeinde', reference: 'musterstadt' }),
    });
    expect(created.status, await created.clone().text()).toBe(201);
    apiKey = ((await created.json()) as { apiKeys: Record<string, string> }).apiKeys.statistik!;
    expect(await deliver('1', 4711)).toBe('200 created');
    // read: the tenant's aggregator and its index passes have run on the tenant's warehouse
    await shows('1', 4711);
    const warehouses = childPids(platform!.process.pid!, { cmdline: 'chdb-http' });
    expect(warehouses.length).toBeGreaterThan(0);

    expect(await deliver('2', 815)).toBe('200 created');
    const exited = new Promise<number | null>((r) => platform!.process.once('exit', (code) => r(code)));
    platform!.signalGroup('SIGTERM');
    expect(await exited).toBe(0);
    const output = platform!.output();
    expect(output).toContain('SIGTERM: Plattform wird beendet');
    expect(output).not.toMatch(/ECONNREFUSED|not reachable|could not delete/);
    // the platform stopped its warehouses before it exited: none is left running
    for (const pid of warehouses) expect(isAlive(pid), `chdb-http ${pid} still running`).toBe(false);

    // what was acknowledged before the signal is there after a restart
    await start();
    await shows('1', 4711);
    await shows('2', 815);
  }, 600_000);

  it('leaves no warehouse behind when the platform alone is killed (kill -9): each stops when its parent is gone', async () => {
    const warehouses = childPids(platform!.process.pid!, { cmdline: 'chdb-http' });
    expect(warehouses.length).toBeGreaterThan(0);
    await platform!.kill();
    const until = Date.now() + 30_000;
    while (warehouses.some(isAlive) && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    for (const pid of warehouses) expect(isAlive(pid), `chdb-http ${pid} still running after its platform was killed`).toBe(false);
  }, 60_000);
});
