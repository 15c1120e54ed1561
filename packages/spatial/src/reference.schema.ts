// The declarative description of a city's spatial reference (levels, source files, parent rules,
// planning areas, validity). One YAML file per city; the loader turns it plus the files into areas.
import { z } from 'zod';

const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'ISO date YYYY-MM-DD');
const levelName = z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'upper-case level name, e.g. STADTTEIL');

export const parentRuleSchema = z.discriminatedUnion('rule', [
  /** every area of the level hangs directly under the root (city) */
  z.object({ rule: z.literal('root') }),
  /** parent code = first `length` characters of the code (Köln: Stadtteil 101 → Bezirk 1) */
  z.object({ rule: z.literal('prefix'), length: z.number().int().positive() }),
  /** parent code is given by a feature property */
  z.object({ rule: z.literal('property'), property: z.string().min(1) }),
]);

export const hierarchyLevelSchema = z.object({
  level: levelName,
  label: z.string().min(1),
  file: z.string().min(1),
  codeProperty: z.string().min(1),
  nameProperty: z.string().min(1),
  parent: parentRuleSchema,
  /** complete = the level partitions its parent; partial = only parts (Köln Stadtviertel: settled area) */
  coverage: z.enum(['complete', 'partial']).default('complete'),
  validFrom: isoDate,
  validTo: isoDate.nullable().default(null),
});

export const memberRefSchema = z.object({ level: levelName, codes: z.array(z.string().min(1)).min(1) });

export const planningTableSchema = z.object({
  file: z.string().min(1),
  validFrom: isoDate,
  validTo: isoDate.nullable().default(null),
  nameColumn: z.string().min(1),
  /** column holding the area code; without it the code is a slug of the name (stable across tables) */
  codeColumn: z.string().min(1).optional(),
  /**
   * Member columns, coarse level first. A cell is a ';'-list of codes; text in parentheses is a remark;
   * a code whose token matches partialPattern is only partly included and is NOT a member itself — its
   * included part comes from a finer column. A finer code whose ancestor is already a member is skipped.
   */
  members: z.array(z.object({ level: levelName, column: z.string().min(1) })).min(1),
  partialPattern: z.string().default('teilw'),
  /** members added by hand, keyed by area name (for parts the table only names in words) */
  extraMembers: z.record(z.string(), z.array(memberRefSchema)).default({}),
  metadataColumns: z.array(z.string()).default([]),
});

export const inlinePlanningAreaSchema = z.object({
  code: z.string().min(1),
  name: z.string().min(1),
  members: z.array(memberRefSchema).min(1),
  validFrom: isoDate,
  validTo: isoDate.nullable().default(null),
  metadata: z.record(z.string(), z.string()).default({}),
});

export const planningLevelSchema = z.object({
  level: levelName,
  label: z.string().min(1),
  tables: z.array(planningTableSchema).default([]),
  areas: z.array(inlinePlanningAreaSchema).default([]),
});

export const referenceDescriptionSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]+$/),
  name: z.string().min(1),
  attribution: z.string().optional(),
  root: z.object({ level: levelName, label: z.string().min(1).optional(), code: z.string().min(1), name: z.string().min(1), validFrom: isoDate }),
  /** hierarchical levels below the root, coarse to fine; each nests in the previous one */
  levels: z.array(hierarchyLevelSchema).min(1),
  planningLevels: z.array(planningLevelSchema).default([]),
});

export type ParentRule = z.infer<typeof parentRuleSchema>;
export type HierarchyLevelDescription = z.infer<typeof hierarchyLevelSchema>;
export type PlanningLevelDescription = z.infer<typeof planningLevelSchema>;
export type ReferenceDescription = z.infer<typeof referenceDescriptionSchema>;
export type ReferenceDescriptionInput = z.input<typeof referenceDescriptionSchema>;
