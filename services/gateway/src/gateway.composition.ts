// The gateway's sources from the ports and the tenant's reference data: the one function every
// composition root calls (the one-process platform, the standalone gateway, the benchmark server),
// so that a source wired in one root is wired in all (STYLE.md 12). It takes ports, never a
// concrete adapter: which engines run behind them is the root's business.
import { tenantIndicatorReader, type IndicatorReader, type ScenarioDatasets, type WarehouseIndicatorReader } from '@sp/indicator-store';
import type { Catalogue, Protection } from '@sp/indicators';
import type { Database, Warehouse } from '@sp/ports';
import { RegistryRepository, spatialAreaLocator } from '@sp/registry';
import type { AreaReference } from '@sp/spatial';
import { controllingSourceFrom } from './adapters/controlling.source.js';
import { catalogueSource, type AuthorityNames, type DatasetLicences } from './adapters/indicators.catalogue.js';
import { registrySourceFrom } from './adapters/registry.source.js';
import { areaSourceFromReference } from './adapters/spatial.source.js';
import type { GatewayOptions } from './gateway.js';
import type { DataSourceMeta, ScenarioSource } from './sources.js';

export interface GatewaySourcesOptions {
  reference: AreaReference;
  catalogue: Catalogue;
  protection: Protection;
  /** the indicator reader (indicatorReaderFor); a root that projects indices shares it with its projections */
  indicators: IndicatorReader;
  /**
   * The database holding the registry's and controlling's read models (their projections write
   * them; this only reads). null: offers, norms, needs, goals and measures answer NOT_AVAILABLE.
   */
  database: Database | null;
  /** data sources the API lists besides the catalogue's datasets (the area geometry's, OpenStreetMap's) */
  extraSources?: readonly DataSourceMeta[];
  /** licence and attribution of the catalogue's datasets over what the catalogue says of them; undefined: the catalogue's alone */
  licences?: DatasetLicences;
  /** the planners' scenarios (their norms and facilities change the needs analysis); absent: none */
  scenarios?: ScenarioSource;
  /** the tenant's Ämter with their names (its feed catalogue); absent: the Ämter the datasets name, by code */
  authorities?: AuthorityNames;
}

export type GatewaySources = Required<Pick<GatewayOptions, 'areas' | 'catalogue' | 'indicators' | 'registry' | 'controlling'>>;

/** The indicator reader over the warehouse, with the catalogue's plans and the reference's levels. */
export function indicatorReaderFor(warehouse: Warehouse, options: Pick<GatewaySourcesOptions, 'reference' | 'catalogue' | 'protection'> & { scenarios?: ScenarioDatasets }): WarehouseIndicatorReader {
  // the same builder the standalone aggregator's index projection reads through
  return tenantIndicatorReader(warehouse, options);
}

export function gatewaySources(options: GatewaySourcesOptions): GatewaySources {
  const { reference, indicators, database } = options;
  return {
    areas: areaSourceFromReference(reference),
    catalogue: catalogueSource(options.catalogue, {
      protection: options.protection,
      ...(options.extraSources ? { extraSources: options.extraSources } : {}),
      ...(options.licences ? { licences: options.licences } : {}),
      ...(options.authorities ? { authorities: options.authorities } : {}),
    }),
    indicators,
    // the repository only reads here: the registry projection of the root that runs it writes
    registry: database ? registrySourceFrom(new RegistryRepository(database, spatialAreaLocator(reference)), indicators, reference, options.scenarios) : null,
    controlling: database ? controllingSourceFrom(database, indicators, reference) : null,
  };
}
