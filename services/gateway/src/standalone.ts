// Wiring of a gateway from engines and reference data, shared by the standalone entry (main.ts)
// and the benchmark server. Its sources come from gatewaySources(), as the platform's do.
import { loadCatalogue, loadProtection } from '@sp/indicators';
import type { Database, Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { gatewaySources, indicatorReaderFor } from './gateway.composition.js';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
import type { DataSourceMeta } from './sources.js';

export interface StandaloneOptions {
  warehouse: Warehouse;
  /** the database the registry and controlling projections write; without it their fields answer NOT_AVAILABLE */
  database?: Database;
  /** built-in reference name ("koeln") or path to a reference YAML */
  reference: string;
  /** path of the indicator catalogue YAML; default the built-in one */
  cataloguePath?: string;
  /** path of the protection configuration YAML (docs/disclosure.md); default the built-in one */
  protectionPath?: string;
  /** CORS, introspection and token settings (gatewayOptionsFromEnv); auth is required */
  security: Pick<GatewayOptions, 'auth'> & Partial<Pick<GatewayOptions, 'cors' | 'introspection'>>;
  limits?: GatewayOptions['limits'];
  cache?: GatewayOptions['cache'];
  responseCache?: GatewayOptions['responseCache'];
  budgets?: GatewayOptions['budgets'];
}

export function standaloneGateway(options: StandaloneOptions): Gateway {
  const reference = loadReference(options.reference);
  const catalogue = options.cataloguePath ? loadCatalogue(options.cataloguePath) : loadCatalogue();
  const protection = loadProtection(options.protectionPath);
  const geometry: DataSourceMeta[] = reference.attribution
    ? [{ code: 'stadtgliederung', name: `Stadtgliederung ${reference.name}`, licence: licenceIn(reference.attribution), attribution: reference.attribution, url: null, synthetic: false }]
    : [];
  return createGateway({
    ...gatewaySources({
      reference,
      catalogue,
      protection,
      indicators: indicatorReaderFor(options.warehouse, { reference, catalogue, protection }),
      database: options.database ?? null,
      extraSources: geometry,
    }),
    ...options.security,
    auth: options.security.auth,
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
    ...(options.responseCache !== undefined ? { responseCache: options.responseCache } : {}),
    ...(options.budgets !== undefined ? { budgets: options.budgets } : {}),
  });
}

function licenceIn(attribution: string): string {
  return /dl-de\/[\w-]+|CC[- ]BY[\w .-]*|ODbL[\w .-]*/i.exec(attribution)?.[0]?.trim() ?? 'siehe Namensnennung';
}
