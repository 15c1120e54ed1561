// Datasets delivered by a tenant's statistics office (issue 15, docs/indicators.md §9): the check of
// one `dataset` record against the tenant's feed catalogue, indicator catalogue and levels, and the
// overlay of the delivered datasets on the catalogues the tenant was created with — a delivered
// dataset is what the indicator catalogue says of it (label, periodicity, synthetic,
// confidentiality) and what the feed catalogue says (levels, measures, and which Ämter deliver it).
// Pure: catalogues, levels and records come in as arguments.
import type { DatasetRecord } from '@sp/events';
import { Catalogue, CatalogueError, type Dataset } from '@sp/indicators';
import { type CatalogueFile, type DatasetDefinition, FeedCatalogue } from './catalogue.js';
import type { Report, ValidationContext } from './record.validators.js';

const CODE = /^[a-z][a-z0-9_]*$/;

/** What a dataset record is checked against besides the feed catalogue (ValidationContext.catalogue). */
export interface DatasetContext {
  /** the tenant's current indicator catalogue: its definitions must still read the new version */
  indicators: Catalogue;
  /** the levels of the tenant's reference and those delivered */
  levels: readonly string[];
  /** the latest delivered version of each dataset code */
  versions: ReadonlyMap<string, number>;
}

/** The record of a delivered dataset: its key is its code unless given. */
export function datasetRecordInput(value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const v = value as Record<string, unknown>;
  return v.key === undefined && typeof v.code === 'string' ? { key: v.code, ...v } : v;
}

/** The feed catalogue's entry of a delivered dataset (an observed dataset; projections are the platform's own). */
export function feedDatasetOf(r: DatasetRecord): DatasetDefinition {
  return {
    label: r.label,
    levels: [...r.levels],
    measures: Object.fromEntries(Object.entries(r.measures).map(([m, d]) => [m, { kind: d.kind, ...(d.unit ? { unit: d.unit } : {}), dimensions: d.dimensions }])),
    kind: 'beobachtung',
  };
}

/** The indicator catalogue's entry of a delivered dataset; `amt` names the granted Ämter as the feed catalogue names them. */
export function catalogueDatasetOf(r: DatasetRecord, feeds: FeedCatalogue): Dataset {
  return {
    name: r.label,
    periodicity: r.periodicity,
    amt: r.amts.map((a) => feeds.amtName(a) ?? a).join(', '),
    synthetic: r.synthetic,
    confidentiality: r.confidentiality,
    ...(r.stichtag ? { stichtag: r.stichtag } : {}),
    ...(r.source ? { attribution: r.source } : {}),
  };
}

