// TEST HELPER: a cookie-keeping HTTP client that follows the sign-in redirects one by one, as a
// browser without JavaScript would, and signs in at the embedded provider's login page.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Database } from '@sp/ports';
import { createIdentity, type IdentityService } from '../identity.js';
import { identityEnvSchema } from '../identity.config.js';
import { databaseIdentityState } from '../identity-state.js';

export class CookieClient {
  /** cookies per origin (host and port), as a browser keeps them apart for the platform and an external provider */
  private readonly jar = new Map<string, Map<string, string>>();

  constructor(readonly base: string) {}

  /** the platform's cookies */
  get cookies(): Map<string, string> {
    return this.cookiesOf(new URL(this.base).origin);
  }

  private cookiesOf(origin: string): Map<string, string> {
    let map = this.jar.get(origin);
    if (!map) this.jar.set(origin, (map = new Map()));
    return map;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const url = new URL(path, this.base);
    const headers = new Headers(init.headers);
    const cookies = this.cookiesOf(url.origin);
    if (cookies.size) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const gone = attrs.some((a) => /^\s*max-age=0/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (gone) cookies.delete(name);
      else cookies.set(name, pair!.slice(i + 1).trim());
    }
    return res;
  }

  /** follows redirects until a non-redirect answer; returns it and the path it came from */
  async follow(path: string, init: RequestInit = {}): Promise<{ res: Response; url: string }> {
    let res = await this.request(path, init);
    let url = new URL(path, this.base).href;
    for (let hops = 0; res.status >= 300 && res.status < 400 && hops < 10; hops++) {
      url = new URL(res.headers.get('location')!, url).href;
      res = await this.request(url);
    }
    return { res, url };
  }

  /**
   * Signs in from /session/login at the embedded provider's page. With `newPassword` the page must
   * ask for a new one (a one-time password was typed) and gets it. The last page is returned.
   */
  async signIn(username: string, password: string, newPassword?: string): Promise<{ res: Response; url: string }> {
    const login = await this.follow('/session/login?returnTo=/planung');
    if (!/\/auth\/interaction\//.test(login.url)) throw new Error(`/session/login led to ${login.url}, not to the login page`);
    let page = await this.submit(login.url, await login.res.text(), { username, password });
    if (newPassword) {
      const html = await page.res.text();
      if (!html.includes('Neues Passwort wählen')) throw new Error(`no page asking for a new password after signing in as ${username} (${page.res.status}): ${html.slice(0, 300)}`);
      page = await this.submit(page.url, html, { newPassword, repeat: newPassword });
    }
    return page;
  }

  /** posts a form to the page's action */
  async submit(pageUrl: string, html: string, fields: Record<string, string>): Promise<{ res: Response; url: string }> {
    const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no form on ${pageUrl}: ${html.slice(0, 300)}`);
    const target = new URL(action.replace(/&amp;/g, '&'), pageUrl).href;
    return this.follow(target, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(pageUrl).origin }, body: new URLSearchParams(fields) });
  }
}

/** a server with the identity's routes and, elsewhere, an echo of the bearer the session gives (as the platform does) */
export async function identityServer(identity: IdentityService): Promise<{ server: Server; url: string; close(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const session = req.headers.authorization ? undefined : await identity.bearerFor(req);
    if (session) req.headers.authorization = `Bearer ${session}`;
    if (identity.handle(req, res)) return;
    if (req.url === '/whoami') {
      const bearer = req.headers.authorization?.slice(7);
      if (!bearer) return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ role: 'public' }));
      identity.verify(bearer).then(
        (who) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(who)),
        (e: Error) => res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: e.message })),
      );
      return;
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  identity.listening(url);
  return {
    server,
    url,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/**
 * An embedded identity on a fresh data directory, served (identityServer), with what it printed (the
 * first admin's one-time password); `env` as SP_* variables; `options.database` keeps its state there
 * (as servers mode does); `options.refreshLeaseMs` shortens a session refresh's lease.
 */
export async function identityAt(
  env: Record<string, string> = {},
  options: { database?: Database; refreshLeaseMs?: number } = {},
): Promise<{
  identity: IdentityService;
  server: Awaited<ReturnType<typeof identityServer>>;
  dataDir: string;
  printed: string[];
  /** the first admin's one-time password as printed */
  firstPassword(): string;
  close(): Promise<void>;
}> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sp-identity-'));
  const printed: string[] = [];
  const state = options.database ? await databaseIdentityState(options.database) : undefined;
  const identity = await createIdentity(identityEnvSchema.parse(env), dataDir, {
    log: (l) => printed.push(l),
    ...(state ? { state } : {}),
    ...(options.refreshLeaseMs ? { refreshLeaseMs: options.refreshLeaseMs } : {}),
  });
  const server = await identityServer(identity);
  return {
    identity,
    server,
    dataDir,
    printed,
    firstPassword() {
      const password = /Einmalpasswort:\s+(\S+)/.exec(printed.join('\n'))?.[1];
      if (!password) throw new Error('no one-time password printed');
      return password;
    },
    async close() {
      await server.close();
      identity.stop();
      state?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
