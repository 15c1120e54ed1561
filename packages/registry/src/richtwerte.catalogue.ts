// The planning norms (Richtwerte) catalogue: packages/registry/catalogue/richtwerte.yaml, validated once.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { z } from 'zod';

export const normSchema = z
  .object({
    code: z.string().regex(/^[a-z0-9_]+$/),
    name: z.string().min(1),
    offerTypes: z.array(z.string().min(1)).min(1),
    /** when given, only offers serving at least one of these target groups supply the norm */
    targetGroups: z.array(z.string().min(1)).min(1).optional(),
    /** when given, only offers of one of these subtypes supply the norm (Grundschulen among the schools) */
    subtypes: z.array(z.string().min(1)).min(1).optional(),
    supply: z.discriminatedUnion('measure', [z.object({ measure: z.literal('capacity'), unit: z.string().min(1) }), z.object({ measure: z.literal('count') })]),
    targetPopulation: z.object({
      label: z.string().min(1),
      /** weight per age band; absent = all residents */
      ageBands: z.record(z.string(), z.number().positive().max(1)).optional(),
    }),
    per: z.number().positive(),
    value: z.number().positive(),
    source: z.string().optional(),
    /**
     * What the supply's figures are, when they are not official capacities (an estimate, a generated
     * figure): shown wherever the norm's supply is shown. The offer record has no field for the
     * provenance of its capacity, so the catalogue says it.
     */
    supplyNote: z.string().min(1).optional(),
  })
  .strict();
export type Norm = z.infer<typeof normSchema>;

export const richtwerteCatalogueSchema = z
  .object({
    version: z.number().int().positive(),
    validFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    norms: z.array(normSchema).min(1),
  })
  .superRefine((c, ctx) => {
    const seen = new Set<string>();
    c.norms.forEach((n, i) => {
      if (seen.has(n.code)) ctx.addIssue({ code: 'custom', path: ['norms', i, 'code'], message: `duplicate norm code ${n.code}` });
      seen.add(n.code);
    });
  });
export type RichtwerteCatalogue = z.infer<typeof richtwerteCatalogueSchema>;

export const richtwerteFile = fileURLToPath(new URL('../catalogue/richtwerte.yaml', import.meta.url));

export function parseRichtwerte(yamlText: string): RichtwerteCatalogue {
  return richtwerteCatalogueSchema.parse(parse(yamlText));
}

let cached: RichtwerteCatalogue | undefined;
/** The catalogue shipped with the package. */
export function loadRichtwerte(): RichtwerteCatalogue {
  cached ??= parseRichtwerte(readFileSync(richtwerteFile, 'utf8'));
  return cached;
}
