// The indicator projection of one tenant, as every composition root wires it: the one-process
// platform (services/platform, projections.ts) and the standalone aggregator (main.ts) both call
// indicatorProjection(), so the same steps run in both — the projection of the area statistics
// with the tenant's perturbation table and record keys, and the composite indices of its catalogue
// at the levels of its spatial reference that each index definition names (STYLE.md 12).
import type { EventCodec } from '@sp/events';
import type { IndicatorProjectorOptions, WarehouseIndicatorReader } from '@sp/indicator-store';
import type { Catalogue } from '@sp/indicators';
import type { EventLog, Warehouse } from '@sp/ports';
import type { AreaReference } from '@sp/spatial';
import { type AggregatorOptions, AggregatorService } from './aggregator.service.js';

export interface IndicatorProjectionDeps {
  eventLog: EventLog;
  warehouse: Warehouse;
  codec: EventCodec;
  /** the tenant's spatial reference: indices are scored only at its levels */
  reference: AreaReference;
  /** the tenant's indicator and index definitions */
  catalogue: Catalogue;
  /** reads the indices' inputs (tenantIndicatorReader of @sp/indicator-store; the platform shares it with its gateway) */
  reader: WarehouseIndicatorReader;
  /** where the indices' recomputation reads and writes, if not `warehouse` (the embedded platform: the chDB background lane; `reader` reads through it) */
  indexWarehouse?: Warehouse;
  /** the tenant's perturbation table and record-key secret (docs/disclosure.md) */
  projection: IndicatorProjectorOptions;
}

/**
 * The composite indices' live recomputation as both roots run it (bench/indicators/README.md §1):
 * a few due periods per pass, so that each of its statements stays short (a projection or a read
 * waits behind the one running; sixth pass); and, on a ClickHouse server or chdb-http, which run a
 * statement at a time without the embedded lanes, a pause between passes, so that passes back to
 * back do not hold up the projection (fourth pass).
 */
export const indexPassPeriods = 2;
/**
 * …and a backlog that no batch adds to (a first load, the history of a tenant onboarded) in passes
 * that double up to this many periods: 512 covers 40 years of months in one pass of about a second.
 */
export const indexMaxPassPeriods = 512;
export const serversIndexPauseMs = 2000;

/** How a root runs the projection (group, topology, batch size, logging, hooks); the steps are fixed here. */
export type IndicatorProjectionOptions = Omit<AggregatorOptions, 'projection' | 'indices'>;

export function indicatorProjection(deps: IndicatorProjectionDeps, options: IndicatorProjectionOptions = {}): AggregatorService {
  return new AggregatorService(deps.eventLog, deps.warehouse, deps.codec, {
    ...options,
    projection: deps.projection,
    // asked on every use: a delivered reference replaces the levels while the projection runs
    indices: {
      catalogue: deps.catalogue,
      reader: deps.reader,
      ...(deps.indexWarehouse ? { warehouse: deps.indexWarehouse } : {}),
      levels: () => [...deps.reference.hierarchyLevels, ...deps.reference.planningLevels],
    },
  });
}
