// Verification of OpenID Connect access tokens (JWT, RS256/ES256) against an issuer's keys, and the
// identity they carry: role, Amt, tenant, subject and name under configurable claim names. The
// gateway and ingestion both ask this one module; the embedded provider and any external provider
// (Keycloak, …) are told apart only by where the keys come from.
//
// Symmetric algorithms and `alg: none` are never accepted: the algorithm list is fixed to asymmetric
// ones, and jose refuses a key whose type does not fit the header's algorithm.
import { createRemoteJWKSet, errors as joseErrors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';

export const roles = ['public', 'planner', 'amt', 'admin'] as const;
export type Role = (typeof roles)[number];

/** Who a valid token names. */
export interface Identity {
  role: Role;
  /**
   * The Amt the person works for: required for role amt (it decides what they read and write);
   * optional for planners and admins, whose deliveries through ingestion then go as that Amt (e.g.
   * the planning office's). Read rights of planners and admins do not depend on it.
   */
  amt: string | null;
  /** the tenant (city) the provider put in the token, when its claim is configured and present */
  tenant: string | null;
  /** may see counts below the suppression threshold */
  privileged: boolean;
  subject: string;
  /** a display name (name, preferred_username or sub) */
  name: string;
}

/** Which claims carry the platform's attributes; a dotted name reads a nested claim (realm_access.roles). */
export interface ClaimNames {
  role: string;
  amt: string;
  tenant: string;
  privileged: string;
}

export const defaultClaimNames: ClaimNames = { role: 'role', amt: 'amt', tenant: 'tenant', privileged: 'privileged' };

export const asymmetricAlgorithms = ['ES256', 'RS256'] as const;

export interface TokenVerifierConfig {
  /** expected `iss`; a getter when the issuer's URL is known only after the server listens */
  issuer: string | (() => string);
  /** expected `aud` (the access token's audience, e.g. sp-platform) */
  audience: string;
  /** where the public keys come from: remoteKeys(issuer) for any provider, or the embedded key store */
  keys: JWTVerifyGetKey;
  claims?: Partial<ClaimNames>;
  /** longest lifetime a token may have, in seconds (default 43 200 = 12 h) */
  maxTokenLifetimeSeconds?: number;
  now?: () => number;
}

export const defaultMaxTokenLifetimeSeconds = 12 * 60 * 60;

/** A token that does not pass: the reason is safe to tell the caller. */
export class TokenRejected extends Error {
  override readonly name = 'TokenRejected';
}

export interface RemoteKeysOptions {
  /** how long fetched keys are trusted before the JWKS is fetched again (default 5 min) */
  cacheMaxAgeMs?: number;
  /** least time between two fetches caused by an unknown key id (default 30 s) */
  cooldownMs?: number;
}

/**
 * The issuer's keys from its JWKS (discovered from /.well-known/openid-configuration on first use).
 * A token signed with a key id not in the cached set refetches the set (after the cooldown), so a
 * rotated-in key works at once; a key removed from the set stops working after cacheMaxAgeMs.
 */
export function remoteKeys(issuer: string | (() => string), options: RemoteKeysOptions = {}): JWTVerifyGetKey {
  let keys: Promise<JWTVerifyGetKey> | undefined;
  const load = async (): Promise<JWTVerifyGetKey> => {
    const iss = typeof issuer === 'function' ? issuer() : issuer;
    const res = await fetch(`${iss.replace(/\/$/, '')}/.well-known/openid-configuration`);
    if (!res.ok) throw new Error(`OIDC discovery at ${iss} answered ${res.status}`);
    const { jwks_uri } = (await res.json()) as { jwks_uri?: string };
    if (!jwks_uri) throw new Error(`OIDC discovery at ${iss} names no jwks_uri`);
    return createRemoteJWKSet(new URL(jwks_uri), { cacheMaxAge: options.cacheMaxAgeMs ?? 5 * 60_000, cooldownDuration: options.cooldownMs ?? 30_000 });
  };
  return async (header, token) => {
    keys ??= load().catch((e) => {
      keys = undefined;
      throw e;
    });
    return (await keys)(header, token);
  };
}

function claimAt(payload: JWTPayload, name: string): unknown {
  let value: unknown = payload;
  for (const part of name.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

/** Most rights first: a provider that lists several roles (Keycloak groups) grants the highest. */
const rank: Role[] = ['admin', 'planner', 'amt', 'public'];

/** The role among the claim's values; a leading "/" (Keycloak group paths) and case are ignored. */
function roleIn(value: unknown): Role | undefined {
  const values = new Set(strings(value).map((v) => v.replace(/^\//, '').toLowerCase()));
  return rank.find((r) => values.has(r));
}

export type TokenVerifier = (token: string) => Promise<Identity>;

export function createTokenVerifier(config: TokenVerifierConfig): TokenVerifier {
  const claims = { ...defaultClaimNames, ...config.claims };
  const maxLifetime = config.maxTokenLifetimeSeconds ?? defaultMaxTokenLifetimeSeconds;
  if (!Number.isInteger(maxLifetime) || maxLifetime <= 0) throw new Error('maxTokenLifetimeSeconds must be a positive integer');
  const now = config.now ?? Date.now;
  const accepted = () =>
    `accepted: a JWT signed ${asymmetricAlgorithms.join(' or ')} by a key of the issuer's JWKS, iss "${issuerOf()}", aud "${config.audience}", exp at most ${maxLifetime} s ahead, a role claim "${claims.role}" (planner|amt|admin|public) and for role amt an Amt claim "${claims.amt}"`;
  const issuerOf = () => (typeof config.issuer === 'function' ? config.issuer() : config.issuer);

  return async function verify(token) {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, config.keys, {
        algorithms: [...asymmetricAlgorithms],
        issuer: issuerOf(),
        audience: config.audience,
        requiredClaims: ['exp', 'sub'],
        currentDate: new Date(now()),
      }));
    } catch (error) {
      const reason =
        error instanceof joseErrors.JWTExpired
          ? 'token expired'
          : error instanceof joseErrors.JWTClaimValidationFailed
            ? `claim "${error.claim}" ${error.reason === 'missing' ? 'is missing' : 'check failed'}`
            : error instanceof joseErrors.JOSEAlgNotAllowed
              ? `algorithm not allowed`
              : error instanceof joseErrors.JWKSNoMatchingKey
                ? 'signed with a key the issuer does not publish (unknown or rotated-out key id)'
                : error instanceof joseErrors.JOSEError
                  ? 'signature or format invalid'
                  : `keys of the issuer unavailable (${error instanceof Error ? error.message : String(error)})`;
      throw new TokenRejected(`${reason}; ${accepted()}`);
    }
    const nowSeconds = Math.floor(now() / 1000);
    const lifetime = (payload.exp as number) - Math.min(payload.iat ?? nowSeconds, nowSeconds);
    if (lifetime > maxLifetime) throw new TokenRejected(`it is valid for ${lifetime} s, longer than the maximum lifetime of ${maxLifetime} s`);
    const role = roleIn(claimAt(payload, claims.role));
    if (!role) throw new TokenRejected(`claim "${claims.role}" names no role; ${accepted()}`);
    const amt = strings(claimAt(payload, claims.amt))[0]?.replace(/^\//, '') || null;
    if (role === 'amt' && !amt) throw new TokenRejected(`a token with role "amt" needs an Amt in claim "${claims.amt}"`);
    const tenant = strings(claimAt(payload, claims.tenant))[0]?.replace(/^\//, '') || null;
    const name = strings(payload.name)[0] ?? strings(payload.preferred_username)[0] ?? payload.sub!;
    return {
      role,
      amt: role === 'public' ? null : amt,
      tenant,
      privileged: role !== 'public' && claimAt(payload, claims.privileged) === true,
      subject: payload.sub!,
      name,
    };
  };
}
