// The composition root's choice of adapters: embedded engines in one process by default, or the
// real servers (Kafka, PostgreSQL, ClickHouse) for a big city. Everything above this file sees
// only the ports.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, EventLog, Warehouse } from '@sp/ports';
import type { PlatformConfig } from './config.js';

export interface Engines {
  eventLog: EventLog;
  warehouse: Warehouse;
  database: Database;
  describe: string;
  close(): Promise<void>;
}

export async function openEngines(config: PlatformConfig): Promise<Engines> {
  // on servers too: the API keys of the Ämter and the token secret are kept in the data directory
  mkdirSync(config.dataDir, { recursive: true });
  if (config.SP_ENGINES === 'servers') {
    const [{ createKafkaEventLog }, { createClickHouseWarehouse }, { createPgDatabase }] = await Promise.all([
      import('@sp/eventlog-kafka'),
      import('@sp/warehouse-clickhouse'),
      import('@sp/database-pg'),
    ]);
    const eventLog = await createKafkaEventLog({ brokers: config.KAFKA_BROKERS!.split(','), clientId: 'platform' });
    const warehouse = await createClickHouseWarehouse({ url: config.CLICKHOUSE_URL! });
    const database = await createPgDatabase({ url: config.DATABASE_URL! });
    return bundle(eventLog, warehouse, database, `Kafka ${config.KAFKA_BROKERS}, ClickHouse ${config.CLICKHOUSE_URL}, PostgreSQL`);
  }
  const [{ openEmbeddedEventLog }, { openChdbWarehouse }, { openPgliteDatabase }] = await Promise.all([import('@sp/eventlog-embedded'), import('@sp/warehouse-chdb'), import('@sp/database-pglite')]);
  const eventLog = await openEmbeddedEventLog({ dir: join(config.dataDir, 'eventlog') });
  const warehouse = await openChdbWarehouse({ path: join(config.dataDir, 'warehouse') });
  const database = await openPgliteDatabase({ dataDir: join(config.dataDir, 'postgres') });
  return bundle(eventLog, warehouse, database, `embedded (event log, chDB, PGlite) in ${config.dataDir}`);
}

function bundle(eventLog: EventLog, warehouse: Warehouse, database: Database, describe: string): Engines {
  return {
    eventLog,
    warehouse,
    database,
    describe,
    async close() {
      await eventLog.close();
      await warehouse.close();
      await database.close();
    },
  };
}
