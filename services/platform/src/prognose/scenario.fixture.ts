// TEST HELPER: a platform on embedded engines with what a scenario needs (docs/projection.md §8):
// the real Köln population delivered by the Statistikamt, the demo's Kitas, Grundschulen (capacity
// estimated from the 2012 pupils) and Pflegeheime (synthetic places) delivered by their Ämter, and the
// base projection run. Shared by the scenario int test and the scenario form's browser test.
import 'reflect-metadata';
import { join } from 'node:path';
import { buildKoelnDemo } from '@sp/demo';
import { buildDemoRegistry, readDemoSources } from '@sp/registry';
import { tempDir } from '@sp/testing';
import { loadConfig } from '../config.js';
import { openEngines, type Engines } from '../engines.js';
import { startPlatform, type Platform } from '../platform.js';

export interface ScenarioPlatform {
  engines: Engines;
  platform: Platform;
  dataDir: string;
  close(): Promise<void>;
}

export async function startScenarioPlatform(): Promise<ScenarioPlatform> {
  const config = loadConfig({ SP_DATA_DIR: join(tempDir('sp-scenario-'), 'data'), SP_PORT: '0', SP_DEMO: '0' });
  const engines = await openEngines(config);
  const platform = await startPlatform(config, engines);
  const deliver = async (amt: string, recordType: string, records: readonly unknown[]) => {
    for (let i = 0; i < records.length; i += 500) {
      const res = await fetch(`${platform.url}/v1/deliveries/${recordType}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${platform.keys.keys[amt]}`, 'content-type': 'application/json' },
        body: JSON.stringify({ records: records.slice(i, i + 500) }),
      });
      if (res.status !== 200) throw new Error(`delivery of ${recordType} as ${amt}: ${res.status} ${await res.text()}`);
    }
  };
  await deliver(
    'statistik',
    'area-statistic',
    buildKoelnDemo({ reference: platform.reference }).real.filter((r) => r.dataset === 'bevoelkerung'),
  );
  const offers = buildDemoRegistry(readDemoSources(), { insideCity: (lat, lon) => platform.reference.locate(lat, lon) !== undefined }).offers.filter(
    (o) => o.offerType === 'kita' || o.subtype === 'grundschule' || o.offerType === 'seniorenheim',
  );
  for (const amt of new Set(offers.map((o) => o.amt)))
    await deliver(
      amt,
      'offer',
      offers.filter((o) => o.amt === amt),
    );
  await platform.projections.caughtUp();
  await platform.runPrognose();
  await platform.projections.caughtUp();
  return {
    engines,
    platform,
    dataDir: config.dataDir,
    close: async () => {
      await platform.close();
      await engines.close();
    },
  };
}
