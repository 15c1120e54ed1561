// SpatialChecks (what @sp/feeds needs) over @sp/spatial's AreaReference: area codes of every
// hierarchy and planning level, and "inside the city" as "located in one of its areas".
import type { SpatialChecks } from '@sp/feeds';
import type { AreaReference } from '@sp/spatial';

export function spatialChecksFrom(reference: AreaReference): SpatialChecks {
  const levels = [...reference.hierarchyLevels, ...reference.planningLevels];
  return {
    cityName: reference.name,
    levels: () => levels,
    hasArea: (level, code) => reference.get(level, code) !== undefined,
    insideCity: (lat, lon) => reference.locate(lat, lon) !== undefined,
  };
}
