// Builds an AreaReference from a declarative description (YAML) and the files it names.
// Data paths resolve against a data root (default /work/shared next to the repository, or env
// SP_SHARED_DATA); paths starting with ./ or ../ resolve against the description file itself.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SpatialReferenceError, type Area, type AreaRef } from './area.js';
import { AreaReference } from './area-reference.js';
import { parseCsv } from './csv.js';
import { areaM2, bboxOf, centroidOf, mergeMultiPolygons, toMultiPolygon, type GeoJsonGeometry, type MultiPolygon } from './geometry.js';
import { referenceDescriptionSchema, type HierarchyLevelDescription, type PlanningLevelDescription, type ReferenceDescription } from './reference.schema.js';

/** Where the shared reference data lives: argument, then SP_SHARED_DATA, then ../shared beside the repo. */
export function defaultDataRoot(): string {
  const env = process.env.SP_SHARED_DATA;
  if (env) return resolve(env);
  // this file sits at <repo>/packages/spatial/{src,dist}/ → <repo>/../shared
  return fileURLToPath(new URL('../../../../shared', import.meta.url));
}

/** Directory of the built-in city descriptions (packages/spatial/reference). */
export const builtInReferenceDir = fileURLToPath(new URL('../reference', import.meta.url));

/**
 * The demo tenant's reference (Köln, reference/koeln.yaml): what a composition root loads when its
 * configuration names none (SP_REFERENCE). The only place code names the demo city.
 */
export const demoReferenceName = 'koeln';

export interface LoadReferenceOptions {
  dataRoot?: string;
}

const featureCollectionSchema = z.object({
  type: z.literal('FeatureCollection'),
  features: z.array(z.object({ properties: z.record(z.string(), z.unknown()).nullable(), geometry: z.unknown() })),
});

function readText(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    throw new SpatialReferenceError('FILE_UNREADABLE', `cannot read ${what} at ${path}: ${(e as Error).message}`);
  }
}

/**
 * Load a reference by built-in name ("koeln") or by path to a YAML description.
 * Throws SpatialReferenceError with a machine-readable code on any inconsistency.
 */
export function loadReference(nameOrPath: string, opts: LoadReferenceOptions = {}): AreaReference {
  const path = /[/\\]|\.ya?ml$/.test(nameOrPath) ? resolve(nameOrPath) : resolve(builtInReferenceDir, `${nameOrPath}.yaml`);
  const raw = parseYaml(readText(path, 'reference description')) as unknown;
  const parsed = referenceDescriptionSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new SpatialReferenceError('DESCRIPTION_INVALID', `${path}: field ${issue.path.join('.')}: ${issue.message}`);
  }
  return buildReference(parsed.data, { dataRoot: opts.dataRoot ?? defaultDataRoot(), descriptionDir: dirname(path) });
}

