// What the platform serves one municipality with: its spatial reference, its indicator and feed
// catalogues, the data sources the API attributes besides the catalogue's, and its population
// projection job. Made from the configuration (SP_REFERENCE, SP_INDICATOR_CATALOGUE,
// SP_FEED_CATALOGUE; defaults: the demo tenant Köln) or injected by a caller that holds several,
// so nothing below startPlatform() names a city. The Köln extras are demo data (demo.tenant.ts).
import { FeedCatalogue } from '@sp/feeds';
import type { DataSourceMeta, DatasetLicences } from '@sp/gateway';
import { type Catalogue, loadCatalogue } from '@sp/indicators';
import { type AreaReference, demoReferenceName, loadReference } from '@sp/spatial';
import type { PlatformConfig } from './config.js';
import { demoTenantExtras } from './demo.tenant.js';
import type { PrognoseJobConfig } from './prognose/population-prognose.job.js';

export interface TenantSetup {
  reference: AreaReference;
  catalogue: Catalogue;
  feeds: FeedCatalogue;
  /** data sources the API lists besides the catalogue's datasets (the area geometry's, OpenStreetMap's …) */
  extraSources: readonly DataSourceMeta[];
  /** licence and attribution of the catalogue's datasets; undefined: the Köln demo's */
  licences?: DatasetLicences;
  /** the base scenario of the population projection; null: runPrognose() refuses */
  prognose: PrognoseJobConfig | null;
}

export function tenantSetupFrom(config: Pick<PlatformConfig, 'SP_REFERENCE' | 'SP_INDICATOR_CATALOGUE' | 'SP_FEED_CATALOGUE'>): TenantSetup {
  const reference = loadReference(config.SP_REFERENCE);
  const extras =
    config.SP_REFERENCE === demoReferenceName
      ? demoTenantExtras(reference)
      : {
          // another city: its reference's own attribution, no projection until one is configured
          extraSources: reference.attribution
            ? [{ code: 'gebietsgliederung', name: `Gebietsgliederung ${reference.name}`, licence: '', attribution: reference.attribution, url: null, synthetic: false }]
            : [],
          prognose: null,
        };
  return {
    reference,
    catalogue: loadCatalogue(config.SP_INDICATOR_CATALOGUE),
    feeds: FeedCatalogue.load(config.SP_FEED_CATALOGUE),
    ...extras,
  };
}
