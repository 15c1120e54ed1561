// A spatial reference made of delivered records (docs/spatial-reference.md): the levels and the areas
// a tenant's statistics office delivered as `area-level` and `area` records, turned into the same
// AreaReference a YAML description gives. Pure: the records come in (latest versions, withdrawn ones
// left out), the reference goes out, with what could not be placed named rather than guessed.
import { isValidAt, type Area, type AreaRef } from './area.js';
import { AreaReference, type AreaReferenceInit } from './area-reference.js';
import { areaM2, bboxOf, centroidOf, geoJsonGeometrySchema, mergeMultiPolygons, toMultiPolygon, type MultiPolygon } from './geometry.js';

/** The fields of an `area-level` record the reference needs. */
export interface DeliveredLevel {
  level: string;
  label: string;
  parentLevel: string | null;
  kind: 'hierarchy' | 'union';
  coverage: 'complete' | 'partial';
}

/** The fields of an `area` record the reference needs (geometry: GeoJSON text or null). */
export interface DeliveredArea {
  level: string;
  code: string;
  name: string;
  parent: string | null;
  members: readonly AreaRef[];
  validFrom: string;
  validTo: string | null;
  geometry: string | null;
}

export interface DeliveredReference {
  reference: AreaReference;
  /** delivered areas left out, and why (a level no longer delivered, a parent never delivered …) */
  skipped: { level: string; code: string; validFrom: string; reason: string }[];
}

const none: MultiPolygon = { type: 'MultiPolygon', coordinates: [] };

function geometryOf(text: string | null): MultiPolygon {
  if (text === null) return none;
  const parsed = geoJsonGeometrySchema.safeParse(JSON.parse(text));
  return parsed.success ? toMultiPolygon(parsed.data) : none;
}

function withGeometry(a: Omit<Area, 'bbox' | 'centroid' | 'areaM2'>): Area {
  if (a.geometry.coordinates.length === 0) return { ...a, bbox: { minLon: 0, minLat: 0, maxLon: 0, maxLat: 0 }, centroid: { lat: 0, lon: 0 }, areaM2: 0 };
  return { ...a, bbox: bboxOf(a.geometry), centroid: centroidOf(a.geometry), areaM2: areaM2(a.geometry) };
}

/**
 * The hierarchy is ordered by depth (root first); a level whose parent level was not delivered is
 * left out with its areas. A union area without a boundary of its own gets the union of its members'
 * boundaries when every member valid at its start has one.
 */
export function buildDeliveredReference(meta: { id: string; name: string; attribution?: string }, levels: readonly DeliveredLevel[], areas: readonly DeliveredArea[]): DeliveredReference {
  const skipped: DeliveredReference['skipped'] = [];
  const byName = new Map(levels.map((l) => [l.level, l]));
  const depthOf = (l: DeliveredLevel, seen = new Set<string>()): number | undefined => {
    if (l.parentLevel === null) return 0;
    const parent = byName.get(l.parentLevel);
    if (parent?.kind !== 'hierarchy' || seen.has(l.level)) return undefined;
    const d = depthOf(parent, new Set([...seen, l.level]));
    return d === undefined ? undefined : d + 1;
  };
  const hierarchy = levels
    .filter((l) => l.kind === 'hierarchy')
    .map((l) => ({ l, depth: depthOf(l) }))
    .filter((x): x is { l: DeliveredLevel; depth: number } => x.depth !== undefined)
    .sort((a, b) => a.depth - b.depth || a.l.level.localeCompare(b.l.level));
  // one root: the first level without a parent; further parentless hierarchy levels cannot be placed
  const hierarchyLevels = hierarchy.filter((x, i) => x.depth > 0 || i === 0).map((x) => x.l);
  const planningLevels = levels.filter((l) => l.kind === 'union');
  const kindOf = new Map<string, Area['kind']>([...hierarchyLevels.map((l, i) => [l.level, i === 0 ? 'root' : 'hierarchy'] as const), ...planningLevels.map((l) => [l.level, 'planning'] as const)]);

  const known = new Map<string, DeliveredArea[]>();
  for (const a of areas) {
    const k = `${a.level}|${a.code}`;
    known.set(k, [...(known.get(k) ?? []), a]);
  }
  const children = new Map<string, AreaRef[]>();
  const out: Area[] = [];
  for (const a of areas) {
    const kind = kindOf.get(a.level);
    const skip = (reason: string) => skipped.push({ level: a.level, code: a.code, validFrom: a.validFrom, reason });
    if (!kind) {
      skip(`level ${a.level} is not a delivered level of the hierarchy or a union level`);
      continue;
    }
    let parent: AreaRef | null = null;
    if (kind === 'hierarchy') {
      const parentLevel = byName.get(a.level)!.parentLevel!;
      if (a.parent === null || !known.has(`${parentLevel}|${a.parent}`)) {
        skip(`parent ${parentLevel} ${a.parent ?? '(none)'} was not delivered`);
        continue;
      }
      parent = { level: parentLevel, code: a.parent };
      const siblings = children.get(`${parentLevel}|${a.parent}`) ?? [];
      if (!siblings.some((c) => c.level === a.level && c.code === a.code)) siblings.push({ level: a.level, code: a.code });
      children.set(`${parentLevel}|${a.parent}`, siblings);
    }
    if (kind === 'planning') {
      const missing = a.members.filter((m) => !known.has(`${m.level}|${m.code}`));
      if (a.members.length === 0 || missing.length > 0) {
        skip(a.members.length === 0 ? 'a union area needs its members' : `members not delivered: ${missing.map((m) => `${m.level} ${m.code}`).join(', ')}`);
        continue;
      }
    }
    out.push(
      withGeometry({
        level: a.level,
        code: a.code,
        name: a.name,
        kind,
        parent,
        children: [],
        members: kind === 'planning' ? a.members.map((m) => ({ level: m.level, code: m.code })) : [],
        validFrom: a.validFrom,
        validTo: a.validTo,
        geometry: geometryOf(a.geometry),
        metadata: {},
      }),
    );
  }
  for (const a of out) a.children = children.get(`${a.level}|${a.code}`) ?? [];
  // union areas without a boundary of their own: the union of their members' boundaries at their start
  for (const a of out) {
    if (a.kind !== 'planning' || a.geometry.coordinates.length > 0) continue;
    const parts = a.members.map((m) => out.find((x) => x.level === m.level && x.code === m.code && isValidAt(x, a.validFrom))?.geometry);
    if (parts.every((p) => p !== undefined && p.coordinates.length > 0)) Object.assign(a, withGeometry({ ...a, geometry: mergeMultiPolygons(parts as MultiPolygon[]) }));
  }
  const init: AreaReferenceInit = {
    id: meta.id,
    name: meta.name,
    ...(meta.attribution ? { attribution: meta.attribution } : {}),
    hierarchyLevels: hierarchyLevels.map((l) => l.level),
    coverage: Object.fromEntries(hierarchyLevels.map((l) => [l.level, l.coverage])),
    planningLevels: planningLevels.map((l) => l.level),
    labels: Object.fromEntries(levels.map((l) => [l.level, l.label])),
    areas: out,
  };
  return { reference: new AreaReference(init), skipped };
}