export function buildReference(desc: ReferenceDescription, ctx: { dataRoot: string; descriptionDir: string }): AreaReference {
  const resolvePath = (p: string) => (isAbsolute(p) ? p : p.startsWith('./') || p.startsWith('../') ? resolve(ctx.descriptionDir, p) : resolve(ctx.dataRoot, p));

  const areas = new Map<string, Area>(); // hierarchical: one version per level|code
  const k = (level: string, code: string) => `${level}|${code}`;

  const levelAreas: Area[][] = [];
  for (const level of desc.levels) levelAreas.push(loadHierarchyLevel(level, desc, resolvePath(level.file)));

  // parents must exist on the previous level; children lists are derived from the parents
  const root: Area = {
    level: desc.root.level,
    code: desc.root.code,
    name: desc.root.name,
    kind: 'root',
    parent: null,
    children: [],
    members: [],
    validFrom: desc.root.validFrom,
    validTo: null,
    metadata: {},
    geometry: { type: 'MultiPolygon', coordinates: [] },
    bbox: { minLon: 0, minLat: 0, maxLon: 0, maxLat: 0 },
    centroid: { lat: 0, lon: 0 },
    areaM2: 0,
  };
  areas.set(k(root.level, root.code), root);
  levelAreas.forEach((list, i) => {
    const parentLevel = i === 0 ? desc.root.level : desc.levels[i - 1]!.level;
    for (const a of list) {
      if (areas.has(k(a.level, a.code))) throw new SpatialReferenceError('DUPLICATE_AREA', `${a.level} ${a.code} appears twice in ${desc.levels[i]!.file}`);
      const parentCode = a.parent!.code;
      const parent = areas.get(k(parentLevel, parentCode));
      if (!parent) {
        throw new SpatialReferenceError('ORPHAN_AREA', `${a.level} ${a.code} (${a.name}): parent ${parentLevel} ${parentCode} not found; accepted: codes of ${parentLevel}`);
      }
      a.parent = { level: parentLevel, code: parentCode };
      parent.children.push({ level: a.level, code: a.code });
      areas.set(k(a.level, a.code), a);
    }
  });
  // the city's outline is the union of its first level (no separate file needed)
  const first = levelAreas[0] ?? [];
  root.geometry = mergeMultiPolygons(first.map((a) => a.geometry));
  finishGeometry(root);

  const planning: Area[] = [];
  for (const pl of desc.planningLevels) planning.push(...loadPlanningLevel(pl, areas, resolvePath, desc));

  const coverage: Record<string, 'complete' | 'partial'> = {};
  for (const l of desc.levels) coverage[l.level] = l.coverage;
  return new AreaReference({
    id: desc.id,
    name: desc.name,
    ...(desc.attribution ? { attribution: desc.attribution } : {}),
    hierarchyLevels: [desc.root.level, ...desc.levels.map((l) => l.level)],
    planningLevels: desc.planningLevels.map((p) => p.level),
    labels: Object.fromEntries([
      ...(desc.root.label ? [[desc.root.level, desc.root.label]] : []),
      ...desc.levels.map((l) => [l.level, l.label]),
      ...desc.planningLevels.map((p) => [p.level, p.label]),
    ]),
    coverage,
    areas: [...areas.values(), ...planning],
  });
}

function finishGeometry(a: Area): void {
  a.bbox = bboxOf(a.geometry);
  a.centroid = centroidOf(a.geometry);
  a.areaM2 = areaM2(a.geometry);
}

function loadHierarchyLevel(level: HierarchyLevelDescription, desc: ReferenceDescription, file: string): Area[] {
  let fc: z.infer<typeof featureCollectionSchema>;
  try {
    fc = featureCollectionSchema.parse(JSON.parse(readText(file, `GeoJSON of ${level.level}`)));
  } catch (e) {
    if (e instanceof SpatialReferenceError) throw e;
    throw new SpatialReferenceError('FEATURE_INVALID', `${file}: not a GeoJSON FeatureCollection (${(e as Error).message})`);
  }
  return fc.features.map((f, i) => {
    const props = f.properties ?? {};
    const code = props[level.codeProperty];
    const name = props[level.nameProperty];
    const geom = parseGeometry(f.geometry);
    if ((typeof code !== 'string' && typeof code !== 'number') || String(code).trim() === '') {
      throw new SpatialReferenceError('FEATURE_INVALID', `${file} feature ${i}: property ${level.codeProperty} missing; accepted: a non-empty code`);
    }
    if (!geom.success) throw new SpatialReferenceError('FEATURE_INVALID', `${file} feature ${i} (${String(code)}): geometry must be Polygon or MultiPolygon`);
    const c = String(code).trim();
    const parentCode = parentCodeOf(level, c, props, desc);
    const geometry = toMultiPolygon(geom.data!);
    const a: Area = {
      level: level.level,
      code: c,
      name: typeof name === 'string' ? name : c,
      kind: 'hierarchy',
      parent: { level: '', code: parentCode },
      children: [],
      members: [],
      validFrom: level.validFrom,
      validTo: level.validTo,
      metadata: {},
      geometry,
      bbox: bboxOf(geometry),
      centroid: centroidOf(geometry),
      areaM2: areaM2(geometry),
    };
    return a;
  });
}

