// How areas of different levels relate, for the sources' filters and the evaluation: which areas
// contain an area (a Stadtteil lies in its Bezirk, the city and the Sozialraumgebiete it belongs to),
// which lie inside it, and which areas of the basis level (the level the indicator data is delivered
// at, Köln: Stadtteil; the reference's basisLevel) it touches. Planning areas (Köln's Sozialraumgebiete)
// are made of hierarchical areas and have no hierarchical parent.
import type { Area, AreaReference } from '@sp/spatial';
import type { AreaRef } from '../sources.js';
import { SourceError } from './source.errors.js';

export const areaKey = (a: AreaRef): string => `${a.level}|${a.code}`;
const ref = (a: AreaRef): AreaRef => ({ level: a.level, code: a.code });

export class AreaRelations {
  constructor(
    readonly reference: AreaReference,
    /** default: the reference's finest level that partitions the root (AreaReference.basisLevel) */
    private readonly fixedBasisLevel?: string,
  ) {}

  // read from the reference on every use: a tenant's delivered reference may be replaced (replaceWith)
  get root(): AreaRef {
    return ref(this.reference.root);
  }

  /** the level the indicator warehouse holds the figures at; coarser levels and planning areas are roll-ups of it */
  get basisLevel(): string {
    return this.fixedBasisLevel ?? this.reference.basisLevel;
  }

  isRoot(a: AreaRef): boolean {
    return a.level === this.root.level && a.code === this.root.code;
  }

  /** The area as the reader sees it: hierarchical parent, or the city for a planning area (as the gateway's AreaSource). */
  parentOf(a: AreaRef): AreaRef | null {
    const area = this.reference.get(a.level, a.code);
    if (!area) return null;
    return area.parent ? ref(area.parent) : area.kind === 'planning' ? this.root : null;
  }

  /** Areas that contain `a` entirely (not `a` itself): hierarchical ancestors and planning areas around it. */
  containing(a: AreaRef): AreaRef[] {
    const area = this.reference.get(a.level, a.code);
    if (!area) return [];
    if (area.kind !== 'planning') return [...this.reference.ancestors(a), ...this.reference.planningAreasOf(a)].map(ref);
    // a planning area lies in every hierarchical area that contains all of its members
    const chains = area.members.map((m) => new Set([areaKey(m), ...this.reference.ancestors(m).map(areaKey)]));
    const first = area.members[0];
    if (!first) return [this.root];
    return [ref(first), ...this.reference.ancestors(first).map(ref)].filter((c) => chains.every((chain) => chain.has(areaKey(c))));
  }

  /** Areas that lie inside `a` (not `a` itself): every finer hierarchical area and the planning areas wholly inside. */
  within(a: AreaRef): AreaRef[] {
    const area = this.reference.get(a.level, a.code);
    if (!area) return [];
    if (area.kind === 'planning') return area.members.flatMap((m) => [ref(m), ...this.finer(m)]);
    const inside = this.finer(a);
    const keys = new Set([areaKey(a), ...inside.map(areaKey)]);
    const planning = this.reference.planningLevels.flatMap((level) => this.reference.areas(level)).filter((p) => p.members.length > 0 && p.members.every((m) => keys.has(areaKey(m))));
    return [...inside, ...planning.map(ref)];
  }

  /** The basis areas `a` covers wholly or partly (Köln: a Stadtviertel member brings its whole Stadtteil). */
  basisAreas(a: AreaRef): string[] {
    const area = this.require(a);
    const codes = new Set<string>();
    for (const part of area.kind === 'planning' ? area.members : [a]) {
      const depth = this.reference.hierarchyLevels.indexOf(part.level);
      const basisDepth = this.reference.hierarchyLevels.indexOf(this.basisLevel);
      if (depth <= basisDepth) for (const d of this.reference.descendants(part, this.basisLevel)) codes.add(d.code);
      else {
        const up = this.reference.ancestors(part).find((x) => x.level === this.basisLevel);
        if (up) codes.add(up.code);
      }
    }
    return [...codes].sort();
  }

  require(a: AreaRef): Area {
    const area = this.reference.get(a.level, a.code);
    if (!area) throw new SourceError('UNKNOWN_AREA', `no area ${a.level} ${a.code} in the spatial reference ${this.reference.id}`, 'area');
    return area;
  }

  private finer(a: AreaRef): AreaRef[] {
    const levels = this.reference.hierarchyLevels;
    return levels.slice(levels.indexOf(a.level) + 1).flatMap((level) => this.reference.descendants(a, level).map(ref));
  }
}
