// A ready Nest application on Fastify serving the ingestion API, apart from the listener so tests
// and the platform can use it on port 0 or with inject().
import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { installIngestionBodyParser } from './body.parser.js';
import { ingestionConfigSchema } from './ingestion.config.js';
import { IngestionModule, type IngestionModuleOptions } from './ingestion.module.js';

export async function createIngestionApp(options: IngestionModuleOptions, nest: { logger?: false | ('error' | 'warn' | 'log')[] } = {}): Promise<NestFastifyApplication> {
  const config = ingestionConfigSchema.parse(options.config);
  const app = await NestFactory.create<NestFastifyApplication>(IngestionModule.forRoot({ ...options, config }), new FastifyAdapter(), {
    bodyParser: false,
    logger: nest.logger ?? ['error', 'warn'],
    abortOnError: false,
  });
  installIngestionBodyParser(app.getHttpAdapter().getInstance(), { bodyLimitBytes: config.bodyLimitBytes });
  await app.init();
  return app;
}