/**
 * Structural check of a GeoJSON Polygon/MultiPolygon. Hand-written rather than zod because zod over the
 * ~150k positions of the Köln files costs most of a second; the result has the zod-inferred type.
 */
function parseGeometry(g: unknown): { success: boolean; data?: GeoJsonGeometry } {
  const isRing = (r: unknown) => Array.isArray(r) && r.length >= 3 && r.every((p) => Array.isArray(p) && p.length >= 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]));
  const isPolygon = (p: unknown) => Array.isArray(p) && p.length >= 1 && p.every(isRing);
  if (typeof g !== 'object' || g === null) return { success: false };
  const { type, coordinates } = g as { type?: unknown; coordinates?: unknown };
  if (type === 'Polygon' && isPolygon(coordinates)) return { success: true, data: g as GeoJsonGeometry };
  if (type === 'MultiPolygon' && Array.isArray(coordinates) && coordinates.length > 0 && coordinates.every(isPolygon)) return { success: true, data: g as GeoJsonGeometry };
  return { success: false };
}

function parentCodeOf(level: HierarchyLevelDescription, code: string, props: Record<string, unknown>, desc: ReferenceDescription): string {
  const rule = level.parent;
  switch (rule.rule) {
    case 'root':
      return desc.root.code;
    case 'prefix':
      return code.slice(0, rule.length);
    case 'property': {
      const v = props[rule.property];
      if (v === undefined || v === null || String(v).trim() === '') {
        throw new SpatialReferenceError('FEATURE_INVALID', `${level.level} ${code}: parent property ${rule.property} missing`);
      }
      return String(v).trim();
    }
  }
}

/** Stable code from a name: lower case, umlauts transliterated, other characters → '-'. */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/ä/g, 'ae')
    .replace(/ö/g, 'oe')
    .replace(/ü/g, 'ue')
    .replace(/ß/g, 'ss')
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

