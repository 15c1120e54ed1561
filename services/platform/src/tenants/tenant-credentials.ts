// Which tenant a request's credential belongs to, so that the router can refuse a credential of one
// tenant that names another (403) before any tenant's runtime sees the request. An Amt's API key is
// found by its sha256 among the tenants' key hashes; a bearer token by the tenant whose token secret
// signed it (each tenant has its own). A credential no tenant knows belongs to none: the tenant the
// request is routed to refuses it (401) as before.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

export interface TenantCredentials {
  tenant: string;
  /** `sha256:<hex>` hashes of the tenant's API keys */
  apiKeyHashes: readonly string[];
  /** the HS256 secret of the tenant's tokens */
  jwtSecret: string;
}

export class CredentialIndex {
  private readonly byKeyHash = new Map<string, string>();
  private readonly secrets: { tenant: string; key: Buffer }[] = [];

  add(credentials: TenantCredentials): void {
    for (const h of credentials.apiKeyHashes) if (h.startsWith('sha256:')) this.byKeyHash.set(h, credentials.tenant);
    this.secrets.push({ tenant: credentials.tenant, key: Buffer.from(credentials.jwtSecret) });
  }

  remove(tenant: string): void {
    for (const [h, t] of this.byKeyHash) if (t === tenant) this.byKeyHash.delete(h);
    for (let i = this.secrets.length - 1; i >= 0; i--) if (this.secrets[i]!.tenant === tenant) this.secrets.splice(i, 1);
  }

  tenantOf(headers: IncomingHttpHeaders): string | undefined {
    const credential = credentialOf(headers);
    if (!credential) return undefined;
    if (credential.startsWith('sp_')) return this.byKeyHash.get(`sha256:${createHash('sha256').update(credential).digest('hex')}`);
    const parts = credential.split('.');
    if (parts.length !== 3) return undefined;
    const signed = `${parts[0]}.${parts[1]}`;
    const signature = Buffer.from(parts[2]!, 'base64url');
    for (const { tenant, key } of this.secrets) {
      const expected = createHmac('sha256', key).update(signed).digest();
      if (expected.length === signature.length && timingSafeEqual(expected, signature)) return tenant;
    }
    return undefined;
  }
}

function credentialOf(headers: IncomingHttpHeaders): string | undefined {
  const auth = headers.authorization;
  if (auth && /^Bearer\s+/i.test(auth)) return auth.replace(/^Bearer\s+/i, '').trim() || undefined;
  const x = headers['x-api-key'];
  return (Array.isArray(x) ? x[0] : x)?.trim() || undefined;
}
