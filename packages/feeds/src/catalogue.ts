// The feed catalogue (catalogue/feeds.yaml): which Amt may deliver which record types and which
// area-statistic datasets; each dataset's area levels, measures, dimensions and their values; and
// the limits of validation (plausible years, largest count, text lengths). Declarative and
// versioned in the repo; loaded and checked by zod.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordTypes, type RecordType } from '@sp/events';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** packages/feeds/{src,dist}/ → ../catalogue */
export const catalogueDir = resolve(dirname(fileURLToPath(import.meta.url)), '../catalogue');

const code = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake case code');

const yearRange = z.strictObject({ earliestYear: z.number().int().min(1), yearsAhead: z.number().int().min(0) });

const limitsSchema = z.strictObject({
  periods: yearRange.default({ earliestYear: 1950, yearsAhead: 30 }),
  dates: yearRange.default({ earliestYear: 1800, yearsAhead: 100 }),
  maxCount: z.number().positive().default(100_000_000),
  maxAmount: z.number().positive().default(1_000_000_000_000),
  text: z
    .strictObject({
      maxChars: z.number().int().min(1).default(500),
      longMaxChars: z.number().int().min(1).default(20_000),
      longFields: z.array(z.string()).default(['description', 'narrative', 'revisionReason']),
    })
    .prefault({}),
});
export type ValidationLimits = z.output<typeof limitsSchema>;

const measureSchema = z.strictObject({
  /**
   * count: whole numbers 0 … maxCount; amount: any finite number ≥ 0. The others are values the
   * source published (area-statistic v3, valueKind): share (0–100 % or 0–1), rate and mean (≥ 0),
   * change (signed); they are never summed (docs/indicators.md §3)
   */
  kind: z.enum(['count', 'amount', 'share', 'rate', 'mean', 'change']).default('count'),
  /** the unit a rate, mean or change is delivered in (e.g. "je 1.000", "EUR", "Personen"); a share's is '%' or 'fraction' */
  unit: z.string().min(1).optional(),
  /** dimension name → the values it may take */
  dimensions: z.record(z.string().min(1), z.array(z.string().min(1)).min(1)).default({}),
});
export type MeasureDefinition = z.output<typeof measureSchema>;

const datasetSchema = z.strictObject({
  label: z.string().min(1),
  /** area levels the dataset is delivered at: the levels its indicators read */
  levels: z.array(z.string().min(1)).default([]),
  measures: z.record(code, measureSchema).default({}),
  /** beobachtung: delivered by an Amt; prognose: projected from the dataset `of` under `scenario` (docs/projection.md §7) */
  kind: z.enum(['beobachtung', 'prognose']).default('beobachtung'),
  of: code.optional(),
  scenario: z.strictObject({ code, label: z.string().min(1) }).optional(),
});
export type DatasetDefinition = z.output<typeof datasetSchema>;

const catalogueFileSchema = z.strictObject({
  version: z.number().int().min(1),
  limits: limitsSchema.prefault({}),
  datasets: z.record(code, datasetSchema),
  amts: z.record(
    code,
    z.strictObject({
      name: z.string().min(1),
      recordTypes: z.partialRecord(z.enum(recordTypes), z.strictObject({ datasets: z.array(code).optional() })),
    }),
  ),
});
export type CatalogueFile = z.infer<typeof catalogueFileSchema>;

export class FeedCatalogue {
  private constructor(readonly file: CatalogueFile) {
    for (const [d, def] of Object.entries(file.datasets)) {
      const prognose = def.kind === 'prognose';
      if (prognose !== (def.of !== undefined) || prognose !== (def.scenario !== undefined)) throw new Error(`feeds.yaml: dataset ${d}: of and scenario go with kind: prognose, and only with it`);
      if (def.of !== undefined && file.datasets[def.of]?.kind !== 'beobachtung') throw new Error(`feeds.yaml: dataset ${d} projects ${def.of}, which is no observed dataset`);
    }
    for (const [amt, a] of Object.entries(file.amts)) {
      for (const d of a.recordTypes['area-statistic']?.datasets ?? []) {
        if (!file.datasets[d]) throw new Error(`feeds.yaml: Amt ${amt} names unknown dataset ${d}`);
      }
      // datasets are declared by the statistics office: the Amt that declares the indicators on them
      if (a.recordTypes.dataset && !a.recordTypes['indicator-definition'])
        throw new Error(`feeds.yaml: Amt ${amt} may deliver dataset but not indicator-definition; accepted: both (the statistics office) or neither`);
    }
  }

