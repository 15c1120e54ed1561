// TEST HELPER: the Chromium of the browser tests (Debian's, driven by playwright-core) with one set
// of flags for this machine, and GraphQL asked from inside the page, so the request carries what the
// page carries (the session cookie after sign-in, the tenant's origin).
import { existsSync } from 'node:fs';
import { tempDir } from '@sp/testing';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

/** a fresh profile, headless, German locale; the first page of the context */
export async function openChromium(options: { viewport?: { width: number; height: number }; reducedMotion?: 'reduce' } = {}): Promise<{ browser: BrowserContext; page: Page }> {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing: install Debian's chromium (infra/bin/test does)`);
  const browser = await chromium.launchPersistentContext(tempDir('sp-chromium-'), {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: options.viewport ?? { width: 1440, height: 900 },
    locale: 'de-DE',
    ...(options.reducedMotion ? { reducedMotion: options.reducedMotion } : {}),
  });
  return { browser, page: browser.pages()[0] ?? (await browser.newPage()) };
}

/** what Response.json() gives: the answer as the tests read it, unchecked */
type Json = Awaited<ReturnType<Response['json']>>;

/** POST /graphql from inside the page (relative to the page's origin) */
export function graphqlInPage(page: Page, query: string, variables?: Record<string, unknown>): Promise<{ status: number; body: Json }> {
  return page.evaluate(
    async ({ q, v }) => {
      const res = await fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(v ? { query: q, variables: v } : { query: q }) });
      return { status: res.status, body: await res.json() };
    },
    { q: query, v: variables },
  );
}
