// Hamburg as a tenant of the demo deployment, beside Köln and Musterstadt: its real Stadtteil-Profile
// 2014 (docs/hamburg.md), delivered by the Hamburg loader through the tenant's own ingestion API
// (`…/t/hamburg/v1/deliveries/…`) with its own Statistikamt's key, as the city would. Once: a marker
// in the tenant's own database; every delivery is idempotent, so a cut-off load is run again.
import { defaultDataRoot } from '@sp/spatial';
import { type DemoLoaderDeps, demoLoadedAt, markDemoLoaded } from '../demo.loader.js';
import { loadHamburg } from '../hamburg.loader.js';
import { Progress, step } from '../progress.js';
import { demoLoaderDeps, demoTenant } from './demo-tenants.js';
import type { Deployment } from './deployment.js';

export const hamburgDemo = { id: 'hamburg', name: 'Hamburg', kind: 'stadt', reference: 'hamburg' } as const;

/** the demo loader's deps without feeds and reference (the loader reads its own), plus the shared data root */
export type HamburgDemoDeps = Pick<DemoLoaderDeps, 'baseUrl' | 'keys' | 'database' | 'caughtUp'> & {
  /** the shared data root holding data/hamburg (@sp/spatial's defaultDataRoot()) */
  dataRoot: string;
};

/** loads Hamburg's figures once; returns false when they were loaded before */
export async function loadHamburgDemo(deps: HamburgDemoDeps): Promise<boolean> {
  if (await demoLoadedAt(deps.database)) return false;
  const apiKey = deps.keys.statistik;
  if (!apiKey) throw new Error('the Hamburg tenant has no key of the Amt statistik (catalogue/hamburg/feeds.yaml)');
  step('Hamburg laden (Stadtteil-Profile 2014, real, über die Ingestion-API des Mandanten)');
  const progress = new Progress('Gebietsstatistiken Hamburg', 1);
  const result = await loadHamburg({ baseUrl: deps.baseUrl, apiKey, dataRoot: deps.dataRoot });
  progress.done(
    `Gebietsgliederung (${Object.entries(result.reference)
      .map(([what, n]) => `${what}: ${n}`)
      .join(', ')}) und ${result.records} Datensätze (Statistikamt Nord, Hamburger Stadtteil-Profile 2014, dl-de/by-2-0)`,
  );
  await deps.caughtUp();
  await markDemoLoaded(deps.database);
  return true;
}

/** creates the Hamburg tenant on the deployment when it is not registered, then loads it once (the README's main command) */
export async function startHamburgDemo(deployment: Deployment, dataRoot = defaultDataRoot()): Promise<void> {
  const lease = await demoTenant(deployment, hamburgDemo);
  try {
    const city = lease.runtime;
    const loaded = await loadHamburgDemo({ ...demoLoaderDeps(deployment, city), dataRoot });
    if (!loaded) process.stdout.write(`  ✓ Hamburg bereits geladen (${deployment.tenantUrl(city.id)}/)\n`);
  } finally {
    lease.release();
  }
}
