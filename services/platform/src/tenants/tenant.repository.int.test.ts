// The tenant registry keeps a tenant's whole definition, its own Ämter included, on both engines it
// lives on: the embedded default's PGlite and, in servers mode, the PostgreSQL server. A tenant
// listed again after a reopen (the deployment's restart) has the Ämter it was created with.
import { createPgDatabase } from '@sp/database-pg';
import { openPgliteDatabase } from '@sp/database-pglite';
import type { Database } from '@sp/ports';
import { tenantDefinitionSchema } from '@sp/tenancy';
import { startPostgres, tempDir } from '@sp/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { TenantRepository } from './tenant.repository.js';

const definition = tenantDefinitionSchema.parse({
  id: 'kreis-muster',
  name: 'Kreis Muster',
  kind: 'kreis',
  reference: 'musterstadt',
  amts: [
    { code: 'kreisstatistik', name: 'Kreisstatistik', recordTypes: ['area-level', 'area', 'indicator-definition', 'dataset', 'area-statistic'], datasets: ['bevoelkerung'] },
    { code: 'kreisjugendamt', name: 'Kreisjugendamt', recordTypes: ['offer'] },
  ],
});

async function keepsTheAmts(open: () => Promise<Database>): Promise<void> {
  const first = await open();
  const repository = new TenantRepository(first);
  await repository.migrate();
  expect(await repository.create(definition)).toMatchObject({ amts: definition.amts });
  expect(await repository.create({ ...definition, amts: [] })).toBe('exists');
  await first.close();
  const again = await open();
  const listed = await new TenantRepository(again).list();
  await again.close();
  expect(listed).toEqual([{ ...definition, createdAt: expect.any(String) }]);
  expect(listed[0]!.amts!.map((a) => a.name)).toEqual(['Kreisstatistik', 'Kreisjugendamt']);
}

describe('tenant registry (platform_tenants) with the tenant’s Ämter', () => {
  let postgres: Awaited<ReturnType<typeof startPostgres>> | undefined;
  afterAll(async () => {
    await postgres?.wipe();
  }, 60_000);

  it('keeps them in the embedded default (PGlite)', async () => {
    const dataDir = tempDir('sp-tenant-registry-pglite-');
    await keepsTheAmts(() => openPgliteDatabase({ dataDir }));
  }, 60_000);

  it('keeps them in servers mode (PostgreSQL)', async () => {
    postgres = await startPostgres();
    const url = postgres.url;
    await keepsTheAmts(async () => createPgDatabase({ url, max: 1 }));
  }, 120_000);
});
