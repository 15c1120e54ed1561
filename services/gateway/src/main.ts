// Standalone gateway: GraphQL at /graphql and CSV at /export/*.csv over a ClickHouse warehouse
// (a server, or services/chdb-http in development). The one-process platform mounts the gateway
// itself; this entry is for running the API on its own, e.g. next to a ClickHouse cluster.
//
// Its sources come from the same gatewaySources() as the platform's: areas (@sp/spatial), catalogue
// (@sp/indicators), indicators (WarehouseIndicatorReader over ClickHouse) and, with DATABASE_URL,
// registry and controlling over the PostgreSQL their projections write (the platform's database in
// SP_ENGINES=servers), and the tenant's delivered levels, areas and indicator definitions stored
// there, followed every SP_DELIVERED_POLL_MS (@sp/delivered). Without DATABASE_URL those fields
// answer NOT_AVAILABLE and only the pack's reference and catalogue are served.
import { createServer } from 'node:http';
import { createPgDatabase } from '@sp/database-pg';
import { refusingRevokedUsers } from '@sp/identity/revoked-users';
import { createTokenVerifier, remoteKeys } from '@sp/identity/tokens';
import { databaseCheck, instrumentDatabase, instrumentWarehouse, Telemetry } from '@sp/telemetry';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import { demoReferenceName } from '@sp/spatial';
import { z } from 'zod';
import { gatewayEnvShape, gatewayOptionsFromEnv } from './gateway.config.js';
import { observedGatewayHandler } from './http/observed.handler.js';
import { startStandaloneGateway } from './standalone.js';

const env = z
  .object({
    GATEWAY_HOST: z.string().default('127.0.0.1'),
    GATEWAY_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
    CLICKHOUSE_URL: z.string().url('CLICKHOUSE_URL must be the ClickHouse HTTP URL, e.g. http://127.0.0.1:8123'),
    /** the PostgreSQL holding the registry and controlling read models; optional */
    DATABASE_URL: z.string().url('DATABASE_URL must be a PostgreSQL URL, e.g. postgres://sp:…@127.0.0.1:5432/sp').optional(),
    /** the OIDC provider whose access tokens the gateway accepts (its JWKS is read from discovery) */
    SP_OIDC_ISSUER: z.string().url("SP_OIDC_ISSUER must be the provider's issuer URL, e.g. https://login.stadt.example/realms/sozialplanung or https://sozialplanung.stadt.example/auth"),
    SP_OIDC_AUDIENCE: z.string().min(1, 'SP_OIDC_AUDIENCE names the aud of the access tokens (embedded provider: urn:sozialplanung:platform)'),
    SP_OIDC_ROLE_CLAIM: z.string().min(1).default('role'),
    SP_OIDC_AMT_CLAIM: z.string().min(1).default('amt'),
    SP_OIDC_TENANT_CLAIM: z.string().min(1).default('tenant'),
    SP_TOKEN_MAX_LIFETIME_S: z.coerce.number().int().positive().optional(),
    SP_REFERENCE: z.string().default(demoReferenceName),
    /** the tenant's indicator and index catalogue YAML (default the built-in one) */
    /** the tenant's feed catalogue YAML: its Ämter's names, the grants delivered datasets overlay (default the built-in one) */
    SP_FEED_CATALOGUE: z.string().optional(),
    SP_INDICATOR_CATALOGUE: z.string().optional(),
    /** how often the delivered reference and definitions are looked at, with DATABASE_URL (ms) */
    SP_DELIVERED_POLL_MS: z.coerce.number().int().min(100).default(5000),
    /** the tenant's protection configuration YAML (docs/disclosure.md); default the built-in one */
    SP_PROTECTION: z.string().optional(),
    GATEWAY_MAX_DEPTH: z.coerce.number().int().positive().optional(),
    GATEWAY_MAX_COMPLEXITY: z.coerce.number().int().positive().optional(),
    GATEWAY_MAX_PAGE_SIZE: z.coerce.number().int().positive().optional(),
    GATEWAY_REQUEST_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
    ...gatewayEnvShape,
  })
  .parse(process.env);

const telemetry = new Telemetry({ service: 'gateway' });
const warehouse = createClickHouseWarehouse({ url: env.CLICKHOUSE_URL });
const database = env.DATABASE_URL ? createPgDatabase({ url: env.DATABASE_URL }) : undefined;
const warn = telemetry.logger.lines('warn');
if (!database) warn('[gateway] no DATABASE_URL: delivered levels, areas, datasets and indicator definitions are not followed; serving SP_REFERENCE and SP_INDICATOR_CATALOGUE only');
const signed = createTokenVerifier({
  issuer: env.SP_OIDC_ISSUER,
  audience: env.SP_OIDC_AUDIENCE,
  keys: remoteKeys(env.SP_OIDC_ISSUER),
  claims: { role: env.SP_OIDC_ROLE_CLAIM, amt: env.SP_OIDC_AMT_CLAIM, tenant: env.SP_OIDC_TENANT_CLAIM },
  ...(env.SP_TOKEN_MAX_LIFETIME_S ? { maxTokenLifetimeSeconds: env.SP_TOKEN_MAX_LIFETIME_S } : {}),
});
// with the platform's PostgreSQL, a person its admin disabled or deleted is refused within a second (docs/auth.md)
const verifier = database ? refusingRevokedUsers(signed, database) : signed;
const { gateway, stop: stopFollowing } = await startStandaloneGateway({
  warehouse: instrumentWarehouse(warehouse, telemetry),
  ...(database ? { database: instrumentDatabase(database, telemetry) } : {}),
  reference: env.SP_REFERENCE,
  ...(env.SP_INDICATOR_CATALOGUE ? { cataloguePath: env.SP_INDICATOR_CATALOGUE } : {}),
  ...(env.SP_FEED_CATALOGUE ? { feedCataloguePath: env.SP_FEED_CATALOGUE } : {}),
  followMs: env.SP_DELIVERED_POLL_MS,
  log: warn,
  ...(env.SP_PROTECTION ? { protectionPath: env.SP_PROTECTION } : {}),
  security: gatewayOptionsFromEnv(env, verifier),
  limits: {
    ...(env.GATEWAY_MAX_DEPTH ? { maxDepth: env.GATEWAY_MAX_DEPTH } : {}),
    ...(env.GATEWAY_MAX_COMPLEXITY ? { maxComplexity: env.GATEWAY_MAX_COMPLEXITY } : {}),
    ...(env.GATEWAY_MAX_PAGE_SIZE ? { maxPageSize: env.GATEWAY_MAX_PAGE_SIZE } : {}),
    ...(env.GATEWAY_REQUEST_TIMEOUT_MS ? { requestTimeoutMs: env.GATEWAY_REQUEST_TIMEOUT_MS } : {}),
  },
});

// /health/live, /health/ready (the warehouse's probe, the database's with DATABASE_URL) and /metrics next to the gateway's paths
const server = createServer(observedGatewayHandler(gateway, { warehouse, telemetry, ...(database ? { extraChecks: { database: databaseCheck(database) } } : {}) }));
server.listen(env.GATEWAY_PORT, env.GATEWAY_HOST, () => {
  const a = server.address();
  const port = typeof a === 'object' && a ? a.port : env.GATEWAY_PORT;
  console.log(`gateway listening on http://${env.GATEWAY_HOST}:${port}/graphql (GraphiQL in the browser), CSV at /export/*.csv`);
});

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    stopFollowing();
    server.close(() => void Promise.allSettled([warehouse.close(), database?.close(), telemetry.shutdown()]).finally(() => process.exit(0)));
  });
}
