// One command, the whole platform in one process on embedded engines (SP_ENGINES=servers for
// Kafka, PostgreSQL and ClickHouse). Loads the Köln demo on the first start.
import 'reflect-metadata';
import { loadConfig } from './config.js';
import { DATA_DIR_FORMAT, DataFormatError } from './data-dir.format.js';
import { demoLoadedAt, loadKoelnDemo } from './demo.loader.js';
import { openEngines } from './engines.js';
import { demoLoaderDeps } from './tenants/demo-tenants.js';
import { defaultTenantId, startDeployment } from './tenants/deployment.js';
import { startHamburgDemo } from './tenants/hamburg.demo.js';
import { startMusterstadtDemo } from './tenants/musterstadt.demo.js';
import { latestDatasetVersion } from '@sp/indicator-store';
import { demoReferenceName } from '@sp/spatial';
import { koelnBasePrognose } from './prognose/koeln.prognose.js';
import { step } from './progress.js';

const config = loadConfig();
step(`Engines starten (${config.SP_ENGINES === 'embedded' ? 'eingebettet' : 'Server'})`);
// a data directory or database written by a newer release is refused with the reason, not a stack trace
const refuse = (error: unknown): never => {
  if (!(error instanceof DataFormatError)) throw error;
  process.stderr.write(`Start abgelehnt (${error.code}): ${error.message}\n`);
  process.exit(2);
};
const engines = await openEngines(config).catch(refuse);
process.stdout.write(`  ✓ ${engines.describe}\n`);
if (typeof engines.formatBefore === 'number' && engines.formatBefore < DATA_DIR_FORMAT) {
  process.stdout.write(`  ✓ Datenverzeichnis von Format ${engines.formatBefore} auf ${DATA_DIR_FORMAT} gebracht (die Migrationen der Datenbank und des Warehouse laufen beim Start)\n`);
}
step('Plattform starten');
// one deployment: Köln (the default tenant) on these engines, every registered tenant on its own (docs/tenants.md)
const deployment = await startDeployment(config, engines).catch(async (error: unknown) => {
  await engines.close().catch(() => undefined);
  return refuse(error);
});
const platform = deployment.platform;
// the consumers join in the background (after a crash on Kafka: once the dead members' sessions ended)
platform.projections.started.then(
  () => process.stdout.write('  ✓ Projektionen verbunden\n'),
  () => undefined,
);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  process.stdout.write(`\n${signal}: Plattform wird beendet …\n`);
  await deployment.close();
  await engines.close();
  process.exit(0);
};
process.on('SIGINT', () => void stop('SIGINT'));
process.on('SIGTERM', () => void stop('SIGTERM'));

// the Köln demo fits only the Köln reference; another city (SP_REFERENCE) delivers its own data (docs/hamburg.md)
if (config.SP_DEMO && platform.reference.id !== demoReferenceName) {
  process.stdout.write(`  ✓ Köln-Demo nicht geladen: die Plattform läuft mit der Gebietsreferenz ${platform.reference.id} (SP_DEMO=0 schaltet diesen Hinweis ab)\n`);
  config.SP_DEMO = false;
}
const demo = config.SP_DEMO;
const demoAt = demo ? await demoLoadedAt(engines.database) : null;
if (demo && !demoAt) {
  await loadKoelnDemo(demoLoaderDeps(deployment, deployment.runtimes.get(defaultTenantId)!));
} else if (demo) {
  process.stdout.write(`  ✓ Köln-Demo bereits geladen (${demoAt}; ${engines.describe})\n`);
}
// the small town with 7 Sozialräume and Hamburg as tenants beside Köln (docs/tenants.md)
if (config.SP_DEMO) {
  if (config.SP_DEMO_TENANTS.includes('musterstadt')) await startMusterstadtDemo(deployment);
  // Hamburg, the second real city, as the third tenant: its published figures through its own API (docs/hamburg.md)
  if (config.SP_DEMO_TENANTS.includes('hamburg')) await startHamburgDemo(deployment);
}
process.stdout.write(`
Sozialplanung läuft.
  Dashboard:  ${platform.url}/
  GraphQL:    ${platform.url}/graphql   (GraphiQL im Browser)
  OGC API:    ${platform.url}/ogc   (Features für GIS, z. B. ogrinfo OAPIF:${platform.url}/ogc)
  Ingestion:  ${platform.url}/v1/deliveries/{recordType}   (API-Schlüssel je Amt: ${platform.keys.file})
  Mandanten:  ${tenantsLine(deployment.registered(), deployment.tenantUrl)}   (Verwaltung: ${platform.url}/admin/tenants, docs/tenants.md)
  Anmeldung:  ${platform.identity.mode === 'embedded' ? `${platform.identity.issuer()}   (eigener OIDC-Anbieter; Benutzer: pnpm identity users add …)` : `${platform.identity.issuer()}   (externer OIDC-Anbieter)`}
Beenden mit Strg+C.
`);

// The base scenario of the population projection (docs/projection.md §7.1), once, in the
// background: the server is ready without it, and a failure is reported, not fatal. It waits for
// the read models so that it projects the population the warehouse has (after a restart or a repair
// they may still be catching up). The computation is deterministic, so a run cut off and repeated
// delivers the same payloads again and the ingestion answers "unchanged".
if (demo) {
  void (async () => {
    await platform.projections.caughtUp();
    if ((await latestDatasetVersion(engines.warehouse, koelnBasePrognose.dataset)) > 0) return;
    const run = await platform.runPrognose();
    await platform.projections.caughtUp();
    process.stdout.write(`  ✓ ${run.dataset.label}: ${run.records} Datensätze, ${run.areas} Gebiete, ${run.dataset.periods.from}–${run.dataset.periods.to}\n`);
  })().catch((error: unknown) => {
    if (!stopping) process.stderr.write(`  ✗ Bevölkerungsprognose nicht gerechnet: ${error instanceof Error ? error.message : String(error)}\n`);
  });
}

/** the registered tenants with their URLs; past ten, their number (they open on demand, docs/tenants.md) */
function tenantsLine(ids: readonly string[], url: (id: string) => string): string {
  const shown = ids.slice(0, 10).map((id) => `${id} ${url(id)}/`);
  return ids.length > 10 ? `${shown.join(', ')} … (${ids.length} registriert)` : shown.join(', ');
}
