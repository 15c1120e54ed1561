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
import type { CacheProbe, CacheState, ResponseCache, StoredResponse } from './response-cache.js';

/** What yoga gets beside the request: the viewer checked here and the request's cache probe. */
export interface ServerContext {
  viewer?: Viewer;
  cacheProbe?: CacheProbe;
}

export type Yoga = YogaServerInstance<ServerContext, GatewayContext>;

export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;

interface GraphqlPost {
  url: string;
  /** all headers, only needed when the request runs */
  headers(): [string, string][];
  header(name: string): string | null;
  body: Uint8Array;
}

/** request bodies above this size are executed but never used as a cache key */
const maxKeyBodyBytes = 64 * 1024;
const decoder = new TextDecoder();

const jsonType = 'application/json; charset=utf-8';

function tooLarge(maxBodyBytes: number): StoredResponse {
  const body = { errors: [{ message: `the request body exceeds ${maxBodyBytes} bytes; send a smaller query (variables instead of long literal lists)`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] };
  return { status: httpStatusFor('PAYLOAD_TOO_LARGE'), headers: { 'content-type': jsonType }, body: new TextEncoder().encode(JSON.stringify(body)) };
}

export function createServe(yoga: Yoga, authenticate: Authenticate, graphqlEndpoint: string, cache: ResponseCache | null, maxBodyBytes: number) {
  async function execute(post: GraphqlPost, context: ServerContext): Promise<StoredResponse> {
    const response = await yoga.handleRequest(new Request(post.url, { method: 'POST', headers: post.headers(), body: post.body as BodyInit }), context);
    const headers: Record<string, string> = {};
    // yoga's Headers keep the case they were set with
    response.headers.forEach((value, name) => {
      const lower = name.toLowerCase();
      if (lower !== 'content-length') headers[lower] = value;
    });
    return { status: response.status, headers, body: new Uint8Array(await response.arrayBuffer()) };
  }

  async function answer(post: GraphqlPost): Promise<{ response: StoredResponse; state: CacheState }> {
    // a rejected token is answered by yoga's context factory with the error it deserves
    const authorization = post.header('authorization');
    const viewer = authorization ? await authenticate(authorization).catch(() => undefined) : publicViewer;
    if (!cache || !viewer || post.body.byteLength > maxKeyBodyBytes) {
      return { response: await execute(post, viewer ? { viewer } : {}), state: 'bypass' };
    }
    const key = `${viewer.role}|${viewer.amt ?? ''}|${viewer.privileged ? 1 : 0}\n${post.header('accept') ?? ''}\n${post.header('origin') ?? ''}\n${decoder.decode(post.body)}`;
    return cache.serve(key, (cacheProbe) => execute(post, { viewer, cacheProbe }));
  }

  const node: NodeHandler = (req, res) => {
    const path = (req.url ?? '/').split('?', 1)[0];
    if (req.method !== 'POST' || path !== graphqlEndpoint) {
      void (yoga as unknown as NodeHandler)(req, res);
      return;
    }
    const send = ({ response, state }: { response: StoredResponse; state: CacheState }) => {
      res.writeHead(response.status, { ...response.headers, 'content-length': response.body.byteLength, 'x-sp-cache': state });
      res.end(response.body);
    };
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
      };
      answer(post).then(send, () => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': jsonType });
        res.end(JSON.stringify({ errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] }));
      });
    });
  };

  async function fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    const request = input instanceof Request ? input : new Request(input, init);
    if (request.method !== 'POST' || new URL(request.url).pathname !== graphqlEndpoint) return yoga.handleRequest(request, {});
    const headers: [string, string][] = [];
    request.headers.forEach((value, name) => {
      headers.push([name, value]);
    });
    const body = new Uint8Array(await request.arrayBuffer());
    const { response, state } =
      body.byteLength > maxBodyBytes
        ? { response: tooLarge(maxBodyBytes), state: 'bypass' as const }
        : await answer({ url: request.url, headers: () => headers, header: (n) => request.headers.get(n), body });
    return new Response(response.body as BodyInit, { status: response.status, headers: { ...response.headers, 'x-sp-cache': state } });
  }

  return { node, fetch };
}
