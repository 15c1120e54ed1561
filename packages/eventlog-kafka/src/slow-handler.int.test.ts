// A handler that takes longer than the group's session timeout (a large batch projected on a busy
// machine) must still commit its batch once. kafkajs sends heartbeats only when asked to; without
// heartbeats during the handler the broker removes the member, the commit is refused, the group
// rebalances and the same batch comes again — on a loaded machine forever (the servers-mode demo
// load stalled that way: "group aggregator did not catch up within 300000 ms").
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startKafka, type KafkaInstance } from '@sp/testing';
import { createKafkaEventLog, type KafkaEventLog } from './kafka-event-log.js';

let kafka: KafkaInstance;
let log: KafkaEventLog;

beforeAll(async () => {
  kafka = await startKafka();
  log = createKafkaEventLog({
    brokers: kafka.brokers,
    clientId: 'slow-handler',
    consumer: { sessionTimeoutMs: 6000, heartbeatIntervalMs: 500, rebalanceTimeoutMs: 3000, maxWaitTimeMs: 250, retryBackoffMs: 100 },
  });
}, 180_000);
afterAll(async () => {
  await log?.close();
  await kafka?.wipe();
});

it('commits a batch whose handler runs longer than the session timeout, once', async () => {
  const topic = 'slow-handler';
  await log.ensureTopics([{ name: topic, partitions: 1 }]);
  await log.append(
    topic,
    ['a', 'b', 'c'].map((key) => ({ key, value: new TextEncoder().encode(key) })),
  );
  const handled: string[] = [];
  let calls = 0;
  const subscription = await log.subscribe({
    groupId: 'slow-group',
    topics: [topic],
    handleBatch: async (batch) => {
      calls += 1;
      // the first batch takes 1.5 session timeouts
      if (calls === 1) await new Promise((r) => setTimeout(r, 9000));
      handled.push(...batch.events.map((e) => e.key));
    },
  });
  try {
    await subscription.caughtUp(60_000);
    // give a refused commit the time to show as a second delivery
    await new Promise((r) => setTimeout(r, 3000));
    expect(handled).toEqual(['a', 'b', 'c']);
    expect(calls).toBe(1);
  } finally {
    await subscription.stop();
  }
}, 120_000);
