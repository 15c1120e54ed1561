// Configuration of the one-process platform, validated once from the environment.
import { resolve } from 'node:path';
import { gatewayEnvShape } from '@sp/gateway';
import { demoReferenceName } from '@sp/spatial';
import { identityEnvShape } from '@sp/identity';
import { z } from 'zod';

const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

export const platformConfigSchema = z.object({
  /** where the embedded engines keep their data (event log, chDB, PGlite) */
  SP_DATA_DIR: z
    .string()
    .trim()
    .min(1, 'is empty; it must name the data directory (e.g. SP_DATA_DIR=.data, the default when it is not set) — an empty value would write the data into the current directory')
    .default('.data'),
  SP_HOST: z.string().default('127.0.0.1'),
  SP_PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** load the Köln demo through the ingestion API when the platform starts empty (only with the demo reference) */
  SP_DEMO: flag.default(true),
  /**
   * which demo tenants start beside Köln with the demo (embedded engines only, docs/tenants.md):
   * a comma list of musterstadt and hamburg, or empty for Köln alone
   */
  SP_DEMO_TENANTS: z
    .string()
    .default('musterstadt,hamburg')
    .transform((v) =>
      v
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean),
    )
    .pipe(z.array(z.enum(['musterstadt', 'hamburg'], { message: 'is not a demo tenant: musterstadt and hamburg are' }))),
  /** 'embedded' (default: chDB, PGlite, embedded log) or 'servers' (Kafka, PostgreSQL, ClickHouse) */
  SP_ENGINES: z.enum(['embedded', 'servers']).default('embedded'),
  KAFKA_BROKERS: z.string().optional(),
  /**
   * servers mode: how long Kafka keeps a consumer that stopped heartbeating (a killed process) in
   * its groups before their partitions go to the live members (default Kafka's 30 s; the broker's
   * group.min.session.timeout.ms, 6 s by default, is the floor)
   */
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().positive().optional(),
  DATABASE_URL: z.string().optional(),
  CLICKHOUSE_URL: z.string().optional(),
  /**
   * The tenant's data descriptions until tenants are delivered through the API (issue 15), read by
   * tenant.setup.ts: the spatial reference (a built-in name or the path of its YAML description,
   * default the demo Köln), indicator catalogue and feed catalogue (YAML paths, default the
   * repository's Köln catalogues). Hamburg: catalogue/hamburg (docs/hamburg.md).
   */
  SP_REFERENCE: z.string().trim().min(1).default(demoReferenceName),
  /** the tenant's indicator and index catalogue YAML (default: @sp/indicators' catalogue/indicators.yaml, the demo's) */
  SP_INDICATOR_CATALOGUE: z.string().trim().min(1).optional(),
  /** the tenant's feed catalogue YAML: Ämter, datasets, levels (default: @sp/feeds' catalogue/feeds.yaml, the demo's) */
  SP_FEED_CATALOGUE: z.string().trim().min(1).optional(),
  /** the tenant's protection configuration YAML (docs/disclosure.md); default @sp/indicators' catalogue/protection.yaml */
  SP_PROTECTION: z.string().optional(),
  /** overrides the protection's suppressBelow: protected figures below it are shown as "geschützt" */
  SP_SUPPRESSION_THRESHOLD: z.coerce.number().int().min(0).optional(),
  /**
   * the indicator projection's pause between two live projections, in ms (docs/indicators.md,
   * "Live batches"): an idle projection starts at once; a busy one pauses this long after each
   * projection, so that the next batches of every partition, and what arrives meanwhile, go into
   * one projection. 0: the next projection starts as soon as one ends. Default: 100 on the embedded
   * engines (one chDB engine for the projection and every read), 0 in servers mode (Kafka hands
   * the partitions' batches over one after the other, so there is nothing to gather)
   */
  SP_PROJECTION_PAUSE_MS: z.coerce.number().int().min(0).max(60_000).optional(),
  /**
   * the composite indices' pause between two recomputations, in ms (docs/indicators.md, "Live, off
   * the batches' path"): what batches note meanwhile is recomputed together in the next pass.
   * Default 0 embedded (2000 tried at 10 deliveries/s, not shown to help), 2000 servers (p95 freshness
   * 4.98 → 1.59 s at 10 deliveries/s, bench/indicators/README.md)
   */
  SP_INDEX_PAUSE_MS: z.coerce.number().int().min(0).max(600_000).optional(),
  /** tenants other than the default whose runtimes may be open at once; the least recently used closes first (docs/tenants.md) */
  SP_TENANTS_OPEN_MAX: z.coerce.number().int().min(1).default(16),
  /** seconds a tenant's runtime stays open without a request before it closes (0: until evicted or the deployment stops) */
  SP_TENANT_IDLE_S: z.coerce.number().int().min(0).default(600),
  /** bearer token of the deployment's admin API (/admin/tenants); generated and kept in the data dir (admin-token) when absent */
  SP_ADMIN_TOKEN: z.string().min(32).optional(),
  /** secret of the record keys (cell-key method); generated and kept in the data dir when absent */
  SP_RECORD_KEY_SECRET: z.string().min(16).optional(),
  /** the gateway's browser rules: SP_CORS_ORIGINS, SP_INTROSPECTION (docs/graphql.md) */
  ...gatewayEnvShape,
  /** sign-in: SP_PUBLIC_URL, SP_OIDC_* (an external provider) or the embedded one (docs/auth.md) */
  ...identityEnvShape,
});

export type PlatformConfig = z.infer<typeof platformConfigSchema> & { dataDir: string };

export function loadConfig(env: NodeJS.ProcessEnv = process.env): PlatformConfig {
  const parsed = platformConfigSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid platform configuration:\n${lines.join('\n')}`);
  }
  const c = parsed.data;
  if (c.SP_OIDC_ISSUER && (!c.SP_OIDC_CLIENT_ID || !c.SP_OIDC_AUDIENCE)) {
    throw new Error(
      'invalid platform configuration:\n  SP_OIDC_ISSUER: needs SP_OIDC_CLIENT_ID (the dashboard client) and SP_OIDC_AUDIENCE (the aud of its access tokens); without SP_OIDC_ISSUER the platform is its own provider',
    );
  }
  if (c.SP_ENGINES === 'servers' && (!c.KAFKA_BROKERS || !c.DATABASE_URL || !c.CLICKHOUSE_URL)) {
    throw new Error('SP_ENGINES=servers needs KAFKA_BROKERS, DATABASE_URL and CLICKHOUSE_URL');
  }
  return { ...c, dataDir: resolve(c.SP_DATA_DIR) };
}
