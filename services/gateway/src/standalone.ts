// Wiring of a gateway from engines and reference data, shared by the standalone entry (main.ts)
// and the benchmark server. The platform's composition root does the same with its own engines.
import { planResolverFromCatalogue, WarehouseIndicatorReader } from '@sp/indicator-store';
import { loadCatalogue, loadProtection } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { catalogueSource } from './adapters/indicators.catalogue.js';
import { areaSourceFromReference } from './adapters/spatial.source.js';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.js';
import type { DataSourceMeta } from './sources.js';

export interface StandaloneOptions {
  warehouse: Warehouse;
  /** built-in reference name ("koeln") or path to a reference YAML */
  reference: string;
  /** path of the indicator catalogue YAML; default the built-in one */
  cataloguePath?: string;
  /** path of the protection configuration YAML (docs/disclosure.md); default the built-in one */
  protectionPath?: string;
  jwtSecret: string;
  /** token, CORS and introspection settings beyond the secret (gatewayOptionsFromEnv) */
  security?: Partial<Pick<GatewayOptions, 'auth' | 'cors' | 'introspection'>>;
  limits?: GatewayOptions['limits'];
  registry?: GatewayOptions['registry'];
  controlling?: GatewayOptions['controlling'];
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
    areas: areaSourceFromReference(reference),
    catalogue: catalogueSource(catalogue, { extraSources: geometry, protection }),
    indicators: new WarehouseIndicatorReader(options.warehouse, { plans: planResolverFromCatalogue(catalogue), hierarchyLevels: reference.hierarchyLevels, protection }),
    registry: options.registry ?? null,
    controlling: options.controlling ?? null,
    ...options.security,
    auth: { ...options.security?.auth, jwtSecret: options.jwtSecret },
    ...(options.limits ? { limits: options.limits } : {}),
    ...(options.cache !== undefined ? { cache: options.cache } : {}),
    ...(options.responseCache !== undefined ? { responseCache: options.responseCache } : {}),
    ...(options.budgets !== undefined ? { budgets: options.budgets } : {}),
  });
}

function licenceIn(attribution: string): string {
  return /dl-de\/[\w-]+|CC[- ]BY[\w .-]*|ODbL[\w .-]*/i.exec(attribution)?.[0]?.trim() ?? 'siehe Namensnennung';
}
