// @sp/spatial's AreaReference as the gateway's AreaSource: areas valid today, hierarchy parents,
// planning-area members, and geometry as GeoJSON.
import type { AreaReference } from '@sp/spatial';
import type { AreaSource, AreaView } from '../sources.js';

export function areaSourceFromReference(reference: AreaReference): AreaSource {
  // built again when the reference's content is replaced (a tenant's delivered reference changed)
  let built: { revision: number; source: AreaSource } | undefined;
  const current = (): AreaSource => {
    if (built?.revision !== reference.revision) built = { revision: reference.revision, source: sourceOf(reference) };
    return built.source;
  };
  return {
    levels: () => current().levels(),
    areas: (level, at) => current().areas(level, at),
    area: (level, code, at) => current().area(level, code, at),
    geometry: (level, code, at) => current().geometry(level, code, at),
    members: (level, code, at) => current().members?.(level, code, at) ?? [],
  };
}

function sourceOf(reference: AreaReference): AreaSource {
  const root = reference.areas(reference.rootLevel, { all: true })[0];
  const view = (a: ReturnType<AreaReference['areas']>[number], at?: string): AreaView => ({
    level: a.level,
    code: a.code,
    name: a.name,
    // planning areas have no hierarchical parent in the reference; to a reader they lie in the city
    parent: a.parent ?? (a.kind === 'planning' && root ? { level: root.level, code: root.code } : null),
    validFrom: a.validFrom,
    validTo: a.validTo,
    ...(at === undefined ? {} : { at }),
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
    areas(level, at) {
      // an area whose validity ended is read at a date of its time (a boundary reform, docs/spatial-reference.md)
      if (at !== undefined) return reference.areas(level, { at }).map((a) => view(a, at));
      let list = cache.get(level);
      if (!list) {
        list = reference.areas(level).map((a) => view(a));
        cache.set(level, list);
      }
      return list;
    },
    area(level, code, at) {
      const a = reference.get(level, code, at === undefined ? {} : { at });
      return a ? view(a, at) : undefined;
    },
    geometry(level, code, at) {
      // an area delivered without a boundary has none to draw (a level of tables, no map)
      const g = reference.get(level, code, at === undefined ? {} : { at })?.geometry;
      return g && g.coordinates.length > 0 ? g : null;
    },
    members(level, code, at) {
      return reference.get(level, code, at === undefined ? {} : { at })?.members ?? [];
    },
  };
}
