// A dashboard session on two platform replicas in servers mode (one PostgreSQL, Kafka, chdb-http),
// signed in at a real Keycloak that replaces the refresh token at every use and takes a second use of
// a replaced one for theft (the realm's "Revoke Refresh Token" on, reuse 0), ending the sign-in there:
// what the lease per session (`dashboard-refresh`, session.routes.ts) is for, played against the
// provider it is for. Access tokens live 6 s; over several of their lifetimes the session's cookie is
// sent to both replicas in turn and in concurrent bursts right when the token needs renewing: when it
// has expired, and in its last second (both renew before they answer), and in steady traffic (each
// request renews it in the background). Every answer must be the signed-in planner's, every stored
// refresh token a new one, and at the end Keycloak must still hold the sign-in. With the lease taken
// away (claim always succeeding) the first burst ends the session: Keycloak refuses the second use of
// the refresh token ("Maximum allowed refresh token reuse exceeded") and drops the dashboard from its
// session of the person; the platform deletes its session, and both replicas answer as to the public.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { freePort, type KeycloakInstance, repoRoot, startChdbHttp, startKafka, startKeycloak, startNodeService, startPostgres, tempDir } from '@sp/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const platformMain = 'services/platform/dist/main.js';
const clientSecret = 'keycloak-rotation-client-secret';
const realm = '/admin/realms/sozialplanung';
const lifespanS = 6;
const cycles = 2;

type Service = Awaited<ReturnType<typeof startNodeService>>;
type Engine = { stop(): Promise<void> } | { wipe(): Promise<void> };
/** what one request of the session was answered: the replica, what was asked, and whether it was the planner's */
type Seen = { at: string; replica: 'a' | 'b'; ask: 'me' | 'graphql'; ok: boolean; detail: string };

const pause = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms)));

