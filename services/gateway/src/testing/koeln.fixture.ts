// TEST FIXTURE: the real Köln spatial reference and the real 2012 Einwohner per Stadtteil
// (../shared/data/koeln/statistik), rolled up to Bezirke and the city, plus a small catalogue.
// Rows outside the real data (a synthetic SGB-II count with a suppressed cell, an unpublished
// indicator, a composite index) are made up for the tests and labelled synthetic.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultDataRoot, loadReference, parseCsv } from '@sp/spatial';
import { areaSourceFromReference } from '../adapters/spatial.source.js';
import type { AreaSource, CatalogueSource, IndicatorMeta } from '../sources.js';
import type { MemoryCell } from './memory-indicator-reader.js';

let areas: AreaSource | undefined;
export function koelnAreas(): AreaSource {
  areas ??= areaSourceFromReference(loadReference('koeln'));
  return areas;
}

/** Einwohner 2012 per Stadtteil code, from the city's open data. */
export function einwohner2012(): Map<string, number> {
  const text = readFileSync(join(defaultDataRoot(), 'data/koeln/statistik/koeln_2012_einwohner_altersgruppen_stadtteile.csv'), 'utf8');
  return new Map(parseCsv(text).map((r) => [r['Nr.']!, Number(r['Einwohner insgesamt'])]));
}

/** Catalogue metadata for a test indicator: a published yearly count unless `m` says otherwise. */
export const indicatorMeta = (m: Partial<IndicatorMeta> & Pick<IndicatorMeta, 'code' | 'name'>): IndicatorMeta => ({
  // rates and shares of the fixtures are in % (factor 100); the thresholds are the catalogue's defaults
  uncertainty: { factor: ['rate', 'share', 'ratio'].includes(m.kind ?? 'count') ? 100 : null, level: 0.95, minNumerator: 20, minDenominator: 100 },
  description: m.name,
  definition: m.name,
  unit: 'Personen',
  kind: 'count',
  sourceAmt: '12',
  polarity: 'NEUTRAL',
  updateInterval: 'jährlich',
  version: 1,
  synthetic: false,
  published: true,
  sources: ['bevoelkerung'],
  protection: { confidential: false, perturbed: false, maxNoise: null, variance: null, blockedUpTo: null, suppressBelow: null, expectedAbsoluteDeviation: null, note: null },
  ...m,
});

export const catalogue: CatalogueSource = {
  authorities: () => [
    { code: '50', name: 'Amt für Soziales, Arbeit und Senioren' },
    { code: '51', name: 'Amt für Kinder, Jugend und Familie' },
  ],
  indicators: () => [
    indicatorMeta({ code: 'einwohner', name: 'Einwohner insgesamt' }),
    indicatorMeta({ code: 'sgb2', name: 'SGB-II-Empfänger', sourceAmt: '50', polarity: 'NEGATIVE', synthetic: true, sources: ['synthetisch'] }),
    indicatorMeta({ code: 'sgb2_quote', name: 'SGB-II-Quote', kind: 'rate', unit: '%', sourceAmt: '50', polarity: 'NEGATIVE', synthetic: true, sources: ['synthetisch', 'bevoelkerung'] }),
    indicatorMeta({ code: 'hze_faelle', name: 'Hilfen zur Erziehung (Fälle)', sourceAmt: '51', published: false, synthetic: true, sources: ['synthetisch'] }),
  ],
  indices: () => [
    {
      code: 'sozialindex',
      name: 'Sozialindex',
      description: 'Status-Index aus SGB-II-Quote',
      inputs: [{ indicator: 'sgb2_quote', polarity: 'NEGATIVE' }],
      classes: [
        { label: 'hoch', from: null },
        { label: 'mittel', from: -1 },
        { label: 'niedrig', from: 1 },
      ],
      minPopulation: 300,
      version: 1,
      synthetic: true,
      published: true,
    },
  ],
  sources: () => [
    {
      code: 'bevoelkerung',
      name: 'Bevölkerung 2005–2012',
      licence: 'dl-de/by-2-0',
      attribution: 'Stadt Köln, Amt für Stadtentwicklung und Statistik – Offene Daten Köln',
      url: 'https://www.offenedaten-koeln.de',
      synthetic: false,
    },
    { code: 'synthetisch', name: 'Synthetisches Modell', licence: 'CC0', attribution: 'synthetische Demodaten (docs/synthetic-model.md)', url: null, synthetic: true },
  ],
};

