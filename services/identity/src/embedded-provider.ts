// The platform as its own OpenID Connect provider (the embedded default): panva's certified
// `oidc-provider`, mounted under /auth of the platform's server. Authorization code with PKCE (S256)
// only; access tokens are JWTs (ES256) for the platform's audience carrying role, Amt and tenant of
// the local user; the keys come from the SigningKeyStore and the users from the UserStore.
//
// What this module adds to the library is only what it leaves to its host: the sign-in pages (German,
// with the forced change of a one-time password), the first-party grant (no consent screen for the
// platform's own dashboard) and the admin API for users.
import type { IncomingMessage, ServerResponse } from 'node:http';
import Provider, { type Configuration, errors as oidcErrors, interactionPolicy, type KoaContextWithOIDC } from 'oidc-provider';
import { Busy, Gate, LoginThrottle, type LoginThrottleSettings } from './login-throttle.js';
import type { IdentityState } from './identity-state.js';
import { publicJwks, type StoredKey } from './signing-keys.store.js';
import { stateAdapter } from './state.adapter.js';
import type { TokenVerifier } from './tokens.js';
import { minPasswordLength, UserRejected, type UserStore } from './users.store.js';

export const embeddedAudience = 'urn:sozialplanung:platform';
export const dashboardClientId = 'sp-dashboard';
/** the scope of the platform's API in the embedded provider */
export const platformScope = 'platform';

export interface EmbeddedProviderOptions {
  /** the platform's public origin, e.g. https://sozialplanung.stadt.example (no trailing slash) */
  publicUrl: string;
  users: UserStore;
  /** the keys it signs with (the first) and verifies its own tokens with; replaced by useKeys */
  keys: StoredKey[];
  /** secret of the provider's cookies (a document of the identity state) */
  cookieSecret: string;
  /** where the provider's sessions, grants and tokens are kept (identity-state.ts) */
  state: IdentityState;
  /** secret of the dashboard client (the platform's session routes are its only holder) */
  dashboardClientSecret: string;
  /** seconds an access token lives (default 3600) */
  accessTokenTtlSeconds?: number;
  /**
   * the keys to publish at /auth/jwks: every stored key (a replica started later may sign with a newer
   * one than this provider's own keys); default: this provider's keys
   */
  publishedKeys?: () => Promise<StoredKey[]>;
  /** how wrong passwords are slowed down (login-throttle.ts; defaults there) */
  loginThrottle?: Partial<LoginThrottleSettings>;
  /** the client's address is the first X-Forwarded-For address (only behind a proxy that sets it) */
  trustForwardedFor?: boolean;
}

export interface EmbeddedProvider {
  issuer: string;
  /** answers /auth/*; false when the path is not under /auth */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  jwks(): { keys: object[] };
  /**
   * Signs with the first of `keys` from now on (a rotation in the running process): the library
   * takes its keys only when it is made, so a new instance replaces it. Everything it keeps is in the
   * identity state and its cookies are signed with the same secret, so a sign-in under way goes on.
   */
  useKeys(keys: StoredKey[]): void;
}

const mount = '/auth';

