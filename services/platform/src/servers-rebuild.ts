// `pnpm data:rebuild` in servers mode (SP_ENGINES=servers): rebuilds the warehouse of the default
// tenant and of every registered tenant from its Kafka topics, the source of truth — what a new
// indicator or index definition needs — and replays the registry and controlling projections into
// PostgreSQL (idempotently: nothing there is moved aside, since PostgreSQL also keeps state that is
// not in the log: sign-in, API keys, the registry of tenants, report jobs). The one composition does
// it: each runtime starts with its warehouse to be rebuilt (engines.ts, askedWarehouseRebuild) and
// truncates and replays it before anyone reads, under fresh consumer groups; the live groups keep
// their offsets.
// Only while the platform is stopped: a replica projecting beside the rebuild would write into the
// tables being truncated. A platform process present on the servers (replica-presence.ts) or an
// aggregator group with members means it runs, and the rebuild refuses; a platform starting while the
// rebuild runs is refused in turn. The servers restore (servers.backup.ts) ends with this rebuild,
// its version records replaced by the restored log's as well (`versionRecords`).
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import type { PlatformConfig } from './config.js';
import { openEngines } from './engines.js';
import { step } from './progress.js';
import { defaultTenantId, startDeployment } from './tenants/deployment.js';
import { presentReplicas } from './tenants/replica-presence.js';

/** the platform still runs: its consumer groups have members */
export class RebuildRefused extends Error {}

/** the aggregator groups (the default tenant's and every tenant's, `tenant.<id>.aggregator`) that have members now */
export async function runningAggregators(config: PlatformConfig): Promise<{ group: string; members: number }[]> {
  const kafka = createKafkaEventLog({ brokers: config.KAFKA_BROKERS!.split(','), clientId: 'platform-rebuild-check' });
  try {
    const admin = await kafka.admin();
    const groups = (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g === 'aggregator' || /^tenant\.[^.]+\.aggregator$/.test(g));
    if (groups.length === 0) return [];
    const described = await admin.describeGroups(groups);
    return described.groups.filter((g) => g.members.length > 0).map((g) => ({ group: g.groupId, members: g.members.length }));
  } finally {
    await kafka.close();
  }
}

export interface ServersRebuildOptions {
  /**
   * also replace every tenant's version records (ingest_records) by what its log holds and drop
   * the audit rows of deliveries past the log's end: the servers restore, whose PostgreSQL dump may
   * be ahead of the log's cut (servers.backup.ts)
   */
  versionRecords?: boolean;
}

/** Rebuilds every tenant's warehouse from its log; refuses (RebuildRefused) while the platform runs. Resolves with the tenants rebuilt. */
export async function rebuildServers(config: PlatformConfig, options: ServersRebuildOptions = {}): Promise<string[]> {
  const versionRecords = options.versionRecords === true;
  const engines = await openEngines(config, { rebuildWarehouse: true, rebuildVersionRecords: versionRecords });
  const rebuilt = [defaultTenantId];
  try {
    // a platform present (its row, written before it does anything) or a consumer in an aggregator
    // group (a standalone aggregator, or a platform of a release before the rows) is running
    const [present, running] = await Promise.all([presentReplicas(engines.database, 'serve'), runningAggregators(config)]);
    if (present.length > 0 || running.length > 0) {
      const what = [
        ...(present.length > 0 ? [`platform processes on ${[...new Set(present.map((p) => p.host))].join(', ')}`] : []),
        ...(running.length > 0 ? [`consumer groups with members: ${running.map((r) => `${r.group}: ${r.members} member${r.members === 1 ? '' : 's'}`).join(', ')}`] : []),
      ];
      throw new RebuildRefused(
        `the platform is running (${what.join('; ')}): stop every replica first (kubectl scale deployment/platform --replicas=0, and every standalone aggregator), then run the rebuild again`,
      );
    }
    step(`Warehouse aus den Kafka-Topics neu aufbauen (${config.KAFKA_BROKERS}, ${config.CLICKHOUSE_URL})`);
    // the default tenant's rebuild runs inside its start; on a free local port meanwhile
    const deployment = await startDeployment({ ...config, SP_HOST: '127.0.0.1', SP_PORT: 0 }, engines, { rebuildWarehouses: true, rebuildVersionRecords: versionRecords });
    try {
      for (const id of deployment.registered()) {
        if (id === defaultTenantId) continue;
        step(`Mandant ${id}: Warehouse aus seinen Kafka-Topics neu aufbauen`);
        const lease = await deployment.open(id);
        lease.release();
        rebuilt.push(id);
      }
    } finally {
      await deployment.close();
    }
  } finally {
    await engines.close();
  }
  return rebuilt;
}
