// A tenant with Ämter of its own (issue 15, deliver 1), on the embedded default: a Kreis created
// with its statistics office and its Kreisjugendamt gets keys for exactly those, GraphQL names them,
// each key delivers what its Amt is granted and is refused (403) the rest, the pack's Ämter have no
// key; each bad list is refused (400, every field named) and creates nothing; a restart keeps them.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, type PlatformConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startDeployment, type Deployment } from './deployment.js';

const adminToken = 'admin-token-of-the-amts-test-deployment-0123456789';
const statistik = {
  code: 'kreisstatistik',
  name: 'Kreisstatistik und Wahlen',
  recordTypes: ['area-level', 'area', 'indicator-definition', 'dataset', 'area-statistic'],
  datasets: ['bevoelkerung'],
};
const jugendamt = { code: 'kreisjugendamt', name: 'Kreisjugendamt', recordTypes: ['offer', 'area-statistic'] };
const soziales = { code: 'fachbereich_soziales', name: 'Fachbereich Soziales', recordTypes: ['offer', 'status-report'] };
const kreis = { id: 'kreis-muster', name: 'Kreis Muster', kind: 'kreis', reference: 'musterstadt', amts: [statistik, jugendamt, soziales] };

describe('a tenant with Ämter of its own', () => {
  const dataDir = tempDir('sp-tenant-amts-');
  const config: PlatformConfig = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0', SP_ADMIN_TOKEN: adminToken });
  let engines: Engines;
  let d: Deployment;
  let keys: Record<string, string>;
  const admin = (method: string, body?: unknown) =>
    fetch(`${d.url}/admin/tenants`, {
      method,
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const authorities = async () => {
    const res = await fetch(`${d.tenantUrl('kreis-muster')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ authorities { code name } }' }),
    });
    return ((await res.json()) as { data: { authorities: { code: string; name: string }[] } }).data.authorities;
  };
  const deliver = (key: string, recordType: string, records: unknown[]) =>
    fetch(`${d.tenantUrl('kreis-muster')}/v1/deliveries/${recordType}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ records }),
    });
  const level = { version: 1, level: 'KREIS', label: 'Kreis', parentLevel: null, kind: 'hierarchy', coverage: 'complete' };
  const einwohner = (dataset: string, version: number) => ({
    key: `${dataset}|SOZIALRAUM|1|2012`,
    version,
    dataset,
    areaLevel: 'SOZIALRAUM',
    areaCode: '1',
    period: '2012',
    observations: [{ measure: 'einwohner', dimensions: {}, value: 1234 }],
    synthetic: true,
  });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; issues?: { path: string; message: string }[]; message: string } }).error;
  const nothingCreated = async () => {
    expect(((await (await admin('GET')).json()) as { tenants: unknown[] }).tenants).toEqual([]);
    expect(existsSync(join(dataDir, 'tenants', 'kreis-muster'))).toBe(false);
  };

  beforeAll(async () => {
    engines = await openEngines(config);
    d = await startDeployment(config, engines);
  }, 300_000);
  afterAll(async () => {
    await d?.close();
    await engines?.close();
  });

  it('refuses a bad list of Ämter with each field named, and creates nothing', async () => {
    const bad = await admin('POST', {
      ...kreis,
      amts: [
        statistik,
        { code: 'kreisjugendamt', name: 'Kreisjugendamt', recordTypes: ['offer', 'kita'] },
        { code: 'fachbereich_soziales', name: '  ', recordTypes: ['offer'] },
        { code: 'Fachbereich-Bauen', name: 'Fachbereich Bauen', recordTypes: ['offer'] },
      ],
    });
    expect(bad.status).toBe(400);
    const badError = await errorOf(bad);
    expect(badError.code).toBe('INVALID_TENANT');
    expect(badError.issues!.map((i) => i.path).sort()).toEqual(['amts.1.recordTypes.1', 'amts.2.name', 'amts.3.code']);
    await nothingCreated();

    const duplicate = await admin('POST', { ...kreis, amts: [statistik, jugendamt, { ...soziales, code: 'kreisjugendamt' }] });
    expect(duplicate.status).toBe(400);
    expect((await errorOf(duplicate)).issues).toEqual([{ path: 'amts.2.code', message: expect.stringMatching(/amts\.1/) }]);

    const noOffice = await admin('POST', { ...kreis, amts: [{ ...statistik, recordTypes: ['area-level', 'area', 'area-statistic'] }, jugendamt] });
    expect(noOffice.status).toBe(400);
    const noOfficeError = await errorOf(noOffice);
    expect(noOfficeError).toMatchObject({ code: 'INVALID_TENANT', issues: [{ path: 'amts' }] });
    expect(noOfficeError.message).toMatch(/area-level, area, indicator-definition, dataset/);

    const unknownDataset = await admin('POST', { ...kreis, amts: [statistik, { ...jugendamt, datasets: ['hze', 'kitaplaetze'] }] });
    expect(unknownDataset.status).toBe(400);
    const unknownDatasetError = await errorOf(unknownDataset);
    expect(unknownDatasetError.issues).toEqual([{ path: 'amts.1.datasets.1', message: expect.stringMatching(/"kitaplaetze" is no dataset of the reference musterstadt; accepted: .*hze/) }]);
    await nothingCreated();
  }, 60_000);

  it('creates the tenant with keys for exactly its Ämter, which GraphQL names', async () => {
    const res = await admin('POST', kreis);
    expect(res.status).toBe(201);
    const created = (await res.json()) as { tenant: { amts: unknown }; apiKeys: Record<string, string>; apiKeysFile: string };
    keys = created.apiKeys;
    expect(Object.keys(keys).sort()).toEqual(['fachbereich_soziales', 'kreisjugendamt', 'kreisstatistik']);
    // the pack's Ämter have no key, neither in the answer nor in the tenant's key file
    expect(Object.keys(JSON.parse(readFileSync(created.apiKeysFile, 'utf8')) as object).sort()).toEqual(['fachbereich_soziales', 'kreisjugendamt', 'kreisstatistik']);
    expect(created.tenant.amts).toEqual(kreis.amts);
    expect(await authorities()).toEqual([
      { code: 'fachbereich_soziales', name: 'Fachbereich Soziales' },
      { code: 'kreisjugendamt', name: 'Kreisjugendamt' },
      { code: 'kreisstatistik', name: 'Kreisstatistik und Wahlen' },
    ]);
    // the pack's indicators name the tenant's Ämter as the Amt that delivers their data
    const indicators = await fetch(`${d.tenantUrl('kreis-muster')}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ indicators { code sourceAmt } }' }),
    });
    const sourceAmts = ((await indicators.json()) as { data: { indicators: { code: string; sourceAmt: string }[] } }).data.indicators;
    expect(sourceAmts.find((i) => i.code === 'einwohner')?.sourceAmt).toBe('kreisstatistik');
    expect(new Set(sourceAmts.map((i) => i.sourceAmt))).toEqual(new Set(['kreisstatistik']));
    const listed = (await (await admin('GET')).json()) as { tenants: { id: string; amts: unknown }[] };
    expect(listed.tenants).toMatchObject([{ id: 'kreis-muster', amts: kreis.amts }]);
  }, 120_000);

  it('lets each key deliver what its Amt is granted and refuses it the rest (403)', async () => {
    const level1 = await deliver(keys.kreisstatistik!, 'area-level', [level]);
    expect(level1.status, await level1.clone().text()).toBe(200);
    expect(await level1.json()).toMatchObject({ amt: 'kreisstatistik', recordType: 'area-level', created: 1 });
    const counts = await deliver(keys.kreisstatistik!, 'area-statistic', [einwohner('bevoelkerung', 1)]);
    expect(counts.status, await counts.clone().text()).toBe(200);

    const notGranted = await deliver(keys.kreisjugendamt!, 'area-level', [level]);
    expect(notGranted.status).toBe(403);
    expect(await notGranted.json()).toMatchObject({ errors: [{ code: 'RECORD_TYPE_NOT_ALLOWED', field: 'recordType', accepted: 'offer | area-statistic' }] });
    // area-statistic, but no dataset granted to it (no `dataset` record names it yet)
    const noDataset = await deliver(keys.kreisjugendamt!, 'area-statistic', [einwohner('bevoelkerung', 2)]);
    expect(noDataset.status).toBe(403);
    expect(await noDataset.json()).toMatchObject({ errors: [{ code: 'DATASET_NOT_ALLOWED' }] });
    expect((await deliver(keys.fachbereich_soziales!, 'indicator-definition', [{}])).status).toBe(403);
    // a key of the same deployment's pack Amt (Köln's statistik) is no key of this tenant
    expect((await deliver(d.platform.keys.keys.statistik!, 'area-level', [level])).status).toBe(403);
  }, 60_000);

  it('starts again with its Ämter and their keys', async () => {
    await d.close();
    await engines.close();
    engines = await openEngines(config);
    d = await startDeployment(config, engines);
    expect(await authorities()).toEqual([
      { code: 'fachbereich_soziales', name: 'Fachbereich Soziales' },
      { code: 'kreisjugendamt', name: 'Kreisjugendamt' },
      { code: 'kreisstatistik', name: 'Kreisstatistik und Wahlen' },
    ]);
    expect(d.runtimes.get('kreis-muster')!.platform.keys.keys).toEqual(keys);
    const again = await deliver(keys.kreisstatistik!, 'area-statistic', [einwohner('bevoelkerung', 2)]);
    expect(again.status, await again.clone().text()).toBe(200);
    expect((await deliver(keys.kreisjugendamt!, 'area-level', [level])).status).toBe(403);
  }, 300_000);

  it('has a CLI that sends the Ämter of a file (--amts)', async () => {
    const cli = (...args: string[]) =>
      new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
        execFile(
          process.execPath,
          [join(repoRoot, 'services/platform/dist/tenants/tenant.main.js'), ...args],
          { env: { ...process.env, SP_URL: d.url, SP_ADMIN_TOKEN: adminToken }, encoding: 'utf8' },
          (error, stdout, stderr) => resolve({ status: error ? (typeof error.code === 'number' ? error.code : -1) : 0, stdout, stderr }),
        );
      });
    const create = (file: string) => cli('create', '--id', 'stadt-cli', '--name', 'Stadt CLI', '--reference', 'musterstadt', '--amts', file);
    const good = join(dataDir, 'amts.json');
    const bad = join(dataDir, 'amts-bad.json');
    writeFileSync(good, JSON.stringify([statistik, soziales]));
    writeFileSync(bad, JSON.stringify([soziales]));
    expect(await create(join(dataDir, 'missing.json'))).toMatchObject({ status: 2, stderr: expect.stringMatching(/--amts .*missing\.json: cannot read it/) });
    const refused = await create(bad);
    expect(refused.status).toBe(1);
    expect(JSON.parse(refused.stdout.slice(4))).toMatchObject({ error: { code: 'INVALID_TENANT', issues: [{ path: 'amts' }] } });
    expect(existsSync(join(dataDir, 'tenants', 'stadt-cli'))).toBe(false);
    const created = await create(good);
    expect(created.stdout.slice(0, 4)).toBe('201 ');
    expect(Object.keys((JSON.parse(created.stdout.slice(4)) as { apiKeys: object }).apiKeys).sort()).toEqual(['fachbereich_soziales', 'kreisstatistik']);
  }, 120_000);
});
