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
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
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
  /** whether the session's person may still act (the embedded provider: not disabled or deleted since); default: always */
  active?: (identity: Identity) => boolean;
  now?: () => number;
}

interface Session {
  accessToken: string;
  idToken: string | undefined;
  identity: Identity;
  /** ms since epoch: the access token's exp */
  expiresAt: number;
}

interface PendingLogin {
  verifier: string;
  returnTo: string;
  until: number;
}

interface Discovery {
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string;
}

export const sessionCookie = 'sp_session';
const loginCookie = 'sp_login';
const maxSessions = 10_000;

const random = () => randomBytes(32).toString('base64url');

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
   * cross-site write (an unsafe method whose Origin is not the platform's).
   */
  bearerFor(req: IncomingMessage): string | undefined;
}

export function createSessionRoutes(options: SessionRoutesOptions): SessionRoutes {
  const now = options.now ?? Date.now;
  const sessions = new Map<string, Session>();
  const pending = new Map<string, PendingLogin>();
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

  function sessionOf(req: IncomingMessage): [string, Session] | undefined {
    const id = cookiesOf(req).get(sessionCookie);
    const session = id ? sessions.get(id) : undefined;
    if (!id || !session) return undefined;
    // expired, or its person disabled or deleted since (docs/auth.md): signed out here at once, and
    // the page's requests go on as the public's
    if (session.expiresAt <= now() || (options.active && !options.active(session.identity))) {
      sessions.delete(id);
      return undefined;
    }
    return [id, session];
  }

  async function login(res: ServerResponse, url: URL): Promise<void> {
    const { authorization_endpoint } = await discover();
    const state = random();
    const verifier = random();
    const wanted = url.searchParams.get('returnTo') ?? '/';
    // only a path of this site: never an open redirect
    const returnTo = /^\/(?![/\\])/.test(wanted) ? wanted : '/';
    for (const [k, p] of pending) if (p.until <= now()) pending.delete(k);
    if (pending.size >= maxSessions) return text(res, 503, 'too many sign-ins under way; try again in a minute');
    pending.set(state, { verifier, returnTo, until: now() + 600_000 });
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
    const login = pending.get(state);
    // the state must be the one this browser started with (cookie), and not used before
    if (!login || cookiesOf(req).get(loginCookie) !== state || login.until <= now()) {
      return text(res, 400, 'Anmeldung abgelaufen oder nicht in diesem Browser begonnen: bitte erneut über /session/login anmelden');
    }
    pending.delete(state);
    const error = url.searchParams.get('error');
    if (error) return text(res, 400, `Anmeldung abgelehnt: ${error} ${url.searchParams.get('error_description') ?? ''}`);
    const code = url.searchParams.get('code');
    if (!code) return text(res, 400, 'Anmeldung ohne Code: bitte erneut anmelden');
    const { token_endpoint } = await discover();
    const body = new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: redirectUri(), code_verifier: login.verifier });
    const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };
    if (options.clientSecret) {
      headers.authorization = `Basic ${Buffer.from(`${encodeURIComponent(options.clientId)}:${encodeURIComponent(options.clientSecret)}`).toString('base64')}`;
    } else body.set('client_id', options.clientId);
    const answer = await fetch(token_endpoint, { method: 'POST', headers, body });
    const tokens = (await answer.json().catch(() => ({}))) as { access_token?: string; id_token?: string; expires_in?: number; error?: string };
    if (!answer.ok || !tokens.access_token) return text(res, 502, `Der Anmeldedienst gab kein Zugriffstoken (${answer.status} ${tokens.error ?? ''})`);
    let identity: Identity;
    try {
      identity = await options.verify(tokens.access_token);
    } catch (e) {
      return text(res, 403, `Anmeldung gelungen, aber das Zugriffstoken gibt keine Rolle in der Sozialplanung: ${(e as Error).message}`);
    }
    const expiresAt = now() + (tokens.expires_in ?? 300) * 1000;
    if (sessions.size >= maxSessions) for (const [k, s] of sessions) if (s.expiresAt <= now()) sessions.delete(k);
    if (sessions.size >= maxSessions) return text(res, 503, 'too many sessions; try again later');
    const id = random();
    sessions.set(id, { accessToken: tokens.access_token, idToken: tokens.id_token, identity, expiresAt });
    res
      .writeHead(303, {
        location: login.returnTo,
        'set-cookie': [cookie(sessionCookie, id, Math.floor((expiresAt - now()) / 1000)), cookie(loginCookie, '', 0)],
        'cache-control': 'no-store',
      })
      .end();
  }

  async function logout(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!sameOrigin(req)) return text(res, 403, 'Abmelden nur von der Seite der Sozialplanung aus');
    const found = sessionOf(req);
    if (found) sessions.delete(found[0]);
    let location = '/';
    const { end_session_endpoint } = await discover().catch(() => ({ end_session_endpoint: undefined }));
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

  function me(req: IncomingMessage, res: ServerResponse): void {
    const found = sessionOf(req);
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
    bearerFor(req) {
      const found = sessionOf(req);
      if (!found) return undefined;
      const unsafe = req.method !== 'GET' && req.method !== 'HEAD' && req.method !== 'OPTIONS';
      if (unsafe && !sameOrigin(req)) return undefined;
      return found[1].accessToken;
    },
  };
}

function text(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${message}\n`);
}
