// Test helpers for other packages' tests.
export { CookieClient, identityServer } from './browser.fixture.js';
export { tokenFromDataDir } from './data-dir.token.js';
