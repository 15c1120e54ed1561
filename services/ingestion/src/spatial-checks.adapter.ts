// SpatialChecks (what @sp/feeds needs) over @sp/spatial's AreaReference: area codes of every
// hierarchy and planning level with the validity of their versions, and "inside the city" as "located in one of its areas".
// The checks also give a snapshot of what area statistics are validated against (levels, codes and
// validity, no geometry) with the reference's revision, for the delivery readers' worker threads
// (delivery.readers.ts), and spatialChecksOfSnapshot() reads such a snapshot as SpatialChecks again.
import type { SpatialChecks } from '@sp/feeds';
import type { AreaReference } from '@sp/spatial';

type Validity = { validFrom: string; validTo: string | null };

/** What validation of an area statistic reads of the reference, as data: levels, and per level every code with the validity of its versions. */
export interface SpatialSnapshot {
  /** the reference's revision the snapshot was taken at (AreaReference.revision) */
  revision: number;
  cityName: string;
  levels: string[];
  /** structured-cloneable (Maps travel to a worker as Maps) */
  validity: Map<string, Map<string, Validity[]>>;
}

/** SpatialChecks that can be handed to another thread as a snapshot, with the revision it changes with. */
export interface SnapshotSpatialChecks extends SpatialChecks {
  revision(): number;
  snapshot(): SpatialSnapshot;
}

export function spatialChecksFrom(reference: AreaReference): SnapshotSpatialChecks {
  let levels: string[] = [];
  let revision = -1;
  // the validity of every area version, grouped once per level: validation asks for it per record,
  // and areas() sorts the whole level with a locale collation on every call (5 s per batch of 1,000
  // Stadtteil records on this machine, issue 17)
  const byLevel = new Map<string, Map<string, Validity[]>>();
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
  const cityName = reference.name;
  return {
    cityName,
    levels: () => {
      current();
      return levels;
    },
    hasArea: (level, code) => reference.get(level, code) !== undefined,
    validity: (level, code) => (validityOf(level).get(code) ?? []).map((v) => ({ ...v })),
    insideCity: (lat, lon) => reference.locate(lat, lon) !== undefined,
    revision: () => reference.revision,
    snapshot: () => {
      current();
      const at = revision;
      const validity: SpatialSnapshot['validity'] = new Map();
      for (const level of levels) validity.set(level, validityOf(level));
      return { revision: at, cityName, levels: [...levels], validity };
    },
  };
}

/**
 * The checks of a snapshot: the same answers as the checks it was taken of for every level of the
 * snapshot (validation asks hasArea and validity only for a level of levels()). No geometry:
 * insideCity is not answered — the readers' workers validate area statistics only, which have none.
 */
export function spatialChecksOfSnapshot(s: SpatialSnapshot): SpatialChecks {
  return {
    cityName: s.cityName,
    levels: () => s.levels,
    hasArea: (level, code) => s.validity.get(level)?.has(code) === true,
    validity: (level, code) => (s.validity.get(level)?.get(code) ?? []).map((v) => ({ ...v })),
    insideCity: () => {
      throw new Error('insideCity is not answered from a spatial snapshot (no geometry)');
    },
  };
}

/** Whether these checks can be handed to a worker thread (spatialChecksFrom's are; a test's fixture may not be). */
export function hasSnapshot(checks: SpatialChecks): checks is SnapshotSpatialChecks {
  return typeof (checks as Partial<SnapshotSpatialChecks>).snapshot === 'function' && typeof (checks as Partial<SnapshotSpatialChecks>).revision === 'function';
}
