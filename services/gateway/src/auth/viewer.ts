// Who is asking: decoded from a Bearer access token (JWT, ES256/RS256) that the token verifier of
// @sp/identity checks against the OIDC provider's published keys (embedded or external). No token
// means public. Roles:
//  - public:  published indicators and aggregates, suppression always applied
//  - planner: every indicator; suppressed below the threshold unless the token says privileged
//  - amt:     published indicators plus those its own Amt delivers; privileged (if granted) only for those
//  - admin:   every indicator; suppressed unless privileged
import { roles, TokenRejected, type Role, type TokenVerifier } from '@sp/identity/tokens';
import { unauthenticated } from '../errors.js';

export { roles, type Role };

export interface Viewer {
  role: Role;
  /** the Amt of an `amt` viewer; a planner's or admin's token may name the Amt they work for (no read rights follow from it) */
  amt: string | null;
  /** may see counts below the suppression threshold */
  privileged: boolean;
  subject: string | null;
  /** the signed-in person's display name (author of what they write) */
  name?: string | null;
  /** the tenant the provider put in the token, when configured */
  tenant?: string | null;
}

export const publicViewer: Viewer = Object.freeze({ role: 'public', amt: null, privileged: false, subject: null, name: null, tenant: null });

export interface AuthConfig {
  /** checks an access token's signature (against the issuer's JWKS), iss, aud, exp and claims */
  verify: TokenVerifier;
}

export function createAuthenticator(config: AuthConfig) {
  /** The viewer for an Authorization header value; throws UNAUTHENTICATED for a bad token. */
  return async function authenticate(authorization: string | null | undefined): Promise<Viewer> {
    if (!authorization) return publicViewer;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <JWT>"');
    try {
      const who = await config.verify(match[1]!);
      return { role: who.role, amt: who.amt, privileged: who.privileged, subject: who.subject, name: who.name, tenant: who.tenant };
    } catch (error) {
      if (error instanceof TokenRejected) throw unauthenticated(`Bearer token rejected: ${error.message}`);
      throw error;
    }
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
