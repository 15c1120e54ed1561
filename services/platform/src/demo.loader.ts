// Loads the Köln demo through the ingestion API, as the Ämter would deliver it: real population
// 2005–2012 (Statistik), synthetic social indicators (Jobcenter, Sozialamt, Wohnungsamt,
// Jugendamt, Gesundheitsamt), the real schools, playgrounds and OpenStreetMap facilities plus the
// synthetic offers the four registry questions need, and the example goals and measures.
// Runs once: a marker in the platform's database (embedded or the PostgreSQL server, wherever the
// data lives) makes a second start reuse what is loaded; every delivery is idempotent, so a load
// cut off halfway is simply run again.
import { haanExamplePath, koelnThemesPath, readKoelnDemo } from '@sp/controlling';
import { buildKoelnDemo } from '@sp/demo';
import type { FeedCatalogue } from '@sp/feeds';
import type { Database } from '@sp/ports';
import { buildDemoRegistry, readDemoSources } from '@sp/registry';
import { postDelivery } from './http-delivery.js';
import type { AreaReference } from '@sp/spatial';
import { Progress, step } from './progress.js';

export interface DemoLoaderDeps {
  baseUrl: string;
  keys: Record<string, string>;
  feeds: FeedCatalogue;
  reference: AreaReference;
  database: Database;
  /** resolves when every projection has caught up with the log */
  caughtUp: () => Promise<void>;
}

const BATCH = 1000;

const stateTable = `CREATE TABLE IF NOT EXISTS platform_state (name text PRIMARY KEY, value text NOT NULL, updated_at timestamptz NOT NULL DEFAULT now())`;

/** when the Köln demo finished loading into these engines, or null */
export async function demoLoadedAt(database: Database): Promise<string | null> {
  await database.exec(stateTable);
  const { rows } = await database.query<{ value: string }>(`SELECT value FROM platform_state WHERE name = 'demo-loaded'`);
  return rows[0]?.value ?? null;
}

export async function markDemoLoaded(database: Database, value = new Date().toISOString()): Promise<void> {
  await database.exec(stateTable);
  await database.query(`INSERT INTO platform_state (name, value) VALUES ('demo-loaded', $1) ON CONFLICT (name) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`, [value]);
}

export async function loadKoelnDemo(deps: DemoLoaderDeps): Promise<void> {
  step('Köln-Demo laden (über die Ingestion-API)');
  const post = async (amt: string, recordType: string, records: readonly unknown[]) => {
    const key = deps.keys[amt];
    if (!key) throw new Error(`no API key for Amt ${amt}`);
    const res = await postDelivery(deps.baseUrl, recordType, key, JSON.stringify({ records }));
    if (!res.ok) throw new Error(`demo delivery ${recordType} by ${amt} failed with ${res.status}: ${(await res.text()).slice(0, 2000)}`);
  };

  // area statistics, each dataset by the Amt the feed catalogue names for it
  const demo = buildKoelnDemo({ reference: deps.reference });
  const records = [...demo.real, ...demo.synthetic];
  const amtOf = new Map<string, string>();
  for (const amt of deps.feeds.amtCodes()) for (const d of deps.feeds.datasetsOf(amt)) if (!amtOf.has(d)) amtOf.set(d, amt);
  const byAmt = new Map<string, typeof records>();
  for (const r of records) {
    const amt = amtOf.get(r.dataset);
    if (!amt) throw new Error(`no Amt delivers dataset ${r.dataset}`);
    byAmt.set(amt, [...(byAmt.get(amt) ?? []), r]);
  }
  const stats = new Progress('Gebietsstatistiken', records.length);
  let done = 0;
  for (const [amt, list] of byAmt) {
    for (let i = 0; i < list.length; i += BATCH) {
      const batch = list.slice(i, i + BATCH);
      await post(amt, 'area-statistic', batch);
      done += batch.length;
      stats.update(done, amt);
    }
  }
  stats.done(`${records.length} Datensätze (${demo.real.length} real, ${demo.synthetic.length} synthetisch)`);

  // the infrastructure registry
  const registry = buildDemoRegistry(readDemoSources(), { insideCity: (lat, lon) => deps.reference.locate(lat, lon) !== undefined });
  const offers = new Progress('Angebote (Bestand)', registry.offers.length);
  const offersByAmt = new Map<string, typeof registry.offers>();
  for (const o of registry.offers) offersByAmt.set(o.amt, [...(offersByAmt.get(o.amt) ?? []), o]);
  done = 0;
  for (const [amt, list] of offersByAmt) {
    for (let i = 0; i < list.length; i += BATCH) {
      const batch = list.slice(i, i + BATCH);
      await post(amt, 'offer', batch);
      done += batch.length;
      offers.update(done, amt);
    }
  }
  offers.done(`${registry.offers.length} Angebote`);

  // goals and measures (examples), in delivery order; milestones and reports need their measure
  const planning = readKoelnDemo();
  const plans = new Progress('Ziele und Maßnahmen (Beispiele)', planning.deliveries.length);
  done = 0;
  for (const d of planning.deliveries) {
    await post('planung', d.recordType, [d.record]);
    plans.update(++done, d.recordType);
  }
  plans.done(`${planning.deliveries.length} Lieferungen`);

  // the example project after the Haan status report: work packages with planned and actual periods, M1–M10
  const haan = readKoelnDemo(haanExamplePath);
  const project = new Progress('Beispielprojekt (Arbeitspakete nach dem Sachstandsbericht Haan)', haan.deliveries.length);
  done = 0;
  for (const d of haan.deliveries) {
    await post('planung', d.recordType, [d.record]);
    project.update(++done, d.recordType);
  }
  project.done(`${haan.deliveries.length} Lieferungen`);

  // example topics of the Sozialräume (Lebenswerte Veedel), some turned into the measures above
  const themes = readKoelnDemo(koelnThemesPath);
  const topics = new Progress('Themen im Sozialraum (Beispiele)', themes.deliveries.length);
  done = 0;
  for (const d of themes.deliveries) {
    await post('planung', d.recordType, [d.record]);
    topics.update(++done, d.recordType);
  }
  topics.done(`${themes.deliveries.length} Lieferungen`);

  const wait = new Progress('Projektionen (Indikatoren, Register, Controlling)', 1);
  await deps.caughtUp();
  wait.done();
  await markDemoLoaded(deps.database);
}