export function checkDatasetRecord(r: DatasetRecord, ctx: ValidationContext, report: Report): void {
  const feeds = ctx.catalogue;
  if (!CODE.test(r.code)) report(['code'], r.code, 'INVALID_VALUE', `${JSON.stringify(r.code)} is no dataset code`, 'a snake_case code, e.g. kitaplaetze');
  if (r.key !== r.code) report(['key'], r.key, 'KEY_MISMATCH', 'the key of a dataset is its code', r.code);
  if (feeds.dataset(r.code)?.kind === 'prognose') {
    report(['code'], r.code, 'INVALID_VALUE', `${r.code} is a projected dataset the platform computes (docs/projection.md §7)`, 'the code of an observed dataset');
  }
  const measures = Object.keys(r.measures);
  if (measures.length === 0)
    report(['measures'], r.measures, 'OUT_OF_RANGE', 'a dataset needs at least one measure', 'measures: { <code>: { kind, dimensions } }, e.g. { "plaetze": { "kind": "count" } }');
  for (const m of measures) if (!CODE.test(m)) report(['measures', m], m, 'INVALID_VALUE', `${JSON.stringify(m)} is no measure code`, 'a snake_case code, e.g. einwohner');
  r.amts.forEach((amt, i) => {
    if (!feeds.hasAmt(amt)) report(['amts', i], amt, 'UNKNOWN_AMT', `Amt ${amt} is not an Amt of the tenant`, `an Amt of the feed catalogue: ${feeds.amtCodes().join(' | ')}`);
  });
  if (new Set(r.amts).size !== r.amts.length) report(['amts'], r.amts, 'INVALID_VALUE', 'an Amt is named twice', 'each Amt once');
  const dc = ctx.datasets;
  if (!dc) return;
  r.levels.forEach((level, i) => {
    if (!dc.levels.includes(level))
      report(['levels', i], level, 'UNKNOWN_AREA_LEVEL', `${level} is not a level of the tenant's spatial reference`, `a level of the reference: ${dc.levels.join(' | ')}`);
  });
  const latest = dc.versions.get(r.code) ?? 0;
  if (r.version > latest + 1) {
    report(
      ['version'],
      r.version,
      'VERSION_GAP',
      latest === 0 ? `${r.code} has not been delivered yet: its first version is 1` : `${r.code} is at version ${latest}: the next version is ${latest + 1}`,
      `version ${latest + 1}`,
    );
  }
  // the definitions on the dataset must still read it: their measure and level stay, their synthetic flag agrees
  for (const i of dc.indicators.latest()) {
    if ((i.kind !== 'count' && i.kind !== 'delivered') || i.dataset !== r.code) continue;
    if (!r.measures[i.measure]) report(['measures'], measures, 'INVALID_VALUE', `indicator ${i.code} reads measure ${i.measure} of ${r.code}`, `measures that include ${i.measure}`);
    if (!r.levels.includes(i.sourceLevel)) report(['levels'], r.levels, 'INVALID_VALUE', `indicator ${i.code} reads ${r.code} at ${i.sourceLevel}`, `levels that include ${i.sourceLevel}`);
  }
  try {
    new Catalogue(dc.indicators.version, { ...dc.indicators.datasets, [r.code]: catalogueDatasetOf(r, feeds) }, dc.indicators.indicators, dc.indicators.uncertainty);
  } catch (error) {
    if (!(error instanceof CatalogueError)) throw error;
    report(
      error.code === 'SYNTHETIC_FLAG' ? ['synthetic'] : [],
      error.code === 'SYNTHETIC_FLAG' ? r.synthetic : null,
      'INVALID_VALUE',
      `the tenant's indicators would no longer fit: ${error.message}`,
      'a dataset the delivered indicators still read (deliver new versions of them first)',
    );
  }
}

export interface OverlaidDatasets {
  feeds: FeedCatalogue;
  /** the indicator catalogue's datasets: the base's with the delivered on top */
  datasets: Record<string, Dataset>;
}

/**
 * The tenant's feed catalogue and indicator-catalogue datasets: those it was created with and the
 * latest delivered version of each dataset on top. A delivered dataset replaces a pack's dataset of
 * the same code entirely, grant included: exactly the Ämter it names may deliver it. A delivered
 * dataset that no longer fits the base's indicators (checked at the door, so only after a change of
 * the pack) is left out and named.
 */
export function overlayDatasets(base: { feeds: FeedCatalogue; catalogue: Catalogue }, delivered: readonly DatasetRecord[], skipped?: (r: DatasetRecord, reason: string) => void): OverlaidDatasets {
  const file: CatalogueFile = structuredClone(base.feeds.file);
  const datasets: Record<string, Dataset> = { ...base.catalogue.datasets };
  for (const r of delivered) {
    const entry = catalogueDatasetOf(r, base.feeds);
    try {
      new Catalogue(base.catalogue.version, { ...datasets, [r.code]: entry }, base.catalogue.indicators, base.catalogue.uncertainty);
    } catch (error) {
      skipped?.(r, error instanceof Error ? error.message : String(error));
      continue;
    }
    datasets[r.code] = entry;
    file.datasets[r.code] = feedDatasetOf(r);
    for (const [amt, a] of Object.entries(file.amts)) {
      const grant = a.recordTypes['area-statistic'];
      const granted = grant?.datasets?.filter((d) => d !== r.code) ?? [];
      if (r.amts.includes(amt)) a.recordTypes['area-statistic'] = { ...grant, datasets: [...granted, r.code] };
      else if (grant?.datasets) a.recordTypes['area-statistic'] = { ...grant, datasets: granted };
    }
  }
  return { feeds: FeedCatalogue.of(file), datasets };
}

/** The latest version of each code among delivered dataset records, in the order given. */
export function latestDatasets(records: readonly DatasetRecord[]): DatasetRecord[] {
  const byCode = new Map<string, DatasetRecord>();
  for (const r of records) if ((byCode.get(r.code)?.version ?? 0) < r.version) byCode.set(r.code, r);
  return [...byCode.values()];
}
