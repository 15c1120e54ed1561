// TEST HELPER: the small catalogues and area-statistic events the composite-index tests build on —
// a yearly population (`bev`: einwohner), an SGB II count (`sgb`: sgb_personen, optionally
// sgb_kinder), their ratio `sgb_quote` and indices over it, weighted by the population. Used by the
// index projector's tests here and by the gateway's and aggregator's tests of the same indices.
import type { Warehouse } from '@sp/ports';
import type { AreaMapRow } from '../area-map.js';
import { applyMigration, migrations } from '../migrations.js';
import type { AreaStatisticEvent } from '../projector.js';

export interface IndexYaml {
  code: string;
  version?: number;
  /** the indicators it combines, in order */
  inputs: readonly string[];
  /** the levels it is scored at (default: every level it names) */
  levels?: readonly string[];
}

/** One composite index definition as a catalogue list item: weighted by `einwohner`, two classes split at 0. */
export function indexYaml({ code, version = 1, inputs, levels }: IndexYaml): string {
  return [
    `  - code: ${code}`,
    `    version: ${version}`,
    '    kind: index',
    `    name: ${code}`,
    `    definition: ${code}`,
    '    unit: SD',
    '    amt: statistik',
    '    polarity: -1',
    '    updateInterval: jährlich',
    '    synthetic: false',
    `    inputs: [${inputs.map((i) => `{ indicator: ${i} }`).join(', ')}]`,
    '    population: einwohner',
    '    minPopulation: 1',
    ...(levels ? [`    levels: [${levels.join(', ')}]`] : []),
    '    classes: [{ code: lo, label: lo, from: null }, { code: hi, label: hi, from: 0 }]',
    '',
  ].join('\n');
}

export interface SgbCatalogueYaml {
  /** how often the SGB II counts come (the population is yearly) */
  sgbPeriodicity: 'month' | 'year';
  /** the population dataset published (confidentiality: public) */
  publicPopulation?: boolean;
  /** also `sgb_kinder`, the children among the recipients (a second ratio's numerator) */
  children?: boolean;
  /** also `sgb_quote_12m`, the ratio's change to the same month a year before */
  change12m?: boolean;
  indices: readonly IndexYaml[];
}

/** The catalogue YAML of a population, SGB II counts, their ratio and the given indices. */
export function sgbCatalogueYaml(options: SgbCatalogueYaml): string {
  const [periodicity, interval] = options.sgbPeriodicity === 'month' ? ['month', 'monatlich'] : ['year', 'jährlich'];
  const sgbCount = (code: string, name: string) =>
    `  - { code: ${code}, version: 1, kind: count, name: ${name}, definition: ${name}, unit: P, amt: jobcenter, polarity: -1, updateInterval: ${interval}, synthetic: false, dataset: sgb, measure: ${code} }`;
  return (
    [
      'catalogueVersion: 1',
      'datasets:',
      `  bev: { name: Bevölkerung, periodicity: year, amt: statistik, synthetic: false${options.publicPopulation ? ', confidentiality: public' : ''} }`,
      `  sgb: { name: SGB II, periodicity: ${periodicity}, amt: jobcenter, synthetic: false }`,
      'indicators:',
      '  - { code: einwohner, version: 1, kind: count, name: E, definition: E, unit: P, amt: statistik, polarity: 0, updateInterval: jährlich, synthetic: false, dataset: bev, measure: einwohner }',
      sgbCount('sgb_personen', 'S'),
      ...(options.children ? [sgbCount('sgb_kinder', 'K')] : []),
      sgbQuoteYaml({ version: 1, numerator: 'sgb_personen', interval }),
      ...(options.change12m
        ? [
            `  - { code: sgb_quote_12m, version: 1, kind: change, name: C, definition: C, unit: pp, amt: jobcenter, polarity: -1, updateInterval: ${interval}, synthetic: false, of: sgb_quote, periods: 12, mode: absolute }`,
          ]
        : []),
      '',
    ].join('\n') + options.indices.map(indexYaml).join('')
  );
}

/** A version of the ratio `sgb_quote` as a catalogue list item (e.g. version 2 over the children: `numerator: sgb_kinder`). */
export function sgbQuoteYaml({ version, numerator, interval = 'jährlich' }: { version: number; numerator: string; interval?: string }): string {
  return `  - { code: sgb_quote, version: ${version}, kind: ratio, name: Q, definition: Q${version > 1 ? version : ''}, unit: "%", amt: jobcenter, polarity: -1, updateInterval: ${interval}, synthetic: false, numerator: ${numerator}, denominator: einwohner, factor: 100 }`;
}

/**
 * A factory of version-1 area-statistic events at one level (default STADTTEIL), keyed
 * dataset|level|area|period, each delivered a millisecond after the one before from `from`.
 */
export function statisticEvents(options: { level?: string; amt?: string; from?: number } = {}) {
  const level = options.level ?? 'STADTTEIL';
  const from = options.from ?? Date.UTC(2025, 0, 1);
  let seq = 0;
  return (dataset: string, areaCode: string, period: string, values: Record<string, number>): AreaStatisticEvent => {
    seq += 1;
    return {
      key: `${dataset}|${level}|${areaCode}|${period}`,
      version: 1,
      tombstone: false,
      deliveredAt: from + seq,
      amt: options.amt ?? 'statistik',
      deliveryId: `d-${seq}`,
      payload: {
        dataset,
        areaLevel: level,
        areaCode,
        period,
        synthetic: false,
        observations: Object.entries(values).map(([measure, value]) => ({ measure, dimensions: {}, value })),
      },
    };
  };
}

/** The area map of a city (STADT 0) of the given Stadtteile: each at its own level and in the city. */
export function stadtteilAreaMap(codes: readonly string[]): AreaMapRow[] {
  return [
    { childLevel: 'STADT', childCode: '0', level: 'STADT', code: '0' },
    ...codes.flatMap((code) => [
      { childLevel: 'STADTTEIL', childCode: code, level: 'STADTTEIL', code },
      { childLevel: 'STADTTEIL', childCode: code, level: 'STADT', code: '0' },
    ]),
  ];
}

/**
 * The warehouse with every query statement recorded as run (its SQL, then its parameters as JSON);
 * `countReads()`: those of them that read counts from cells (a GROUP BY on cells).
 */
export function recordingQueries(wh: Warehouse): { warehouse: Warehouse; statements: string[]; countReads: () => string[] } {
  const statements: string[] = [];
  const warehouse = new Proxy(wh, {
    get(target, name) {
      const value = Reflect.get(target, name);
      if (name === 'query') return (sql: string, params?: unknown, ...rest: unknown[]) => (statements.push(`${sql} ${JSON.stringify(params ?? {})}`), value.call(target, sql, params, ...rest));
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { warehouse, statements, countReads: () => statements.filter((s) => /\bFROM cells\b/.test(s) && /GROUP BY/.test(s)) };
}

/** A warehouse as a release that knew the migrations up to `lastId` left it: those applied and recorded, none after. */
export async function migrateWarehouseTo(warehouse: Warehouse, lastId: number): Promise<void> {
  const known = migrations.filter((m) => m.id <= lastId);
  for (const m of known) await applyMigration(warehouse, m);
  await warehouse.insert(
    'schema_migrations',
    known.map((m) => ({ id: m.id, name: m.name })),
  );
}
