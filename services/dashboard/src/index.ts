// @sp/dashboard: the city dashboard as static files (public/) and a small Node handler that serves
// them. The page talks to nothing but the GraphQL API at /graphql on the same origin, so the
// composition root mounts the gateway and this handler side by side.
export { dashboardDir, serveDashboard, contentTypeOf } from './static.handler.js';