describe('a dashboard session on two replicas against a Keycloak that replaces refresh tokens', () => {
  const engines: Engine[] = [];
  let keycloak: KeycloakInstance;
  let db: PgDatabase;
  const replicas: Partial<Record<'a' | 'b', Service>> = {};
  const urls = { a: '', b: '' };
  /** the browser's sp_session cookie, sent to both replicas as a balancer would pass it on */
  let cookie = '';
  const seen: Seen[] = [];

  beforeAll(async () => {
    if (!existsSync(join(repoRoot, platformMain))) throw new Error(`${platformMain} missing: pnpm build first`);
    const [portA, portB] = [await freePort(), await freePort()];
    urls.a = `http://127.0.0.1:${portA}`;
    urls.b = `http://127.0.0.1:${portB}`;
    // both replicas stand behind one public address (here: replica a's), the one Keycloak redirects to
    const publicUrl = urls.a;
    let kafka: Awaited<ReturnType<typeof startKafka>>;
    let postgres: Awaited<ReturnType<typeof startPostgres>>;
    let chdb: Awaited<ReturnType<typeof startChdbHttp>>;
    [kafka, postgres, chdb, keycloak] = await Promise.all([startKafka(), startPostgres(), startChdbHttp(), startKeycloak({ publicUrl, clientSecret })]);
    engines.push(kafka, postgres, chdb, keycloak);
    db = createPgDatabase({ url: postgres.url, max: 2 });

    // the realm replaces the refresh token at every use and refuses a replaced one, with short access tokens
    const put = await keycloak.admin(realm, { method: 'PUT', body: JSON.stringify({ revokeRefreshToken: true, refreshTokenMaxReuse: 0, accessTokenLifespan: lifespanS }) });
    expect(put.status, await put.text()).toBe(204);
    expect(await (await keycloak.admin(realm)).json()).toMatchObject({ revokeRefreshToken: true, refreshTokenMaxReuse: 0, accessTokenLifespan: lifespanS });

    const env = (port: number, name: string) => ({
      SP_ENGINES: 'servers',
      KAFKA_BROKERS: kafka.brokers.join(','),
      DATABASE_URL: postgres.url,
      CLICKHOUSE_URL: chdb.url,
      KAFKA_SESSION_TIMEOUT_MS: '6000',
      SP_DEMO: '0',
      SP_DATA_DIR: tempDir(`sp-rotation-${name}-`),
      SP_PORT: String(port),
      SP_HOST: '127.0.0.1',
      SP_PUBLIC_URL: publicUrl,
      SP_OIDC_ISSUER: keycloak.issuer,
      SP_OIDC_CLIENT_ID: 'sp-dashboard',
      SP_OIDC_CLIENT_SECRET: clientSecret,
      SP_OIDC_AUDIENCE: 'urn:sozialplanung:platform',
      SP_OIDC_ROLE_CLAIM: 'sp_role',
      SP_OIDC_AMT_CLAIM: 'sp_amt',
      SP_OIDC_TENANT_CLAIM: 'sp_tenant',
    });
    replicas.a = await startNodeService(platformMain, { env: env(portA, 'a'), ready: /Dashboard:/, timeoutMs: 180_000 });
    replicas.b = await startNodeService(platformMain, { env: env(portB, 'b'), ready: /Dashboard:/, timeoutMs: 180_000 });
  }, 600_000);

  afterAll(async () => {
    await replicas.a?.stop();
    await replicas.b?.stop();
    await db?.close();
    for (const e of engines) await ('wipe' in e ? e.wipe() : e.stop());
  }, 120_000);

  /**
   * Signs in as a browser without JavaScript would: the login begins at replica a, the form is posted
   * to Keycloak, and Keycloak's redirect back lands on replica b (the balancer chose it).
   */
  async function signIn(username: string, password: string): Promise<void> {
    const jar = new Map<string, string>();
    const keep = (res: Response) => {
      for (const line of res.headers.getSetCookie()) {
        const pair = line.split(';')[0]!;
        jar.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
      }
      return res;
    };
    const send = (url: string, init: RequestInit = {}) =>
      fetch(url, { ...init, redirect: 'manual', headers: { ...(init.headers as Record<string, string>), cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') } }).then(keep);

    const login = await send(`${urls.a}/session/login?returnTo=/`);
    expect(login.status).toBe(303);
    const page = await send(login.headers.get('location')!);
    const html = await page.text();
    expect(page.status, html.slice(0, 300)).toBe(200);
    const action = /<form[^>]*id="kc-form-login"[^>]*action="([^"]+)"/.exec(html)?.[1] ?? /action="([^"]*login-actions\/authenticate[^"]*)"/.exec(html)?.[1];
    if (!action) throw new Error(`no login form on Keycloak's page: ${html.slice(0, 500)}`);
    const posted = await send(action.replace(/&amp;/g, '&'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username, password, credentialId: '' }),
    });
    const back = new URL(posted.headers.get('location') ?? '');
    expect(`${back.origin}${back.pathname}`, await posted.text()).toBe(`${urls.a}/session/callback`);
    const callback = await send(`${urls.b}${back.pathname}${back.search}`);
    expect(callback.status, await callback.clone().text()).toBe(303);
    expect(jar.get('sp_session')).toBeTruthy();
    cookie = `sp_session=${jar.get('sp_session')}`;
  }

  /** the session as replica a and b keep it in PostgreSQL (stored under a hash of the cookie's id) */
  async function stored(): Promise<{ expiresAt: number; refreshToken: string } | undefined> {
    const id = createHash('sha256')
      .update(decodeURIComponent(cookie.slice('sp_session='.length)))
      .digest('base64url');
    const { rows } = await db.query<{ body: { expiresAt: number; refreshToken: string } }>("SELECT body FROM identity_entries WHERE kind = 'dashboard-session' AND id = $1 AND expires_at > now()", [
      id,
    ]);
    return rows[0]?.body;
  }

  /** one request of the signed-in page to `replica`: who it is (/session/me) or the API (introspection answers signed-in viewers only) */
  async function ask(replica: 'a' | 'b', what: 'me' | 'graphql'): Promise<void> {
    const at = new Date().toISOString().slice(11, 23);
    try {
      if (what === 'me') {
        const res = await fetch(`${urls[replica]}/session/me`, { headers: { cookie } });
        const body = (await res.json()) as { signedIn?: boolean; role?: string };
        seen.push({ at, replica, ask: what, ok: res.status === 200 && body.signedIn === true && body.role === 'planner', detail: `${res.status} ${JSON.stringify(body)}` });
      } else {
        const res = await fetch(`${urls[replica]}/graphql`, {
          method: 'POST',
          headers: { cookie, 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __schema { queryType { name } } }' }),
        });
        const body = (await res.json()) as { data?: { __schema?: { queryType: { name: string } } }; errors?: unknown };
        seen.push({ at, replica, ask: what, ok: res.status === 200 && body.data?.__schema?.queryType.name === 'Query', detail: `${res.status} ${JSON.stringify(body).slice(0, 200)}` });
      }
    } catch (e) {
      seen.push({ at, replica, ask: what, ok: false, detail: (e as Error).message });
    }
  }

  /** `n` requests at once, half to each replica, both kinds */
  const burst = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => ask(i % 2 ? 'b' : 'a', i % 4 < 2 ? 'me' : 'graphql')));

  it('keeps the session signed in on both replicas over several token lifetimes, every refresh token used once', async () => {
    await signIn('planerin', 'planerin-passwort');
    const refreshTokens = new Set<string>();
    const notSignedIn = () =>
      seen
        .filter((x) => !x.ok)
        .map((f) => `${f.at} ${f.replica} ${f.ask}: ${f.detail}`)
        .join('\n');
    const note = async () => {
      const s = await stored();
      expect(s, `the session is gone from the store; answered as not signed in:\n${notSignedIn()}`).toBeDefined();
      refreshTokens.add(s!.refreshToken);
      return s!;
    };
    await note();
    for (let cycle = 0; cycle < cycles; cycle++) {
      // quiet until the access token has expired: every request of the burst renews before it answers
      await pause((await note()).expiresAt - Date.now() + 300);
      await burst(16);
      // steady traffic, each request to the other replica: each starts a renewal in the background
      for (let i = 0; i < 12; i++) {
        await ask(i % 2 ? 'a' : 'b', i % 3 ? 'me' : 'graphql');
        await pause(150);
      }
      // quiet until the token's last second, then a burst: renewed first again (less than a second left)
      await pause(1_000);
      await pause((await note()).expiresAt - Date.now() - 600);
      await burst(16);
      await pause(500);
    }
    expect(seen.filter((s) => !s.ok).length, `answered as not signed in:\n${notSignedIn()}`).toBe(0);
    expect(seen.length).toBe(cycles * (16 + 12 + 16));
    // renewed again and again, each time with a new refresh token (Keycloak replaces it at each use)
    await note();
    expect(refreshTokens.size).toBeGreaterThanOrEqual(2 * cycles);
  });

  it("leaves Keycloak's sign-in of the person active: no second use of a refresh token was taken for theft", async () => {
    const users = (await (await keycloak.admin(`${realm}/users?username=planerin&exact=true`)).json()) as { id: string }[];
    expect(users).toHaveLength(1);
    const sessions = (await (await keycloak.admin(`${realm}/users/${users[0]!.id}/sessions`)).json()) as { clients: Record<string, string> }[];
    // Keycloak logs each refused refresh (its jboss-logging event listener, at WARN)
    const refused = readFileSync(join(keycloak.dir, 'keycloak.log'), 'utf8')
      .split('\n')
      .filter((l) => l.includes('REFRESH_TOKEN_ERROR'));
    expect(sessions.length, `Keycloak's sessions of the planner: ${JSON.stringify(sessions)}`).toBe(1);
    expect(Object.values(sessions[0]!.clients)).toContain('sp-dashboard');
    expect(refused).toEqual([]);
    // and the session goes on renewing: one more expiry, answered at both replicas
    await pause((await stored())!.expiresAt - Date.now() + 300);
    seen.length = 0;
    await burst(4);
    expect(seen.filter((s) => !s.ok)).toEqual([]);
  });
});
