// The Köln demo delivery: real population (and 2012 pupils) plus the synthetic social figures, as
// area-statistic records ready for the ingestion API. No I/O beyond reading the shared data files.
import { defaultDataRoot, loadReference, type AreaReference } from '@sp/spatial';
import type { AreaStatisticRecord } from './area-statistic.js';
import { populationRecords, pupilRecords2012 } from './population.builder.js';
import { syntheticRecords } from './synthetic.model.js';

export interface KoelnDemoOptions {
  dataRoot?: string;
  seed?: number;
  /** SGB-II months, default 2008-01 … 2012-12 */
  from?: string;
  to?: string;
  /** a loaded Köln reference, to avoid loading the geometries twice */
  reference?: AreaReference;
}

export interface KoelnDemo {
  /** real: bevoelkerung 2005–2012 and schueler 2012, Stadtteil level only */
  real: AreaStatisticRecord[];
  /** synthetic: sgb2 (monthly), grundsicherung, wohngeld, hze, schuleingang (yearly) */
  synthetic: AreaStatisticRecord[];
}

/** Stadtteile that were (whole or partly) in a Sozialraumgebiet on the given date. */
export function sozialraumStadtteile(reference: AreaReference, at: string): Set<string> {
  const out = new Set<string>();
  for (const sr of reference.areas('SOZIALRAUM', { at })) {
    for (const m of sr.members) out.add(m.level === 'STADTTEIL' ? m.code : m.code.slice(0, 3));
  }
  return out;
}

export function buildKoelnDemo(opts: KoelnDemoOptions = {}): KoelnDemo {
  const dataRoot = opts.dataRoot ?? defaultDataRoot();
  const population = populationRecords(dataRoot);
  const reference = opts.reference ?? loadReference('koeln', { dataRoot });
  const synthetic = syntheticRecords(population, {
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.from ? { from: opts.from } : {}),
    ...(opts.to ? { to: opts.to } : {}),
    // the areas of the programme during the modelled years (2006–2019 composition)
    sozialraumStadtteile: sozialraumStadtteile(reference, '2012-12-31'),
  });
  return { real: [...population, ...pupilRecords2012(dataRoot)], synthetic };
}
