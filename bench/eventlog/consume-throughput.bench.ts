// Consumption throughput: NestJS' Kafka transport (one @EventPattern handler call per message,
// kafkajs eachMessage under the hood) against our KafkaEventLog (kafkajs eachBatch, one handler
// call and one commit per batch), on the same events in a fresh broker. Justifies using kafkajs
// directly where batch consumption is measurably faster (see README.md for results).
//
// Run (after `pnpm build`):  node bench/eventlog/consume-throughput.bench.ts [events=200000] [rounds=2]
// Node 24 strips the types; the bench is outside the workspace, so it loads the built packages by
// path and NestJS from services/aggregator, which depends on @nestjs/microservices.
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

type TestingModule = typeof import('../../packages/testing/src/index.js');
type KafkaLogModule = typeof import('../../packages/eventlog-kafka/src/index.js');

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const load = (path: string): Promise<unknown> => import(pathToFileURL(resolve(root, path)).href);
const { startKafka } = (await load('packages/testing/dist/index.js')) as TestingModule;
const { createKafkaEventLog } = (await load('packages/eventlog-kafka/dist/index.js')) as KafkaLogModule;
const nestRequire = createRequire(resolve(root, 'services/aggregator/package.json'));
nestRequire('reflect-metadata');
const { NestFactory } = nestRequire('@nestjs/core');
const { Controller, Module } = nestRequire('@nestjs/common');
const { Transport, EventPattern } = nestRequire('@nestjs/microservices');

const total = Number(process.argv[2] ?? 200_000);
const topic = 'bench-consume';
const partitions = 4;

interface Result {
  name: string;
  /** events per second between the first and the last event handled */
  steady: number;
  /** events per second from starting the consumer (connect, join) to the last event */
  wall: number;
}

function rate(name: string, started: number, first: number, last: number): Result {
  return { name, steady: (total - 1) / ((last - first) / 1000), wall: total / ((last - started) / 1000) };
}

async function benchNest(brokers: string[], groupId: string): Promise<Result> {
  let count = 0;
  let first = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));

  class CounterController {
    handle(data: { i: number }): void {
      if (count === 0) first = performance.now();
      if (typeof data.i !== 'number') throw new Error('payload not decoded');
      if (++count === total) done();
    }
  }
  // decorators applied by hand: Node's type stripping does not transform decorator syntax
  EventPattern(topic)(CounterController.prototype, 'handle', Object.getOwnPropertyDescriptor(CounterController.prototype, 'handle'));
  Controller()(CounterController);
  class BenchModule {}
  Module({ controllers: [CounterController] })(BenchModule);

  const started = performance.now();
  const app = await NestFactory.createMicroservice(BenchModule, {
    transport: Transport.KAFKA,
    logger: false,
    options: {
      postfixId: '',
      client: { clientId: 'bench-nest', brokers, logLevel: 0 },
      consumer: { groupId, maxWaitTimeInMs: 250 },
      subscribe: { fromBeginning: true },
    },
  });
  await app.listen();
  await finished;
  const last = performance.now();
  await app.close();
  return rate('NestJS Kafka transport (@EventPattern per message)', started, first, last);
}

async function benchBatch(brokers: string[], groupId: string): Promise<Result> {
  const log = createKafkaEventLog({ brokers, clientId: 'bench-batch', logLevel: 'nothing' });
  let count = 0;
  let first = 0;
  let done!: () => void;
  const finished = new Promise<void>((r) => (done = r));
  const decoder = new TextDecoder();
  const started = performance.now();
  const sub = await log.subscribe({
    groupId,
    topics: [topic],
    handleBatch: async (batch) => {
      if (count === 0) first = performance.now();
      // decode like Nest does (JSON), so the handlers do the same work
      for (const e of batch.events) if (typeof (JSON.parse(decoder.decode(e.value)) as { i: number }).i !== 'number') throw new Error('bad payload');
      count += batch.events.length;
      if (count >= total) done();
    },
  });
  await finished;
  const last = performance.now();
  await sub.stop();
  await log.close();
  return rate('KafkaEventLog (kafkajs eachBatch, commit per batch)', started, first, last);
}

const kafka = await startKafka({ partitions });
try {
  const brokers = kafka.brokers;
  const producer = createKafkaEventLog({ brokers, clientId: 'bench-producer', appendTimeoutMs: 60_000, logLevel: 'nothing' });
  await producer.ensureTopics([{ name: topic, partitions }]);
  const t0 = performance.now();
  const chunk = 5000;
  for (let i = 0; i < total; i += chunk) {
    const events = Array.from({ length: Math.min(chunk, total - i) }, (_, j) => ({
      key: `stadtteil-${(i + j) % 100}`,
      value: new TextEncoder().encode(JSON.stringify({ i: i + j, indicator: 'sgb2-quote', value: 12.5 })),
    }));
    await producer.append(topic, events);
  }
  console.log(`produced ${total} events in ${((performance.now() - t0) / 1000).toFixed(1)} s (${partitions} partitions)`);
  await producer.close();

  // one after the other, never concurrently (they would compete for the same cores), alternating
  // over rounds so neither always runs first against a cold group coordinator; each round has
  // fresh groups, so both read all events from the beginning
  const rounds = Number(process.argv[3] ?? 2);
  const results: Result[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const run of r % 2 === 0 ? [benchBatch, benchNest] : [benchNest, benchBatch]) {
      const result = await run(brokers, `bench-${run.name}-${r}`);
      results.push(result);
      console.log(
        `round ${r + 1}: ${result.name.padEnd(52)} ${Math.round(result.steady).toString().padStart(7)} events/s steady, ${Math.round(result.wall).toString().padStart(7)} events/s incl. join`,
      );
    }
  }
  const best = (name: string) => Math.max(...results.filter((x) => x.name === name).map((x) => x.steady));
  const nest = best(results.find((x) => x.name.startsWith('NestJS'))!.name);
  const batch = best(results.find((x) => x.name.startsWith('KafkaEventLog'))!.name);
  console.log(`best steady: Nest ${Math.round(nest)} events/s, eachBatch ${Math.round(batch)} events/s, ratio ${(batch / nest).toFixed(2)}x`);
} finally {
  await kafka.wipe();
}
process.exit(0);
