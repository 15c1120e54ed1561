// NestJS wiring of the aggregator: the composition root hands in the ports, the module starts
// consuming when the application boots and stops (committing what it finished) on shutdown.
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AggregatorService } from './aggregator.service.js';

export const AGGREGATOR = Symbol('AGGREGATOR');

@Injectable()
class AggregatorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(@Inject(AGGREGATOR) private readonly aggregator: AggregatorService) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.aggregator.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.aggregator.stop();
  }
}

@Module({})
export class AggregatorModule {
  static forRoot(aggregator: AggregatorService): DynamicModule {
    return {
      module: AggregatorModule,
      providers: [{ provide: AGGREGATOR, useValue: aggregator }, AggregatorLifecycle],
      exports: [AGGREGATOR],
    };
  }
}
