// The dashboard's sign-in as a small backend-for-frontend (docs/auth.md): the platform is the OIDC
// client (authorization code + PKCE S256, state), keeps the tokens on the server and gives the
// browser only an opaque session id in an HttpOnly, SameSite=Lax cookie (Secure over https). It
// speaks plain OIDC discovery, so it works with the embedded provider and with any other (Keycloak).
//
//   GET  /session/login?returnTo=/pfad  → to the provider's sign-in
//   GET  /session/callback              → code for tokens, session cookie, back to returnTo
//   POST /session/logout                → session ended here and at the provider
//   GET  /session/me                    → who is signed in: {signedIn, name, role, amt, tenant}
//
// The platform turns a valid session into `Authorization: Bearer <access token>` for the gateway and
// ingestion (bearerFor), which verify that token like any other: the cookie grants nothing by itself.
// When the provider gives a refresh token, the session outlives its access token (1 h): a token that
// is about to expire is refreshed in the background, one that has expired before the request is
// answered, until the refresh token ends (the provider's session, 8 h by default) or is refused — a
// user disabled since, a session ended at the provider.
//
// Sessions and sign-ins under way are entries of the identity state (identity-state.ts): files of the
// data directory in the embedded default, PostgreSQL in servers mode (where a sign-in begun at one
// replica ends at another); in both a restart signs nobody out. A refresh is one process's at a time (a
// lease per session), for providers that replace the refresh token at each use and take a second use
// of the old one for theft, ending the whole sign-in (the embedded provider does not replace it).
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { decodeJwt } from 'jose';
import { type IdentityState, MemoryEntries } from './identity-state.js';
import type { Identity, TokenVerifier } from './tokens.js';

export interface SessionRoutesOptions {
  /** the provider's issuer URL (a getter when it is known only after listening) */
  issuer: () => string;
  /** the platform's public origin, for the redirect URI (a getter for the same reason) */
  publicUrl: () => string;
  clientId: string;
  clientSecret?: string;
  /** scopes asked for (default "openid profile") */
  scope?: string;
  verify: TokenVerifier;
  /** where sessions are kept (default: this process's memory) */
  state?: IdentityState;
  /** whether the session's person may still act (the embedded provider: not disabled or deleted since); default: always */
  active?: (identity: Identity) => boolean | Promise<boolean>;
  /** the longest a session lives on refresh tokens when the provider does not say (default 8 h, the embedded provider's session) */
  maxSessionSeconds?: number;
  /** how long one process may hold a session's refresh before another may take it over (default 15 s; tests shorten it) */
  refreshLeaseMs?: number;
  now?: () => number;
}

interface Session {
  accessToken: string;
  idToken: string | undefined;
  identity: Identity;
  /** ms since epoch: the access token's exp */
  expiresAt: number;
  /** the refresh token, when the provider gave one */
  refreshToken: string | undefined;
  /** ms since epoch: the end of the session (the refresh token's; without one the access token's) */
  endsAt: number;
}

/** what a token endpoint answers */
interface TokenAnswer {
  access_token?: string;
  id_token?: string;
  refresh_token?: string;
  expires_in?: number;
  /** Keycloak's: seconds the refresh token lives */
  refresh_expires_in?: number;
  error?: string;
}

/** a token this close to its expiry is refreshed in the background */
const refreshAheadMs = 60_000;

interface PendingLogin {
  verifier: string;
  returnTo: string;
  until: number;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
  revocation_endpoint?: string;
}

export const sessionCookie = 'sp_session';
const loginCookie = 'sp_login';
const maxSessions = 10_000;

const random = () => randomBytes(32).toString('base64url');
/** a session is stored under a hash of its cookie's id: whoever reads the store cannot present it as a cookie */
const storedAs = (cookieId: string) => createHash('sha256').update(cookieId).digest('base64url');

export function cookiesOf(req: IncomingMessage): Map<string, string> {
  const map = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) map.set(part.slice(0, i).trim(), decodeURIComponent(part.slice(i + 1).trim()));
  }
  return map;
}

export interface SessionRoutes {
  /** answers /session/*; false for other paths */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /**
   * The access token of the request's session, when it has a valid one and the request is not a
   * cross-site write (an unsafe method whose Origin is not the platform's). An expired token is
   * refreshed first (undefined when the refresh is refused and the session ended); one close to its
   * expiry is refreshed in the background meanwhile.
   */
  bearerFor(req: IncomingMessage): Promise<string | undefined>;
}

/** how long one process may hold a session's refresh before another may try (default) */
const defaultRefreshLeaseMs = 15_000;
/** a request waits this many lease times for other processes' refreshes, at most */
const waitLeases = 4;

