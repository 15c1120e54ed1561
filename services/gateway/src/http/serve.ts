// The gateway's two entry points over yoga, for Node's http server (the platform, the standalone
// gateway, the benchmark) and for WHATWG fetch (tests, other runtimes). Both send GraphQL POSTs
// through the response cache (./response-cache.ts) and everything else (GraphiQL, GET queries,
// CSV exports) straight to yoga. The viewer is authenticated once here and handed to yoga's
// context, so a cached answer costs one token check and one map lookup.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { YogaServerInstance } from 'graphql-yoga';
import { type Authenticate, publicViewer, type Viewer } from '../auth/viewer.js';
import type { GatewayContext } from '../context.js';
import { httpStatusFor } from '../errors.js';
import type { ClientBudgets } from '../fairness/client-budgets.js';
import { FairScheduler } from '../fairness/fair-scheduler.js';
import { type RequestBudget, rateLimited } from '../fairness/request-budget.js';
import type { CacheProbe, CacheState, ResponseCache, StoredResponse } from './response-cache.js';

/** What yoga gets beside the request: the viewer checked here, the request's cache probe and its client's budget. */
export interface ServerContext {
  viewer?: Viewer;
  cacheProbe?: CacheProbe;
  budget?: RequestBudget;
}

export type Yoga = YogaServerInstance<ServerContext, GatewayContext>;

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

interface GraphqlPost {
  url: string;
  /** all headers, only needed when the request runs */
  headers(): [string, string][];
  header(name: string): string | null;
  body: Uint8Array;
  /** aborted when the client goes away before its answer: the request's reads are cancelled */
  signal?: AbortSignal;
  /** performance.now() when the handler was called and when the body was in */
  arrived?: number;
  received?: number;
}

/** Where one request's time went (milliseconds), sent as a Server-Timing header when asked for. */
interface Timing {
  /** token check */
  auth: number;
  /** reads waiting for a warehouse slot (fair-scheduler.ts), summed over reads */
  wait: number;
  /** reads in the warehouse, summed */
  read: number;
}

/** request bodies above this size are executed but never used as a cache key */
const maxKeyBodyBytes = 64 * 1024;
const decoder = new TextDecoder();

const jsonType = 'application/json; charset=utf-8';

