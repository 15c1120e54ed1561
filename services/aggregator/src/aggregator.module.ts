// NestJS wiring of the aggregator: the composition root hands in the ports, the module starts
// consuming when the application boots and stops (committing what it finished) on shutdown.
import { Inject, Injectable, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AggregatorService } from './aggregator.service.js';

export const AGGREGATOR = Symbol('AGGREGATOR');
const ALONGSIDE = Symbol('ALONGSIDE');

/** what runs next to the aggregator in its process and stops with it: consumers first, then connections */
export interface Alongside {
  alongside?: readonly { stop(): Promise<void> }[];
  closing?: readonly { close(): Promise<void> }[];
}

@Injectable()
class AggregatorLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  constructor(
    @Inject(AGGREGATOR) private readonly aggregator: AggregatorService,
    @Inject(ALONGSIDE) private readonly others: Alongside,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.aggregator.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.aggregator.stop();
    for (const s of this.others.alongside ?? []) await s.stop();
    for (const c of this.others.closing ?? []) await c.close();
  }
}

@Module({})
export class AggregatorModule {
  static forRoot(aggregator: AggregatorService, others: Alongside = {}): DynamicModule {
    return {
      module: AggregatorModule,
      providers: [{ provide: AGGREGATOR, useValue: aggregator }, { provide: ALONGSIDE, useValue: others }, AggregatorLifecycle],
      exports: [AGGREGATOR],
    };
  }
}
