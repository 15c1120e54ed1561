// The embedded default keeps its 2xx promise through damage (#14): PGlite does not fsync, so its
// directory can be damaged while every acknowledged event is intact in the log. Started on a
// damaged database (an empty PG_VERSION, deleted relation files), the platform sets it aside,
// rebuilds every read model from the log and answers exactly as before; versions continue (a
// repeated delivery is unchanged, a stale one 409). The same for the warehouse (chDB, no fsync
// either): a part cut short (a missing warehouse, and other damage, in
// services/platform/src/engines.int.test.ts). The operator's commands check the data
// directory (`pnpm data:verify`) and rebuild the read models from the log (`pnpm data:rebuild`).
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { populationRecords } from '@sp/demo';
import { aGoal, aMeasure, anOffer } from '@sp/events/testing';
import { clientFor, type GraphQLClient } from '@sp/gateway/testing';
import { freePort, largestPartFile, startNodeService, tempDir, waitFor } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

type Service = Awaited<ReturnType<typeof startNodeService>>;
const repoRoot = resolve(import.meta.dirname, '../..');

describe('the embedded platform repairs a damaged database from its log', () => {
  const dataDir = join(tempDir('sp-repair-'), 'data');
  let env: Record<string, string>;
  let platform: Service | undefined;
  let url: string;
  let gql: GraphQLClient;

  const start = () => startNodeService('services/platform/dist/main.js', { env, ready: /Dashboard:/, timeoutMs: 180_000 });
  const command = (script: string) => {
    const r = spawnSync(process.execPath, [join(repoRoot, 'services/platform/dist', script)], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 180_000 });
    return { status: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const keys = () => JSON.parse(readFileSync(join(dataDir, 'api-keys.json'), 'utf8')) as Record<string, string>;
  const deliver = (amt: string, recordType: string, records: unknown[]) =>
    fetch(`${url}/v1/deliveries/${recordType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${keys()[amt]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
  // what the read models answer: warehouse (indicator values), registry (offers), controlling (measures)
  const readModels = async () => {
    const r = await gql<unknown>(`{
      indicatorValues(indicator: "einwohner", level: STADTTEIL, period: "2012", areas: ["101", "102", "201"]) { area { code } value }
      offers(area: { level: STADTTEIL, code: "101" }, first: 10) { totalCount edges { node { key name version } } }
      measures(first: 10) { edges { node { key title status goalKeys controlling { budgetPlanned } } } }
    }`);
    expect(r.errors).toBeUndefined();
    return r.data;
  };
  const population2012 = populationRecords().filter((r) => r.period === '2012');
  let before: unknown;

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    gql = clientFor((u, init) => fetch(u, init), url);
    env = { SP_DEMO: '0', SP_DATA_DIR: dataDir, SP_PORT: String(port), SP_HOST: '127.0.0.1' };
    platform = await start();
    expect((await deliver('statistik', 'area-statistic', population2012)).status).toBe(200);
    expect((await deliver('jugendamt', 'offer', [anOffer({ name: 'Kita Wiederaufbau' })])).status).toBe(200);
    expect((await deliver('planung', 'goal', [aGoal()])).status).toBe(200);
    expect((await deliver('planung', 'measure', [aMeasure({ status: 'in_progress', actualStart: '2025-02-01' })])).status).toBe(200);
    await waitFor(async () => {
      const m = (await readModels()) as { offers: { totalCount: number }; measures: { edges: unknown[] }; indicatorValues: unknown[] };
      return m.offers.totalCount === 1 && m.measures.edges.length === 1 && m.indicatorValues.length === 3;
    });
    before = await readModels();
    await platform.stop();
    platform = undefined;
  }, 400_000);

  afterAll(async () => platform?.stop());

  it('data:verify finds a sound data directory sound', () => {
    const { status, out } = command('verify.main.js');
    expect(out).toMatch(/✓ event log: \d+ topics, \d+ partitions, \d+ records/);
    expect(out).toMatch(/✓ database: \d+ tables readable/);
    expect(out).toMatch(/✓ database: \d+ version records, all within the log/);
    expect(out).toMatch(/✓ warehouse: \d+ tables, \d+ parts, every checksum valid/);
    expect(out).not.toContain('✗');
    expect(status).toBe(0);
  });

  it('comes up on an empty PG_VERSION with the same read models and versions that continue', async () => {
    writeFileSync(join(dataDir, 'postgres', 'PG_VERSION'), '');
    const damaged = command('verify.main.js');
    expect(damaged.status).toBe(1);
    expect(damaged.out).toMatch(/✗ database in .*postgres is damaged/);

    platform = await start();
    expect(platform.output()).toMatch(/Datenbank aus dem Ereignisprotokoll wiederherstellen \(the database in .*postgres is damaged/);
    expect(readdirSync(dataDir).filter((n) => n.startsWith('postgres.damaged-'))).toHaveLength(1);
    expect(await readModels()).toEqual(before);
    // the version records came back from the log: the same delivery is unchanged, an old version 409
    const again = await deliver('statistik', 'area-statistic', population2012.slice(0, 1));
    expect(again.status).toBe(200);
    expect(((await again.json()) as { records: { status: string }[] }).records[0]!.status).toBe('unchanged');
    const stale = await deliver('jugendamt', 'offer', [anOffer({ name: 'Kita anders', version: 1 })]);
    expect(stale.status).toBe(409);
    await platform.stop();
    platform = undefined;
  }, 300_000);

  it('comes up when relation files were deleted', async () => {
    const base = join(dataDir, 'postgres', 'base');
    for (const db of readdirSync(base)) for (const f of readdirSync(join(base, db)).filter((n) => /^\d+$/.test(n) && Number(n) >= 16384)) rmSync(join(base, db, f));
    platform = await start();
    expect(platform.output()).toContain('Datenbank aus dem Ereignisprotokoll wiederherstellen');
    expect(await readModels()).toEqual(before);
    await platform.stop();
    platform = undefined;
  }, 300_000);

  it('comes up on a warehouse whose largest part was cut short, with the same read models', async () => {
    // the largest column file of all the warehouse's parts (a power loss cuts what was written last)
    const largest = largestPartFile(join(dataDir, 'warehouse'));
    expect(largest).toBeDefined();
    truncateSync(largest!.path, Math.floor(largest!.size / 2));
    const damaged = command('verify.main.js');
    expect(damaged.status).toBe(1);
    expect(damaged.out).toMatch(/✗ warehouse in .*warehouse is damaged/);

    platform = await start();
    expect(platform.output()).toMatch(/Warehouse aus dem Ereignisprotokoll wiederherstellen \(the warehouse in .*warehouse is damaged/);
    expect(readdirSync(dataDir).filter((n) => n.startsWith('warehouse.damaged-'))).toHaveLength(1);
    expect(await readModels()).toEqual(before);
    await platform.stop();
    platform = undefined;
    expect(command('verify.main.js').status).toBe(0);
  }, 300_000);

  it('data:rebuild rebuilds every read model from the log', async () => {
    const { status, out } = command('rebuild.main.js');
    expect(out).toContain('Lesemodelle aus dem Ereignisprotokoll neu aufbauen');
    expect(out).toMatch(/✓ \d+ Datensatzversionen aus \d+ Ereignissen/);
    expect(status).toBe(0);
    expect(command('verify.main.js').status).toBe(0);
    platform = await start();
    expect(await readModels()).toEqual(before);
  }, 300_000);
});
