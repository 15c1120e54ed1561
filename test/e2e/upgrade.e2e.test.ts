// Upgrades (issue 21.4, docs/backup.md "Upgrades"): the current code starts on a data directory
// written by the previous release (fixtures/data-format-1.tar.xz, made by
// upgrade-fixture.make.e2e.test.ts with release 9264b7a: no format file, no platform_schema),
// migrates it and loses nothing: the read models answer exactly what the previous release
// answered, and every record it acknowledged is known (delivered again: unchanged). A data
// directory or a database of a newer release is refused with the reason, and left as it was.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { openPgliteDatabase } from '@sp/database-pglite';
import { clientFor, type GraphQLClient } from '@sp/gateway/testing';
import { freePort, startNodeService, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureDeliveries, type ReadModels, readModelsQuery } from './upgrade.fixture.js';

type Service = Awaited<ReturnType<typeof startNodeService>>;
const repoRoot = resolve(import.meta.dirname, '../..');
const fixtures = join(import.meta.dirname, 'fixtures');

describe('the current code on a data directory of the previous release', () => {
  const dataDir = join(tempDir('sp-upgrade-'), 'data');
  let platform: Service | undefined;
  let url = '';
  let gql: GraphQLClient;
  let env: Record<string, string>;
  const start = () => startNodeService('services/platform/dist/main.js', { env, ready: /Dashboard:/, timeoutMs: 180_000 });
  const refusedStart = () => spawnSync(process.execPath, [join(repoRoot, 'services/platform/dist/main.js')], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 120_000 });
  const expected = JSON.parse(readFileSync(join(fixtures, 'data-format-1.expected.json'), 'utf8')) as ReadModels;

  beforeAll(async () => {
    mkdirSync(dataDir, { recursive: true });
    const unpacked = spawnSync('tar', ['-xJf', join(fixtures, 'data-format-1.tar.xz'), '-C', dataDir], { encoding: 'utf8' });
    expect(unpacked.status, unpacked.stderr).toBe(0);
    expect(existsSync(join(dataDir, 'sp-data-format.json'))).toBe(false);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gql = clientFor((u, init) => fetch(u, init), url);
    env = { SP_DEMO: '0', SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1' };
  });

  afterAll(async () => platform?.stop());

  it('migrates it: the same answers, every record known, and new deliveries continue its versions', async () => {
    platform = await start();
    expect(platform.output()).toContain('Datenverzeichnis von Format 1 auf 2 gebracht');
    expect(JSON.parse(readFileSync(join(dataDir, 'sp-data-format.json'), 'utf8'))).toMatchObject({ format: 2 });
    const r = await gql<ReadModels>(readModelsQuery);
    expect(r.errors).toBeUndefined();
    expect(r.data).toEqual(expected);

    const keys = JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>;
    let records = 0;
    for (const d of fixtureDeliveries()) {
      const res = await fetch(`${url}/v1/deliveries/${d.recordType}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${keys[d.amt]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records: d.records }),
      });
      expect(res.status).toBe(200);
      const body = (await res.json()) as { records: { key: string; status: string }[] };
      expect(body.records.filter((x) => x.status !== 'unchanged')).toEqual([]);
      records += body.records.length;
    }
    expect(records).toBeGreaterThan(150);
    // versions continue from the previous release's: a new version is created, a stale one refused
    const offer = fixtureDeliveries().find((d) => d.recordType === 'offer')!.records[0] as { key: string; name: string; version: number };
    const send = (record: unknown) =>
      fetch(`${url}/v1/deliveries/offer`, { method: 'POST', headers: { authorization: `Bearer ${keys.jugendamt}`, 'content-type': 'application/json' }, body: JSON.stringify({ records: [record] }) });
    const next = await send({ ...offer, version: offer.version + 1, name: `${offer.name} (umbenannt)` });
    expect(next.status).toBe(200);
    expect(((await next.json()) as { records: { status: string }[] }).records[0]!.status).toBe('created');
    expect((await send({ ...offer, name: 'veraltet' })).status).toBe(409);
    await platform.stop();
    platform = undefined;
  }, 300_000);

  it('refuses a data directory of a newer format and changes nothing', () => {
    const file = join(dataDir, 'sp-data-format.json');
    const current = readFileSync(file, 'utf8');
    writeFileSync(file, JSON.stringify({ format: 99 }));
    const r = refusedStart();
    expect(r.status).toBe(2);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Start abgelehnt \(NEWER_FORMAT\): data directory .* has format 99 .*this release reads formats 1 to 2/);
    expect(readFileSync(file, 'utf8')).toBe(JSON.stringify({ format: 99 }));
    writeFileSync(file, current);
  }, 150_000);

  it('refuses a database a newer release migrated', async () => {
    const db = await openPgliteDatabase({ dataDir: join(dataDir, 'postgres') });
    const { rows } = await db.query<{ version: number }>(`SELECT version FROM platform_schema WHERE component = 'database'`);
    // 2 since the registry's offer v2 columns (services/platform/src/schema-version.ts)
    expect(rows[0]!.version).toBe(2);
    await db.query(`UPDATE platform_schema SET version = 7 WHERE component = 'database'`);
    await db.close();
    const r = refusedStart();
    expect(r.status).toBe(2);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Start abgelehnt \(NEWER_FORMAT\): the database .* has platform schema version 7, written by a newer release/);
  }, 150_000);
});
