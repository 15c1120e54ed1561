// Request bodies of the delivery routes as raw bytes, read up to the configured limit. The service
// reads JSON and CSV itself so that malformed input gets the feeds' error list, and a body over the
// limit becomes an OversizedBody marker answered with 413 and the error list (fastify's own limit
// would answer before our handler, in its own format). Other routes on the same fastify instance
// (the platform mounts several modules) keep JSON parsing.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OversizedBody } from './delivery.service.js';

export const DELIVERIES_PATH = '/v1/deliveries';

export interface BodyParserOptions {
  bodyLimitBytes: number;
  /** limit of the other routes' JSON bodies; default 1 MiB (fastify's default) */
  otherRoutesLimitBytes?: number;
}

export function installIngestionBodyParser(fastify: FastifyInstance, options: BodyParserOptions): void {
  const otherLimit = options.otherRoutesLimitBytes ?? 1024 * 1024;
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', { bodyLimit: Number.MAX_SAFE_INTEGER }, (req: FastifyRequest, payload, done) => {
    const ours = req.url.startsWith(DELIVERIES_PATH);
    const limit = ours ? options.bodyLimitBytes : otherLimit;
    const chunks: Buffer[] = [];
    let size = 0;
    let over = false;
    payload.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        over = true;
        chunks.length = 0; // keep counting, stop keeping
      } else if (!over) chunks.push(chunk);
    });
    payload.on('error', (err) => done(err, undefined));
    payload.on('end', () => {
      if (ours) return done(null, over ? new OversizedBody(limit, size) : Buffer.concat(chunks));
      if (over) return done(Object.assign(new Error(`body exceeds ${limit} bytes`), { statusCode: 413 }), undefined);
      const body = Buffer.concat(chunks);
      const ct = String(req.headers['content-type'] ?? '');
      if (!ct.includes('json')) return done(null, body.toString('utf8'));
      try {
        done(null, body.length ? JSON.parse(body.toString('utf8')) : undefined);
      } catch (e) {
        done(Object.assign(e as Error, { statusCode: 400 }), undefined);
      }
    });
  });
}
