// TEST HELPER: the aggregator tests' catalogue — a yearly population, a monthly count, and an index
// over the monthly rate and its change to the same month a year before (so the index of 2012 reads
// December 2011 too). Used by the live, rebuild and replay-equals-incremental tests alike.
import { indexYaml } from '@sp/indicator-store/testing';
import { parseCatalogue } from '@sp/indicators';

export const dynamikCatalogue = parseCatalogue(`
catalogueVersion: 1
datasets:
  bevoelkerung: { name: Bevölkerung, periodicity: year, amt: statistik, synthetic: false }
  sgb2: { name: SGB II, periodicity: month, amt: jobcenter, synthetic: false }
indicators:
  - { code: einwohner, version: 1, kind: count, name: E, definition: E, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: bevoelkerung, measure: einwohner }
  - { code: sgb2_personen, version: 1, kind: count, name: S, definition: S, unit: P, amt: jobcenter, polarity: -1, updateInterval: monatlich, synthetic: false, dataset: sgb2, measure: sgb2_personen }
  - { code: sgb2_quote, version: 1, kind: ratio, name: Q, definition: Q, unit: "%", amt: jobcenter, polarity: -1, updateInterval: monatlich, synthetic: false, numerator: sgb2_personen, denominator: einwohner, factor: 100 }
  - { code: sgb2_quote_12m, version: 1, kind: change, name: C, definition: C, unit: pp, amt: jobcenter, polarity: -1, updateInterval: monatlich, synthetic: false, of: sgb2_quote, periods: 12, mode: absolute }
${indexYaml({ code: 'index_dynamik', inputs: ['sgb2_quote', 'sgb2_quote_12m'] })}`);
