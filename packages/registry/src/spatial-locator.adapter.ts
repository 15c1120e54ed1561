// Adapts @sp/spatial's AreaReference (real Köln geometries, planning areas) to the registry's
// AreaLocator, and gives area centres for the nearest-offer distances.
import type { AreaReference } from '@sp/spatial';
import { areaId, type AreaLocator, type AreaRef } from './area.locator.js';
import type { AreaPoint } from './needs.analysis.js';

export function spatialAreaLocator(reference: AreaReference): AreaLocator {
  const within = new Map<string, AreaRef[]>();
  const ref = (a: { level: string; code: string }): AreaRef => ({ level: a.level, code: a.code });

  /** hierarchical descendants at every level below */
  const descendantsOf = (area: AreaRef): AreaRef[] => {
    const out: AreaRef[] = [];
    const idx = reference.hierarchyLevels.indexOf(area.level);
    for (const level of reference.hierarchyLevels.slice(idx + 1)) out.push(...reference.descendants(area, level).map(ref));
    return out;
  };

  const compute = (area: AreaRef): AreaRef[] => {
    if (reference.hierarchyLevels.includes(area.level)) {
      const inside = descendantsOf(area);
      const ids = new Set([areaId(area), ...inside.map(areaId)]);
      // planning areas all of whose members lie inside the area
      const planning = reference.planningLevels.flatMap((l) => reference.areas(l)).filter((p) => p.members.length > 0 && p.members.every((m) => ids.has(areaId(m))));
      return [...inside, ...planning.map(ref)];
    }
    const p = reference.get(area.level, area.code);
    if (!p) return [];
    return p.members.flatMap((m) => [ref(m), ...descendantsOf(m)]);
  };

  return {
    locate(lat, lon) {
      const loc = reference.locate(lat, lon);
      if (!loc) return null;
      return [...Object.values(loc.byLevel).map(ref), ...loc.planning.map(ref)];
    },
    areasWithin(area) {
      const k = areaId(area);
      let v = within.get(k);
      if (!v) {
        v = compute(area);
        within.set(k, v);
      }
      return v;
    },
  };
}

/** Geometric centroids of the areas of one level (Stadtviertel centroids are the usual accessibility points). */
export function areaCentres(reference: AreaReference, level: string): AreaPoint[] {
  return reference.areas(level).map((a) => ({ area: { level: a.level, code: a.code }, lat: a.centroid.lat, lon: a.centroid.lon }));
}
