// The online backup and the restore cover every tenant of the deployment (docs/backup.md), not only
// the default one: a tenant's log, keys and secrets live in <data>/tenants/<id>/ and its registration
// in the default tenant's database, which a restore rebuilds from the default tenant's log — so a
// backup of the default tenant alone came back without any other tenant. Played here on the built
// platform (services/platform/dist): a tenant is created and gets two deliveries, `pnpm data:backup`
// runs while the platform serves, a third delivery comes after it; the backup is restored into a new
// directory and the platform started on it. The tenant is registered again, its values from before
// the backup are read, the one from after is not, its Amt's key from before still works and a record
// of the backup delivered again is `unchanged` (its version records rebuilt), and the admin token is
// the one from before. Then `pnpm data:rebuild` on it: the tenant stays registered (the registry is a
// table of the rebuilt database; before, a rebuild lost every tenant) and its read models are rebuilt;
// and `pnpm data:verify` checks the tenant's directory too, and finds a part of its warehouse cut short.
import { readFileSync, truncateSync } from 'node:fs';
import { join } from 'node:path';
import { anAreaStatistic } from '@sp/events/testing';
import { eventually, freePort, largestPartFile, platformApi, runNodeScript, startNodeService, tempDir } from '@sp/testing';
import { afterAll, describe, expect, it } from 'vitest';

type Service = Awaited<ReturnType<typeof startNodeService>>;

const command = (script: string, args: string[], env: Record<string, string> = {}) => runNodeScript(`services/platform/dist/${script}`, args, env);

