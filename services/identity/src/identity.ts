// The composition of sign-in for one process: the token verifier the gateway and ingestion use,
// the dashboard's session routes and — without an external provider — the embedded provider with
// its keys, users and first admin, all kept under <data>/identity.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createLocalJWKSet } from 'jose';
import { createEmbeddedProvider, dashboardClientId, embeddedAudience, type EmbeddedProvider, platformScope } from './embedded-provider.js';
import type { IdentityEnv } from './identity.config.js';
import { createSessionRoutes } from './session.routes.js';
import { publicJwks, SigningKeyStore } from './signing-keys.store.js';
import { createTokenVerifier, remoteKeys, TokenRejected, type TokenVerifier } from './tokens.js';
import { UserStore } from './users.store.js';

export interface IdentityService {
  mode: 'embedded' | 'external';
  verify: TokenVerifier;
  /** the issuer tokens must name (known once the server listens, for the embedded provider) */
  issuer(): string;
  /** tells the embedded provider and the session routes the platform's URL; call once after listening */
  listening(defaultUrl: string): void;
  /** answers /auth/* (embedded) and /session/*; false otherwise */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  bearerFor(req: IncomingMessage): string | undefined;
  /** a session's expired access token refreshed (SessionRoutes.refreshBearer); undefined when there is nothing to wait for */
  refreshBearer(req: IncomingMessage): Promise<string | undefined> | undefined;
  users: UserStore | undefined;
}

export const identityDir = (dataDir: string) => join(dataDir, 'identity');

function secretIn(dir: string, name: string): string {
  const file = join(dir, name);
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

export async function createIdentity(env: IdentityEnv, dataDir: string, log: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<IdentityService> {
  const claims = { role: env.SP_OIDC_ROLE_CLAIM, amt: env.SP_OIDC_AMT_CLAIM, tenant: env.SP_OIDC_TENANT_CLAIM };
  const maxTokenLifetimeSeconds = env.SP_TOKEN_MAX_LIFETIME_S;
  let publicUrl = env.SP_PUBLIC_URL;
  const urlNow = () => {
    if (!publicUrl) throw new Error('the platform is not listening yet');
    return publicUrl;
  };

  if (env.SP_OIDC_ISSUER) {
    const issuer = env.SP_OIDC_ISSUER;
    const verify = createTokenVerifier({ issuer, audience: env.SP_OIDC_AUDIENCE!, keys: remoteKeys(issuer), claims, ...(maxTokenLifetimeSeconds ? { maxTokenLifetimeSeconds } : {}) });
    const session = createSessionRoutes({
      issuer: () => issuer,
      publicUrl: urlNow,
      clientId: env.SP_OIDC_CLIENT_ID!,
      ...(env.SP_OIDC_CLIENT_SECRET ? { clientSecret: env.SP_OIDC_CLIENT_SECRET } : {}),
      scope: env.SP_OIDC_SCOPE ?? 'openid profile',
      verify,
    });
    return {
      mode: 'external',
      verify,
      issuer: () => issuer,
      listening(url) {
        publicUrl ??= url;
      },
      handle: (req, res) => session.handle(req, res),
      bearerFor: (req) => session.bearerFor(req),
      refreshBearer: (req) => session.refreshBearer(req),
      users: undefined,
    };
  }

  const dir = identityDir(dataDir);
  const keyStore = new SigningKeyStore(join(dir, 'signing-keys.json'), { rotationDays: env.SP_IDENTITY_KEY_ROTATION_DAYS, retainSeconds: maxTokenLifetimeSeconds ?? 12 * 3600 });
  const keys = await keyStore.ensure();
  const users = new UserStore(join(dir, 'users.json'));
  const first = await users.ensureFirstAdmin();
  if (first) {
    log('');
    log('  Erster Administrator angelegt (nur dieses eine Mal angezeigt):');
    log(`    Benutzername:   ${first.user.username}`);
    log(`    Einmalpasswort: ${first.oneTimePassword}`);
    log('  Bei der ersten Anmeldung wird ein neues Passwort verlangt.');
    log('');
  }
  const issuer = () => `${urlNow()}/auth`;
  const localKeys = createLocalJWKSet(publicJwks(keys));
  const signed = createTokenVerifier({ issuer, audience: embeddedAudience, keys: localKeys, claims, ...(maxTokenLifetimeSeconds ? { maxTokenLifetimeSeconds } : {}) });
  // a token of a user an admin disabled or deleted since is refused at once, not only when it expires
  const verify: TokenVerifier = async (token) => {
    const identity = await signed(token);
    if (users.revoked(identity.subject)) throw new TokenRejected('the user of this token is disabled or deleted');
    return identity;
  };
  const clientSecret = secretIn(dir, 'dashboard-client-secret');
  const session = createSessionRoutes({
    issuer,
    publicUrl: urlNow,
    clientId: dashboardClientId,
    clientSecret,
    scope: `openid profile ${platformScope}`,
    verify,
    active: (identity) => !users.revoked(identity.subject),
  });
  let provider: EmbeddedProvider | undefined;
  const start = () => {
    provider ??= createEmbeddedProvider(
      {
        publicUrl: urlNow(),
        users,
        keys,
        cookieSecret: secretIn(dir, 'provider-cookie-secret'),
        dashboardClientSecret: clientSecret,
        ...(env.SP_ACCESS_TOKEN_TTL_S ? { accessTokenTtlSeconds: env.SP_ACCESS_TOKEN_TTL_S } : {}),
        loginThrottle: {
          ...(env.SP_LOGIN_MAX_FAILURES ? { accountFailures: env.SP_LOGIN_MAX_FAILURES } : {}),
          ...(env.SP_LOGIN_LOCK_S ? { lockS: env.SP_LOGIN_LOCK_S } : {}),
          ...(env.SP_LOGIN_MAX_FAILURES_PER_ADDRESS ? { addressFailures: env.SP_LOGIN_MAX_FAILURES_PER_ADDRESS } : {}),
        },
        trustForwardedFor: env.SP_TRUST_FORWARDED_FOR === true,
      },
      verify,
    );
  };
  if (publicUrl) start();
  return {
    mode: 'embedded',
    verify,
    issuer,
    listening(url) {
      publicUrl ??= url;
      start();
    },
    handle(req, res) {
      if (session.handle(req, res)) return true;
      return provider?.handle(req, res) ?? false;
    },
    bearerFor: (req) => session.bearerFor(req),
    refreshBearer: (req) => session.refreshBearer(req),
    users,
  };
}
