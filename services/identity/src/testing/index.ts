// Test helpers for other packages' tests.
export { CookieClient, identityServer } from './browser.fixture.js';
export { tokenFromDatabase, tokenFromDataDir } from './data-dir.token.js';
