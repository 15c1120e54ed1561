// The roll-up relation of a spatial reference as rows of area_map: every area maps to itself, to
// each hierarchical ancestor, and to each planning area that contains it completely. A planning
// area made partly of finer areas (Stadtviertel) gets no rows from a coarser level (Stadtteil):
// its total from that level would be wrong, so it has none rather than a misleading one.
import type { AreaReference } from '@sp/spatial';

export interface AreaMapRow {
  childLevel: string;
  childCode: string;
  level: string;
  code: string;
  /** ISO dates of the period in which the relation holds (both areas valid); validTo null = open */
  validFrom?: string;
  validTo?: string | null;
}

type Validity = { validFrom: string; validTo: string | null };
function overlap(a: Validity, b: Validity): Validity | undefined {
  const from = a.validFrom > b.validFrom ? a.validFrom : b.validFrom;
  const to = a.validTo === null ? b.validTo : b.validTo === null ? a.validTo : a.validTo < b.validTo ? a.validTo : b.validTo;
  return to !== null && to < from ? undefined : { validFrom: from, validTo: to };
}

export function areaMapRows(reference: AreaReference): AreaMapRow[] {
  const rows: AreaMapRow[] = [];
  const hierarchy = reference.hierarchyLevels;
  for (const level of hierarchy) {
    for (const area of reference.areas(level, { all: true })) {
      rows.push({ childLevel: level, childCode: area.code, level, code: area.code, validFrom: area.validFrom, validTo: area.validTo });
      for (const a of reference.ancestors(area)) {
        const v = overlap(area, a);
        if (v) rows.push({ childLevel: level, childCode: area.code, level: a.level, code: a.code, ...v });
      }
    }
  }
  for (const planningLevel of reference.planningLevels) {
    for (const p of reference.areas(planningLevel, { all: true })) {
      const memberDepth = Math.max(...p.members.map((m) => hierarchy.indexOf(m.level)));
      for (const sourceLevel of hierarchy.slice(memberDepth)) {
        const leaves = new Map<string, Validity>();
        for (const m of p.members) for (const d of reference.descendants(m, sourceLevel)) leaves.set(d.code, d);
        for (const [code, leaf] of leaves) {
          const v = overlap(leaf, p);
          if (v) rows.push({ childLevel: sourceLevel, childCode: code, level: p.level, code: p.code, ...v });
        }
      }
    }
  }
  return rows;
}
