// Who is asking: decoded from a Bearer JWT (HS256, shared secret). No token means public.
// Roles:
//  - public:  published indicators and aggregates, suppression always applied
//  - planner: every indicator; suppressed below the threshold unless the token says privileged
//  - amt:     published indicators plus those its own Amt delivers; privileged (if granted) only for those
//  - admin:   every indicator; suppressed unless privileged
import { errors as joseErrors, jwtVerify } from 'jose';
import { z } from 'zod';
import { unauthenticated } from '../errors.js';

export const roles = ['public', 'planner', 'amt', 'admin'] as const;
export type Role = (typeof roles)[number];

export interface Viewer {
  role: Role;
  /** the Amt of an `amt` token */
  amt: string | null;
  /** may see counts below the suppression threshold */
  privileged: boolean;
  subject: string | null;
}

export const publicViewer: Viewer = Object.freeze({ role: 'public', amt: null, privileged: false, subject: null });

const claimsSchema = z
  .object({
    role: z.enum(['planner', 'amt', 'admin', 'public']),
    amt: z.string().min(1).optional(),
    privileged: z.boolean().optional(),
    sub: z.string().optional(),
  })
  .refine((c) => c.role !== 'amt' || c.amt, { message: 'a token with role "amt" needs an "amt" claim', path: ['amt'] });

export interface AuthConfig {
  /** HS256 secret, at least 32 characters */
  jwtSecret: string;
  /** optional expected issuer / audience */
  issuer?: string;
  audience?: string;
}

export function createAuthenticator(config: AuthConfig) {
  if (config.jwtSecret.length < 32) throw new Error('auth.jwtSecret must have at least 32 characters');
  const key = new TextEncoder().encode(config.jwtSecret);

  /** The viewer for an Authorization header value; throws UNAUTHENTICATED for a bad token. */
  return async function authenticate(authorization: string | null | undefined): Promise<Viewer> {
    if (!authorization) return publicViewer;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <JWT>"');
    let payload: unknown;
    try {
      ({ payload } = await jwtVerify(match[1]!, key, {
        algorithms: ['HS256'],
        ...(config.issuer ? { issuer: config.issuer } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
      }));
    } catch (error) {
      const reason = error instanceof joseErrors.JWTExpired ? 'token expired' : 'token invalid or not signed with the configured secret';
      throw unauthenticated(`Bearer token rejected: ${reason}`);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      throw unauthenticated(
        `Bearer token claims rejected: ${claims.error.issues.map((i) => `${i.path.join('.') || 'claims'}: ${i.message}`).join('; ')}; expected role planner|amt|admin|public, amt (string), privileged (boolean)`,
      );
    }
    const c = claims.data;
    return {
      role: c.role,
      amt: c.role === 'amt' ? c.amt! : null,
      privileged: c.role !== 'public' && c.privileged === true,
      subject: c.sub ?? null,
    };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
