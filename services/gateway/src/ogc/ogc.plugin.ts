// The HTTP side of the geo routes inside the gateway's yoga: GET /ogc/** (OGC API – Features) and
// GET /export/{areas,offers}.{geojson,gpkg}. Same token handling, context, limits and timeout as
// the CSV exports; errors below /ogc are OGC exceptions {code, description}, errors of the
// downloads are the CSV exports' {errors: [...]}.
import type { Plugin } from 'graphql-yoga';
import type { Authenticate, Viewer } from '../auth/viewer.js';
import type { GatewayContext } from '../context.js';
import { expectedError, httpStatusFor, isExpected, userCausedSourceError } from '../errors.js';
import { geoDownload, geoExports, geoFormats } from '../export/geo.routes.js';
import type { Limits } from '../limits.js';
import { FeatureCatalogue } from './features.js';
import { OgcRoutes, ogcPrefix } from './ogc.routes.js';

const downloadPath = new RegExp(`^/export/(${geoExports.join('|')})\\.(${geoFormats.join('|')})$`);

/** Whether the geo routes answer this path (for a composition root that routes by prefix). */
export function isGeoPath(pathname: string): boolean {
  return pathname === ogcPrefix || pathname.startsWith(`${ogcPrefix}/`) || downloadPath.test(pathname);
}

/** OGC exception codes for the gateway's expected errors. */
const ogcCode: Record<string, string> = {
  BAD_USER_INPUT: 'InvalidParameterValue',
  PAGE_SIZE_EXCEEDED: 'InvalidParameterValue',
  RESULT_TOO_LARGE: 'InvalidParameterValue',
  NOT_FOUND: 'NotFound',
  FORBIDDEN: 'Forbidden',
  UNAUTHENTICATED: 'Unauthorized',
  NOT_ACCEPTABLE: 'NotAcceptable',
  NOT_AVAILABLE: 'NotAvailable',
  TIMEOUT: 'Timeout',
};

export function geoRoutes(authenticate: Authenticate, contextFor: (viewer: Viewer) => GatewayContext, limits: Limits): Plugin<GatewayContext> {
  const catalogue = new FeatureCatalogue();
  const ogc = new OgcRoutes(catalogue, limits);

  const withTimeout = async <T>(work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(expectedError('TIMEOUT', `the request took longer than ${limits.requestTimeoutMs} ms and was cut off; narrow it (bbox, limit)`)), limits.requestTimeoutMs);
      }),
    ]).finally(() => clearTimeout(timer));
  };

  return {
    async onRequest({ request, url, endResponse }) {
      if (!isGeoPath(url.pathname)) return;
      const isOgc = !downloadPath.test(url.pathname);
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        endResponse(new Response('GET only', { status: 405, headers: { allow: 'GET, HEAD' } }));
        return;
      }
      try {
        const ctx = contextFor(await authenticate(request.headers.get('authorization')));
        if (isOgc) {
          const answer = await withTimeout(ogc.answer(ctx, url, request.headers.get('accept')));
          endResponse(new Response(JSON.stringify(answer.body), { status: answer.status, headers: { 'content-type': answer.contentType, 'cache-control': 'no-store' } }));
          return;
        }
        const [, name, format] = downloadPath.exec(url.pathname)!;
        const file = await withTimeout(geoDownload(ctx, catalogue, name!, format!, url.searchParams));
        endResponse(
          new Response(file.body as BodyInit, {
            status: 200,
            headers: { 'content-type': file.contentType, 'content-disposition': `attachment; filename="${file.filename.replace(/[^\w.-]/g, '_')}"`, 'cache-control': 'no-store' },
          }),
        );
      } catch (error) {
        endResponse(isOgc ? ogcException(error) : downloadError(error));
      }
    },
  };
}

function expected(error: unknown) {
  const e = isExpected(error) ? error : userCausedSourceError(error);
  if (!e) return null;
  const argument = e.extensions.argument;
  return { code: String(e.extensions.code), message: e.message, ...(typeof argument === 'string' ? { argument } : {}) };
}

function ogcException(error: unknown): Response {
  const e = expected(error);
  const body = e ? { code: ogcCode[e.code] ?? e.code, description: e.message, ...(e.argument ? { parameter: e.argument } : {}) } : { code: 'NoApplicableCode', description: 'Unexpected error.' };
  return new Response(JSON.stringify(body), { status: e ? httpStatusFor(e.code) : 500, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

function downloadError(error: unknown): Response {
  const e = expected(error);
  const body = e ? { errors: [{ message: e.message, extensions: { code: e.code } }] } : { errors: [{ message: 'Unexpected error.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] };
  return new Response(JSON.stringify(body), { status: e ? httpStatusFor(e.code) : 500, headers: { 'content-type': 'application/json; charset=utf-8' } });
}
