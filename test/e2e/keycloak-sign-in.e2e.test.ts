// Sign-in against a real Keycloak (servers mode of issue 18: any OIDC provider by configuration), in
// Chromium: Keycloak 26 from Maven Central with infra/keycloak/sozialplanung-realm.json imported
// (packages/testing startKeycloak), the platform configured with SP_OIDC_* and the realm's claim
// names (sp_role, sp_amt, sp_tenant from group attributes). The Jugendamt's user signs in at
// Keycloak's login page and sees their role and Amt; the API refuses them admin data; after signing
// out, the planner signs in; the API treats both as signed in (introspection, refused to the public).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, type KeycloakInstance, repoRoot, startKeycloak, startNodeService, tempDir } from '@sp/testing';
import { type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumPath, graphqlInPage, openChromium } from './chromium.fixture.js';

const platformMain = 'services/platform/dist/main.js';
const clientSecret = 'keycloak-e2e-client-secret';

let keycloak: KeycloakInstance;
let platform: Awaited<ReturnType<typeof startNodeService>>;
let url: string;
let browser: BrowserContext;
let page: Page;

beforeAll(async () => {
  if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} missing: install Debian's chromium (infra/bin/test does)`);
  if (!existsSync(join(repoRoot, platformMain))) throw new Error(`${platformMain} missing: pnpm build first`);
  // the platform's port first: Keycloak's realm redirects to it
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  keycloak = await startKeycloak({ publicUrl: url, clientSecret });
  platform = await startNodeService(platformMain, {
    env: {
      SP_DATA_DIR: tempDir('sp-keycloak-e2e-'),
      SP_PORT: String(port),
      SP_HOST: '127.0.0.1',
      SP_DEMO: '0',
      SP_PUBLIC_URL: url,
      SP_OIDC_ISSUER: keycloak.issuer,
      SP_OIDC_CLIENT_ID: 'sp-dashboard',
      SP_OIDC_CLIENT_SECRET: clientSecret,
      SP_OIDC_AUDIENCE: 'urn:sozialplanung:platform',
      SP_OIDC_ROLE_CLAIM: 'sp_role',
      SP_OIDC_AMT_CLAIM: 'sp_amt',
      SP_OIDC_TENANT_CLAIM: 'sp_tenant',
    },
    ready: /Dashboard:/,
    timeoutMs: 300_000,
  });
  ({ browser, page } = await openChromium());
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await platform?.stop();
  await keycloak?.stop();
});

async function signInAtKeycloak(username: string, password: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.click('#session-login');
  await page.waitForURL((u) => u.href.startsWith(keycloak.issuer), { timeout: 60_000 });
  await page.fill('#username', username);
  await page.fill('#password', password);
  await page.click('#kc-login');
  await page.waitForSelector('#session-who', { timeout: 60_000 });
}

const graphql = (query: string) => graphqlInPage(page, query);

describe('sign-in with Keycloak (any OIDC provider by configuration)', () => {
  it('the platform names Keycloak as its provider and serves no embedded one', async () => {
    expect(platform.output()).toContain(`Anmeldung:  ${keycloak.issuer}`);
    expect(platform.output()).not.toContain('Einmalpasswort');
    expect((await fetch(`${url}/auth/.well-known/openid-configuration`)).status).toBe(404);
  });

  const introspect = '{ __schema { queryType { name } } }';
  it('the Jugendamt user signs in at Keycloak; group attributes arrive as role, Amt and tenant', async () => {
    await page.goto(`${url}/`);
    await page.waitForSelector('#session-login');
    expect((await graphql(introspect)).body.errors[0].extensions.code).toBe('FORBIDDEN');
    await signInAtKeycloak('jugendamt', 'jugendamt-passwort');
    await expect(page.locator('#session-who').innerText()).resolves.toContain('Jana Jugendamt');
    await expect(page.locator('#session-role').innerText()).resolves.toBe('Amt, Amt jugendamt');
    const me = await page.evaluate(async () => (await fetch('/session/me')).json());
    expect(me).toMatchObject({ signedIn: true, role: 'amt', amt: 'jugendamt', tenant: 'koeln' });
    expect(await page.locator('#operations').isHidden()).toBe(true);
    expect((await graphql('{ operations { deadLetterCount } }')).body.errors[0].extensions.code).toBe('FORBIDDEN');
    // the session's token reaches the API: introspection answers signed-in viewers only
    expect((await graphql(introspect)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('signs out at the platform and at Keycloak; then the planner signs in', async () => {
    await page.click('#session-logout');
    await page.waitForSelector('#session-login', { timeout: 60_000 });
    await signInAtKeycloak('planerin', 'planerin-passwort');
    await expect(page.locator('#session-role').innerText()).resolves.toBe('Sozialplanung');
    expect(await page.evaluate(async () => (await fetch('/session/me')).json())).toMatchObject({ role: 'planner', tenant: 'koeln', name: 'Paula Planerin' });
    expect((await graphql(introspect)).body.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });

  it('refuses a bearer token that Keycloak did not sign', async () => {
    const r = await fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer eyJhbGciOiJub25lIn0.eyJzcF9yb2xlIjoiYWRtaW4ifQ.' },
      body: JSON.stringify({ query: '{ indicators { code } }' }),
    });
    expect(r.status).toBe(401);
  });
});
