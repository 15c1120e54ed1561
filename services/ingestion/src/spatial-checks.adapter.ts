// SpatialChecks (what @sp/feeds needs) over @sp/spatial's AreaReference: area codes of every
// hierarchy and planning level with the validity of their versions, and "inside the city" as "located in one of its areas".
import type { SpatialChecks } from '@sp/feeds';
import type { AreaReference } from '@sp/spatial';

export function spatialChecksFrom(reference: AreaReference): SpatialChecks {
  let levels: string[] = [];
  let revision = -1;
  // the validity of every area version, grouped once per level: validation asks for it per record,
  // and areas() sorts the whole level with a locale collation on every call (5 s per batch of 1,000
  // Stadtteil records on this machine, issue 17)
  const byLevel = new Map<string, Map<string, { validFrom: string; validTo: string | null }[]>>();
  // a tenant's delivered reference may be replaced (replaceWith): the groups follow its revision
  const current = () => {
    if (revision !== reference.revision) {
      revision = reference.revision;
      levels = [...reference.hierarchyLevels, ...reference.planningLevels];
      byLevel.clear();
    }
  };
  const validityOf = (level: string) => {
    current();
    let codes = byLevel.get(level);
    if (!codes) {
      codes = new Map();
      for (const a of reference.areas(level, { all: true })) codes.set(a.code, [...(codes.get(a.code) ?? []), { validFrom: a.validFrom, validTo: a.validTo }]);
      byLevel.set(level, codes);
    }
    return codes;
  };
  return {
    cityName: reference.name,
    levels: () => {
      current();
      return levels;
    },
    hasArea: (level, code) => reference.get(level, code) !== undefined,
    validity: (level, code) => (validityOf(level).get(code) ?? []).map((v) => ({ ...v })),
    insideCity: (lat, lon) => reference.locate(lat, lon) !== undefined,
  };
}
