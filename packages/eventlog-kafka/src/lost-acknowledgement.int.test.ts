// An append whose produce request the broker wrote but whose answer was lost (the broker stopping
// after its write, a connection reset, a request timeout on a busy machine) fails with
// UNAVAILABLE. The next append must still be written. Before issue 14's fix it was not: kafkajs'
// idempotent producer takes back the sequence numbers of a failed request, so the next batch of
// the same size on that partition carried the sequence numbers of the written one; the broker
// took it for a retry of that batch, dropped it and acknowledged it with the old batch's offset.
// The ingestion answered 2xx for an event that was never in the log (seen as read models missing
// accepted deliveries after Kafka restarts under load); a batch of another size was refused
// with OUT_OF_ORDER_SEQUENCE_NUMBER (seen as HTTP 500).
import net from 'node:net';
import type { ISocketFactory } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogEvent } from '@sp/ports';
import { startKafka, type KafkaInstance } from '@sp/testing';
import { createKafkaEventLog, type KafkaEventLog } from './kafka-event-log.js';

let kafka: KafkaInstance;
beforeAll(async () => {
  kafka = await startKafka({ partitions: 1 });
}, 180_000);
afterAll(async () => {
  await kafka?.wipe();
});

/** Connections whose answers are lost while `losing` is set: the first bytes back close the socket. */
function lossyConnections(): { socketFactory: ISocketFactory; losing: boolean } {
  const state = {
    losing: false,
    socketFactory: (({ host, port, onConnect }) => {
      const socket = net.connect({ host, port }, onConnect);
      const emit = socket.emit.bind(socket);
      socket.emit = ((event: string, ...args: unknown[]) => {
        if (event === 'data' && state.losing) {
          socket.destroy(Object.assign(new Error('the answer was lost on the way'), { code: 'ECONNRESET' }));
          return true;
        }
        return emit(event, ...args);
      }) as typeof socket.emit;
      return socket;
    }) as ISocketFactory,
  };
  return state;
}

const value = (s: string) => new TextEncoder().encode(s);
const text = (e: LogEvent) => new TextDecoder().decode(e.value);

async function readAll(log: KafkaEventLog, topic: string): Promise<string[]> {
  const seen: string[] = [];
  const sub = await log.subscribe({ groupId: `reader-${Date.now()}`, topics: [topic], handleBatch: async (b) => void seen.push(...b.events.map(text)) });
  try {
    await sub.caughtUp(30_000);
  } finally {
    await sub.stop();
  }
  return seen;
}

describe('kafka event log after an append whose acknowledgement was lost (issue 14)', () => {
  let log: KafkaEventLog;
  afterAll(async () => {
    await log?.close();
  });

  for (const size of [1, 2]) {
    it(`writes the next append of ${size === 1 ? 'the same size' : 'another size'} and acknowledges it with its own offset`, async () => {
      const topic = `lost-ack-${size}`;
      const lossy = lossyConnections();
      log = createKafkaEventLog({ brokers: kafka.brokers, clientId: `lost-ack-${size}`, requestTimeoutMs: 1000, appendTimeoutMs: 8000, socketFactory: lossy.socketFactory });
      await log.ensureTopics([{ name: topic, partitions: 1 }]);
      await log.append(topic, [{ key: 'k', value: value('before') }]);

      lossy.losing = true;
      const failed = await log.append(topic, [{ key: 'k', value: value('written, answer lost') }]).catch((e: unknown) => e);
      lossy.losing = false;
      expect(failed).toMatchObject({ name: 'EventLogError', transient: true });

      const next = Array.from({ length: size }, (_, i) => ({ key: 'k', value: value(`after ${i}`) }));
      const appended = await log.append(topic, next);
      const all = await readAll(log, topic);
      // the lost-answer append is in the log (the broker wrote it before answering); what matters
      // is that the next one is too, at the offsets its acknowledgement names
      expect(all.slice(0, 2)).toEqual(['before', 'written, answer lost']);
      expect(all.slice(2)).toEqual(next.map((e) => text(e as unknown as LogEvent)));
      expect(appended.map((a) => a.offset)).toEqual(next.map((_, i) => BigInt(2 + i)));
      await log.close();
    }, 120_000);
  }
});
