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

/** Registered claims the gateway understands; `iss` and `aud` only when configured (see AuthConfig). */
const registeredClaims = { exp: z.number(), iat: z.number().optional(), nbf: z.number().optional(), jti: z.string().optional() };

function claimsSchemaFor(config: AuthConfig) {
  return z
    .strictObject({
      role: z.enum(['planner', 'amt', 'admin', 'public']),
      amt: z.string().min(1).optional(),
      privileged: z.boolean().optional(),
      sub: z.string().optional(),
      ...registeredClaims,
      ...(config.issuer ? { iss: z.string() } : {}),
      ...(config.audience ? { aud: z.union([z.string(), z.array(z.string())]) } : {}),
    })
    .refine((c) => c.role !== 'amt' || c.amt, { message: 'a token with role "amt" needs an "amt" claim', path: ['amt'] });
}

export interface AuthConfig {
  /** HS256 secret, at least 32 characters */
  jwtSecret: string;
  /**
   * Expected issuer / audience. When set, a token must carry exactly this `iss` / an `aud` that
   * contains it; when not set, a token that carries the claim is refused (nobody could check it).
   */
  issuer?: string;
  audience?: string;
  /**
   * Longest lifetime a token may have, in seconds (default 43 200 = 12 h): `exp` is required and
   * may lie at most this far after `iat` and after now.
   */
  maxTokenLifetimeSeconds?: number;
}

export const defaultMaxTokenLifetimeSeconds = 12 * 60 * 60;

const accepted = (config: AuthConfig) =>
  `accepted claims: role (planner|amt|admin|public), amt (string, required for role amt), privileged (boolean), sub, exp (required, at most ${config.maxTokenLifetimeSeconds ?? defaultMaxTokenLifetimeSeconds} s ahead), iat, nbf, jti${config.issuer ? `, iss "${config.issuer}"` : ''}${config.audience ? `, aud "${config.audience}"` : ''}`;

export function createAuthenticator(config: AuthConfig, now: () => number = Date.now) {
  if (config.jwtSecret.length < 32) throw new Error('auth.jwtSecret must have at least 32 characters');
  const maxLifetime = config.maxTokenLifetimeSeconds ?? defaultMaxTokenLifetimeSeconds;
  if (!Number.isInteger(maxLifetime) || maxLifetime <= 0) throw new Error('auth.maxTokenLifetimeSeconds must be a positive integer');
  const key = new TextEncoder().encode(config.jwtSecret);
  const claimsSchema = claimsSchemaFor(config);

  /** The viewer for an Authorization header value; throws UNAUTHENTICATED for a bad token. */
  return async function authenticate(authorization: string | null | undefined): Promise<Viewer> {
    if (!authorization) return publicViewer;
    const match = /^Bearer\s+(\S+)$/i.exec(authorization.trim());
    if (!match) throw unauthenticated('Authorization header must be "Bearer <JWT>"');
    let payload: Record<string, unknown>;
    try {
      ({ payload } = await jwtVerify(match[1]!, key, {
        algorithms: ['HS256'],
        requiredClaims: ['exp'],
        currentDate: new Date(now()),
        ...(config.issuer ? { issuer: config.issuer } : {}),
        ...(config.audience ? { audience: config.audience } : {}),
      }));
    } catch (error) {
      const reason =
        error instanceof joseErrors.JWTExpired
          ? 'token expired'
          : error instanceof joseErrors.JWTClaimValidationFailed
            ? `claim "${error.claim}" ${error.reason === 'missing' ? 'is missing' : 'check failed'} (${error.message}); ${accepted(config)}`
            : 'token invalid or not signed with the configured secret';
      throw unauthenticated(`Bearer token rejected: ${reason}`);
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      throw unauthenticated(`Bearer token claims rejected: ${claims.error.issues.map((i) => `${i.path.join('.') || 'claims'}: ${i.message}`).join('; ')}; ${accepted(config)}`);
    }
    const c = claims.data;
    const nowSeconds = Math.floor(now() / 1000);
    const lifetime = c.exp - Math.min(c.iat ?? nowSeconds, nowSeconds);
    if (lifetime > maxLifetime) {
      throw unauthenticated(`Bearer token rejected: it is valid for ${lifetime} s, longer than the maximum lifetime of ${maxLifetime} s; issue tokens with exp at most ${maxLifetime} s after iat`);
    }
    return {
      role: c.role,
      amt: c.role === 'amt' ? c.amt! : null,
      privileged: c.role !== 'public' && c.privileged === true,
      subject: c.sub ?? null,
    };
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;
