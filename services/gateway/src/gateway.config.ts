// The gateway's token and browser settings from the environment, one zod shape for every entry
// point (the standalone gateway, the platform), so each reads the same variables the same way.
import type { TokenVerifier } from '@sp/identity/tokens';
import { z } from 'zod';
import type { GatewayOptions, IntrospectionPolicy } from './gateway.js';

const origin = z.string().refine((o) => {
  try {
    const u = new URL(o);
    return (u.protocol === 'https:' || u.protocol === 'http:') && u.origin === o;
  } catch {
    return false;
  }
}, 'expected an origin such as https://dashboard.stadt.example (scheme, host, optional port; no path, no trailing slash)');

export const gatewayEnvShape = {
  /** comma-separated browser origins allowed cross-origin (CORS); default none */
  SP_CORS_ORIGINS: z
    .string()
    .optional()
    .transform((s) =>
      (s ?? '')
        .split(',')
        .map((o) => o.trim())
        .filter(Boolean),
    )
    .pipe(z.array(origin)),
  /** who may run introspection: signed-in (default), everyone, off */
  SP_INTROSPECTION: z.enum(['signed-in', 'everyone', 'off']).default('signed-in'),
};

export const gatewayEnvSchema = z.object(gatewayEnvShape);
export type GatewayEnv = z.infer<typeof gatewayEnvSchema>;

/** auth, CORS and introspection options of createGateway from the parsed variables. */
/** the token verifier comes from @sp/identity (createIdentity, or createTokenVerifier for an external provider) */
export function gatewayOptionsFromEnv(env: GatewayEnv, verify: TokenVerifier): Required<Pick<GatewayOptions, 'auth' | 'cors' | 'introspection'>> {
  return {
    auth: { verify },
    cors: { origins: env.SP_CORS_ORIGINS },
    introspection: env.SP_INTROSPECTION satisfies IntrospectionPolicy,
  };
}
