// Two replicas of the platform behind one load balancer (servers mode: the k8s manifest runs two),
// each with its own process memory and data directory, sharing only the deployment's PostgreSQL.
// The balancer here sends each request to the next replica in turn, so every step of a sign-in —
// the login redirect, the provider's pages, the new password, the callback, the refreshes — lands on
// the other replica than the step before. Played over HTTP with real tokens and a real PostgreSQL
// server: one first admin for both; a sign-in that crosses them; a user an admin made at one signing
// in at the other; a refresh asked of both at once that does not end the session (the provider takes
// a second use of a refresh token for theft); a refresh slower than its lease taken over by the
// waiting replica, whose lease the late holder leaves alone; a user disabled at one refused at the other; a
// session that outlives both replicas' restart and a refresh answered 503; a key rotated by one
// published and accepted by the others; a key that aged while both ran rotated by one of them and
// taken up by the other; and wrong passwords counted into one lock.
import { execFile } from 'node:child_process';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createPgDatabase, type PgDatabase } from '@sp/database-pg';
import { type PostgresInstance, startPostgres } from '@sp/testing';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatabaseDocuments } from './identity-state.js';
import { SigningKeyStore, type StoredKey } from './signing-keys.store.js';
import { CookieClient, identityAt } from './testing/browser.fixture.js';

type Replica = Awaited<ReturnType<typeof identityAt>>;

let pg: PostgresInstance;
let balancer: Server;
let publicUrl: string;
/** where the balancer sends requests, in turn */
let targets: string[] = [];
/** the balancer answers the next token request 503 itself (a replica restarting under it) */
let failNextTokenRequest = false;
/** token requests are held here, each forwarded when the test calls it (a slow provider), while true */
let holdTokenRequests = false;
const heldTokenRequests: (() => void)[] = [];
let turn = 0;
const replicas: Replica[] = [];
const pools: PgDatabase[] = [];
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** resolves once `done()` holds (polled every 10 ms); fails after 5 s */
async function until(done: () => boolean, what: string): Promise<void> {
  for (const end = Date.now() + 5_000; !done(); await pause(10)) if (Date.now() > end) throw new Error(`waited 5 s in vain: ${what}`);
}

/** a replica as the platform starts one in servers mode: its own pool on the shared database */
async function replica(env: Record<string, string> = {}): Promise<Replica> {
  const database = createPgDatabase({ url: pg.url, max: 4 });
  pools.push(database);
  // a refresh's lease of 1 s instead of 15 s, so that a refresh can outlive it within the test
  const r = await identityAt({ SP_PUBLIC_URL: publicUrl, SP_ACCESS_TOKEN_TTL_S: '2', ...env }, { database, refreshLeaseMs: 1_000 });
  replicas.push(r);
  return r;
}

beforeAll(async () => {
  pg = await startPostgres();
  balancer = createServer((req, res) => {
    if (failNextTokenRequest && req.method === 'POST' && req.url === '/auth/token') {
      failNextTokenRequest = false;
      return void res.writeHead(503, { 'content-type': 'text/plain' }).end('no replica ready\n');
    }
    const forward = () => {
      const target = new URL(targets[turn++ % targets.length]!);
      // a new connection per request: a kept-alive one the replica closes at the same moment would be a 502 of the test's own
      const upstream = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers, agent: false }, (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    };
    if (holdTokenRequests && req.method === 'POST' && req.url === '/auth/token') heldTokenRequests.push(forward);
    else forward();
  });
  await new Promise<void>((r) => balancer.listen(0, '127.0.0.1', r));
  publicUrl = `http://127.0.0.1:${(balancer.address() as AddressInfo).port}`;
}, 120_000);

afterAll(async () => {
  for (const r of replicas) await r.close();
  for (const p of pools) await p.close();
  await new Promise<void>((r) => {
    balancer?.close(() => r());
    balancer?.closeAllConnections();
  });
  await pg?.wipe();
});

