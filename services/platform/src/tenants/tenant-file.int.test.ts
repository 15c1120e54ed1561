// A tenant's definition beside its data (tenant-file.ts), on the embedded default's real engines: a
// registered tenant gets its tenant.json at start; a tenant.json the registry does not have — a
// creation that crashed between the tenant's start and its registration, never answered 201 — is set
// aside at start, so that neither a backup nor a rebuilt registry brings that tenant in.
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config.js';
import { type Engines, openEngines } from '../engines.js';
import { type Deployment, startDeployment } from './deployment.js';
import { TENANT_FILE, writeTenantFile } from './tenant-file.js';
import { TenantRepository } from './tenant.repository.js';

describe("a tenant's definition beside its data", () => {
  const dataDir = tempDir('sp-tenant-file-');
  const config = loadConfig({ SP_DATA_DIR: dataDir, SP_PORT: '0', SP_ADMIN_TOKEN: 'admin-token-of-the-tenant-file-test-0123456' });
  let engines: Engines;
  let d: Deployment;

  beforeAll(async () => {
    engines = await openEngines(config);
    // registered, but from a release before tenant.json
    const repository = new TenantRepository(engines.database);
    await repository.migrate();
    expect(await repository.create({ id: 'stadt-r', name: 'Stadt R', kind: 'gemeinde', reference: 'musterstadt' })).not.toBe('exists');
    // a creation that never finished: its definition, not in the registry
    mkdirSync(join(dataDir, 'tenants', 'stadt-x'), { recursive: true });
    writeTenantFile(join(dataDir, 'tenants', 'stadt-x'), { id: 'stadt-x', name: 'Stadt X', kind: 'gemeinde', reference: 'musterstadt', createdAt: '2026-12-06T00:00:00.000Z' });
    d = await startDeployment(config, engines);
  }, 300_000);
  afterAll(async () => {
    await d?.close();
    await engines?.close();
  });

  it('writes each registered tenant its tenant.json at start', () => {
    expect(JSON.parse(readFileSync(join(dataDir, 'tenants', 'stadt-r', TENANT_FILE), 'utf8'))).toMatchObject({ id: 'stadt-r', name: 'Stadt R', reference: 'musterstadt' });
  });

  it('sets the definition of an unfinished creation aside and does not register it', () => {
    expect(d.registered()).toEqual(['koeln', 'stadt-r']);
    expect(existsSync(join(dataDir, 'tenants', 'stadt-x', TENANT_FILE))).toBe(false);
    expect(existsSync(join(dataDir, 'tenants', 'stadt-x', `${TENANT_FILE}.not-registered`))).toBe(true);
  });
});
