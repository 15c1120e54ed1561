// The tenant's indicator reader over the warehouse: its catalogue's plans, its reference's levels
// and its protection. The one builder every composition root uses (the platform, the standalone
// gateway and the standalone aggregator, whose index projection reads the indices' inputs through
// it), so that a reader configured one way in one root is configured that way in all (STYLE.md 12).
import type { Catalogue, Protection } from '@sp/indicators';
import type { Warehouse } from '@sp/ports';
import type { AreaReference } from '@sp/spatial';
import { planResolverFromCatalogue, type ScenarioDatasets } from './indicator-plan.js';
import { WarehouseIndicatorReader } from './warehouse-indicator-reader.js';

export interface TenantReaderOptions {
  reference: AreaReference;
  catalogue: Catalogue;
  protection?: Protection;
  /** the feed catalogue's prognose datasets (docs/projection.md §7.1); none: a read with a scenario is UNKNOWN_SCENARIO */
  scenarios?: ScenarioDatasets;
}

export function tenantIndicatorReader(warehouse: Warehouse, options: TenantReaderOptions): WarehouseIndicatorReader {
  return new WarehouseIndicatorReader(warehouse, {
    plans: planResolverFromCatalogue(options.catalogue),
    // read on every use: a tenant's delivered reference may be replaced while the reader lives
    get hierarchyLevels() {
      return options.reference.hierarchyLevels;
    },
    ...(options.protection ? { protection: options.protection } : {}),
    ...(options.scenarios ? { scenarios: options.scenarios } : {}),
  });
}
