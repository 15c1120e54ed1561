// Wiring of a gateway from engines and reference data, shared by the standalone entry (main.ts)
// and the benchmark server. Its sources come from gatewaySources(), as the platform's do. With a
// database, startStandaloneGateway() serves the tenant's delivered levels, areas and indicator
// definitions (@sp/delivered: read as the writer — the platform or the standalone aggregator —
// last applied them, and followed while it runs); it writes none of them.
import { type DeliveredFollower, openDeliveredReader } from '@sp/delivered';
import { FeedCatalogue } from '@sp/feeds';
import { type Catalogue, loadCatalogue, loadProtection } from '@sp/indicators';
import type { Database, Warehouse } from '@sp/ports';
import { type AreaReference, loadReference } from '@sp/spatial';
import { gatewaySources, indicatorReaderFor } from './gateway.composition.js';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
import { DatabaseReportJobStore } from './reports/report-jobs.database.js';
import type { ReportJobStore } from './reports/report.jobs.js';
import type { DataSourceMeta } from './sources.js';

export interface StandaloneOptions {
  warehouse: Warehouse;
  /** the database the registry and controlling projections write; without it their fields answer NOT_AVAILABLE */
  database?: Database;
  /** built-in reference name ("koeln") or path to a reference YAML */
  reference: string;
  /** path of the indicator catalogue YAML; default the built-in one */
  cataloguePath?: string;
  /** path of the feed catalogue YAML (its Ämter's names; the grants delivered datasets overlay); default the built-in one */
  feedCataloguePath?: string;
  /** path of the protection configuration YAML (docs/disclosure.md); default the built-in one */
  protectionPath?: string;
  /** CORS, introspection and token settings (gatewayOptionsFromEnv); auth is required */
  security: Pick<GatewayOptions, 'auth'> & Partial<Pick<GatewayOptions, 'cors' | 'introspection'>>;
  limits?: GatewayOptions['limits'];
  cache?: GatewayOptions['cache'];
  responseCache?: GatewayOptions['responseCache'];
  budgets?: GatewayOptions['budgets'];
}

/** A gateway over the pack's reference and catalogue, as they are named (no delivered data). */
export function standaloneGateway(options: StandaloneOptions): Gateway {
  return gatewayOver(options, loadReference(options.reference), options.cataloguePath ? loadCatalogue(options.cataloguePath) : loadCatalogue(), FeedCatalogue.load(options.feedCataloguePath)).gateway;
}

export interface StandaloneGateway {
  gateway: Gateway;
  /** with a database: the follower of the delivered reference and definitions (check() looks at once) */
  delivered: DeliveredFollower | undefined;
  /** stops following and the gateway's background work (the caller closes the engines) */
  stop(): void;
}

/**
 * The standalone gateway's composition: with `database`, the reference and catalogue are those the
 * tenant delivered (over the pack's), followed every `followMs` (default 5 s); each change drops the
 * gateway's response cache and the reader's relations.
 */
export async function startStandaloneGateway(options: StandaloneOptions & { followMs?: number; log?: (line: string) => void }): Promise<StandaloneGateway> {
  const reference = loadReference(options.reference);
  const catalogue = options.cataloguePath ? loadCatalogue(options.cataloguePath) : loadCatalogue();
  const feeds = FeedCatalogue.load(options.feedCataloguePath);
  const reader = options.database ? await openDeliveredReader({ database: options.database, reference, catalogue, feeds, ...(options.log ? { log: options.log } : {}) }) : undefined;
  // replicas behind one address share the Sozialbericht jobs through the database
  const reportJobs = options.database ? await DatabaseReportJobStore.open(options.database) : undefined;
  const { gateway, indicators } = gatewayOver(options, reference, catalogue, feeds, reportJobs);
  const delivered = reader?.follow({
    ...(options.followMs ? { intervalMs: options.followMs } : {}),
    onChanged: () => {
      indicators.clearCache();
      gateway.clearCache();
    },
  });
  return {
    gateway,
    delivered,
    stop: () => {
      delivered?.stop();
      gateway.close();
    },
  };
}

function gatewayOver(options: StandaloneOptions, reference: AreaReference, catalogue: Catalogue, feeds: FeedCatalogue, reportJobs?: ReportJobStore) {
  const protection = loadProtection(options.protectionPath);
  const geometry: DataSourceMeta[] = reference.attribution
    ? [{ code: 'stadtgliederung', name: `Stadtgliederung ${reference.name}`, licence: licenceIn(reference.attribution), attribution: reference.attribution, url: null, synthetic: false }]
    : [];
  const indicators = indicatorReaderFor(options.warehouse, { reference, catalogue, protection });
  const gateway = createGateway({
    ...gatewaySources({
      reference,
      catalogue,
      protection,
      indicators,
      database: options.database ?? null,
      extraSources: geometry,
      authorities: feeds,
    }),
    ...options.security,
    auth: options.security.auth,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
    ...(options.responseCache !== undefined ? { responseCache: options.responseCache } : {}),
    ...(options.budgets !== undefined ? { budgets: options.budgets } : {}),
    ...(reportJobs ? { reportJobs } : {}),
  });
  return { gateway, indicators };
}

function licenceIn(attribution: string): string {
  return /dl-de\/[\w-]+|CC[- ]BY[\w .-]*|ODbL[\w .-]*/i.exec(attribution)?.[0]?.trim() ?? 'siehe Namensnennung';
}
