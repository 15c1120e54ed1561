// The demo of Musterstadt, the fictional small town with 7 Sozialräume (the fixture of
// packages/spatial/reference/fixtures/musterstadt.yaml): synthetic population and SGB II counts per
// Sozialraum, 2010–2012, delivered through the tenant's own ingestion API with its own Ämter's keys,
// as the town's offices would. Deterministic; every delivery is idempotent, a cut-off load is run again.
import { areaStatistic, type AreaStatisticRecord, type Observation } from '@sp/demo';
import type { AreaReference } from '@sp/spatial';
import { type DemoLoaderDeps, demoLoadedAt, markDemoLoaded } from '../demo.loader.js';
import { postDelivery } from '../http-delivery.js';
import { demoLoaderDeps, demoTenant } from './demo-tenants.js';
import type { Deployment } from './deployment.js';
import { Progress, step } from '../progress.js';

export const musterstadtDemo = { id: 'musterstadt', name: 'Musterstadt', kind: 'gemeinde', reference: 'musterstadt' } as const;

const SOURCE = 'Synthetische Testdaten (Musterstadt ist fiktiv)';
const YEARS = [2010, 2011, 2012];
/** residents of Sozialraum 1…7 in 2010 (a town of about 28 000, like Haan) */
const RESIDENTS = [5200, 4100, 3600, 6100, 2900, 4400, 1800];
/** SGB II persons per 100 residents under 65, per Sozialraum */
const SGB2_RATE = [6.5, 9.8, 4.1, 12.4, 3.2, 7.7, 5.0];
const AGE_SHARES: Record<string, number> = {
  '0-3': 0.027,
  '3-6': 0.027,
  '6-10': 0.036,
  '10-15': 0.045,
  '15-18': 0.028,
  '18-25': 0.07,
  '25-35': 0.11,
  '35-45': 0.12,
  '45-55': 0.16,
  '55-60': 0.075,
  '60-65': 0.067,
  '65-75': 0.11,
};

/** the records of the town's demo, by dataset; level and codes from its reference */
export function buildMusterstadtDemo(reference: AreaReference): AreaStatisticRecord[] {
  const level = reference.hierarchyLevels[1]!;
  const areas = reference.areas(level);
  const out: AreaStatisticRecord[] = [];
  areas.forEach((area, i) => {
    for (const [y, year] of YEARS.entries()) {
      const total = Math.round(RESIDENTS[i % RESIDENTS.length]! * (1 + 0.006 * y * (i % 3 === 0 ? -1 : 1)));
      const bands = Object.entries(AGE_SHARES).map(([alter, share]) => ({ alter, value: Math.round(total * share) }));
      const under65 = bands.filter((b) => b.alter !== '65-75').reduce((s, b) => s + b.value, 0);
      // 75+ is the rest, so the bands add up to the total
      bands.push({ alter: '75+', value: total - bands.reduce((s, b) => s + b.value, 0) });
      const age: Observation[] = bands.map((b) => ({ measure: 'einwohner_alter', dimensions: { alter: b.alter }, value: b.value }));
      const m = Math.round(total * 0.49);
      out.push(
        areaStatistic({
          dataset: 'bevoelkerung',
          areaLevel: level,
          areaCode: area.code,
          period: String(year),
          observations: [
            { measure: 'einwohner', dimensions: {}, value: total },
            { measure: 'einwohner_geschlecht', dimensions: { geschlecht: 'm' }, value: m },
            { measure: 'einwohner_geschlecht', dimensions: { geschlecht: 'w' }, value: total - m },
            ...age,
          ],
          synthetic: true,
          source: SOURCE,
        }),
      );
      const sgb2 = Math.round((under65 * SGB2_RATE[i % SGB2_RATE.length]! * (1 + 0.03 * y)) / 100);
      const u15 = Math.round(sgb2 * 0.3);
      const persons: Observation[] = [
        ['u15', u15],
        ['15-65', sgb2 - u15],
      ].flatMap(([alter, n]) => [
        { measure: 'sgb2_personen', dimensions: { alter: String(alter), geschlecht: 'm' }, value: Math.floor(Number(n) / 2) },
        { measure: 'sgb2_personen', dimensions: { alter: String(alter), geschlecht: 'w' }, value: Math.ceil(Number(n) / 2) },
      ]);
      out.push(
        areaStatistic({
          dataset: 'sgb2',
          areaLevel: level,
          areaCode: area.code,
          period: `${year}-12`,
          observations: [
            ...persons,
            { measure: 'sgb2_bedarfsgemeinschaften', dimensions: {}, value: Math.round(sgb2 / 1.9) },
            { measure: 'sgb2_bg_alleinerziehend', dimensions: {}, value: Math.round(sgb2 / 12) },
          ],
          synthetic: true,
          source: SOURCE,
        }),
      );
    }
  });
  return out;
}

/** what the Köln demo's loader needs, for the town's own API and database (baseUrl `…/t/musterstadt`) */
export type MusterstadtDemoDeps = DemoLoaderDeps;

/** loads the town's demo once (a marker in its own database); returns false when it was loaded before */
export async function loadMusterstadtDemo(deps: MusterstadtDemoDeps): Promise<boolean> {
  if (await demoLoadedAt(deps.database)) return false;
  step('Musterstadt-Demo laden (7 Sozialräume, synthetisch, über die Ingestion-API des Mandanten)');
  const records = buildMusterstadtDemo(deps.reference);
  const progress = new Progress('Gebietsstatistiken Musterstadt', records.length);
  let done = 0;
  for (const dataset of new Set(records.map((r) => r.dataset))) {
    const amt = deps.feeds.amtCodes().find((a) => deps.feeds.datasetsOf(a).includes(dataset));
    const key = amt ? deps.keys[amt] : undefined;
    if (!amt || !key) throw new Error(`no Amt of Musterstadt delivers dataset ${dataset}`);
    const batch = records.filter((r) => r.dataset === dataset);
    const res = await postDelivery(deps.baseUrl, 'area-statistic', key, JSON.stringify({ records: batch }));
    if (!res.ok) throw new Error(`Musterstadt delivery ${dataset} by ${amt} failed with ${res.status}: ${(await res.text()).slice(0, 2000)}`);
    done += batch.length;
    progress.update(done, amt);
  }
  progress.done(`${records.length} Datensätze (synthetisch)`);
  await deps.caughtUp();
  await markDemoLoaded(deps.database);
  return true;
}

/** creates the town's tenant on the deployment when it is not registered, then loads its demo once (the README's main command) */
export async function startMusterstadtDemo(deployment: Deployment): Promise<void> {
  const lease = await demoTenant(deployment, musterstadtDemo);
  try {
    const town = lease.runtime;
    const loaded = await loadMusterstadtDemo(demoLoaderDeps(deployment, town));
    if (!loaded) process.stdout.write(`  ✓ Musterstadt-Demo bereits geladen (${deployment.tenantUrl(town.id)}/)\n`);
  } finally {
    lease.release();
  }
}
