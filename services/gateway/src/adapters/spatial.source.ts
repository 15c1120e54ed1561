// @sp/spatial's AreaReference as the gateway's AreaSource: areas valid today, hierarchy parents,
// planning-area members, and geometry as GeoJSON.
import type { AreaReference } from '@sp/spatial';
import type { AreaSource, AreaView } from '../sources.js';

export function areaSourceFromReference(reference: AreaReference): AreaSource {
  const root = reference.root;
  const view = (a: ReturnType<AreaReference['areas']>[number]): AreaView => ({
    level: a.level,
    code: a.code,
    name: a.name,
    // planning areas have no hierarchical parent in the reference; to a reader they lie in the city
    parent: a.parent ?? (a.kind === 'planning' ? { level: root.level, code: root.code } : null),
    validFrom: a.validFrom,
    validTo: a.validTo,
  });
  const cache = new Map<string, AreaView[]>();
  const levels = reference.levels.map((l) => ({
    level: l.level,
    label: l.label,
    parentLevel: l.parentLevel,
    planning: l.planning,
    hasGeometry: l.hasGeometry,
    basis: l.level === reference.basisLevel,
  }));
  return {
    levels: () => levels,
    areas(level) {
      let list = cache.get(level);
      if (!list) {
        list = reference.areas(level).map(view);
        cache.set(level, list);
      }
      return list;
    },
    area(level, code) {
      const a = reference.get(level, code);
      return a ? view(a) : undefined;
    },
    geometry(level, code) {
      return reference.get(level, code)?.geometry ?? null;
    },
    members(level, code) {
      return reference.get(level, code)?.members ?? [];
    },
  };
}