  /** A feed catalogue of a file already read (the pack's with delivered datasets on top, delivered-datasets.ts); checked like a loaded one. */
  static of(file: CatalogueFile): FeedCatalogue {
    return new FeedCatalogue(file);
  }

  /**
   * This catalogue's datasets and limits with the given Ämter instead of its own (a tenant created
   * with Ämter of its own, docs/tenants.md): each Amt delivers exactly its record types, and as
   * area-statistic the datasets it names. A dataset no Amt names is delivered once a `dataset`
   * record grants it (docs/indicators.md §9). Checked like a loaded catalogue (unknown datasets,
   * `dataset` without `indicator-definition`).
   */
  withAmts(amts: readonly { code: string; name: string; recordTypes: readonly RecordType[]; datasets?: readonly string[] | undefined }[]): FeedCatalogue {
    const file: CatalogueFile = structuredClone(this.file);
    file.amts = Object.fromEntries(
      amts.map((a) => [a.code, { name: a.name, recordTypes: Object.fromEntries(a.recordTypes.map((t) => [t, t === 'area-statistic' ? { datasets: [...(a.datasets ?? [])] } : {}])) }]),
    );
    return new FeedCatalogue(file);
  }

  /**
   * Takes over another feed catalogue's content in one step (the tenant delivered a dataset,
   * docs/indicators.md §9): the ingestion and everything else holding this object see it at once.
   */
  replaceWith(next: FeedCatalogue): void {
    (this as { file: CatalogueFile }).file = next.file;
  }

  static parse(yamlText: string): FeedCatalogue {
    return new FeedCatalogue(catalogueFileSchema.parse(parseYaml(yamlText)));
  }

  static load(path = resolve(catalogueDir, 'feeds.yaml')): FeedCatalogue {
    return FeedCatalogue.parse(readFileSync(path, 'utf8'));
  }

  get version(): number {
    return this.file.version;
  }

  amtCodes(): string[] {
    return Object.keys(this.file.amts);
  }

  hasAmt(amt: string): boolean {
    return Object.hasOwn(this.file.amts, amt);
  }

  amtName(amt: string): string | undefined {
    return this.file.amts[amt]?.name;
  }

  /** Record types the Amt may deliver. */
  recordTypesOf(amt: string): RecordType[] {
    const a = this.file.amts[amt];
    return a ? (Object.keys(a.recordTypes) as RecordType[]) : [];
  }

  mayDeliver(amt: string, recordType: RecordType): boolean {
    return this.recordTypesOf(amt).includes(recordType);
  }

  get limits(): ValidationLimits {
    return this.file.limits;
  }

  dataset(dataset: string): DatasetDefinition | undefined {
    return Object.hasOwn(this.file.datasets, dataset) ? this.file.datasets[dataset] : undefined;
  }

  hasDataset(dataset: string): boolean {
    return Object.hasOwn(this.file.datasets, dataset);
  }

  /** The prognose datasets: which dataset holds scenario s of observed dataset d (the indicator reader's ScenarioDatasets). */
  scenarioDatasets(): { datasetFor(dataset: string, scenario: string): string | undefined; scenarios(): string[]; labelOf(scenario: string): string | undefined } {
    const entries = Object.entries(this.file.datasets).flatMap(([code, d]) => (d.kind === 'prognose' && d.of && d.scenario ? [{ code, of: d.of, scenario: d.scenario }] : []));
    return {
      datasetFor: (dataset, scenario) => entries.find((e) => e.of === dataset && e.scenario.code === scenario)?.code,
      scenarios: () => [...new Set(entries.map((e) => e.scenario.code))].sort(),
      labelOf: (scenario) => entries.find((e) => e.scenario.code === scenario)?.scenario.label,
    };
  }

  /** area-statistic datasets the Amt may deliver */
  datasetsOf(amt: string): string[] {
    return this.file.amts[amt]?.recordTypes['area-statistic']?.datasets ?? [];
  }
}