export function createEmbeddedProvider(options: EmbeddedProviderOptions, verify: TokenVerifier): EmbeddedProvider {
  const issuer = `${options.publicUrl}${mount}`;
  // a tenant's provider answers under its path (/t/hamburg/auth; the tenant router strips the prefix
  // before the provider sees the request): every URL it gives the browser carries that path, or the
  // browser lands at the default tenant's provider (which refused the foreign redirect_uri with 400)
  const base = new URL(options.publicUrl).pathname.replace(/\/+$/, '');
  const { users } = options;
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  // a disabled or deleted user has no account here: the provider's own session of them ends too
  const claimsOf = async (id: string) => {
    const u = await users.activeById(id);
    return u
      ? { name: u.name, preferred_username: u.username, role: u.role, ...(u.amt ? { amt: u.amt } : {}), ...(u.tenant ? { tenant: u.tenant } : {}), privileged: u.privileged === true }
      : undefined;
  };
  const configuration = (keys: StoredKey[]): Configuration => ({
    adapter: stateAdapter(options.state),
    clients: [
      {
        client_id: dashboardClientId,
        client_secret: options.dashboardClientSecret,
        redirect_uris: [`${options.publicUrl}/session/callback`],
        post_logout_redirect_uris: [`${options.publicUrl}/`],
        // the dashboard's session renews its access token with a refresh token (session.routes.ts)
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
        id_token_signed_response_alg: 'ES256',
      },
    ],
    responseTypes: ['code'],
    pkce: { required: () => true },
    scopes: ['openid', 'profile', platformScope],
    claims: { openid: ['sub'], profile: ['name', 'preferred_username', 'role', 'amt', 'tenant', 'privileged'] },
    findAccount: async (_ctx, sub) => {
      const claims = await claimsOf(sub);
      return claims ? { accountId: sub, claims: async () => ({ sub, ...claims }) } : undefined;
    },
    // the library signs with the first key that fits (newest first: the current one)
    jwks: { keys: keys.map((k) => k.jwk) as never },
    cookies: { keys: [options.cookieSecret] },
    // a refresh token for the dashboard without asking for offline_access: it lives as long as the
    // provider's session (a working day) and ends with a user disabled since (findAccount finds no
    // account) or signed out (revoked). It is not replaced at each use: the library takes a second use
    // of a replaced token for theft and ends the sign-in, and a refresh whose answer is lost (a replica
    // stopping mid-request) would leave the session with the replaced one. Rotation guards a token
    // held where it could be stolen; this one never leaves the platform, and using it needs the
    // dashboard client's secret.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: false,
    ttl: { AccessToken: ttl, AuthorizationCode: 60, IdToken: ttl, Interaction: 600, Session: 8 * 3600, Grant: 8 * 3600, RefreshToken: 8 * 3600 },
    interactions: { policy: signInPolicy(), url: (_ctx, interaction) => `${base}${mount}/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => embeddedAudience,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx, resource) => {
          if (resource !== embeddedAudience) throw new oidcErrors.InvalidTarget(`unknown resource; accepted: ${embeddedAudience}`);
          return { scope: platformScope, audience: embeddedAudience, accessTokenTTL: ttl, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'ES256' } } };
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        // signing out at the dashboard is the decision; no second question
        logoutSource: async (ctx, form) => {
          ctx.body = page(
            'Abmelden',
            `${form}<input type="hidden" form="op.logoutForm" name="logout" value="yes"><p>Sie werden abgemeldet …</p><button type="submit" form="op.logoutForm">Weiter</button><script>document.forms[0].submit()</script>`,
          );
        },
        postLogoutSuccessSource: async (ctx) => {
          ctx.body = page('Abgemeldet', `<p>Sie sind abgemeldet. <a href="${base}/">Zur Startseite</a></p>`);
        },
      },
    },
    // role, Amt and tenant travel in the access token: gateway and ingestion read them from it
    extraTokenClaims: async (_ctx, token) => (token.kind === 'AccessToken' && token.accountId ? claimsOf(token.accountId) : undefined),
    // the platform's own dashboard is first-party: its grant is made without a consent screen
    loadExistingGrant: async (ctx: KoaContextWithOIDC) => {
      const grantId = ctx.oidc.result?.consent?.grantId || ctx.oidc.session!.grantIdFor(ctx.oidc.client!.clientId);
      if (grantId) return ctx.oidc.provider.Grant.find(grantId);
      const grant = new ctx.oidc.provider.Grant({ clientId: ctx.oidc.client!.clientId, accountId: ctx.oidc.session!.accountId! });
      grant.addOIDCScope(`openid profile ${platformScope}`);
      grant.addOIDCClaims(['name', 'preferred_username', 'role', 'amt', 'tenant', 'privileged']);
      grant.addResourceScope(embeddedAudience, platformScope);
      await grant.save();
      return grant;
    },
    renderError: async (ctx, out) => {
      ctx.type = 'html';
      ctx.body = page('Anmeldung fehlgeschlagen', `<p>${esc(String(out.error))}: ${esc(String(out.error_description ?? ''))}</p><p><a href="${base}/">Zur Startseite</a></p>`);
    },
  });
  const instanceFor = (keys: StoredKey[]) => {
    const provider = new Provider(issuer, configuration(keys));
    // behind a TLS-terminating proxy the provider must trust X-Forwarded-Proto to build https URLs
    provider.proxy = options.publicUrl.startsWith('https:');
    return { provider, callback: provider.callback(), keys };
  };
  let current = instanceFor(options.keys);
  /** the user who typed a correct one-time password, waiting to choose a new one (by interaction uid; shared like the interaction) */
  const pendingChange = options.state.entries('password-change');
  // shared by the replicas on a database; the data directory's files otherwise: both outlive a restart
  const throttle = new LoginThrottle(options.loginThrottle, Date.now, options.state);
  // scrypt takes 128 MiB a hash: two at once (the cores), 32 more waiting, the rest answered 503
  const hashing = new Gate(2, 32);
  const addressOf = (req: IncomingMessage): string => {
    const forwarded = options.trustForwardedFor
      ? String(req.headers['x-forwarded-for'] ?? '')
          .split(',')[0]
          ?.trim()
      : undefined;
    return forwarded || req.socket.remoteAddress || 'unknown';
  };

  async function interaction(req: IncomingMessage, res: ServerResponse, uid: string): Promise<void> {
    const { provider } = current;
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) return send(res, 400, page('Anmeldung', `<p>Diese Anmeldung gehört zu einer anderen Sitzung. <a href="${base}/session/login">Neu anmelden</a></p>`));
    if (details.prompt.name !== 'login') {
      // the first-party grant is loaded without a screen; any other prompt is finished as is
      return void (await provider.interactionFinished(req, res, {}, { mergeWithLastSubmission: true }));
    }
    if (req.method === 'GET') return send(res, 200, loginForm(uid));
    const form = new URLSearchParams(await readBody(req));
    const waiting = (await pendingChange.get<{ userId: string }>(uid))?.userId;
    if (waiting && form.has('newPassword')) {
      const next = form.get('newPassword') ?? '';
      if (next !== form.get('repeat')) return send(res, 400, changeForm(uid, 'Die beiden Passwörter stimmen nicht überein.'));
      try {
        await users.setPassword(waiting, next);
      } catch (e) {
        if (e instanceof UserRejected) return send(res, 400, changeForm(uid, `Das neue Passwort muss mindestens ${minPasswordLength} Zeichen haben.`));
        throw e;
      }
      await pendingChange.delete(uid);
      return void (await provider.interactionFinished(req, res, { login: { accountId: waiting } }, { mergeWithLastSubmission: false }));
    }
    const username = form.get('username') ?? '';
    const address = addressOf(req);
    // a locked account or address is answered before any hash is computed
    const wait = await throttle.waitS(address, username);
    if (wait > 0) return tooMany(res, uid, wait);
    let user: Awaited<ReturnType<UserStore['verify']>>;
    try {
      user = await hashing.run(() => users.verify(username, form.get('password') ?? ''));
    } catch (e) {
      if (!(e instanceof Busy)) throw e;
      res.setHeader('retry-after', '5');
      return send(res, 503, loginForm(uid, 'Gerade melden sich zu viele an. Bitte in einigen Sekunden erneut versuchen.'));
    }
    if (!user) {
      await throttle.failed(address, username);
      const locked = await throttle.waitS(address, username);
      if (locked > 0) return tooMany(res, uid, locked);
      return send(res, 401, loginForm(uid, 'Benutzername oder Passwort ist falsch.'));
    }
    await throttle.succeeded(username);
    // said only to whoever knows the password: it tells no one else that the name exists
    if (user.disabled === true) return send(res, 403, loginForm(uid, 'Dieses Konto ist deaktiviert. Bitte wenden Sie sich an die Administration.'));
    if (user.mustChangePassword) {
      await pendingChange.set(uid, { userId: user.id }, Date.now() + 600_000);
      return send(res, 200, changeForm(uid));
    }
    await provider.interactionFinished(req, res, { login: { accountId: user.id } }, { mergeWithLastSubmission: false });
  }

  /**
   * The admin API for users; admins only (a Bearer token or the dashboard session):
   * GET /auth/users lists, POST creates; PATCH /auth/users/<name> {"disabled": true|false};
   * DELETE /auth/users/<name>; POST /auth/users/<name>/password gives a new one-time password.
   */
  async function adminUsers(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const authorization = req.headers.authorization;
    const token = /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
    if (!token) return json(res, 401, { error: 'UNAUTHENTICATED', message: 'sign in as an admin: Authorization: Bearer <access token> or the dashboard session' });
    let role: string;
    try {
      ({ role } = await verify(token));
    } catch (e) {
      return json(res, 401, { error: 'UNAUTHENTICATED', message: `Bearer token rejected: ${(e as Error).message}` });
    }
    if (role !== 'admin') return json(res, 403, { error: 'FORBIDDEN', message: `only admins manage users; this token has role "${role}"` });
    const matched = /^\/auth\/users(?:\/([^/]+)(\/password)?)?$/.exec(path);
    if (!matched) return json(res, 404, { error: 'NOT_FOUND', message: `${path} is not served; accepted: /auth/users, /auth/users/<name>, /auth/users/<name>/password` });
    const [, name, rest] = matched;
    let username: string | undefined;
    try {
      username = name === undefined ? undefined : decodeURIComponent(name);
    } catch {
      return json(res, 400, { error: 'BAD_USER_INPUT', message: `the user name in ${path} is not valid percent-encoding` });
    }
    const body = async (shape: string): Promise<Record<string, unknown> | undefined> => {
      try {
        const parsed: unknown = JSON.parse((await readBody(req)) || '{}');
        if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return parsed as Record<string, unknown>;
      } catch {
        // answered below
      }
      json(res, 400, { error: 'BAD_USER_INPUT', message: `body must be a JSON object: ${shape}` });
      return undefined;
    };
    try {
      if (username === undefined) {
        if (req.method === 'GET') return json(res, 200, { users: await users.list() });
        if (req.method !== 'POST') return json(res, 405, { error: 'METHOD_NOT_ALLOWED', message: 'GET lists users, POST creates one' });
        const input = await body('{"username","name","role","amt"?,"tenant"?,"privileged"?}');
        if (input) json(res, 201, await users.create(input));
        return;
      }
      if (rest) {
        if (req.method !== 'POST') return json(res, 405, { error: 'METHOD_NOT_ALLOWED', message: `POST /auth/users/${username}/password gives a new one-time password` });
        return json(res, 200, await users.resetPassword(username));
      }
      if (req.method === 'DELETE') {
        await users.remove(username);
        res.writeHead(204, { 'cache-control': 'no-store' }).end();
        return;
      }
      if (req.method !== 'PATCH')
        return json(res, 405, {
          error: 'METHOD_NOT_ALLOWED',
          message: `PATCH /auth/users/${username} {"disabled": true|false} disables or enables, DELETE removes, POST …/password resets the password`,
        });
      const input = await body('{"disabled": true|false}');
      if (!input) return;
      const unknown = Object.keys(input).filter((k) => k !== 'disabled');
      if (typeof input.disabled !== 'boolean' || unknown.length > 0) {
        return json(res, 400, {
          error: 'BAD_USER_INPUT',
          message: `${unknown.length > 0 ? `unknown field(s) ${unknown.join(', ')}; ` : ''}expected {"disabled": true|false} (name, role and Amt are not changed here: delete and create the user anew)`,
        });
      }
      return json(res, 200, { user: await users.setDisabled(username, input.disabled) });
    } catch (e) {
      if (e instanceof UserRejected) return json(res, e.code === 'CONFLICT' ? 409 : e.code === 'NOT_FOUND' ? 404 : 400, { error: e.code, message: e.message });
      throw e;
    }
  }

  return {
    issuer,
    jwks: () => publicJwks(current.keys),
    useKeys(keys) {
      const kids = (list: StoredKey[]) => list.map((k) => k.jwk.kid).join(' ');
      if (kids(keys) !== kids(current.keys)) current = instanceFor(keys);
    },
    handle(req, res) {
      const url = req.url ?? '/';
      if (url !== mount && !url.startsWith(`${mount}/`) && !url.startsWith(`${mount}?`)) return false;
      const path = url.split('?')[0]!;
      const fail = (e: unknown) => {
        if (!res.headersSent) json(res, 500, { error: 'INTERNAL', message: 'sign-in failed' });
        console.error('[identity]', e);
      };
      const match = /^\/auth\/interaction\/([\w-]+)$/.exec(path);
      if (match && (req.method === 'GET' || req.method === 'POST')) {
        interaction(req, res, match[1]!).catch((e: unknown) => {
          // an expired or unknown interaction: start over
          if ((e as { name?: string }).name === 'SessionNotFound')
            return send(res, 400, page('Anmeldung abgelaufen', `<p>Die Anmeldung ist abgelaufen. <a href="${base}/session/login">Neu anmelden</a></p>`));
          fail(e);
        });
        return true;
      }
      if (path === '/auth/users' || path.startsWith('/auth/users/')) {
        adminUsers(req, res, path).catch(fail);
        return true;
      }
      // the keys every replica signs with (the library publishes only the ones it was started with)
      if (path === '/auth/jwks' && req.method === 'GET' && options.publishedKeys) {
        options.publishedKeys().then((keys) => {
          res.writeHead(200, { 'content-type': 'application/jwk-set+json; charset=utf-8', 'cache-control': 'max-age=60' }).end(JSON.stringify(publicJwks(keys)));
        }, fail);
        return true;
      }
      // the provider sees its own paths; originalUrl tells it where it is mounted (under the tenant's path)
      (req as IncomingMessage & { originalUrl?: string }).originalUrl = `${base}${url}`;
      req.url = url.slice(mount.length) || '/';
      void current.callback(req, res);
      return true;
    },
  };
}

/**
 * The library's prompts, with one more reason to ask for the login: the provider's own session
 * names an account that findAccount no longer gives (a user an admin disabled or deleted). Without
 * it the session counts as signed in and the consent prompt fails on the missing account.
 */
function signInPolicy(): ReturnType<typeof interactionPolicy.base> {
  const { base, Check } = interactionPolicy;
  const policy = base();
  policy
    .get('login')!
    .checks.push(
      new Check('account_unavailable', 'the signed-in account is disabled or deleted', (ctx) => (ctx.oidc.session?.accountId && !ctx.oidc.account ? Check.REQUEST_PROMPT : Check.NO_NEED_TO_PROMPT)),
    );
  return policy;
}

/** 429 with Retry-After: the same answer whether the name exists or not */
function tooMany(res: ServerResponse, uid: string, waitS: number): void {
  res.setHeader('retry-after', String(waitS));
  const minutes = Math.ceil(waitS / 60);
  send(res, 429, loginForm(uid, `Zu viele fehlgeschlagene Anmeldungen. Bitte in ${waitS < 60 ? `${waitS} Sekunden` : minutes === 1 ? 'einer Minute' : `${minutes} Minuten`} erneut versuchen.`));
}

function readBody(req: IncomingMessage, limit = 64 * 1024): Promise<string> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        reject(new Error('body too large'));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
}

function send(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' }).end(html);
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The dashboard's icon (services/dashboard/public/favicon.svg) inline: a page that links no icon makes
 * the browser ask for /favicon.ico, and these pages are served at several depths, under a tenant's
 * path or not, so a data URL is the one link that is right on each of them.
 */
const icon = `data:image/svg+xml,${encodeURIComponent(
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><rect width="32" height="32" rx="6" fill="#1f4e79"/><path d="M6 24 L12 14 L17 19 L22 9 L26 24 Z" fill="#7fcdbb"/></svg>',
)}`;

function page(title: string, body: string): string {
  return `<!doctype html><html lang="de"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${esc(title)} – Sozialplanung</title><link rel="icon" href="${icon}" type="image/svg+xml">
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}label{display:block;margin:.8rem 0 .2rem}input{width:100%;padding:.4rem;box-sizing:border-box}button{margin-top:1rem;padding:.5rem 1rem}.error{color:#a40000}</style></head>
<body><h1>${esc(title)}</h1>${body}</body></html>`;
}

function loginForm(uid: string, error?: string): string {
  return page(
    'Anmelden',
    `${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}<form method="post" action="${esc(uid)}">
<label for="username">Benutzername</label><input id="username" name="username" autocomplete="username" required autofocus>
<label for="password">Passwort</label><input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit">Anmelden</button></form>`,
  );
}

function changeForm(uid: string, error?: string): string {
  return page(
    'Neues Passwort wählen',
    `<p>Ihr Passwort war ein Einmalpasswort. Bitte wählen Sie ein neues (mindestens ${minPasswordLength} Zeichen).</p>${error ? `<p class="error" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="${esc(uid)}">
<label for="newPassword">Neues Passwort</label><input id="newPassword" name="newPassword" type="password" autocomplete="new-password" minlength="${minPasswordLength}" required autofocus>
<label for="repeat">Wiederholen</label><input id="repeat" name="repeat" type="password" autocomplete="new-password" minlength="${minPasswordLength}" required>
<button type="submit">Speichern und anmelden</button></form>`,
  );
}
