// The sign-in settings from the environment, one zod shape for every entry point. Without
// SP_OIDC_ISSUER the platform is its own provider (embedded); with it, any OIDC provider signs in.
import { z } from 'zod';

const url = (example: string) =>
  z
    .string()
    .trim()
    .refine((u) => {
      try {
        const p = new URL(u).protocol;
        return p === 'https:' || p === 'http:';
      } catch {
        return false;
      }
    }, `expected an http(s) URL, e.g. ${example}`)
    .transform((u) => u.replace(/\/$/, ''));

export const identityEnvShape = {
  /** the public origin of the platform (redirect URIs, the embedded issuer); default http://SP_HOST:port */
  SP_PUBLIC_URL: url('https://sozialplanung.stadt.example').optional(),
  /** an external provider's issuer URL; unset: the embedded provider at <public URL>/auth */
  SP_OIDC_ISSUER: url('https://login.stadt.example/realms/sozialplanung').optional(),
  /** the dashboard's client at the external provider */
  SP_OIDC_CLIENT_ID: z.string().min(1).optional(),
  SP_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  /** the audience access tokens must carry (external provider; embedded: urn:sozialplanung:platform) */
  SP_OIDC_AUDIENCE: z.string().min(1).optional(),
  SP_OIDC_SCOPE: z.string().min(1).optional(),
  /** claim names (dotted for nested claims, e.g. realm_access.roles) */
  SP_OIDC_ROLE_CLAIM: z.string().min(1).default('role'),
  SP_OIDC_AMT_CLAIM: z.string().min(1).default('amt'),
  SP_OIDC_TENANT_CLAIM: z.string().min(1).default('tenant'),
  /** days an embedded signing key signs before the next takes over (default 90) */
  SP_IDENTITY_KEY_ROTATION_DAYS: z.coerce.number().positive().default(90),
  /** seconds between a running embedded provider's checks of its signing key (rotation due, a key the CLI made; default 60) */
  SP_IDENTITY_KEY_CHECK_S: z.coerce.number().positive().default(60),
  /** longest token lifetime in seconds (default 43200 = 12 h) */
  SP_TOKEN_MAX_LIFETIME_S: z.coerce.number().int().positive().optional(),
  /** embedded provider: seconds an access token lives (default 3600); a session renews it with its refresh token */
  SP_ACCESS_TOKEN_TTL_S: z.coerce.number().int().positive().optional(),
  /** embedded login: wrong passwords in a row before an account is locked (default 5) */
  SP_LOGIN_MAX_FAILURES: z.coerce.number().int().positive().optional(),
  /** embedded login: an account's first lock in seconds, doubling per further failure up to 900 (default 60) */
  SP_LOGIN_LOCK_S: z.coerce.number().positive().optional(),
  /** embedded login: wrong passwords from one address within 15 minutes before it is locked for 15 minutes (default 20) */
  SP_LOGIN_MAX_FAILURES_PER_ADDRESS: z.coerce.number().int().positive().optional(),
  /** embedded login behind a reverse proxy: the client is the first X-Forwarded-For address (only if the proxy sets it) */
  SP_TRUST_FORWARDED_FOR: z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .transform((v) => v === 'true' || v === '1')
    .optional(),
};

export const identityEnvSchema = z.object(identityEnvShape).refine((e) => !e.SP_OIDC_ISSUER || (e.SP_OIDC_CLIENT_ID && e.SP_OIDC_AUDIENCE), {
  message: 'SP_OIDC_ISSUER needs SP_OIDC_CLIENT_ID (the dashboard client) and SP_OIDC_AUDIENCE (the aud of its access tokens)',
  path: ['SP_OIDC_ISSUER'],
});
export type IdentityEnv = z.infer<z.ZodObject<typeof identityEnvShape>>;
