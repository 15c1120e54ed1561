// The feed catalogue (catalogue/feeds.yaml): which Amt may deliver which record types and which
// area-statistic datasets. Declarative and versioned in the repo; loaded and checked by zod.
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { recordTypes, type RecordType } from '@sp/events';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';

/** packages/feeds/{src,dist}/ → ../catalogue */
export const catalogueDir = resolve(dirname(fileURLToPath(import.meta.url)), '../catalogue');

const code = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake case code');

const catalogueFileSchema = z.strictObject({
  version: z.number().int().min(1),
  datasets: z.record(code, z.strictObject({ label: z.string().min(1) })),
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
    for (const [amt, a] of Object.entries(file.amts)) {
      for (const d of a.recordTypes['area-statistic']?.datasets ?? []) {
        if (!file.datasets[d]) throw new Error(`feeds.yaml: Amt ${amt} names unknown dataset ${d}`);
      }
    }
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

  hasDataset(dataset: string): boolean {
    return Object.hasOwn(this.file.datasets, dataset);
  }

  /** area-statistic datasets the Amt may deliver */
  datasetsOf(amt: string): string[] {
    return this.file.amts[amt]?.recordTypes['area-statistic']?.datasets ?? [];
  }
}
