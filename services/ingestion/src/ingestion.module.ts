// The ingestion module for a composition root: give it the ports (EventLog, Database), the spatial
// checks, the planning transition check, the indicator codes and the configuration; it migrates its
// tables and creates its topics at start-up. Mount it in any Nest app on Fastify and call
// installIngestionBodyParser on that app's fastify instance (createIngestionApp does both).
import { Module, type DynamicModule } from '@nestjs/common';
import { defaultTopology, SchemaRegistry, type Topology } from '@sp/events';
import { FeedCatalogue, Taxonomy, type SpatialChecks } from '@sp/feeds';
import type { TokenVerifier } from '@sp/identity/tokens';
import type { Catalogue } from '@sp/indicators';
import type { Database, EventLog } from '@sp/ports';
import { ApiKeyAuthenticator, ApiKeyGuard } from './api-key.guard.js';
import { DeliveriesController } from './deliveries.controller.js';
import { DeliveryService } from './delivery.service.js';
import { ingestionConfigSchema, type IngestionConfig, type IngestionConfigInput } from './ingestion.config.js';
import { INGESTION_OPTIONS } from './ingestion.tokens.js';
import type { PlanningTransitionCheck } from './planning-transition.check.js';

export interface IngestionModuleOptions {
  eventLog: EventLog;
  database: Database;
  spatial: SpatialChecks;
  config: IngestionConfigInput;
  /** where the record events go: topic names and the partitions of new topics (default: defaultTopology) */
  topology?: Topology;
  /** new versions of planning records against their previous ones, e.g. controllingPlanningCheck() */
  planningCheck: PlanningTransitionCheck;
  /** codes of the tenant's indicator catalogue: what a goal's `indicator` may name */
  indicatorCodes: Iterable<string>;
  /** the tenant's live indicator catalogue: delivered definitions are checked against it (docs/indicators.md §8) */
  indicatorCatalogue?: Catalogue;
  catalogue?: FeedCatalogue;
  taxonomy?: Taxonomy;
  registry?: SchemaRegistry;
  clock?: () => Date;
  /** accepts signed-in persons' access tokens (JWT) beside the API keys; see api-key.guard.ts */
  verifyToken?: TokenVerifier;
}

interface Resolved {
  options: IngestionModuleOptions;
  config: IngestionConfig;
  catalogue: FeedCatalogue;
  taxonomy: Taxonomy;
  registry: SchemaRegistry;
}

function resolve(options: IngestionModuleOptions): Resolved {
  const config = ingestionConfigSchema.parse(options.config);
  const catalogue = options.catalogue ?? (config.cataloguePath ? FeedCatalogue.load(config.cataloguePath) : FeedCatalogue.load());
  const taxonomy = options.taxonomy ?? (config.taxonomyPath ? Taxonomy.load(config.taxonomyPath) : Taxonomy.load());
  const registry = options.registry ?? SchemaRegistry.load(config.schemasDir);
  for (const k of config.apiKeys) {
    if (!catalogue.hasAmt(k.amt)) throw new Error(`API key ${k.id} names Amt ${k.amt}, which the feed catalogue does not know`);
    if (config.amt && k.amt !== config.amt) throw new Error(`API key ${k.id} is for Amt ${k.amt}, but this instance serves ${config.amt}`);
  }
  return { options, config, catalogue, taxonomy, registry };
}

@Module({})
export class IngestionModule {
  static forRoot(options: IngestionModuleOptions): DynamicModule {
    return {
      module: IngestionModule,
      controllers: [DeliveriesController],
      providers: [
        { provide: INGESTION_OPTIONS, useFactory: () => resolve(options) },
        { provide: ApiKeyAuthenticator, inject: [INGESTION_OPTIONS], useFactory: ({ config }: Resolved) => new ApiKeyAuthenticator(config.apiKeys, config.amt, options.verifyToken) },
        ApiKeyGuard,
        {
          provide: DeliveryService,
          inject: [INGESTION_OPTIONS],
          useFactory: async ({ options: o, config, catalogue, taxonomy, registry }: Resolved) => {
            const service = new DeliveryService({
              eventLog: o.eventLog,
              database: o.database,
              spatial: o.spatial,
              config,
              topology: o.topology ?? defaultTopology,
              catalogue,
              taxonomy,
              registry,
              planningCheck: o.planningCheck,
              indicatorCodes: new Set(o.indicatorCodes),
              ...(o.indicatorCatalogue ? { indicatorCatalogue: o.indicatorCatalogue } : {}),
              ...(o.clock ? { clock: o.clock } : {}),
              anyAmt: o.verifyToken !== undefined,
            });
            await service.start();
            return service;
          },
        },
      ],
      exports: [DeliveryService],
    };
  }
}
