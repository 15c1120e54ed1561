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

/** Who is asking, for the budgets: the token's subject (or role and Amt), else the IP address. */
function clientOf(viewer: Viewer | undefined, address: string | undefined): string {
  if (viewer && viewer.role !== 'public') return `token:${viewer.subject ?? `${viewer.role}/${viewer.amt ?? ''}`}`;
  return `ip:${address ?? 'local'}`;
}

export function createServe(yoga: Yoga, authenticate: Authenticate, graphqlEndpoint: string, cache: ResponseCache | null, maxBodyBytes: number, budgets: ClientBudgets | null = null) {
  const scheduler = budgets ? new FairScheduler(budgets.budgets.concurrentReads, budgets.budgets.readsPerClient) : null;

  /** Admits a request of this client (or answers 429); `release` when its answer is sent. */
  async function admit(authorization: string | null, address: string | undefined, forwardedFor: string | null) {
    const viewer = authorization ? await authenticate(authorization).catch(() => undefined) : publicViewer;
    if (!budgets) return { viewer, budget: undefined, refusal: null, release: () => undefined };
    const forwarded = budgets.budgets.trustForwardedFor ? forwardedFor?.split(',')[0]?.trim() : undefined;
    const client = clientOf(viewer, forwarded || address);
    const solvent = budgets.solvent(client);
    if (!solvent.ok) return { viewer, budget: undefined, refusal: refused(solvent.reason, solvent.retryAfterSeconds), release: () => undefined };
    const verdict = budgets.begin(client);
    if (!verdict.ok) return { viewer, budget: undefined, refusal: refused(verdict.reason, verdict.retryAfterSeconds), release: () => undefined };
    let requested = 0;
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
              if (!may.ok) throw rateLimited(may.reason, may.retryAfterSeconds);
              // the read's real cost: its warehouse time, booked to the client's time budget
              const began = performance.now();
              try {
                return await read();
              } finally {
                budgets.spend(client, performance.now() - began);
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
        const limit = budgets.budgets.costBurst;
        if (requested > limit)
          throw rateLimited(
            `the request costs at least ${requested} (areas × periods + ${budgets.budgets.costPerRead} per read, over its fields and aliases), more than the ${limit} one client may spend at once`,
            0,
          );
        const v = budgets.charge(client, cost);
        if (!v.ok) throw rateLimited(v.reason, v.retryAfterSeconds);
      },
    };
    const release = () => {
      // reads of one request may overlap; what is left of its wall time is the gateway's own work
      budgets.spend(client, Math.max(0, performance.now() - arrived - inReads));
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
    const { viewer, budget, refusal, release } = await admit(post.header('authorization'), address, post.header('x-forwarded-for'));
    if (refusal) return { response: refusal, state: 'bypass' };
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
