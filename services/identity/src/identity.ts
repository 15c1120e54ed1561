// The composition of sign-in for one process: the token verifier the gateway and ingestion use,
// the dashboard's session routes and — without an external provider — the embedded provider with
// its keys, users and first admin. What they keep is the identity state (identity-state.ts): files
// under <data>/identity in the embedded default, the deployment's
// PostgreSQL in servers mode, where every replica of the platform shares it.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import { createEmbeddedProvider, dashboardClientId, embeddedAudience, type EmbeddedProvider, platformScope } from './embedded-provider.js';
import type { IdentityEnv } from './identity.config.js';
import { databaseIdentityState, fileIdentityState, type IdentityState, seedDocuments, sharedSecret } from './identity-state.js';
import { createSessionRoutes } from './session.routes.js';
import { publicJwks, SigningKeyStore, type StoredKey } from './signing-keys.store.js';
import { createTokenVerifier, defaultMaxTokenLifetimeSeconds, type Identity, remoteKeys, TokenRejected, type TokenVerifier } from './tokens.js';
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
  /** the access token of the request's dashboard session (refreshed first when it has expired) */
  bearerFor(req: IncomingMessage): Promise<string | undefined>;
  users: UserStore | undefined;
  /** where the state is kept: 'files' (this process) or 'database' (shared) */
  state: IdentityState['kind'];
  /** ends the periodic check of the signing key (the state itself is its owner's to close) */
  stop(): void;
}

export const identityDir = (dataDir: string) => join(dataDir, 'identity');

export interface IdentityOptions {
  /** the first admin's one-time password and other notices (default: stdout) */
  log?: (line: string) => void;
  /**
   * The state every process of the deployment shares (servers mode: databaseIdentityState on its
   * PostgreSQL). Without it, files under <data>/identity (the embedded
   * default: PGlite is rebuilt from the log on repair, which holds no users).
   */
  state?: IdentityState;
  /** how long one process may hold a session's refresh (default 15 s; tests shorten it) */
  refreshLeaseMs?: number;
}

/** a database's state is read again at most this often (the users' version is one small query) */
const sharedFreshMs = 1000;

/** the CLI's state: PostgreSQL of DATABASE_URL with SP_ENGINES=servers, else the identity directory */
export async function identityStateFromEnv(env: NodeJS.ProcessEnv, dir: string): Promise<{ state: IdentityState; close(): Promise<void> }> {
  if (env.SP_ENGINES?.trim() === 'servers') {
    const url = env.DATABASE_URL?.trim();
    if (!url) throw new Error("SP_ENGINES=servers keeps the users in PostgreSQL: set DATABASE_URL to the platform's database");
    const { createPgDatabase } = await import('@sp/database-pg');
    const db = createPgDatabase({ url });
    const state = await databaseIdentityState(db);
    return {
      state,
      close: async () => {
        state.stop();
        await db.close();
      },
    };
  }
  return { state: fileIdentityState(dir), close: async () => undefined };
}

