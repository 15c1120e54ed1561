// The taxonomy of social infrastructure (catalogue/taxonomy.yaml): offer types and subtypes, target
// groups, capacity units and reach levels, each a stable code with a German label. Lookups accept
// the code or the label (case-insensitive), since Ämter export labels from their spreadsheets.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { catalogueDir } from './catalogue.js';

const code = z.string().regex(/^[a-z][a-z0-9_]*$/, 'lower snake case code');
const entry = z.strictObject({ code, label: z.string().min(1), retired: z.boolean().optional() });

const taxonomyFileSchema = z.strictObject({
  version: z.number().int().min(1),
  offerTypes: z.array(
    entry.extend({
      group: code,
      /** capacity units usual for this type (documentation for the Ämter; any known unit is accepted) */
      units: z.array(code).optional(),
      subtypes: z.array(entry).optional(),
    }),
  ),
  offerGroups: z.array(entry),
  targetGroups: z.array(entry),
  capacityUnits: z.array(entry),
  reach: z.array(z.strictObject({ code: z.string(), label: z.string() })),
});
export type TaxonomyFile = z.infer<typeof taxonomyFileSchema>;
export type TaxonomyEntry = z.infer<typeof entry>;
export type OfferTypeEntry = TaxonomyFile['offerTypes'][number];

class Vocabulary<E extends TaxonomyEntry> {
  private readonly byKey = new Map<string, E>();
  constructor(
    readonly what: string,
    readonly entries: readonly E[],
  ) {
    for (const e of entries) {
      if (this.byKey.has(e.code)) throw new Error(`taxonomy: ${what} code ${e.code} appears twice`);
      this.byKey.set(e.code, e);
      this.byKey.set(e.label.toLowerCase(), e);
    }
  }
  /** the entry for a code or label; retired entries are not offered for new deliveries */
  find(codeOrLabel: string): E | undefined {
    const e = this.byKey.get(codeOrLabel) ?? this.byKey.get(codeOrLabel.trim().toLowerCase());
    return e && !e.retired ? e : undefined;
  }
  codes(): string[] {
    return this.entries.filter((e) => !e.retired).map((e) => e.code);
  }
  /** "kita (Kita …), spielplatz (Spielplatz), …" for error messages */
  describe(): string {
    return this.entries
      .filter((e) => !e.retired)
      .map((e) => `${e.code} (${e.label})`)
      .join(', ');
  }
}

export class Taxonomy {
  readonly offerTypes: Vocabulary<OfferTypeEntry>;
  readonly targetGroups: Vocabulary<TaxonomyEntry>;
  readonly capacityUnits: Vocabulary<TaxonomyEntry>;
  readonly offerGroups: Vocabulary<TaxonomyEntry>;

  private constructor(readonly file: TaxonomyFile) {
    this.offerTypes = new Vocabulary('offer type', file.offerTypes);
    this.targetGroups = new Vocabulary('target group', file.targetGroups);
    this.capacityUnits = new Vocabulary('capacity unit', file.capacityUnits);
    this.offerGroups = new Vocabulary('offer group', file.offerGroups);
    for (const t of file.offerTypes) {
      if (!this.offerGroups.find(t.group)) throw new Error(`taxonomy: offer type ${t.code} has unknown group ${t.group}`);
      for (const u of t.units ?? []) if (!this.capacityUnits.find(u)) throw new Error(`taxonomy: offer type ${t.code} names unknown unit ${u}`);
      new Vocabulary(`subtype of ${t.code}`, t.subtypes ?? []);
    }
  }

  /** A taxonomy of a file already read (e.g. handed to a worker thread as data); checked like a loaded one. */
  static of(file: TaxonomyFile): Taxonomy {
    return new Taxonomy(file);
  }

  static parse(yamlText: string): Taxonomy {
    return new Taxonomy(taxonomyFileSchema.parse(parseYaml(yamlText)));
  }

  static load(path = resolve(catalogueDir, 'taxonomy.yaml')): Taxonomy {
    return Taxonomy.parse(readFileSync(path, 'utf8'));
  }

  get version(): number {
    return this.file.version;
  }

  subtypes(offerType: OfferTypeEntry): Vocabulary<TaxonomyEntry> {
    return new Vocabulary(`subtype of ${offerType.code}`, offerType.subtypes ?? []);
  }

  label(kind: 'offerType' | 'targetGroup' | 'capacityUnit', code: string): string | undefined {
    const v = kind === 'offerType' ? this.offerTypes : kind === 'targetGroup' ? this.targetGroups : this.capacityUnits;
    return v.find(code)?.label;
  }
}
