// TEST FIXTURE, not a service: the ingestion service in a child process that dies (SIGKILL) right
// after the event log acknowledged the append of an event with key SP_CRASH_KEY — before PostgreSQL
// has recorded it. That is the window of issue 14; version-reservation.int.test.ts plays it on both
// adapter pairs. Runs from dist/ (the test run builds the workspace first).
//   SP_FIXTURE_ENGINES=servers: KAFKA_BROKERS, DATABASE_URL   embedded: SP_DATA_DIR (eventlog/, postgres/)
//   SP_INGESTION_API_KEYS (JSON [{id, amt, hash}]), SP_INGESTION_PORT, SP_CRASH_KEY
import 'reflect-metadata';
import { join } from 'node:path';
import { topology } from '@sp/events';
import type { Database, EventLog } from '@sp/ports';
import { loadReference } from '@sp/spatial';
import { createIngestionApp } from './ingestion.app.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

const env = process.env;

async function engines(): Promise<{ eventLog: EventLog; database: Database }> {
  if (env.SP_FIXTURE_ENGINES === 'servers') {
    const [{ createKafkaEventLog }, { createPgDatabase }] = await Promise.all([import('@sp/eventlog-kafka'), import('@sp/database-pg')]);
    return {
      eventLog: createKafkaEventLog({ brokers: env.KAFKA_BROKERS!.split(','), clientId: 'crash-window', logLevel: 'nothing' }),
      database: createPgDatabase({ url: env.DATABASE_URL! }),
    };
  }
  const [{ openEmbeddedEventLog }, { openPgliteDatabase }] = await Promise.all([import('@sp/eventlog-embedded'), import('@sp/database-pglite')]);
  return {
    eventLog: await openEmbeddedEventLog({ dir: join(env.SP_DATA_DIR!, 'eventlog') }),
    database: await openPgliteDatabase({ dataDir: join(env.SP_DATA_DIR!, 'postgres') }),
  };
}

const { eventLog, database } = await engines();
const crashKey = env.SP_CRASH_KEY;
const dying: EventLog = {
  ensureTopics: (topics) => eventLog.ensureTopics(topics),
  append: async (topic, events) => {
    const appended = await eventLog.append(topic, events);
    if (events.some((e) => e.key === crashKey)) process.kill(process.pid, 'SIGKILL');
    return appended;
  },
  subscribe: (options) => eventLog.subscribe(options),
  committedOffsets: (groupId, topic) => eventLog.committedOffsets(groupId, topic),
  endOffsets: (topic) => eventLog.endOffsets(topic),
  close: () => eventLog.close(),
};
const app = await createIngestionApp({
  eventLog: dying,
  database,
  spatial: spatialChecksFrom(loadReference('koeln')),
  config: { apiKeys: JSON.parse(env.SP_INGESTION_API_KEYS!) },
  topology: topology({ partitions: 2 }),
  planningCheck: controllingPlanningCheck(),
  indicatorCodes: [],
});
await app.listen(Number(env.SP_INGESTION_PORT), '127.0.0.1');
console.log(`crash-window fixture listening on ${env.SP_INGESTION_PORT}`);