describe('two replicas sharing sign-in through PostgreSQL', () => {
  let a: Replica;
  let b: Replica;
  let admin: CookieClient;

  it('start together with one first admin and one signing key', async () => {
    [a, b] = await Promise.all([replica(), replica()]);
    targets = [a.server.url, b.server.url];
    const printed = [...a.printed, ...b.printed].filter((l) => l.includes('Einmalpasswort'));
    expect(printed).toHaveLength(1);
    const jwks = async (r: Replica) => (await (await fetch(`${r.server.url}/auth/jwks`)).json()) as { keys: { kid: string }[] };
    expect((await jwks(a)).keys.map((k) => k.kid)).toEqual((await jwks(b)).keys.map((k) => k.kid));
  });

  it('sign a person in across both: every step on the other replica than the one before', async () => {
    const password = (a.printed.join('\n') + b.printed.join('\n')).match(/Einmalpasswort:\s+(\S+)/)![1]!;
    admin = new CookieClient(publicUrl);
    const page = await admin.signIn('admin', password, 'das-admin-passwort-2026');
    expect(page.url).toBe(`${publicUrl}/planung`);
    for (let i = 0; i < 4; i++) expect(await (await admin.request('/whoami')).json()).toMatchObject({ role: 'admin' });
    // the store holds a hash of the session's id, not the id: reading the table gives no cookie to present
    const { rows } = await pools[0]!.query<{ id: string }>("SELECT id FROM identity_entries WHERE kind = 'dashboard-session'");
    expect(rows).toHaveLength(1);
    expect(rows[0]!.id).not.toBe(admin.cookies.get('sp_session'));
    const stolen = await fetch(`${publicUrl}/session/me`, { headers: { cookie: `sp_session=${rows[0]!.id}` } });
    expect((await stolen.json()).signedIn).toBe(false);
  });

  it('let a user made through one sign in through the other', async () => {
    const made = await admin.request('/auth/users', {
      method: 'POST',
      headers: { origin: publicUrl, 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'planer1', name: 'Paula Planerin', role: 'planner' }),
    });
    expect(made.status).toBe(201);
    const planner = new CookieClient(publicUrl);
    await planner.signIn('planer1', (await made.json()).oneTimePassword, 'das-planer-passwort-2026');
    for (let i = 0; i < 4; i++) expect(await (await planner.request('/whoami')).json()).toMatchObject({ role: 'planner', name: 'Paula Planerin' });
    // disabled through the balancer (one replica): refused at both within a second
    const disabled = await admin.request('/auth/users/planer1', { method: 'PATCH', headers: { origin: publicUrl, 'content-type': 'application/json' }, body: '{"disabled":true}' });
    expect(disabled.status).toBe(200);
    await pause(1_100);
    for (let i = 0; i < 4; i++) expect(await (await planner.request('/whoami')).json()).toEqual({ role: 'public' });
  });

  it('take a user the CLI adds on their PostgreSQL (SP_ENGINES=servers DATABASE_URL=…)', async () => {
    const main = fileURLToPath(new URL('../dist/identity.main.js', import.meta.url));
    const out = await new Promise<{ status: number; out: string }>((resolve) =>
      execFile(
        process.execPath,
        [main, 'users', 'add', '--username', 'cli-planer', '--name', 'Carla CLI', '--role', 'planner'],
        { env: { ...process.env, SP_ENGINES: 'servers', DATABASE_URL: pg.url } },
        (error, stdout, stderr) => resolve({ status: error ? Number(error.code ?? 1) : 0, out: stdout + stderr }),
      ),
    );
    expect(out.status, out.out).toBe(0);
    const password = /Einmalpasswort: (\S+)/.exec(out.out)![1]!;
    const browser = new CookieClient(publicUrl);
    await browser.signIn('cli-planer', password, 'das-cli-passwort-2026');
    expect(await (await browser.request('/whoami')).json()).toMatchObject({ role: 'planner', name: 'Carla CLI' });
  });

  it('renew an expired session once when both replicas are asked at once, and keep it', async () => {
    await pause(2_500);
    // the access token has expired: four requests at once, two at each replica, each wanting a refresh
    const answers = await Promise.all(Array.from({ length: 4 }, () => admin.request('/whoami').then((r) => r.json())));
    for (const answer of answers) expect(answer).toMatchObject({ role: 'admin' });
    // the refresh token was used once: the provider did not end the sign-in as stolen
    await pause(2_500);
    for (let i = 0; i < 2; i++) expect(await (await admin.request('/whoami')).json()).toMatchObject({ role: 'admin' });
    expect((await (await admin.request('/session/me')).json()).signedIn).toBe(true);
  });

  it('take over a refresh that outlived its lease: the waiting replica refreshes itself, and the late holder leaves its lease alone', async () => {
    await pause(2_500);
    // the access token has expired; the provider is slow: its answers come when the test lets them
    holdTokenRequests = true;
    const cookie = `sp_session=${admin.cookies.get('sp_session')}`;
    const leases = async () => (await pools[0]!.query<{ owner: string }>("SELECT body->>'owner' AS owner FROM identity_entries WHERE kind = 'dashboard-refresh' AND expires_at > now()")).rows;
    try {
      let answered = 0;
      // both replicas at once, as a page's requests come: one holds the lease, the other waits for it
      const answers = [a, b].map((r) =>
        fetch(`${r.server.url}/whoami`, { headers: { cookie } })
          .then((res) => res.json())
          .finally(() => answered++),
      );
      await until(() => heldTokenRequests.length === 1, "the holder's token request");
      const [holder] = await leases();
      // the holder's refresh outlives its lease (1 s): the waiter takes the lease and asks the provider
      // itself, never answering as the public's meanwhile (it did when its wait ended with the lease)
      await until(() => heldTokenRequests.length === 2 || answered > 0, "the waiter's token request or an answer");
      expect(answered, 'a request answered before either refresh').toBe(0);
      const [waiter] = await leases();
      expect(waiter?.owner).not.toBe(holder?.owner);
      // the holder's answer comes late: it lets go of its own lease, not of the waiter's that stands
      heldTokenRequests.shift()!();
      await until(() => answered === 1, "the holder's answer");
      expect(await leases()).toEqual([waiter]);
      holdTokenRequests = false;
      heldTokenRequests.shift()!();
      for (const answer of await Promise.all(answers)) expect(answer).toMatchObject({ role: 'admin' });
      expect(await leases()).toEqual([]);
    } finally {
      // a failure here leaves no request held for the cases after it
      holdTokenRequests = false;
      for (const forward of heldTokenRequests.splice(0)) forward();
    }
    expect(await (await admin.request('/session/me')).json()).toMatchObject({ signedIn: true });
  });

  it('keep the session when every replica restarts', async () => {
    for (const r of [a, b]) await r.close();
    const [c, d] = await Promise.all([replica(), replica()]);
    targets = [c.server.url, d.server.url];
    expect([...c.printed, ...d.printed].filter((l) => l.includes('Einmalpasswort'))).toHaveLength(0);
    for (let i = 0; i < 2; i++) expect(await (await admin.request('/whoami')).json()).toMatchObject({ role: 'admin' });
    expect(await (await admin.request('/session/me')).json()).toMatchObject({ signedIn: true, name: 'Administration' });
    // and beyond the token it had: a refresh the old replicas had under way when they stopped (its
    // answer lost, the provider's side done) does not end the session
    await pause(2_500);
    expect(await (await admin.request('/whoami')).json()).toMatchObject({ role: 'admin' });
  });

  it('keep a session whose refresh is answered 503 (a rolling update): the next request renews it', async () => {
    await pause(2_500);
    failNextTokenRequest = true;
    // the refresh met the 503: this request goes on as the public's, the session stays
    expect(await (await admin.request('/whoami')).json()).toEqual({ role: 'public' });
    expect(failNextTokenRequest).toBe(false);
    expect(await (await admin.request('/whoami')).json()).toMatchObject({ role: 'admin' });
  });

  it('publish and accept at an older replica the key a newer one signs with after a rotation', async () => {
    const [c] = replicas.slice(-2);
    // the operator rotates (pnpm identity keys rotate); a replica started after it signs with the new key
    const [next] = await new SigningKeyStore(new DatabaseDocuments(pools[0]!)).rotate();
    const e = await replica();
    const kids = async (r: Replica) => ((await (await fetch(`${r.server.url}/auth/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    expect(await kids(c!)).toContain(next!.jwk.kid);
    targets = [e.server.url];
    const browser = new CookieClient(publicUrl);
    await browser.signIn('admin', 'das-admin-passwort-2026');
    // the session's token, signed with the new key, at the replica started before the rotation
    targets = [c!.server.url];
    expect(await (await browser.request('/whoami')).json()).toMatchObject({ role: 'admin' });
    targets = replicas.slice(-3).map((r) => r.server.url);
  });

  it('rotate a key that aged while both replicas ran: one rotates, both sign with the new key, the old one verifies until its tokens expired', async () => {
    // tokens of 2 s (at most 3), the key checked every 0.2 s: a retired key stays published 3.4 s
    const [f, g] = await Promise.all([0, 1].map(() => replica({ SP_IDENTITY_KEY_CHECK_S: '0.2', SP_TOKEN_MAX_LIFETIME_S: '3' })));
    targets = [f!.server.url, g!.server.url];
    const documents = new DatabaseDocuments(pools[0]!);
    const storedKeys = async () => (await documents.read<StoredKey[]>('signing-keys'))?.value ?? [];
    const stored = async () => (await storedKeys()).map((k) => k.jwk.kid!);
    const kids = async (r: Replica) => ((await (await fetch(`${r.server.url}/auth/jwks`)).json()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);
    const tokenAt = async (r: Replica) => {
      targets = [r.server.url];
      const browser = new CookieClient(publicUrl);
      await browser.signIn('admin', 'das-admin-passwort-2026');
      return (await r.identity.bearerFor({ headers: { cookie: `sp_session=${browser.cookies.get('sp_session')}` }, method: 'GET' } as never))!;
    };
    const before = await tokenAt(f!);
    const [old] = await stored();
    expect(decodeProtectedHeader(before).kid).toBe(old);
    // the deployment has been running for 91 days: the key is older than SP_IDENTITY_KEY_ROTATION_DAYS (90)
    const agedAt = Date.now();
    const current = (await documents.read<StoredKey[]>('signing-keys'))!;
    current.value[0]!.createdAt = new Date(Date.now() - 91 * 86_400_000).toISOString();
    expect(await documents.write('signing-keys', current.value, current.version)).toBe(true);
    const takenUp = (r: Replica, kid: string) => r.printed.some((l) => l.includes(`signiert ab jetzt mit dem Schlüssel ${kid}`));
    await expect.poll(async () => (await stored())[0], { timeout: 2_000 }).not.toBe(old);
    const [next] = await stored();
    await expect.poll(() => takenUp(f!, next!) && takenUp(g!, next!), { timeout: 2_000 }).toBe(true);
    // one replica rotated: one new key, the old one retired beside it (the key rotated in the case
    // before may still be there, retired, until its tokens have expired)
    const after = await storedKeys();
    expect(after.filter((k) => Date.parse(k.createdAt) >= agedAt).map((k) => k.jwk.kid)).toEqual([next]);
    expect(after.filter((k) => !k.retiredAt).map((k) => k.jwk.kid)).toEqual([next]);
    for (const r of [f!, g!]) {
      expect(await r.identity.verify(before)).toMatchObject({ role: 'admin' });
      expect((await kids(r)).slice(0, 2)).toEqual([next, old]);
    }
    for (const r of [f!, g!]) expect(decodeProtectedHeader(await tokenAt(r)).kid).toBe(next);
    // the old key leaves the JWKS of both once the tokens it signed have expired, not before
    await expect.poll(async () => [await kids(f!), await kids(g!)], { timeout: 6_000, interval: 100 }).toEqual([[next], [next]]);
    expect(decodeJwt(before).exp! * 1000).toBeLessThanOrEqual(Date.now());
    targets = [f!.server.url, g!.server.url];
  });

  it('count wrong passwords at both replicas into one lock', async () => {
    const browser = new CookieClient(publicUrl);
    const login = await browser.follow('/session/login');
    let html = await login.res.text();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) {
      const page = await browser.submit(login.url, html, { username: 'admin', password: 'ganz-falsch-geraten' });
      statuses.push(page.res.status);
      html = await page.res.text();
    }
    // three at one replica, two at the other: counted apart, neither would have locked
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const right = await browser.submit(login.url, html, { username: 'admin', password: 'das-admin-passwort-2026' });
    expect(right.res.status).toBe(429);
  });
});