export async function createIdentity(env: IdentityEnv, dataDir: string, options: IdentityOptions = {}): Promise<IdentityService> {
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const claims = { role: env.SP_OIDC_ROLE_CLAIM, amt: env.SP_OIDC_AMT_CLAIM, tenant: env.SP_OIDC_TENANT_CLAIM };
  const maxTokenLifetimeSeconds = env.SP_TOKEN_MAX_LIFETIME_S;
  let publicUrl = env.SP_PUBLIC_URL;
  const urlNow = () => {
    if (!publicUrl) throw new Error('the platform is not listening yet');
    return publicUrl;
  };

  const files = fileIdentityState(identityDir(dataDir));
  const state: IdentityState = options.state ?? files;
  if (state !== files) {
    // an earlier version (or the embedded default) kept them in the data directory: they go on
    const taken = await seedDocuments(state.documents, files.documents);
    if (taken.length > 0) log(`  Anmeldung: ${taken.join(', ')} aus ${identityDir(dataDir)} in die Datenbank übernommen`);
  }

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
      state,
      ...(options.refreshLeaseMs ? { refreshLeaseMs: options.refreshLeaseMs } : {}),
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
      users: undefined,
      state: state.kind,
      stop: () => undefined,
    };
  }

  const keyStore = new SigningKeyStore(state.documents, {
    rotationDays: env.SP_IDENTITY_KEY_ROTATION_DAYS,
    // a replica that has not seen a rotation yet signs with the retired key until its next check
    // (two periods: one check may fail), so its tokens outlive the retirement by that much
    retainSeconds: (maxTokenLifetimeSeconds ?? defaultMaxTokenLifetimeSeconds) + 2 * env.SP_IDENTITY_KEY_CHECK_S,
  });
  let keys = await keyStore.ensure();
  const verifierKeys = storedKeys(keyStore, keys);
  const users = new UserStore(state.documents, { freshMs: state.kind === 'database' ? sharedFreshMs : 0 });
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
  const signed = createTokenVerifier({ issuer, audience: embeddedAudience, keys: verifierKeys.get, claims, ...(maxTokenLifetimeSeconds ? { maxTokenLifetimeSeconds } : {}) });
  // a token of a user an admin disabled or deleted since is refused at once, not only when it expires
  const verify: TokenVerifier = async (token) => {
    const identity = await signed(token);
    if (await users.revoked(identity.subject)) throw new TokenRejected('the user of this token is disabled or deleted');
    return identity;
  };
  const clientSecret = await sharedSecret(state.documents, 'dashboard-client-secret');
  const cookieSecret = await sharedSecret(state.documents, 'provider-cookie-secret');
  const session = createSessionRoutes({
    issuer,
    publicUrl: urlNow,
    clientId: dashboardClientId,
    clientSecret,
    scope: `openid profile ${platformScope}`,
    verify,
    state,
    active: async (identity: Identity) => !(await users.revoked(identity.subject)),
    ...(options.refreshLeaseMs ? { refreshLeaseMs: options.refreshLeaseMs } : {}),
  });
  let provider: EmbeddedProvider | undefined;
  const start = () => {
    provider ??= createEmbeddedProvider(
      {
        publicUrl: urlNow(),
        users,
        keys,
        cookieSecret,
        state,
        publishedKeys: () => keyStore.list(),
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

  // A platform runs for months without a restart: the key is checked while it runs. A due rotation
  // happens here (of replicas checking together one writes, ensure()), and a key another replica or
  // the CLI made is taken up: it signs from now on and verifies with the ones before.
  const checkKeys = async () => {
    const next = await keyStore.ensure();
    const kids = (list: StoredKey[]) => list.map((k) => k.jwk.kid).join(' ');
    if (kids(next) === kids(keys)) return;
    if (next[0]?.jwk.kid !== keys[0]?.jwk.kid) log(`  Anmeldung: signiert ab jetzt mit dem Schlüssel ${next[0]?.jwk.kid}`);
    keys = next;
    verifierKeys.use(next);
    provider?.useKeys(next);
  };
  // a check slower than the interval (a database under load) is not overlapped by the next
  let checking = false;
  const check = setInterval(() => {
    if (checking) return;
    checking = true;
    checkKeys()
      .catch((e: unknown) => log(`  Anmeldung: Signaturschlüssel nicht geprüft (${e instanceof Error ? e.message : String(e)}); erneut in ${env.SP_IDENTITY_KEY_CHECK_S} s`))
      .finally(() => {
        checking = false;
      });
  }, env.SP_IDENTITY_KEY_CHECK_S * 1000);
  check.unref();

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
    users,
    state: state.kind,
    stop: () => clearInterval(check),
  };
}

/**
 * The verifier's keys: the stored ones, replaced by the periodic check (use), and read again (at
 * most every 30 s) when a token names a key this process does not know — another replica rotated
 * and signs with its new key before this one's check has seen it.
 */
function storedKeys(store: SigningKeyStore, initial: StoredKey[]): { get: JWTVerifyGetKey; use(keys: StoredKey[]): void } {
  let local: JWTVerifyGetKey;
  let known: Set<string | undefined>;
  const use = (keys: StoredKey[]) => {
    local = createLocalJWKSet(publicJwks(keys) as JSONWebKeySet);
    known = new Set(keys.map((k) => k.jwk.kid));
  };
  use(initial);
  let readAt = 0;
  return {
    use,
    get: async (header, token) => {
      if (header.kid && !known.has(header.kid) && Date.now() - readAt > 30_000) {
        readAt = Date.now();
        use(await store.list());
      }
      return local(header, token);
    },
  };
}
