// @ts-check
// Who is signed in to the planners' workspace: the one place of the page that knows how a person
// proves who they are: the platform's session after OpenID Connect sign-in (session.view.js calls
// signInWithSession; the cookie carries the identity, no token in the page), or a bearer token typed
// (or pasted) into the workspace — the tokens BI tools, operators and the tests mint. Such a token
// stays in memory only (a reload signs out).
//
// The claims are decoded here only to say who is signed in; the gateway verifies the token on every
// request, and it alone decides what the person may do.

/**
 * @typedef {object} Identity
 * @property {string} token the bearer token sent with every request of the workspace
 * @property {string} role public | planner | amt | admin (as the token says)
 * @property {string | null} subject the person (claim `sub`)
 * @property {string | null} amt the Amt of an `amt` token
 */

/** @type {Identity | null} */
let current = null;
/** @type {((who: Identity | null) => void)[]} */
const listeners = [];

/**
 * The payload of a JWT, not verified (display only).
 * @param {string} token
 * @returns {Record<string, unknown> | null}
 */
function claimsOf(token) {
  const part = token.split('.')[1];
  if (!part) return null;
  try {
    const json = atob(
      part
        .replace(/-/g, '+')
        .replace(/_/g, '/')
        .padEnd(Math.ceil(part.length / 4) * 4, '='),
    );
    const claims = JSON.parse(new TextDecoder().decode(Uint8Array.from(json, (c) => c.charCodeAt(0))));
    return claims && typeof claims === 'object' ? claims : null;
  } catch {
    return null;
  }
}

/**
 * Signs in with a bearer token; null when it is no readable token.
 * @param {string} token
 * @returns {Identity | null}
 */
export function signIn(token) {
  const t = token.trim();
  const claims = claimsOf(t);
  if (!claims) return null;
  current = {
    token: t,
    role: typeof claims.role === 'string' ? claims.role : 'public',
    subject: typeof claims.sub === 'string' ? claims.sub : null,
    amt: typeof claims.amt === 'string' ? claims.amt : null,
  };
  for (const l of listeners) l(current);
  return current;
}

/**
 * The person signed in through the platform's session (OpenID Connect, session.view.js): the
 * browser holds no token, the session cookie goes with every request and the platform hands the
 * person's access token on, so authFor() adds nothing.
 * @param {{ role: string, name?: string, amt?: string | null }} me
 * @returns {Identity}
 */
export function signInWithSession(me) {
  current = { token: '', role: me.role, subject: me.name ?? null, amt: me.amt ?? null };
  for (const l of listeners) l(current);
  return current;
}

export function signOut() {
  current = null;
  for (const l of listeners) l(null);
}

/** @returns {Identity | null} */
export function identity() {
  return current;
}

/**
 * The auth argument of gql() for the signed-in person (nothing when signed out: the public).
 * @returns {{ token?: string }}
 */
export function authFor() {
  return current?.token ? { token: current.token } : {};
}

/** @param {(who: Identity | null) => void} listener */
export function onIdentityChange(listener) {
  listeners.push(listener);
}

/**
 * "Anna (Planung)" for the header of the workspace.
 * @param {Identity} who
 */
export function describeIdentity(who) {
  const role = { planner: 'Sozialplanung', amt: `Amt ${who.amt ?? '?'}`, admin: 'Administration', public: 'Öffentlichkeit' }[who.role] ?? who.role;
  return `${who.subject ?? '(ohne Namen)'} – ${role}`;
}
