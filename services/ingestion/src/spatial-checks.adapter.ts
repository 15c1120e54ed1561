// SpatialChecks (what @sp/feeds needs) over @sp/spatial's AreaReference: area codes of every
// hierarchy and planning level with the validity of their versions, and "inside the city" as "located in one of its areas".
import type { SpatialChecks } from '@sp/feeds';
import type { AreaReference } from '@sp/spatial';

export function spatialChecksFrom(reference: AreaReference): SpatialChecks {
  const levels = [...reference.hierarchyLevels, ...reference.planningLevels];
  return {
    cityName: reference.name,
    levels: () => levels,
    hasArea: (level, code) => reference.get(level, code) !== undefined,
    validity: (level, code) =>
      reference
        .areas(level, { all: true })
        .filter((a) => a.code === code)
        .map((a) => ({ validFrom: a.validFrom, validTo: a.validTo })),
    insideCity: (lat, lon) => reference.locate(lat, lon) !== undefined,
  };
}
