// @ts-check
// The tenant the page is served under (docs/tenants.md): `/t/{id}/…` names one, any other path is the
// default tenant's (Köln). Every request of the page — GraphQL, session routes, exports — goes to
// the same tenant, so the dashboard under /t/musterstadt/ shows Musterstadt's data, not Köln's.

const path = typeof location === 'undefined' ? '/' : location.pathname;
const named = /^\/t\/([a-z][a-z0-9-]*)\//.exec(path);

/** the tenant's id when the path names one, else null (the default tenant) */
export const tenantId = named ? /** @type {string} */ (named[1]) : null;

/** `/t/{id}/` or `/`: the root of the tenant's routes */
export const tenantBase = named ? `/t/${tenantId}/` : '/';

/**
 * A route of the tenant the page belongs to: `tenantUrl('graphql')` is `/t/musterstadt/graphql` there, `/graphql` at `/`.
 * @param {string} route
 */
export function tenantUrl(route) {
  return `${tenantBase}${route.replace(/^\/+/, '')}`;
}
