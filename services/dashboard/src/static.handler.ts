// Serves the dashboard's static files. The handler answers only what lies inside public/ and
// returns false for everything else, so the composition root can hand the request on (to the
// gateway, or to its 404). Paths are decoded and resolved before the containment check, so
// "..", encoded slashes and NUL bytes cannot reach files outside public/.
import { createReadStream, statSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, extname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Absolute path of the static files; the same from src/ (tests, tsc) and dist/ (node). */
export const dashboardDir: string = resolve(dirname(fileURLToPath(import.meta.url)), '../public');

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
};

/** The Content-Type for a file name; unknown extensions are served as opaque bytes. */
export function contentTypeOf(fileName: string): string {
  return contentTypes[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/** The file under `root` that a URL path names, or null when it names none (or tries to escape). */
export function resolveStaticPath(rootDir: string, urlPath: string): string | null {
  const root = resolve(rootDir);
  let pathname: string;
  try {
    pathname = decodeURIComponent(urlPath.split('?')[0]!.split('#')[0]!);
  } catch {
    return null; // malformed percent-encoding
  }
  if (pathname.includes('\0') || pathname.includes('\\')) return null;
  if (pathname === '' || pathname.endsWith('/')) pathname += 'index.html';
  const file = resolve(root, `.${pathname.startsWith('/') ? pathname : `/${pathname}`}`);
  if (!file.startsWith(root + sep)) return null;
  // dotfiles (editor swap files, .DS_Store) are never published
  if (
    file
      .slice(root.length)
      .split(sep)
      .some((part) => part.startsWith('.'))
  )
    return null;
  try {
    return statSync(file).isFile() ? file : null;
  } catch {
    return null;
  }
}

/**
 * Browsers ask for /favicon.ico on every page that links no icon (the login pages, GraphiQL, a JSON
 * answer opened in a tab) and log its 404 as an error; the dashboard's SVG icon answers instead.
 */
function faviconFallback(root: string, url: string): string | null {
  return url.split('?')[0] === '/favicon.ico' ? resolveStaticPath(root, '/favicon.svg') : null;
}

/**
 * Answers GET/HEAD for a file of the dashboard and returns true; returns false without touching
 * `res` when the request is not for one of its files.
 */
export function serveDashboard(req: IncomingMessage, res: ServerResponse, root: string = dashboardDir): boolean {
  if (req.method !== 'GET' && req.method !== 'HEAD') return false;
  const file = resolveStaticPath(root, req.url ?? '/') ?? faviconFallback(root, req.url ?? '/');
  if (!file) return false;
  const size = statSync(file).size;
  res.writeHead(200, {
    'content-type': contentTypeOf(file),
    'content-length': String(size),
    // small files, changed by deployments only: revalidate every time rather than serve stale JS
    'cache-control': 'no-cache',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
  });
  if (req.method === 'HEAD') {
    res.end();
    return true;
  }
  const stream = createReadStream(file);
  stream.on('error', () => res.destroy());
  stream.pipe(res);
  return true;
}