export function createSessionRoutes(options: SessionRoutesOptions): SessionRoutes {
  const now = options.now ?? Date.now;
  const refreshLeaseMs = options.refreshLeaseMs ?? defaultRefreshLeaseMs;
  const sessions = options.state?.entries('dashboard-session') ?? new MemoryEntries();
  const pending = options.state?.entries('dashboard-sign-in') ?? new MemoryEntries();
  const leases = options.state?.entries('dashboard-refresh') ?? new MemoryEntries();
  /** this process's refreshes under way, shared by its requests that wait for them */
  const refreshing = new Map<string, Promise<Session | undefined>>();
  let discovery: Promise<Discovery> | undefined;
  const discover = () =>
    (discovery ??= fetch(`${options.issuer().replace(/\/$/, '')}/.well-known/openid-configuration`)
      .then(async (r) => {
        if (!r.ok) throw new Error(`discovery answered ${r.status}`);
        return (await r.json()) as Discovery;
      })
      .catch((e) => {
        discovery = undefined;
        throw e;
      }));
  const secure = () => options.publicUrl().startsWith('https:');
  const cookie = (name: string, value: string, maxAge: number) => `${name}=${encodeURIComponent(value)}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${maxAge}${secure() ? '; Secure' : ''}`;
  const redirectUri = () => `${options.publicUrl()}/session/callback`;

  /** the request's session and the key it is stored under */
  async function sessionOf(req: IncomingMessage): Promise<[string, Session] | undefined> {
    const presented = cookiesOf(req).get(sessionCookie);
    const id = presented ? storedAs(presented) : undefined;
    const session = id ? await sessions.get<Session>(id) : undefined;
    if (!id || !session) return undefined;
    // ended, or its person disabled or deleted since (docs/auth.md): signed out here at once, and
    // the page's requests go on as the public's. An expired access token with a refresh token left is
    // still the session's: refreshed before use.
    if (session.endsAt <= now() || (session.expiresAt <= now() && !session.refreshToken) || (options.active && !(await options.active(session.identity)))) {
      await sessions.delete(id);
      return undefined;
    }
    return [id, session];
  }

  /** the token endpoint's answer to `grant` (the client authenticated as at the callback) */
  async function tokenRequest(grant: Record<string, string>): Promise<{ ok: boolean; status: number; tokens: TokenAnswer }> {
    const { token_endpoint } = await discover();
    const answer = await fetch(token_endpoint, { method: 'POST', ...asClient(grant, { accept: 'application/json' }) });
    return { ok: answer.ok, status: answer.status, tokens: (await answer.json().catch(() => ({}))) as TokenAnswer };
  }

  /**
   * The session with a new access token from its refresh token; undefined when the provider is not
   * reachable (the session stays, its next request tries again) or refuses it, or the new token does
   * not pass (the session ended). The requests of this process share one refresh; another process
   * refreshing the same session meanwhile is waited for, and its result used.
   */
  function refresh(id: string, session: Session): Promise<Session | undefined> {
    let running = refreshing.get(id);
    if (!running) {
      running = refreshOnce(id, session).finally(() => refreshing.delete(id));
      refreshing.set(id, running);
    }
    return running;
  }

  async function refreshOnce(id: string, seen: Session): Promise<Session | undefined> {
    const owner = random();
    const renewedSince = (stored: Session) => stored.refreshToken !== seen.refreshToken || stored.accessToken !== seen.accessToken;
    // Another process holds the lease: its new token, or the session's end, comes into the store. A
    // lease lapses refreshLeaseMs after its claim (its holder died, or is slower than that), and then
    // this process claims it and refreshes itself: it never gives up while the holder's lease stands,
    // which answered a request as the public's, the session valid, when its wait and the lease ended
    // at the same moment. Only a session whose leases are taken one after another by others for
    // several lease times (a provider failing each of them) is left to its next request.
    const giveUpAt = now() + waitLeases * refreshLeaseMs;
    while (!(await leases.claim(id, owner, now() + refreshLeaseMs))) {
      await new Promise((r) => setTimeout(r, 100));
      const stored = await sessions.get<Session>(id);
      if (!stored) return undefined;
      if (renewedSince(stored)) return stored;
      if (now() > giveUpAt) return undefined;
    }
    try {
      // refreshed by another process since this one read the session: its token is the one to use
      const session = await sessions.get<Session>(id);
      if (!session) return undefined;
      if (renewedSince(session)) return session;
      let answer: Awaited<ReturnType<typeof tokenRequest>>;
      try {
        answer = await tokenRequest({ grant_type: 'refresh_token', refresh_token: session.refreshToken! });
      } catch {
        return undefined;
      }
      // the provider answering 5xx (a replica restarting, a proxy between) is not a refusal: the session stays
      if (answer.status >= 500) return undefined;
      let renewed: Session;
      try {
        const { ok, tokens } = answer;
        if (!ok || !tokens.access_token) throw new Error(tokens.error ?? 'no access token');
        const identity = await options.verify(tokens.access_token);
        renewed = {
          ...session,
          accessToken: tokens.access_token,
          identity,
          expiresAt: expiryOf(tokens),
          // the provider may rotate the refresh token (the embedded one does not)
          refreshToken: tokens.refresh_token ?? session.refreshToken,
          ...(tokens.id_token ? { idToken: tokens.id_token } : {}),
          ...(tokens.refresh_expires_in ? { endsAt: Math.min(session.endsAt, now() + tokens.refresh_expires_in * 1000) } : {}),
        };
      } catch {
        // refused (a user disabled since, a session ended at the provider) or a token that does not pass: signed out
        await sessions.delete(id);
        return undefined;
      }
      // Written only over the session this refresh began from: when this one outlived its lease,
      // another process may have renewed it meanwhile (its session stands) or the person signed out
      // (no session comes back).
      return await sessions.update<Session>(id, (current) => {
        if (!current) return undefined;
        const kept = renewedSince(current) ? current : renewed;
        return { value: kept, expiresAt: kept.endsAt };
      });
    } finally {
      await leases.release(id, owner);
    }
  }

  /**
   * When the access token expires, in ms: its own exp claim when it has one (the provider's clock, to
   * the second), else expires_in from now — whichever is sooner, so the session never hands on a token
   * the gateway already refuses as expired.
   */
  function expiryOf(tokens: TokenAnswer): number {
    const byAnswer = now() + (tokens.expires_in ?? 300) * 1000;
    try {
      const { exp } = decodeJwt(tokens.access_token!);
      return typeof exp === 'number' ? Math.min(byAnswer, exp * 1000) : byAnswer;
    } catch {
      return byAnswer; // an opaque token: expires_in is all there is
    }
  }

  async function login(res: ServerResponse, url: URL): Promise<void> {
    const { authorization_endpoint } = await discover();
    const state = random();
    const verifier = random();
    const wanted = url.searchParams.get('returnTo') ?? '/';
    // only a path of this site: never an open redirect
    const returnTo = /^\/(?![/\\])/.test(wanted) ? wanted : '/';
    if ((await pending.count()) >= maxSessions) return text(res, 503, 'too many sign-ins under way; try again in a minute');
    await pending.set(state, { verifier, returnTo, until: now() + 600_000 }, now() + 600_000);
    const target = new URL(authorization_endpoint);
    target.search = new URLSearchParams({
      response_type: 'code',
      client_id: options.clientId,
      redirect_uri: redirectUri(),
      scope: options.scope ?? 'openid profile',
      state,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    res.writeHead(303, { location: target.href, 'set-cookie': cookie(loginCookie, state, 600), 'cache-control': 'no-store' }).end();
  }

  async function callback(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const state = url.searchParams.get('state') ?? '';
    // the state must be the one this browser started with (cookie), and not used before
    const login = cookiesOf(req).get(loginCookie) === state && state ? await pending.take<PendingLogin>(state) : undefined;
    if (!login || login.until <= now()) {
      return text(res, 400, 'Anmeldung abgelaufen oder nicht in diesem Browser begonnen: bitte erneut über /session/login anmelden');
    }
    const error = url.searchParams.get('error');
    if (error) return text(res, 400, `Anmeldung abgelehnt: ${error} ${url.searchParams.get('error_description') ?? ''}`);
    const code = url.searchParams.get('code');
    if (!code) return text(res, 400, 'Anmeldung ohne Code: bitte erneut anmelden');
    const answer = await tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: login.verifier });
    const { tokens } = answer;
    if (!answer.ok || !tokens.access_token) return text(res, 502, `Der Anmeldedienst gab kein Zugriffstoken (${answer.status} ${tokens.error ?? ''})`);
    let identity: Identity;
    try {
      identity = await options.verify(tokens.access_token);
    } catch (e) {
      return text(res, 403, `Anmeldung gelungen, aber das Zugriffstoken gibt keine Rolle in der Sozialplanung: ${(e as Error).message}`);
    }
    const expiresAt = expiryOf(tokens);
    const endsAt = tokens.refresh_token ? now() + (tokens.refresh_expires_in ?? options.maxSessionSeconds ?? 8 * 3600) * 1000 : expiresAt;
    if ((await sessions.count()) >= maxSessions) return text(res, 503, 'too many sessions; try again later');
    const id = random();
    const session: Session = { accessToken: tokens.access_token, idToken: tokens.id_token, identity, expiresAt, refreshToken: tokens.refresh_token, endsAt };
    await sessions.set(storedAs(id), session, endsAt);
    res
      .writeHead(303, {
        location: login.returnTo,
        'set-cookie': [cookie(sessionCookie, id, Math.floor((endsAt - now()) / 1000)), cookie(loginCookie, '', 0)],
        'cache-control': 'no-store',
      })
      .end();
  }

  async function logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!sameOrigin(req)) return text(res, 403, 'Abmelden nur von der Seite der Sozialplanung aus');
    const found = await sessionOf(req);
    if (found) await sessions.delete(found[0]);
    let location = '/';
    const { end_session_endpoint, revocation_endpoint } = await discover().catch(() => ({ end_session_endpoint: undefined, revocation_endpoint: undefined }));
    // the refresh token is given back, so that it cannot be used after signing out (best effort)
    if (revocation_endpoint && found?.[1].refreshToken) await revoke(revocation_endpoint, found[1].refreshToken).catch(() => undefined);
    if (end_session_endpoint && found) {
      const target = new URL(end_session_endpoint);
      target.search = new URLSearchParams({
        client_id: options.clientId,
        post_logout_redirect_uri: `${options.publicUrl()}/`,
        ...(found[1].idToken ? { id_token_hint: found[1].idToken } : {}),
      }).toString();
      location = target.href;
    }
    res.writeHead(303, { location, 'set-cookie': cookie(sessionCookie, '', 0), 'cache-control': 'no-store' }).end();
  }

  async function revoke(endpoint: string, token: string): Promise<void> {
    await fetch(endpoint, { method: 'POST', ...asClient({ token, token_type_hint: 'refresh_token' }) });
  }

  /** a form to the provider, the client authenticated: Basic with its secret, else its id in the form (a public client) */
  function asClient(form: Record<string, string>, extra: Record<string, string> = {}): { headers: Record<string, string>; body: URLSearchParams } {
    const body = new URLSearchParams(form);
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', ...extra };
    if (options.clientSecret) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;
    } else body.set('client_id', options.clientId);
    return { headers, body };
  }

  async function me(req: IncomingMessage, res: ServerResponse): Promise<void> {
    await bearerFor(req);
    const found = await sessionOf(req);
    const body = found
      ? {
          signedIn: true,
          name: found[1].identity.name,
          subject: found[1].identity.subject,
          role: found[1].identity.role,
          amt: found[1].identity.amt,
          tenant: found[1].identity.tenant,
          expiresAt: new Date(found[1].expiresAt).toISOString(),
        }
      : { signedIn: false, role: 'public' };
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' }).end(JSON.stringify(body));
  }

  async function bearerFor(req: IncomingMessage): Promise<string | undefined> {
    const found = await sessionOf(req);
    if (!found) return undefined;
    const [id, session] = found;
    // a token with less than a second left would expire on its way: renewed first
    if (session.expiresAt - now() < 1000) {
      const renewed = await refresh(id, session);
      return renewed ? bearerOf(req, renewed) : undefined;
    }
    if (session.refreshToken && session.expiresAt - now() < refreshAheadMs) void refresh(id, session).catch(() => undefined);
    return bearerOf(req, session);
  }

  /** the session's token for this request: none for a cross-site write */
  function bearerOf(req: IncomingMessage, session: Session): string | undefined {
    const unsafe = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
    return unsafe && !sameOrigin(req) ? undefined : session.accessToken;
  }

  /** a write must come from the platform's own pages (SameSite=Lax already keeps cross-site POSTs cookieless) */
  function sameOrigin(req: IncomingMessage): boolean {
    const origin = req.headers.origin;
    return origin === undefined || origin === new URL(options.publicUrl()).origin;
  }

  return {
    handle(req, res) {
      const url = new URL(req.url ?? '/', 'http://x');
      const route = `${req.method} ${url.pathname}`;
      const run = (f: () => Promise<void> | void) => {
        Promise.resolve()
          .then(f)
          .catch((e: unknown) => {
            console.error('[session]', e);
            if (!res.headersSent) text(res, 502, `Der Anmeldedienst ist nicht erreichbar (${(e as Error).message})`);
          });
        return true;
      };
      switch (route) {
        case 'GET /session/login':
          return run(() => login(res, url));
        case 'GET /session/callback':
          return run(() => callback(req, res, url));
        case 'POST /session/logout':
          return run(() => logout(req, res));
        case 'GET /session/me':
          return run(() => me(req, res));
      }
      if (url.pathname.startsWith('/session/')) {
        text(res, 405, 'accepted: GET /session/login, GET /session/callback, POST /session/logout, GET /session/me');
        return true;
      }
      return false;
    },
    bearerFor,
  };
}

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${message}\n`);
}
