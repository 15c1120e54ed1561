// The GraphQL context of one request: who asks, the limits, and the per-request services whose
// DataLoaders batch and cache reads for this request only.
import type { Viewer } from './auth/viewer.js';
import type { RequestBudget } from './fairness/request-budget.js';
import type { CacheProbe } from './http/response-cache.js';
import type { IndicatorService } from './indicators/indicator.service.js';
import type { Limits } from './limits.js';
import type { PlanningService } from './planning/planning.service.js';
import type { PlanningWriter } from './planning/planning.writer.js';
import type { AreaSource, CatalogueSource, OperationsSource, RegistrySource, ScenarioSource } from './sources.js';

export interface GatewayContext {
  viewer: Viewer;
  limits: Limits;
  areas: AreaSource;
  catalogue: CatalogueSource;
  indicators: IndicatorService;
  registry: RegistrySource | null;
  planning: PlanningService | null;
  /** saves planning records through the ingestion path (mutations); null: this gateway only reads */
  planningWriter: PlanningWriter | null;
  /** the planners' scenarios; null: none kept here */
  scenarios: ScenarioSource | null;
  /** consumers and dead letters; admins only */
  operations: OperationsSource | null;
  /** ISO date the controlling views are computed for */
  today: string;
  /** set when the request may be answered from the response cache; see http/response-cache.ts */
  cacheProbe?: CacheProbe;
  /** the client's budget this request's reads are charged to (absent when budgets are off) */
  budget?: RequestBudget;
  /** aborted when the request is cut off (timeout) or its client goes away: no further reads start, running ones are cancelled */
  abort: AbortController;
  /** epoch ms when the request is cut off; warehouse queries are stopped there at the latest (none for batch jobs) */
  deadline?: number;
}
