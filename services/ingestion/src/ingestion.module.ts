// The ingestion module for a composition root: give it the ports (EventLog, Database), the spatial
// checks and the configuration; it migrates its tables and creates its topics at start-up.
// Mount it in any Nest app on Fastify and call installIngestionBodyParser on that app's fastify
// instance (createIngestionApp does both).
import { Module, type DynamicModule } from '@nestjs/common';
import type { SpatialChecks } from '@sp/feeds';
import type { Database, EventLog } from '@sp/ports';
import type { FeedCatalogue, Taxonomy } from '@sp/feeds';
import type { SchemaRegistry } from '@sp/events';
import { DeliveriesController } from './deliveries.controller.js';
import { DeliveryService, type PlanningTransitionCheck } from './delivery.service.js';
import { ingestionConfigSchema, type IngestionConfigInput } from './ingestion.config.js';
import { INGESTION_OPTIONS } from './ingestion.tokens.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';

export interface IngestionModuleOptions {
  eventLog: EventLog;
  database: Database;
  spatial: SpatialChecks;
  config: IngestionConfigInput;
  /** transition check of planning records; default: @sp/controlling's decider. `false` turns it off. */
  planningCheck?: PlanningTransitionCheck | false;
  catalogue?: FeedCatalogue;
  taxonomy?: Taxonomy;
  registry?: SchemaRegistry;
  clock?: () => Date;
}

@Module({})
export class IngestionModule {
  static forRoot(options: IngestionModuleOptions): DynamicModule {
    return {
      module: IngestionModule,
      controllers: [DeliveriesController],
      providers: [
        { provide: INGESTION_OPTIONS, useValue: options },
        {
          provide: DeliveryService,
          inject: [INGESTION_OPTIONS],
          useFactory: async (o: IngestionModuleOptions) => {
            const planningCheck = o.planningCheck === false ? undefined : (o.planningCheck ?? controllingPlanningCheck());
            const service = new DeliveryService({ ...o, planningCheck, config: ingestionConfigSchema.parse(o.config) });
            await service.start();
            return service;
          },
        },
      ],
      exports: [DeliveryService],
    };
  }
}
