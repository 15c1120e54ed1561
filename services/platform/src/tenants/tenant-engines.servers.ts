// The stores of one tenant other than the default in servers mode (SP_ENGINES=servers), on the same
// servers as the default tenant and each its own by name: a PostgreSQL database and a ClickHouse
// database per tenant (`sp_tenant_<id>`, created when the tenant starts the first time), and on the
// shared Kafka cluster topics and consumer groups that carry the prefix `tenant.<id>.`
// (namespacedEventLog). The tenant's runtime names tables, topics and groups exactly as the default
// tenant does; nothing it is given can reach another tenant's. docs/tenants.md.
import { createPgDatabase } from '@sp/database-pg';
import { createKafkaEventLog, type KafkaEventLog, sessionTimings } from '@sp/eventlog-kafka';
import { namespacedEventLog } from '@sp/ports';
import { createClickHouseWarehouse } from '@sp/warehouse-clickhouse';
import type { PlatformConfig } from '../config.js';
import type { Engines } from '../engines.js';

/** tenant ids are lower-case letters, digits and '-' (tenant.schema.ts): '-' becomes '_', which ids never hold */
export function tenantDatabaseName(id: string): string {
  if (!/^[a-z][a-z0-9-]*$/.test(id)) throw new Error(`tenant id ${JSON.stringify(id)} is not accepted`);
  return `sp_tenant_${id.replaceAll('-', '_')}`;
}

/** the PostgreSQL database of a tenant on the deployment's server: the default tenant's is DATABASE_URL's own */
export function tenantPostgres(config: PlatformConfig, id: string, defaultTenant: string): { name: string; url: string } {
  if (id === defaultTenant) return { name: new URL(config.DATABASE_URL!).pathname.slice(1), url: config.DATABASE_URL! };
  const name = tenantDatabaseName(id);
  return { name, url: databaseUrl(config.DATABASE_URL!, name) };
}

export function tenantTopicPrefix(id: string): string {
  return `tenant.${id}.`;
}

/** `url` with another database */
export function databaseUrl(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

function kafkaOptions(config: PlatformConfig, id: string) {
  const session = config.KAFKA_SESSION_TIMEOUT_MS;
  return {
    brokers: config.KAFKA_BROKERS!.split(','),
    clientId: `platform-${id}`,
    ...(session ? { consumer: sessionTimings(session) } : {}),
  };
}

export async function openServersTenantEngines(config: PlatformConfig, id: string): Promise<Engines> {
  const name = tenantDatabaseName(id);
  // both CREATE DATABASE statements run on the default tenant's connections' servers; a tenant's
  // own clients are opened on its database only
  const admin = await createPgDatabase({ url: config.DATABASE_URL!, max: 1 });
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rows.length === 0) {
      // CREATE DATABASE takes no parameters; the name is built from the checked id above
      await admin.query(`CREATE DATABASE "${name}"`).catch(async (error: unknown) => {
        // another start created it between the look-up and here
        if ((error as { code?: string }).code !== '42P04') throw error;
      });
    }
  } finally {
    await admin.close();
  }
  const chAdmin = createClickHouseWarehouse({ url: config.CLICKHOUSE_URL! });
  try {
    await chAdmin.command(`CREATE DATABASE IF NOT EXISTS ${name}`);
  } finally {
    await chAdmin.close();
  }
  const kafka = createKafkaEventLog(kafkaOptions(config, id));
  const eventLog = namespacedEventLog(kafka, tenantTopicPrefix(id));
  const warehouse = createClickHouseWarehouse({ url: config.CLICKHOUSE_URL!, database: name });
  let database: Awaited<ReturnType<typeof createPgDatabase>>;
  try {
    database = await createPgDatabase({ url: databaseUrl(config.DATABASE_URL!, name) });
  } catch (error) {
    await Promise.allSettled([kafka.close(), warehouse.close()]);
    throw error;
  }
  return {
    eventLog,
    warehouse,
    database,
    describe: `Kafka ${config.KAFKA_BROKERS} (topics ${tenantTopicPrefix(id)}*), ClickHouse database ${name}, PostgreSQL database ${name}`,
    async close() {
      await eventLog.close();
      await warehouse.close();
      await database.close();
    },
  };
}

/**
 * Removes a tenant's stores from the servers (a creation that failed, or a removed tenant): its topics
 * and consumer groups (so a tenant created again under the same id neither replays its events nor
 * starts at its offsets), its ClickHouse and its PostgreSQL database.
 */
export async function dropServersTenantStores(config: PlatformConfig, id: string): Promise<void> {
  const name = tenantDatabaseName(id);
  const kafka = createKafkaEventLog(kafkaOptions(config, id));
  try {
    const admin = await kafka.admin();
    const topics = (await admin.listTopics()).filter((t) => t.startsWith(tenantTopicPrefix(id)));
    if (topics.length > 0) await admin.deleteTopics({ topics });
    const ch = createClickHouseWarehouse({ url: config.CLICKHOUSE_URL! });
    try {
      await ch.command(`DROP DATABASE IF EXISTS ${name}`);
    } finally {
      await ch.close();
    }
    const pg = await createPgDatabase({ url: config.DATABASE_URL!, max: 1 });
    try {
      await pg.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    } finally {
      await pg.close();
    }
    // the committed offsets went with the topics (Kafka drops a deleted partition's offsets from every
    // group), so a tenant created again under the id starts at its topics' beginning; the groups
    // themselves are deleted where they are empty (hygiene, not correctness)
    await deleteEmptyGroups(kafka, id);
  } finally {
    await kafka.close();
  }
}

/**
 * Deletes a tenant's consumer groups that have no members left; a group whose members are still in it
 * (a replica that has not closed the tenant yet) is left and named (it is empty once they leave, and
 * Kafka expires an empty group after offsets.retention.minutes). Never throws for those.
 */
async function deleteEmptyGroups(kafka: KafkaEventLog, id: string): Promise<void> {
  const admin = await kafka.admin();
  const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith(tenantTopicPrefix(id)));
  if (groups.length === 0) return;
  await admin.deleteGroups(groups).catch((error: unknown) => {
    const failed = (error as { groups?: { groupId: string; error?: { type?: string } }[] }).groups;
    if (!failed) throw error;
    const left = failed.filter((g) => g.error?.type !== 'GROUP_ID_NOT_FOUND');
    if (left.length > 0)
      process.stderr.write(`[tenants] tenant "${id}": consumer groups left, their members still in them: ${left.map((g) => `${g.groupId} (${g.error?.type ?? 'error'})`).join(', ')}\n`);
  });
}

/** a replica that closed a removed tenant deletes the tenant's groups it left (those still held by another are left) */
export async function deleteServersTenantGroups(config: PlatformConfig, id: string): Promise<void> {
  const kafka = createKafkaEventLog(kafkaOptions(config, id));
  try {
    await deleteEmptyGroups(kafka, id);
  } finally {
    await kafka.close();
  }
}