/**
 * Cells: real Einwohner 2012 for every Stadtteil, Bezirk and the city; a synthetic SGB-II count
 * (2012) where Stadtteil 101 is below the threshold (PRIMARY) and 102 is hidden so 101 cannot be
 * recovered from the Bezirk total (SECONDARY), with its rate DERIVED-suppressed; Einwohner series
 * 2005–2012 (2012 real, earlier years scaled) for series tests; a later correction of 101 for as-of.
 */
export function koelnCells(): MemoryCell[] {
  const ew = einwohner2012();
  const cells: MemoryCell[] = [];
  const byBezirk = new Map<string, number>();
  const years = ['2005', '2006', '2007', '2008', '2009', '2010', '2011', '2012'];
  for (const [code, n] of ew) {
    const bezirk = code.slice(0, 1);
    byBezirk.set(bezirk, (byBezirk.get(bezirk) ?? 0) + n);
    years.forEach((y, i) => {
      const value = y === '2012' ? n : Math.round(n * (0.97 + i * 0.004));
      cells.push({ indicator: 'einwohner', level: 'STADTTEIL', areaCode: code, period: y, value, knownAt: `${Number(y) + 1}-03-01T00:00:00.000Z` });
    });
  }
  for (const [b, n] of byBezirk) cells.push({ indicator: 'einwohner', level: 'STADTBEZIRK', areaCode: b, period: '2012', value: n, knownAt: '2013-03-01T00:00:00.000Z' });
  const city = [...ew.values()].reduce((a, b) => a + b, 0);
  cells.push({ indicator: 'einwohner', level: 'STADT', areaCode: '0', period: '2012', value: city, knownAt: '2013-03-01T00:00:00.000Z' });
  // a preliminary figure for Altstadt-Süd 2012, corrected on 2013-03-01: as-of before then shows it
  cells.push({ indicator: 'einwohner', level: 'STADTTEIL', areaCode: '101', period: '2012', value: 27400, knownAt: '2013-01-15T00:00:00.000Z' });

  // synthetic SGB-II: 2 % of Einwohner, Altstadt-Süd 2 persons (primary), Neustadt-Süd secondary
  let bezirk1 = 0;
  for (const [code, n] of ew) {
    const value = code === '101' ? 2 : Math.round(n * 0.02);
    if (code.startsWith('1')) bezirk1 += value;
    const suppress = code === '101' ? ('PRIMARY' as const) : code === '102' ? ('SECONDARY' as const) : undefined;
    cells.push({ indicator: 'sgb2', level: 'STADTTEIL', areaCode: code, period: '2012', value, synthetic: true, confidential: true, ...(suppress ? { suppress } : {}) });
    cells.push({
      indicator: 'sgb2_quote',
      level: 'STADTTEIL',
      areaCode: code,
      period: '2012',
      value: (value / n) * 100,
      numerator: value,
      denominator: n,
      synthetic: true,
      confidential: true,
      ...(suppress ? { suppress: 'DERIVED' as const } : {}),
    });
  }
  cells.push({ indicator: 'sgb2', level: 'STADTBEZIRK', areaCode: '1', period: '2012', value: bezirk1, synthetic: true });
  cells.push({ indicator: 'hze_faelle', level: 'STADTTEIL', areaCode: '101', period: '2012', value: 40, synthetic: true });
  return cells;
}

export const truth = { altstadtSuedSgb2: 2 };
