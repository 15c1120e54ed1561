// serveDashboard over a real HTTP listener: content types, HEAD, fall-through and traversal.
import { existsSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dashboardDir, serveDashboard } from './index.js';

let server: Server;
let base: string;

/** A raw request: fetch() would normalise "..", which is exactly what an attacker's client does not. */
function raw(method: string, path: string): Promise<{ status: number; type: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    const { port } = server.address() as AddressInfo;
    const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }));
    });
    req.on('error', reject);
    req.end();
  });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    if (serveDashboard(req, res)) return;
    res.writeHead(404).end('fell through');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

describe('serveDashboard', () => {
  it('points at public/ from src and dist alike', () => {
    expect(dashboardDir.endsWith(join('services', 'dashboard', 'public'))).toBe(true);
    expect(existsSync(join(dashboardDir, 'index.html'))).toBe(true);
  });

  it('serves the page and its modules with their content types', async () => {
    const index = await fetch(`${base}/`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await index.text()).toContain('<html lang="de">');
    const cases: [string, string][] = [
      ['/js/app.js', 'text/javascript; charset=utf-8'],
      ['/styles.css', 'text/css; charset=utf-8'],
      ['/favicon.svg', 'image/svg+xml'],
      ['/index.html?x=1', 'text/html; charset=utf-8'],
    ];
    for (const [path, type] of cases) {
      const res = await fetch(base + path);
      expect(res.status, path).toBe(200);
      expect(res.headers.get('content-type'), path).toBe(type);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    }
  });

  it('answers /favicon.ico with the SVG icon, so that no browser logs a 404 for a page that links none', async () => {
    const ico = await fetch(`${base}/favicon.ico`);
    expect(ico.status).toBe(200);
    expect(ico.headers.get('content-type')).toBe('image/svg+xml');
    expect(await ico.text()).toBe(await (await fetch(`${base}/favicon.svg`)).text());
    expect((await raw('HEAD', '/favicon.ico?v=2')).status).toBe(200);
    expect((await raw('POST', '/favicon.ico')).body).toBe('fell through');
  });

  it('answers HEAD without a body and leaves other methods and unknown paths to the caller', async () => {
    const head = await raw('HEAD', '/js/app.js');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
    expect((await raw('POST', '/index.html')).body).toBe('fell through');
    expect((await raw('GET', '/graphql')).body).toBe('fell through');
    expect((await raw('GET', '/js/')).body).toBe('fell through'); // no index.html there
  });

  it('never serves a file outside public/', async () => {
    for (const path of [
      '/../package.json',
      '/js/../../package.json',
      '/%2e%2e/package.json',
      '/js/%2e%2e%2f%2e%2e%2fpackage.json',
      '/..%5c..%5cpackage.json',
      '/index.html%00.js',
      '/%E0%A4%A',
      '/.gitignore',
    ]) {
      const res = await raw('GET', path);
      expect(res.status, path).toBe(404);
      expect(res.body, path).toBe('fell through');
    }
  });
});
