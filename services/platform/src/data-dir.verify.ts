// The operator's check of an embedded data directory (SP_DATA_DIR), while the platform is stopped:
// the event log (every frame's CRC and offset, the commit journal, what recovery had to cut), the
// consumer groups' offsets against the log, the database (every table readable, no version
// record pointing past the end of the log) and the warehouse (no part set aside as broken, every
// part's checksums, its tables there when the log holds events). Errors mean: rebuild the read models from the log
// (`pnpm data:rebuild`), or, for a lost acknowledged event in the log itself, restore a backup.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { openEmbeddedEventLog } from '@sp/eventlog-embedded';
import { openPgliteDatabase } from '@sp/database-pglite';
import { openChdbWarehouse } from '@sp/warehouse-chdb';
import type { Warehouse } from '@sp/ports';
import { checkDatabase, checkWarehouse } from './engines.js';

export interface Finding {
  level: 'ok' | 'info' | 'error';
  what: string;
}

/** a warehouse to check, opened on its directory, and how to close it */
export type OpenWarehouse = (path: string) => Promise<Warehouse & { close(): Promise<void> }>;

/**
 * Checks one data directory: the platform's, or a tenant's (<data>/tenants/<id>/, the same layout).
 * `openWarehouse`: chDB in this process by default; a tenant's warehouse is checked through a
 * chdb-http process of its own (chDB binds one directory per process).
 */
export async function verifyDataDir(dataDir: string, openWarehouse: OpenWarehouse = async (path) => openChdbWarehouse({ path })): Promise<{ findings: Finding[]; ok: boolean }> {
  const findings: Finding[] = [];
  const add = (level: Finding['level'], what: string) => findings.push({ level, what });
  if (!existsSync(dataDir)) {
    add('error', `data directory ${dataDir} does not exist (SP_DATA_DIR)`);
    return { findings, ok: false };
  }
  const ends = new Map<string, bigint>(); // "topic/partition" → end offset

  const logDir = join(dataDir, 'eventlog');
  try {
    const log = await openEmbeddedEventLog({ dir: logDir });
    try {
      for (const file of log.removedTempFiles) add('info', `event log: removed the temporary file of an interrupted write: ${file}`);
      let records = 0;
      for (const [partition, r] of log.recovery) {
        records += r.records;
        if (r.lostRecords > 0) add('error', `event log ${partition}: ${r.lostRecords} acknowledged record(s) are missing (${r.reason}); restore the event log from a backup`);
        else if (r.uncommittedRecords > 0) add('info', `event log ${partition}: cut ${r.uncommittedRecords} record(s) of an append interrupted before its commit (never acknowledged)`);
        else if (r.truncatedBytes > 0) add('info', `event log ${partition}: cut a torn tail of ${r.truncatedBytes} bytes (${r.reason})`);
      }
      const topics = log.topicNames();
      for (const topic of topics) for (const [p, end] of await log.endOffsets(topic)) ends.set(`${topic}/${p}`, end);
      add('ok', `event log: ${topics.length} topics, ${log.recovery.size} partitions, ${records} records, every frame's checksum and offset valid`);
      for (const group of await log.groupIds()) {
        let bad = 0;
        for (const topic of topics) {
          for (const [p, committed] of await log.committedOffsets(group, topic)) {
            const end = ends.get(`${topic}/${p}`) ?? 0n;
            if (committed > end) {
              bad++;
              add('error', `consumer group ${group}: committed offset ${committed} of ${topic}/${p} is past the end of the log (${end})`);
            }
          }
        }
        if (bad === 0) add('ok', `consumer group ${group}: offsets within the log`);
      }
    } finally {
      await log.close();
    }
  } catch (error) {
    add('error', `event log in ${logDir} cannot be opened: ${(error as Error).message}`);
    return { findings, ok: false };
  }

  const dbDir = join(dataDir, 'postgres');
  if (!existsSync(dbDir)) {
    add('info', `database: ${dbDir} does not exist yet; the platform creates it (and fills it from the log) at its next start`);
  } else {
    try {
      const database = await openPgliteDatabase({ dataDir: dbDir });
      try {
        const { tables } = await checkDatabase(database);
        add('ok', `database: ${tables} tables readable`);
        const known = await database.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public' AND tablename = 'ingest_records'`);
        if (known.rows[0]!.n === 1) {
          const { rows } = await database.query<{ topic: string; partition: number; last: string; n: number }>(
            `SELECT topic, partition, max("offset")::text AS last, count(*)::int AS n FROM ingest_records GROUP BY topic, partition ORDER BY topic, partition`,
          );
          let ahead = 0;
          for (const r of rows) {
            const end = ends.get(`${r.topic}/${r.partition}`) ?? 0n;
            if (BigInt(r.last) >= end) {
              ahead++;
              add('error', `database: version records name ${r.topic}/${r.partition} offset ${r.last}, but the log ends at ${end}; rebuild the read models (pnpm data:rebuild)`);
            }
          }
          if (ahead === 0) add('ok', `database: ${rows.reduce((s, r) => s + r.n, 0)} version records, all within the log`);
        }
      } finally {
        await database.close();
      }
    } catch (error) {
      add('error', `database in ${dbDir} is damaged: ${(error as Error).message}; the platform rebuilds it from the log at its next start, or run pnpm data:rebuild`);
    }
  }
  const whDir = join(dataDir, 'warehouse');
  const logEvents = [...ends.values()].reduce((n, end) => n + Number(end), 0);
  if (!existsSync(whDir)) {
    add('info', `warehouse: ${whDir} does not exist yet; the platform creates it${logEvents > 0 ? ' (and fills it from the log)' : ''} at its next start`);
  } else {
    try {
      const warehouse = await openWarehouse(whDir);
      try {
        const { tables, parts, migrated } = await checkWarehouse(warehouse);
        if (!migrated && logEvents > 0)
          add('error', `warehouse in ${whDir} has no tables but the event log holds events; the platform rebuilds it from the log at its next start, or run pnpm data:rebuild`);
        else add('ok', `warehouse: ${tables} tables, ${parts} parts, every checksum valid`);
      } finally {
        await warehouse.close();
      }
    } catch (error) {
      add('error', `warehouse in ${whDir} is damaged: ${(error as Error).message}; the platform rebuilds it from the log at its next start, or run pnpm data:rebuild`);
    }
  }
  return { findings, ok: !findings.some((f) => f.level === 'error') };
}
