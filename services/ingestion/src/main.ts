// Standalone ingestion service for one Amt, and its composition root: Kafka + PostgreSQL adapters,
// the city's spatial reference and indicator catalogue, the controlling deciders as the planning
// transition check; configuration from SP_INGESTION_CONFIG / environment (ingestion.config.ts).
// Deliveries are checked against the tenant's delivered levels, areas and indicator definitions
// stored in its database (@sp/delivered), as the writer (the standalone aggregator or the platform)
// last applied them, followed every deliveredPollMs; this process writes none of them.
import 'reflect-metadata';
import { refusingRevokedUsers } from '@sp/identity/revoked-users';
import { createTokenVerifier, remoteKeys } from '@sp/identity/tokens';
import { createPgDatabase } from '@sp/database-pg';
import { openDeliveredReader } from '@sp/delivered';
import { createKafkaEventLog } from '@sp/eventlog-kafka';
import { recordTypes, topology } from '@sp/events';
import { FeedCatalogue } from '@sp/feeds';
import { loadCatalogue } from '@sp/indicators';
import { loadReference } from '@sp/spatial';
import { instrumentDatabase, instrumentEventLog, Telemetry } from '@sp/telemetry';
import { createIngestionApp } from './ingestion.app.js';
import { loadStandaloneConfig } from './ingestion.config.js';
import { mountObservability } from './observability.routes.js';
import { controllingPlanningCheck } from './planning-check.adapter.js';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

async function main(): Promise<void> {
  const config = loadStandaloneConfig();
  const telemetry = new Telemetry({ service: 'ingestion' });
  const kafkaLog = createKafkaEventLog({
    brokers: config.kafka.brokers,
    clientId: `${config.kafka.clientId}${config.ingestion.amt ? `-${config.ingestion.amt}` : ''}`,
    appendTimeoutMs: config.ingestion.appendTimeoutMs,
  });
  const pg = createPgDatabase({ url: config.database.url });
  const eventLog = instrumentEventLog(kafkaLog, telemetry);
  const database = instrumentDatabase(pg, telemetry);
  const reference = loadReference(config.spatialReference);
  const indicators = config.indicatorCatalogue ? loadCatalogue(config.indicatorCatalogue) : loadCatalogue();
  const warn = telemetry.logger.lines('warn');
  const info = telemetry.logger.lines('info');
  // the checks below read the reference and catalogue objects, whose content a change replaces
  // the feed catalogue the keys and checks read; delivered datasets overlay its grants
  const feeds = config.ingestion.cataloguePath ? FeedCatalogue.load(config.ingestion.cataloguePath) : FeedCatalogue.load();
  const delivered = await openDeliveredReader({ database, reference, catalogue: indicators, feeds, log: warn });
  const following = delivered.follow({
    intervalMs: config.deliveredPollMs,
    onChanged: (kind) =>
      info(
        `[ingestion] the delivered ${kind === 'reference' ? 'levels and areas' : kind === 'datasets' ? 'datasets' : 'indicator definitions'} changed: deliveries are checked against them from now on`,
      ),
  });
  const spatial = spatialChecksFrom(reference);
  const records = topology(config.topics);
  const app = await createIngestionApp({
    eventLog,
    database,
    spatial,
    config: config.ingestion,
    topology: records,
    planningCheck: controllingPlanningCheck(),
    indicatorCodes: indicators.latest().map((i) => i.code),
    // delivered definitions are checked against the live catalogue (the pack's and the delivered ones)
    indicatorCatalogue: indicators,
    // the feed catalogue the delivered datasets overlay (openDeliveredReader above)
    catalogue: feeds,
    // persons' access tokens beside the API keys when an OIDC provider is named (docs/auth.md)
    ...(process.env.SP_OIDC_ISSUER && process.env.SP_OIDC_AUDIENCE
      ? {
          // a person the platform's admin disabled or deleted is refused within a second (their users are in this PostgreSQL)
          verifyToken: refusingRevokedUsers(
            createTokenVerifier({
              issuer: process.env.SP_OIDC_ISSUER,
              audience: process.env.SP_OIDC_AUDIENCE,
              keys: remoteKeys(process.env.SP_OIDC_ISSUER),
              claims: { role: process.env.SP_OIDC_ROLE_CLAIM || 'role', amt: process.env.SP_OIDC_AMT_CLAIM || 'amt', tenant: process.env.SP_OIDC_TENANT_CLAIM || 'tenant' },
            }),
            database,
          ),
        }
      : {}),
  });
  // the probe reads a topic this instance writes (created at start-up)
  const probed = (config.ingestion.amt ? feeds.recordTypesOf(config.ingestion.amt)[0] : undefined) ?? recordTypes[0];
  mountObservability(app, { eventLog: kafkaLog, database: pg, topic: { name: records.topicFor(probed), partitions: records.partitions }, telemetry });
  await app.listen(config.http.port, config.http.host);
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : config.http.port;
  console.log(`ingestion${config.ingestion.amt ? ` (${config.ingestion.amt})` : ''} listening on http://${config.http.host}:${port}`);
  const shutdown = async () => {
    following.stop();
    await app.close();
    await kafkaLog.close();
    await pg.close();
    await telemetry.shutdown();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