function tooLarge(maxBodyBytes: number): StoredResponse {
  const body = { errors: [{ message: `the request body exceeds ${maxBodyBytes} bytes; send a smaller query (variables instead of long literal lists)`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };
  return { status: httpStatusFor('PAYLOAD_TOO_LARGE'), headers: { 'content-type': jsonType }, body: new TextEncoder().encode(JSON.stringify(body)) };
}

function refused(reason: string, retryAfterSeconds: number): StoredResponse {
  const error = rateLimited(reason, retryAfterSeconds);
  const body = { errors: [{ message: error.message, extensions: { code: 'RATE_LIMITED', retryAfter: retryAfterSeconds } }] };
  return { status: 429, headers: { 'content-type': jsonType, 'retry-after': String(retryAfterSeconds) }, body: new TextEncoder().encode(JSON.stringify(body)) };
}

/**
 * Server-Timing of one answer: `recv` (handler called → body in), `auth` (token check), `wait`
 * (reads waiting for a warehouse slot), `read` (reads in the warehouse), `gw` (the rest of the
 * request in the gateway: admission, parse, validate, execute, serialise) and `total` (handler
 * called → answer ready). What a client sees beyond `total` is the event loop's and the
 * network's.
 */
function timingHeader(post: GraphqlPost, timing: Timing): string {
  const now = performance.now();
  const received = post.received ?? now;
  const recv = post.arrived !== undefined ? received - post.arrived : 0;
  const gw = Math.max(0, now - received - timing.auth - timing.wait - timing.read);
  const total = now - (post.arrived ?? received);
  const parts: [string, number][] = [
    ['recv', recv],
    ['auth', timing.auth],
    ['wait', timing.wait],
    ['read', timing.read],
    ['gw', gw],
    ['total', total],
  ];
  return parts.map(([name, ms]) => `${name};dur=${ms.toFixed(2)}`).join(', ');
}

/** The exp (ms) of the JWT in a Bearer header value, read after its signature was checked. */
function expiryOf(authorization: string): number | undefined {
  const payload = /^Bearer\s+[^.\s]+\.([^.\s]+)\./i.exec(authorization.trim())?.[1];
  if (!payload) return undefined;
  try {
    const exp: unknown = (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/** Who is asking, for the budgets: the token's subject (or role and Amt), else the IP address. */
function clientOf(viewer: Viewer | undefined, address: string | undefined): string {
  if (viewer && viewer.role !== 'public') return `token:${viewer.subject ?? `${viewer.role}/${viewer.amt ?? ''}`}`;
  return `ip:${address ?? 'local'}`;
}

export function createServe(
  yoga: Yoga,
  authenticate: Authenticate,
  graphqlEndpoint: string,
  cache: ResponseCache | null,
  maxBodyBytes: number,
  budgets: ClientBudgets | null = null,
  serverTiming = false,
) {
  const scheduler = budgets ? new FairScheduler(budgets.budgets.concurrentReads, budgets.budgets.readsPerClient) : null;
  // A read pays its share of the warehouse while it runs: wall time divided by the reads running
  // alongside (a clock that runs 1/n as fast while n reads run). Booked at full wall time, a normal
  // client's read slowed down by an abuser's beside it ran the normal client into debt (issue #13).
  let shareClock = 0;
  let shareAt = performance.now();
  let readsRunning = 0;
  const advanceShare = () => {
    const t = performance.now();
    if (readsRunning > 0) shareClock += (t - shareAt) / readsRunning;
    shareAt = t;
    return shareClock;
  };
  // Authorization header → its client, for tokens verified before (until their exp): a client over
  // its budget that sends its token again is refused before the signature check. Checking an ES256
  // signature costs the event loop ~0.75 ms; the abuse bench's refused clients sent ~100 a second
  // (issue #13). Only refusals are decided here; a request that may run has its token checked.
  const known = new Map<string, { client: string; until: number }>();
  const remember = (authorization: string, client: string) => {
    const exp = expiryOf(authorization);
    if (exp === undefined) return;
    known.delete(authorization);
    if (known.size >= budgets!.budgets.maxClients) known.delete(known.keys().next().value!);
    known.set(authorization, { client, until: exp });
  };

  /** A 429 for `client`, held a while when it ignored the Retry-After of its last one (budgets.holdRefusalsMs). */
  async function refuse(client: string, reason: string, retryAfterSeconds: number, yielded = false) {
    const hold = budgets!.refusalDelay(client, retryAfterSeconds, yielded);
    if (hold > 0) {
      budgets!.holding(client, 1);
      await new Promise((resolve) => setTimeout(resolve, hold));
      budgets!.holding(client, -1);
    }
    return { viewer: undefined, budget: undefined, refusal: refused(reason, retryAfterSeconds), release: () => undefined };
  }

  /** Admits a request of this client (or answers 429); `release` when its answer is sent. */
  async function admit(authorization: string | null, address: string | undefined, forwardedFor: string | null, timing: Timing = { auth: 0, wait: 0, read: 0 }) {
    const seen = budgets && authorization ? known.get(authorization) : undefined;
    if (seen && seen.until > Date.now()) {
      const early = budgets!.solvent(seen.client);
      if (!early.ok) return refuse(seen.client, early.reason, early.retryAfterSeconds, early.yielded);
    }
    const checking = performance.now();
    const viewer = authorization ? await authenticate(authorization).catch(() => undefined) : publicViewer;
    timing.auth += performance.now() - checking;
    if (!budgets) return { viewer, budget: undefined, refusal: null, release: () => undefined };
    const forwarded = budgets.budgets.trustForwardedFor ? forwardedFor?.split(',')[0]?.trim() : undefined;
    const client = clientOf(viewer, forwarded || address);
    if (authorization && viewer && viewer.role !== 'public' && !seen) remember(authorization, client);
    const solvent = budgets.solvent(client);
    if (!solvent.ok) return refuse(client, solvent.reason, solvent.retryAfterSeconds, solvent.yielded);
    const verdict = budgets.begin(client);
    if (!verdict.ok) return refuse(client, verdict.reason, verdict.retryAfterSeconds);
    let requested = 0;
    /** time booked to this request so far, and whether one of its reads was refused for time */
    let used = 0;
    let refusedForTime = false;
    /** the refusal of this request's charge: later fields and aliases are not charged and get the same error */
    let refusedWith: Error | undefined;
    // the request's own time in the gateway (parse, validate, execute, outside warehouse reads) is
    // booked to the same time budget at its end: a refused 20-alias query costs 10–20 ms here
    const arrived = performance.now();
    let inReads = 0;
    const budget: RequestBudget = {
      client,
      run: (read) =>
        (async () => {
          const entered = performance.now();
          try {
            return await scheduler!.run(client, async () => {
              // a client that used up its warehouse time while this read waited does not start it
              const may = budgets.mayRead(client);
              if (!may.ok) {
                refusedForTime = true;
                throw rateLimited(may.reason, may.retryAfterSeconds);
              }
              // nor one of a client that yields while a client within its budget is active
              const turn = budgets.yielding(client);
              if (!turn.ok) throw rateLimited(turn.reason, turn.retryAfterSeconds);
              // the read's real cost: its share of the warehouse's time, booked to the client's time budget
              const began = performance.now();
              timing.wait += began - entered;
              const shareBegan = advanceShare();
              readsRunning++;
              try {
                return await read();
              } finally {
                const share = advanceShare() - shareBegan;
                readsRunning--;
                timing.read += performance.now() - began;
                used += share;
                budgets.spend(client, share);
              }
            });
          } finally {
            inReads += performance.now() - entered;
          }
        })(),
      charge: (cells) => {
        // the whole request, all its fields and aliases, must fit in one burst
        const cost = cells + budgets.budgets.costPerRead;
        requested += cost;
        if (refusedWith) throw refusedWith;
        const limit = budgets.budgets.costBurst;
        if (requested > limit)
          throw rateLimited(
            `the request costs at least ${requested} (areas × periods + ${budgets.budgets.costPerRead} per read, over its fields and aliases), more than the ${limit} one client may spend at once`,
            0,
          );
        const v = budgets.charge(client, cost);
        if (!v.ok) {
          refusedWith = rateLimited(v.reason, v.retryAfterSeconds);
          throw refusedWith;
        }
      },
    };
    const release = () => {
      if (refusedWith) budgets.refusedFor(client, requested);
      // reads of one request may overlap; what is left of its wall time is the gateway's own work
      const own = Math.max(0, performance.now() - arrived - inReads);
      budgets.spend(client, own);
      if (refusedForTime) budgets.refusedForTime(client, used + own);
      verdict.release();
    };
    let released = false;
    return {
      viewer,
      budget,
      refusal: null,
      release: () => {
        if (released) return;
        released = true;
        release();
      },
    };
  }

  async function execute(post: GraphqlPost, context: ServerContext): Promise<StoredResponse> {
    const response = await yoga.handleRequest(
      new Request(post.url, { method: 'POST', headers: post.headers(), body: post.body as BodyInit, ...(post.signal ? { signal: post.signal } : {}) }),
      context,
    );
    const headers: Record<string, string> = {};
    // yoga's Headers keep the case they were set with
    response.headers.forEach((value, name) => {
      const lower = name.toLowerCase();
      if (lower !== 'content-length') headers[lower] = value;
    });
    return { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) };
  }

  async function answer(post: GraphqlPost, address: string | undefined): Promise<{ response: StoredResponse; state: CacheState }> {
    // a rejected token is answered by yoga's context factory with the error it deserves
    const timing: Timing = { auth: 0, wait: 0, read: 0 };
    const { viewer, budget, refusal, release } = await admit(post.header('authorization'), address, post.header('x-forwarded-for'), timing);
    if (refusal) return { response: refusal, state: 'bypass' };
    if (serverTiming) {
      const { response, state } = await answerAdmitted(post, viewer, budget, release);
      return { response: { ...response, headers: { ...response.headers, 'server-timing': timingHeader(post, timing) } }, state };
    }
    return answerAdmitted(post, viewer, budget, release);
  }

  async function answerAdmitted(post: GraphqlPost, viewer: Viewer | undefined, budget: RequestBudget | undefined, release: () => void): Promise<{ response: StoredResponse; state: CacheState }> {
    try {
      const context: ServerContext = { ...(viewer ? { viewer } : {}), ...(budget ? { budget } : {}) };
      if (!cache || !viewer || post.body.byteLength > maxKeyBodyBytes) {
        return { response: await execute(post, context), state: 'bypass' };
      }
      const key = `${viewer.role}|${viewer.amt ?? ''}|${viewer.privileged ? 1 : 0}\n${post.header('accept') ?? ''}\n${post.header('origin') ?? ''}\n${decoder.decode(post.body)}`;
      return await cache.serve(key, (cacheProbe) => execute(post, { ...context, cacheProbe }));
    } finally {
      release();
    }
  }

  /** Everything but GraphQL POSTs (GET queries, GraphiQL, CSV exports) goes to yoga under the same budgets. */
  async function passOn(request: Request, address: string | undefined): Promise<Response> {
    const { budget, refusal, release } = await admit(request.headers.get('authorization'), address, request.headers.get('x-forwarded-for'));
    if (refusal) return new Response(refusal.body as BodyInit, { status: refusal.status, headers: refusal.headers });
    try {
      return await yoga.handleRequest(request, budget ? { budget } : {});
    } finally {
      release();
    }
  }

  const node: NodeHandler = (req, res) => {
    const arrived = performance.now();
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'POST' || path !== graphqlEndpoint) {
      if (!budgets) {
        void (yoga as unknown as NodeHandler)(req, res);
        return;
      }
      const forwardedFor = req.headers['x-forwarded-for'];
      void admit(req.headers.authorization ?? null, req.socket.remoteAddress, Array.isArray(forwardedFor) ? forwardedFor.join(', ') : (forwardedFor ?? null)).then(({ budget, refusal, release }) => {
        if (refusal) {
          release();
          res.writeHead(refusal.status, { ...refusal.headers, 'content-length': refusal.body.byteLength }).end(refusal.body);
          return;
        }
        res.once('close', release);
        void (yoga as unknown as (req: IncomingMessage, res: ServerResponse, ctx: ServerContext) => void)(req, res, budget ? { budget } : {});
      });
      return;
    }
    const send = ({ response, state }: { response: StoredResponse; state: CacheState }) => {
      res.writeHead(response.status, { ...response.headers, 'content-length': response.body.byteLength, 'x-sp-cache': state });
      res.end(response.body);
    };
    // a client that goes away before its answer stops its request's work (see gateway.ts contextFor)
    const gone = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) gone.abort();
    });
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.byteLength;
      if (size <= maxBodyBytes) chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      if (size > maxBodyBytes) {
        send({ response: tooLarge(maxBodyBytes), state: 'bypass' });
        return;
      }
      const post: GraphqlPost = {
        url: `http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`,
        headers: () => {
          const headers: [string, string][] = [];
          for (const [name, value] of Object.entries(req.headers)) {
            if (value !== undefined) headers.push([name, Array.isArray(value) ? value.join(', ') : value]);
          }
          return headers;
        },
        header: (name) => {
          const v = req.headers[name];
          return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
        },
        body: chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks),
        signal: gone.signal,
        arrived,
        received: performance.now(),
      };
      answer(post, req.socket.remoteAddress).then(send, () => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': jsonType });
        res.end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
      });
    });
  };

  /** `clientAddress`: the caller's IP address where the runtime knows it (budgets of anonymous clients). */
  async function fetch(input: string | URL | Request, init?: RequestInit, clientAddress?: string): Promise<Response> {
    const request = input instanceof Request ? input : new Request(input, init);
    if (request.method !== 'POST' || new URL(request.url).pathname !== graphqlEndpoint) return passOn(request, clientAddress);
    const headers: [string, string][] = [];
    request.headers.forEach((value, name) => {
      headers.push([name, value]);
    });
    const body = new Uint8Array(await request.arrayBuffer());
    const { response, state } =
      body.byteLength > maxBodyBytes
        ? { response: tooLarge(maxBodyBytes), state: 'bypass' as const }
        : await answer({ url: request.url, headers: () => headers, header: (n) => request.headers.get(n), body, signal: request.signal }, clientAddress);
    return new Response(response.body as BodyInit, { status: response.status, headers: { ...response.headers, 'x-sp-cache': state } });
  }

  return { node, fetch };
}
