// Which tenant a request's credential belongs to, so that the router can refuse a credential of one
// tenant that names another (403) before any tenant's runtime sees the request. An Amt's API key is
// found by its sha256 among the tenants' key hashes; a bearer token by its issuer (each tenant runs
// its own OIDC provider at <tenant url>/auth, docs/auth.md). The issuer is read unverified: it only
// chooses which tenant verifies the token, and that tenant's runtime checks the signature against its
// own keys (a token forged with another tenant's issuer is 401 there). A credential no tenant knows
// belongs to none: the tenant the request is routed to refuses it (401) as before.
import { createHash } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface TenantCredentials {
  tenant: string;
  /** `sha256:<hex>` hashes of the tenant's API keys */
  apiKeyHashes: readonly string[];
  /** the issuer of the tenant's access tokens */
  issuer: string;
}

export class CredentialIndex {
  private readonly byKeyHash = new Map<string, string>();
  /** the tenants whose tokens an issuer signs: one, or several behind one external provider (SP_OIDC_ISSUER), whose tokens then name no tenant here */
  private readonly byIssuer = new Map<string, Set<string>>();

  add(credentials: TenantCredentials): void {
    for (const h of credentials.apiKeyHashes) if (h.startsWith('sha256:')) this.byKeyHash.set(h, credentials.tenant);
    const tenants = this.byIssuer.get(credentials.issuer);
    if (tenants) tenants.add(credentials.tenant);
    else this.byIssuer.set(credentials.issuer, new Set([credentials.tenant]));
  }

  remove(tenant: string): void {
    for (const [h, t] of this.byKeyHash) if (t === tenant) this.byKeyHash.delete(h);
    for (const [i, tenants] of this.byIssuer) {
      tenants.delete(tenant);
      if (tenants.size === 0) this.byIssuer.delete(i);
    }
  }

  /** whether the request carries an API key or bearer token at all (known to a tenant or not) */
  carries(headers: IncomingHttpHeaders): boolean {
    return credentialOf(headers) !== undefined;
  }

  tenantOf(headers: IncomingHttpHeaders): string | undefined {
    const credential = credentialOf(headers);
    if (!credential) return undefined;
    if (credential.startsWith('sp_')) return this.byKeyHash.get(`sha256:${createHash('sha256').update(credential).digest('hex')}`);
    const parts = credential.split('.');
    if (parts.length !== 3) return undefined;
    try {
      const claims: unknown = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
      const iss = typeof claims === 'object' && claims !== null ? (claims as { iss?: unknown }).iss : undefined;
      const tenants = typeof iss === 'string' ? this.byIssuer.get(iss) : undefined;
      return tenants?.size === 1 ? [...tenants][0] : undefined;
    } catch {
      return undefined;
    }
  }
}

function credentialOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim() || undefined;
  const x = headers['x-api-key'];
  return (Array.isArray(x) ? x[0] : x)?.trim() || undefined;
}
