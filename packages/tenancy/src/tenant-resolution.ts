// Which tenant a request is for, decided once per request before anything of a tenant is touched.
// A request may name its tenant (a /t/{tenant}/ path prefix or an X-SP-Tenant header) and may carry
// a credential that belongs to one (an Amt's API key, a token's tenant claim). The credential wins
// over nothing, a named tenant over nothing, and when both are there they must agree: a key of
// tenant A that names tenant B is refused, never served from either. Pure: the caller looks up
// which tenant a credential belongs to.

export interface TenantRequest {
  /** the segment of a /t/{tenant}/ prefix, if the path has one */
  pathTenant?: string | undefined;
  /** the X-SP-Tenant header, if sent */
  headerTenant?: string | undefined;
  /** the tenant the request's credential belongs to, if it carries one the platform knows */
  credentialTenant?: string | undefined;
}

export type TenantResolution = { kind: 'resolved'; tenant: string } | { kind: 'rejected'; status: 400 | 403 | 404; code: 'TENANT_MISMATCH' | 'UNKNOWN_TENANT'; message: string };

export function resolveTenant(request: TenantRequest, known: ReadonlySet<string>, defaultTenant: string): TenantResolution {
  const { pathTenant, headerTenant, credentialTenant } = request;
  if (pathTenant !== undefined && headerTenant !== undefined && pathTenant !== headerTenant) {
    return {
      kind: 'rejected',
      status: 400,
      code: 'TENANT_MISMATCH',
      message: `the path names tenant "${pathTenant}" but the X-SP-Tenant header names "${headerTenant}"; name one tenant, or the same in both`,
    };
  }
  const named = pathTenant ?? headerTenant;
  if (named !== undefined && !known.has(named)) {
    return { kind: 'rejected', status: 404, code: 'UNKNOWN_TENANT', message: `there is no tenant "${named}"; known: ${[...known].sort().join(', ')}` };
  }
  if (named !== undefined && credentialTenant !== undefined && named !== credentialTenant) {
    // do not say whose credential it is: the caller knows, an attacker learns nothing
    return { kind: 'rejected', status: 403, code: 'TENANT_MISMATCH', message: `the credential does not belong to tenant "${named}"; use a key or token issued by that tenant` };
  }
  return { kind: 'resolved', tenant: named ?? credentialTenant ?? defaultTenant };
}

const prefix = /^\/t\/([^/?#]+)(\/[^?#]*)?(\?.*)?$/;

/** splits a /t/{tenant}/rest path into the tenant and the path the tenant's runtime sees */
export function splitTenantPath(url: string): { tenant?: string; url: string } {
  const m = prefix.exec(url);
  if (!m) return { url };
  return { tenant: decodeURIComponent(m[1]!), url: `${m[2] ?? '/'}${m[3] ?? ''}` };
}