describe('backup and restore of a deployment with a tenant', () => {
  const root = tempDir('sp-backup-tenants-');
  const sourceDir = join(root, 'source');
  const backupDir = join(root, 'backup');
  const restoredDir = join(root, 'restored');
  let platform: Service | undefined;
  let url = '';
  let apiKey = '';

  const start = async (dataDir: string) => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    platform = await startNodeService('services/platform/dist/main.js', {
      env: { SP_DEMO: '0', SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1' },
      ready: /Dashboard:/,
      timeoutMs: 300_000,
    });
  };
  const stop = async () => {
    await platform?.stop();
    platform = undefined;
  };
  const deliver = (area: string, value: number) =>
    platformApi.deliver(`${url}/t/stadt-b`, apiKey, 'area-statistic', [
      anAreaStatistic({ areaLevel: 'SOZIALRAUM', areaCode: area, observations: [{ measure: 'einwohner', dimensions: {}, value }], synthetic: true, source: 'Stadt B, Statistikstelle' }),
    ]);
  const einwohner = (area: string) => platformApi.value(`${url}/t/stadt-b`, { indicator: 'einwohner', level: 'SOZIALRAUM', period: '2012', area });
  const shows = (area: string, value: number) =>
    eventually(
      () => einwohner(area),
      (v) => v === value,
      `einwohner of Sozialraum ${area}`,
    );

  afterAll(stop, 60_000);

  it('backs up the tenant while the platform serves: its log to the cut, its keys, secrets and definition', async () => {
    await start(sourceDir);
    const adminToken = readFileSync(join(sourceDir, 'admin-token'), 'utf8').trim();
    const created = await fetch(`${url}/admin/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'stadt-b', name: 'Stadt B', kind: 'gemeinde', reference: 'musterstadt' }),
    });
    expect(created.status).toBe(201);
    apiKey = ((await created.json()) as { apiKeys: Record<string, string> }).apiKeys.statistik!;
    expect(await deliver('1', 4711)).toBe('200 created');
    expect(await deliver('2', 815)).toBe('200 created');
    await shows('2', 815);

    const backup = await command('backup.main.js', [backupDir], { SP_DATA_DIR: sourceDir });
    expect(backup.status, backup.out).toBe(0);
    expect(backup.out).toContain('Mandant stadt-b: 2 Ereignisse bis zum Schnitt');
    const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8')) as { backupFormat: number; tenants: { id: string; records: number }[]; files: { path: string }[] };
    expect(manifest.backupFormat).toBe(2);
    expect(manifest.tenants).toEqual([expect.objectContaining({ id: 'stadt-b', records: 2 })]);
    const paths = manifest.files.map((f) => f.path);
    for (const path of ['admin-token', 'tenants/stadt-b/tenant.json', 'tenants/stadt-b/api-keys.json', 'tenants/stadt-b/record-key-secret']) expect(paths).toContain(path);
    // the tenants' read models are no part of a backup: rebuilt from the log
    expect(paths.filter((p) => p.startsWith('tenants/stadt-b/postgres') || p.startsWith('tenants/stadt-b/warehouse'))).toEqual([]);

    expect(await deliver('3', 42)).toBe('200 created');
    await shows('3', 42);
    await stop();
  }, 600_000);

  it('restores the tenant: registered again, its values to the cut, its keys and admin token as before', async () => {
    const restored = await command('restore.main.js', [backupDir, restoredDir]);
    expect(restored.status, restored.out).toBe(0);
    expect(restored.out).toContain('Mandant stadt-b: Lesemodelle aus 2 Ereignissen aufbauen');
    expect(readFileSync(join(restoredDir, 'admin-token'), 'utf8')).toBe(readFileSync(join(sourceDir, 'admin-token'), 'utf8'));

    await start(restoredDir);
    const listed = (await (await fetch(`${url}/tenants`)).json()) as { tenants: { id: string; name: string }[] };
    expect(listed.tenants.map((t) => [t.id, t.name])).toEqual([
      ['koeln', 'Stadt Köln'],
      ['stadt-b', 'Stadt B'],
    ]);
    await shows('1', 4711);
    await shows('2', 815);
    // delivered after the backup: not in it
    expect(await einwohner('3')).toBeNull();
    // the Amt's key from before; the record's version is known again, so the same payload changes nothing
    expect(await deliver('1', 4711)).toBe('200 unchanged');
    expect(await deliver('3', 42)).toBe('200 created');
    await shows('3', 42);
    await stop();
  }, 600_000);

  it('rebuilds every tenant with `pnpm data:rebuild`: the registry, part of the rebuilt database, keeps the tenant', async () => {
    const rebuilt = await command('rebuild.main.js', [], { SP_DATA_DIR: restoredDir });
    expect(rebuilt.status, rebuilt.out).toBe(0);
    await start(restoredDir);
    const listed = (await (await fetch(`${url}/tenants`)).json()) as { tenants: { id: string }[] };
    expect(listed.tenants.map((t) => t.id)).toEqual(['koeln', 'stadt-b']);
    expect(rebuilt.out).toContain('Mandanten wieder registriert (aus ihrer tenant.json): stadt-b');
    expect(rebuilt.out).toContain('Mandant stadt-b: Lesemodelle aus dem Ereignisprotokoll neu aufbauen');
    expect(rebuilt.out).toMatch(/die alten Lesemodelle der Mandanten liegen in .*stadt-b\/postgres\.before-rebuild-/);
    await shows('1', 4711);
    await shows('3', 42);
    expect(await deliver('3', 42)).toBe('200 unchanged');
    await stop();
  }, 600_000);

  it("checks every tenant's directory with `pnpm data:verify`, its warehouse included, and finds a part cut short", async () => {
    const sound = await command('verify.main.js', [], { SP_DATA_DIR: restoredDir });
    expect(sound.out).toMatch(/Mandant stadt-b: .*tenants\/stadt-b\n {2}✓ event log: \d+ topics, \d+ partitions, \d+ records/);
    expect(sound.out).toMatch(/Mandant stadt-b:[\s\S]*✓ warehouse: \d+ tables, \d+ parts, every checksum valid/);
    expect(sound.out).not.toContain('✗');
    expect(sound.status, sound.out).toBe(0);
    // the largest column file of the tenant's warehouse cut in half (a power loss cuts what was written last)
    const largest = largestPartFile(join(restoredDir, 'tenants', 'stadt-b', 'warehouse'));
    expect(largest).toBeDefined();
    truncateSync(largest!.path, Math.floor(largest!.size / 2));
    const damaged = await command('verify.main.js', [], { SP_DATA_DIR: restoredDir });
    expect(damaged.status, damaged.out).toBe(1);
    expect(damaged.out).toMatch(/Mandant stadt-b:[\s\S]*✗ warehouse in .*tenants\/stadt-b\/warehouse is damaged/);
  }, 300_000);
});
