// The EventLog contract on a real Kafka broker (one per test file). What happens while the broker
// is down or restarting is in broker-restart.int.test.ts.
import { execFile } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ConfigResourceTypes } from 'kafkajs';
import { eventLogContract } from '@sp/port-contracts';
import { startKafka, type KafkaInstance } from '@sp/testing';
import { createKafkaEventLog, type KafkaEventLogOptions } from './kafka-event-log.js';

const here = dirname(fileURLToPath(import.meta.url));
let kafka: KafkaInstance;
let options: KafkaEventLogOptions;

beforeAll(async () => {
  kafka = await startKafka();
  options = {
    brokers: kafka.brokers,
    clientId: 'eventlog-contract',
    // short group timings so rebalances and the removal of a killed member take seconds
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250, retryBackoffMs: 100 },
  };
}, 180_000);
afterAll(async () => {
  await kafka?.wipe();
});

eventLogContract('kafka', {
  create: async () => createKafkaEventLog(options),
  restart: async (log) => {
    await log.close();
    await kafka.restart();
    return createKafkaEventLog(options);
  },
  child: {
    get moduleUrl() {
      return pathToFileURL(resolve(here, '../dist/index.js')).href;
    },
    factory: 'createKafkaEventLog',
    get options() {
      return options;
    },
  },
  exclusive: false,
  timeoutMs: 45_000,
});

it('creates topics that keep every event (retention.ms and retention.bytes -1, not the broker default of 7 days)', async () => {
  const log = createKafkaEventLog(options);
  try {
    await log.ensureTopics([{ name: 'retention-check', partitions: 1 }]);
    const admin = await log.admin();
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: 'retention-check', configNames: ['retention.ms', 'retention.bytes'] }],
    });
    const entries = Object.fromEntries(described.resources[0]!.configEntries.map((e) => [e.configName, e.configValue]));
    expect(entries).toEqual({ 'retention.ms': '-1', 'retention.bytes': '-1' });
  } finally {
    await log.close();
  }
}, 60_000);

it('connects its producer and admin client without a TimeoutNegativeWarning on Node 24 (kafkajs patch)', async () => {
  // unpatched kafkajs 2.2.4 schedules its request queue's check at about -Date.now() ms on every
  // connection; Node 24 warns once per process, so a fresh child process gives the test its own count
  const script = `
    const { createKafkaEventLog } = await import(${JSON.stringify(pathToFileURL(resolve(here, '../dist/index.js')).href)});
    const warnings = [];
    process.on('warning', (w) => warnings.push(w.name));
    const log = createKafkaEventLog(${JSON.stringify({ ...options, clientId: 'negative-timeout' })});
    await log.ensureTopics([{ name: 'negative-timeout', partitions: 1 }]);
    await log.append('negative-timeout', [{ key: 'k', value: Buffer.from('v') }]);
    await log.close();
    await new Promise((r) => setTimeout(r, 50));
    console.log(JSON.stringify(warnings));
  `;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '--eval', script], { timeout: 45_000 });
  const warnings = JSON.parse(stdout.trim().split('\n').at(-1)!) as string[];
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  expect(warnings).not.toContain('TimeoutNegativeWarning');
}, 60_000);

it('reads end offsets while the same client looks up other topics (kafkajs keeps the metadata of the last look-up only)', async () => {
  // kafkajs replaces its client's whole metadata with that of the topics a look-up asked for, so a
  // look-up of topic A between the two offset requests of fetchTopicOffsets(B) left B without
  // partitions, and kafkajs failed with "Cannot destructure property 'partitions' of 'high.pop(...)'"
  // (or low): the reference projection, asking for several topics' ends and commits at once,
  // dead-lettered a tenant's reference level on it
  const log = createKafkaEventLog({ ...options, clientId: 'metadata-race' });
  const topics = Array.from({ length: 6 }, (_, i) => `metadata-race-${i}`);
  let looking = true;
  try {
    await log.ensureTopics(topics.map((name) => ({ name, partitions: 2 })));
    const admin = await log.admin();
    const lookUps = (async () => {
      for (let i = 0; looking; i++) await admin.fetchTopicMetadata({ topics: [topics[i % topics.length]!] });
    })();
    try {
      for (let r = 0; r < 60; r++) {
        const all = await Promise.all(topics.map((t) => log.endOffsets(t)));
        for (const ends of all) expect([...ends.keys()].sort()).toEqual([0, 1]);
      }
    } finally {
      looking = false;
      await lookUps;
    }
  } finally {
    await log.close();
  }
}, 120_000);
