// The shape of one area of a spatial reference, shared by the loader, locate() and the consumers.
import { z } from 'zod';
import { bboxSchema, latLonSchema, multiPolygonSchema } from './geometry.js';

export const areaRefSchema = z.object({ level: z.string(), code: z.string() });

export const areaSchema = z.object({
  level: z.string(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(['root', 'hierarchy', 'planning']),
  /** hierarchical parent; null for the root and for planning areas */
  parent: areaRefSchema.nullable(),
  /** hierarchical children (next level down) */
  children: z.array(areaRefSchema),
  /** planning areas: the hierarchical areas they are made of */
  members: z.array(areaRefSchema),
  /** inclusive ISO dates; validTo null = still valid */
  validFrom: z.string(),
  validTo: z.string().nullable(),
  geometry: multiPolygonSchema,
  bbox: bboxSchema,
  centroid: latLonSchema,
  /** m², spherical */
  areaM2: z.number(),
  metadata: z.record(z.string(), z.string()),
});

export type AreaRef = z.infer<typeof areaRefSchema>;
export type Area = z.infer<typeof areaSchema>;

export function isValidAt(area: Pick<Area, 'validFrom' | 'validTo'>, date: string): boolean {
  return area.validFrom <= date && (area.validTo === null || date <= area.validTo);
}

export class SpatialReferenceError extends Error {
  override readonly name = 'SpatialReferenceError';
  constructor(
    readonly code: 'DESCRIPTION_INVALID' | 'FILE_UNREADABLE' | 'FEATURE_INVALID' | 'DUPLICATE_AREA' | 'ORPHAN_AREA' | 'UNKNOWN_MEMBER' | 'EMPTY_AREA' | 'VALIDITY_OVERLAP' | 'UNKNOWN_AREA',
    message: string,
  ) {
    super(message);
  }
}
