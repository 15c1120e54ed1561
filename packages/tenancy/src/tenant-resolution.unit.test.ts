import { describe, expect, it } from 'vitest';
import { resolveTenant, splitTenantPath } from './tenant-resolution.js';
import { tenantDefinitionSchema } from './tenant.schema.js';

const known = new Set(['koeln', 'musterstadt']);

describe('resolveTenant', () => {
  it('is the default tenant when a request names none and carries no credential', () => {
    expect(resolveTenant({}, known, 'koeln')).toEqual({ kind: 'resolved', tenant: 'koeln' });
  });
  it("is the credential's tenant when the request names none", () => {
    expect(resolveTenant({ credentialTenant: 'musterstadt' }, known, 'koeln')).toEqual({ kind: 'resolved', tenant: 'musterstadt' });
  });
  it('is the named tenant for a request without a credential', () => {
    expect(resolveTenant({ headerTenant: 'musterstadt' }, known, 'koeln')).toEqual({ kind: 'resolved', tenant: 'musterstadt' });
    expect(resolveTenant({ pathTenant: 'musterstadt' }, known, 'koeln')).toEqual({ kind: 'resolved', tenant: 'musterstadt' });
  });
  it('refuses a credential of tenant A that names tenant B with 403', () => {
    expect(resolveTenant({ pathTenant: 'musterstadt', credentialTenant: 'koeln' }, known, 'koeln')).toMatchObject({ kind: 'rejected', status: 403, code: 'TENANT_MISMATCH' });
    expect(resolveTenant({ headerTenant: 'koeln', credentialTenant: 'musterstadt' }, known, 'koeln')).toMatchObject({ kind: 'rejected', status: 403 });
  });
  it('refuses a path and a header that disagree, and an unknown tenant', () => {
    expect(resolveTenant({ pathTenant: 'koeln', headerTenant: 'musterstadt' }, known, 'koeln')).toMatchObject({ kind: 'rejected', status: 400 });
    expect(resolveTenant({ headerTenant: 'hamburg' }, known, 'koeln')).toMatchObject({ kind: 'rejected', status: 404, code: 'UNKNOWN_TENANT' });
  });
});

describe('splitTenantPath', () => {
  it('takes the tenant off a /t/{tenant}/ prefix and keeps the query', () => {
    expect(splitTenantPath('/t/musterstadt/graphql?x=1')).toEqual({ tenant: 'musterstadt', url: '/graphql?x=1' });
    expect(splitTenantPath('/t/musterstadt')).toEqual({ tenant: 'musterstadt', url: '/' });
    expect(splitTenantPath('/graphql')).toEqual({ url: '/graphql' });
  });
});

describe('tenantDefinitionSchema', () => {
  it('accepts a town and refuses ids that could escape a directory or a topic name', () => {
    expect(tenantDefinitionSchema.parse({ id: 'musterstadt', name: 'Musterstadt', reference: 'musterstadt' }).kind).toBe('stadt');
    for (const id of ['../x', 'A', 'ab', 'x.y', 'koeln-', 'a'.repeat(40)]) expect(tenantDefinitionSchema.safeParse({ id, name: 'x', reference: 'r' }).success).toBe(false);
  });
});