/** Split a member cell on ';' outside parentheses; tokens that are wholly a remark "(...)" are dropped. */
function memberTokens(cell: string): string[] {
  const out: string[] = [];
  let depth = 0,
    cur = '';
  for (const ch of cell) {
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === ';' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  out.push(cur.trim());
  return out.filter((t) => t !== '' && !t.startsWith('('));
}

function loadPlanningLevel(pl: PlanningLevelDescription, hierarchy: Map<string, Area>, resolvePath: (p: string) => string, desc: ReferenceDescription): Area[] {
  const k = (level: string, code: string) => `${level}|${code}`;
  const levelOrder = [desc.root.level, ...desc.levels.map((l) => l.level)];
  type Draft = { code: string; name: string; members: AreaRef[]; validFrom: string; validTo: string | null; metadata: Record<string, string>; origin: string };
  const drafts: Draft[] = [];

  const checkMember = (m: AreaRef, where: string) => {
    if (!hierarchy.has(k(m.level, m.code))) {
      throw new SpatialReferenceError('UNKNOWN_MEMBER', `${where}: member ${m.level} ${m.code} does not exist; accepted: codes of level ${m.level}`);
    }
  };
  const ancestorIsMember = (m: AreaRef, members: AreaRef[]) => {
    let p = hierarchy.get(k(m.level, m.code))?.parent;
    while (p) {
      if (members.some((x) => x.level === p!.level && x.code === p!.code)) return true;
      p = hierarchy.get(k(p.level, p.code))?.parent ?? null;
    }
    return false;
  };

  for (const table of pl.tables) {
    const file = resolvePath(table.file);
    const rows = parseCsv(readText(file, `planning table of ${pl.level}`));
    const partial = new RegExp(table.partialPattern, 'i');
    const sortedCols = [...table.members].sort((a, b) => levelOrder.indexOf(a.level) - levelOrder.indexOf(b.level));
    rows.forEach((row, i) => {
      const where = `${file} row ${i + 2}`;
      const name = row[table.nameColumn]?.trim();
      if (!name) throw new SpatialReferenceError('DESCRIPTION_INVALID', `${where}: column ${table.nameColumn} empty`);
      const code = table.codeColumn ? (row[table.codeColumn] ?? '').trim() : slugify(name);
      const members: AreaRef[] = [];
      for (const col of sortedCols) {
        for (const token of memberTokens(row[col.column] ?? '')) {
          const m = /^(\d+)/.exec(token);
          if (!m) continue;
          const ref = { level: col.level, code: m[1]! };
          if (partial.test(token)) {
            checkMember(ref, where);
            continue;
          }
          checkMember(ref, `${where} column ${col.column}`);
          if (!ancestorIsMember(ref, members)) members.push(ref);
        }
      }
      for (const extra of table.extraMembers[name] ?? []) {
        for (const c of extra.codes) {
          const ref = { level: extra.level, code: c };
          checkMember(ref, `${pl.level} ${name} extraMembers`);
          if (!ancestorIsMember(ref, members) && !members.some((x) => x.level === ref.level && x.code === c)) members.push(ref);
        }
      }
      if (members.length === 0) {
        throw new SpatialReferenceError('EMPTY_AREA', `${where}: ${pl.level} ${name} has no whole members; accepted: at least one code not marked partial, or a finer column / extraMembers`);
      }
      const metadata: Record<string, string> = {};
      for (const c of table.metadataColumns) if (row[c] !== undefined) metadata[c] = row[c]!;
      drafts.push({ code, name, members, validFrom: table.validFrom, validTo: table.validTo, metadata, origin: where });
    });
  }
  for (const a of pl.areas) {
    const members = a.members.flatMap((m) => m.codes.map((c) => ({ level: m.level, code: c })));
    members.forEach((m) => {
      checkMember(m, `${pl.level} ${a.code}`);
    });
    drafts.push({ code: a.code, name: a.name, members, validFrom: a.validFrom, validTo: a.validTo, metadata: a.metadata, origin: `inline area ${a.code}` });
  }

  // Same code in several tables: identical members → one area with the joined validity; different
  // members → separate versions that must not overlap in time.
  const sameMembers = (a: AreaRef[], b: AreaRef[]) => {
    const s = (x: AreaRef[]) =>
      x
        .map((m) => k(m.level, m.code))
        .sort()
        .join(',');
    return s(a) === s(b);
  };
  const merged: Draft[] = [];
  for (const d of [...drafts].sort((a, b) => a.validFrom.localeCompare(b.validFrom))) {
    const prev = merged.filter((m) => m.code === d.code);
    const last = prev[prev.length - 1];
    if (last && sameMembers(last.members, d.members)) {
      last.validTo = d.validTo === null || (last.validTo !== null && d.validTo > last.validTo) ? d.validTo : last.validTo;
      last.metadata = { ...last.metadata, ...d.metadata };
      continue;
    }
    if (last && (last.validTo === null || last.validTo >= d.validFrom)) {
      throw new SpatialReferenceError('VALIDITY_OVERLAP', `${pl.level} ${d.code}: ${d.origin} overlaps ${last.origin} with different members; accepted: validity periods that do not overlap`);
    }
    merged.push({ ...d, metadata: { ...d.metadata } });
  }

  return merged.map((d) => {
    const geometry: MultiPolygon = mergeMultiPolygons(d.members.map((m) => hierarchy.get(k(m.level, m.code))!.geometry));
    const a: Area = {
      level: pl.level,
      code: d.code,
      name: d.name,
      kind: 'planning',
      parent: null,
      children: [],
      members: d.members,
      validFrom: d.validFrom,
      validTo: d.validTo,
      metadata: d.metadata,
      geometry,
      bbox: bboxOf(geometry),
      centroid: centroidOf(geometry),
      areaM2: areaM2(geometry),
    };
    return a;
  });
}
