// An in-memory spatial reference: areas by level and code (with versions over time), hierarchy
// navigation and fast point location. Built by the loader or from delivered records; a tenant whose
// delivered reference changes swaps the whole content at once (replaceWith), never one area.
import { isValidAt, SpatialReferenceError, type Area, type AreaRef } from './area.js';
import { bboxContains, containsPoint, unionBBox, type BBox } from './geometry.js';

export interface Location {
  /** the hierarchical areas containing the point, by level (finer levels absent where not covered) */
  byLevel: Record<string, Area>;
  /** planning areas (e.g. Sozialraumgebiete) containing the point */
  planning: Area[];
}

export interface AtOption {
  /** ISO date; without it only areas still valid today (validTo null) are used */
  at?: string;
}

const key = (level: string, code: string) => `${level}|${code}`;

/** Uniform grid over one level's extent; each cell lists the areas whose bbox touches it. */
class GridIndex {
  private readonly cells: number[][];
  private readonly box: BBox;
  constructor(
    private readonly areas: readonly Area[],
    private readonly n = 48,
  ) {
    this.box = unionBBox(areas.map((a) => a.bbox));
    this.cells = Array.from({ length: n * n }, () => []);
    areas.forEach((a, i) => {
      const [x0, y0] = this.cell(a.bbox.minLat, a.bbox.minLon);
      const [x1, y1] = this.cell(a.bbox.maxLat, a.bbox.maxLon);
      for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) this.cells[y * n + x]!.push(i);
    });
  }
  private cell(lat: number, lon: number): [number, number] {
    const { minLon, minLat, maxLon, maxLat } = this.box;
    const fx = Math.floor(((lon - minLon) / (maxLon - minLon || 1)) * this.n);
    const fy = Math.floor(((lat - minLat) / (maxLat - minLat || 1)) * this.n);
    return [Math.min(this.n - 1, Math.max(0, fx)), Math.min(this.n - 1, Math.max(0, fy))];
  }
  find(lat: number, lon: number, accept: (a: Area) => boolean): Area | undefined {
    if (!bboxContains(this.box, lat, lon)) return undefined;
    const [x, y] = this.cell(lat, lon);
    for (const i of this.cells[y * this.n + x]!) {
      const a = this.areas[i]!;
      if (accept(a) && bboxContains(a.bbox, lat, lon) && containsPoint(a.geometry, lat, lon)) return a;
    }
    return undefined;
  }
}

/** One level of a reference as a reader of the API sees it. */
export interface LevelInfo {
  level: string;
  /** the reader's word for it (Stadtteil, Ortsteil, Sozialraumgebiet …) */
  label: string;
  /** the hierarchical level it nests in; null for the root and for planning levels */
  parentLevel: string | null;
  /** planning areas are unions of hierarchical areas (Sozialräume), not a further nesting */
  planning: boolean;
  /** at least one of its areas has a boundary: it can be drawn on a map */
  hasGeometry: boolean;
}

export interface AreaReferenceInit {
  id: string;
  name: string;
  attribution?: string;
  /** root level first, then the hierarchical levels coarse → fine */
  hierarchyLevels: string[];
  /** per hierarchical level below the root: does it cover its parent completely? */
  coverage: Record<string, 'complete' | 'partial'>;
  planningLevels: string[];
  /** readers' words per level (default: the level name) */
  labels?: Record<string, string>;
  areas: Area[];
}

export class AreaReference {
  readonly id: string;
  readonly name: string;
  readonly attribution: string | undefined;
  readonly hierarchyLevels: readonly string[];
  readonly planningLevels: readonly string[];
  private readonly coverage: Record<string, 'complete' | 'partial'>;
  private readonly labels: Record<string, string>;
  private readonly versions = new Map<string, Area[]>();
  private readonly byLevel = new Map<string, Area[]>();
  private readonly memberOf = new Map<string, Area[]>();
  private readonly grids = new Map<string, GridIndex>();

  constructor(init: AreaReferenceInit) {
    this.id = init.id;
    this.name = init.name;
    this.attribution = init.attribution;
    this.hierarchyLevels = init.hierarchyLevels;
    this.planningLevels = init.planningLevels;
    this.coverage = init.coverage;
    this.labels = init.labels ?? {};
    for (const a of init.areas) {
      const k = key(a.level, a.code);
      const list = this.versions.get(k) ?? [];
      list.push(a);
      list.sort((x, y) => x.validFrom.localeCompare(y.validFrom));
      this.versions.set(k, list);
      const lv = this.byLevel.get(a.level) ?? [];
      lv.push(a);
      this.byLevel.set(a.level, lv);
      for (const m of a.members) {
        const l = this.memberOf.get(key(m.level, m.code)) ?? [];
        l.push(a);
        this.memberOf.set(key(m.level, m.code), l);
      }
    }
  }

  /** 0 when built; +1 with every replaceWith, so caches over this reference know when to rebuild */
  revision = 0;

  /**
   * Takes over another reference's levels and areas in one step (a tenant's delivered reference
   * changed): every consumer that holds this object sees the new areas at once.
   */
  replaceWith(next: AreaReference): void {
    const revision = this.revision + 1;
    Object.assign(this, next);
    this.revision = revision;
  }

  get rootLevel(): string {
    return this.hierarchyLevels[0]!;
  }

  /** Every level, root first, then the hierarchy coarse → fine, then the planning levels. */
  get levels(): LevelInfo[] {
    const drawn = (level: string) => (this.byLevel.get(level) ?? []).some((a) => a.geometry.coordinates.length > 0);
    const info = (level: string, parentLevel: string | null, planning: boolean): LevelInfo => ({
      level,
      label: this.labels[level] ?? level,
      parentLevel,
      planning,
      hasGeometry: drawn(level),
    });
    return [...this.hierarchyLevels.map((level, i) => info(level, i === 0 ? null : this.hierarchyLevels[i - 1]!, false)), ...this.planningLevels.map((level) => info(level, null, true))];
  }

  /** Is this a level of the reference (hierarchical or planning)? */
  hasLevel(level: string): boolean {
    return this.hierarchyLevels.includes(level) || this.planningLevels.includes(level);
  }

  /**
   * The finest level that, together with every level above it, partitions the root completely (Köln:
   * Stadtteil): the level point locations are anchored at and figures are delivered at; coarser
   * levels and planning areas are its roll-ups. The root level when no level below covers it completely.
   */
  get basisLevel(): string {
    let basis = this.rootLevel;
    for (const level of this.hierarchyLevels.slice(1)) {
      if (this.coverage[level] !== 'complete') break;
      basis = level;
    }
    return basis;
  }

  get root(): Area {
    return this.areas(this.rootLevel, { at: undefined, all: true })[0]!;
  }

  /** Areas of a level valid at `at` (default: still valid today), sorted by code. `all` returns every version. */
  areas(level: string, opts: AtOption & { all?: boolean } = {}): Area[] {
    const list = this.byLevel.get(level) ?? [];
    const valid = opts.all ? list : list.filter((a) => this.valid(a, opts.at));
    return [...valid].sort((a, b) => a.code.localeCompare(b.code, 'de', { numeric: true }));
  }

  /** The version of (level, code) valid at `at`; without `at` the latest version. */
  get(level: string, code: string, opts: AtOption = {}): Area | undefined {
    const list = this.versions.get(key(level, code));
    if (!list) return undefined;
    return opts.at === undefined ? list[list.length - 1] : list.find((a) => isValidAt(a, opts.at!));
  }

  require(level: string, code: string, opts: AtOption = {}): Area {
    const a = this.get(level, code, opts);
    if (!a) throw new SpatialReferenceError('UNKNOWN_AREA', `no area ${level} ${code} in reference ${this.id}${opts.at ? ` valid at ${opts.at}` : ''}`);
    return a;
  }

  parentOf(ref: AreaRef): AreaRef | undefined {
    return this.get(ref.level, ref.code)?.parent ?? undefined;
  }

  /** Parent first, root last. */
  ancestors(ref: AreaRef): Area[] {
    const out: Area[] = [];
    let p = this.parentOf(ref);
    while (p) {
      const a = this.get(p.level, p.code);
      if (!a) break;
      out.push(a);
      p = a.parent ?? undefined;
    }
    return out;
  }

  /** Descendants of `ref` at `level` (hierarchical levels only). */
  descendants(ref: AreaRef, level: string): Area[] {
    let frontier: AreaRef[] = [ref];
    const target = this.hierarchyLevels.indexOf(level);
    for (let i = this.hierarchyLevels.indexOf(ref.level); i < target && frontier.length; i++) {
      frontier = frontier.flatMap((r) => this.get(r.level, r.code)?.children ?? []);
    }
    return frontier.map((r) => this.get(r.level, r.code)).filter((a): a is Area => a !== undefined);
  }

  /** Planning areas valid at `at` that contain the hierarchical area `ref` (as member or via an ancestor member). */
  planningAreasOf(ref: AreaRef, opts: AtOption = {}): Area[] {
    const chain = [ref, ...this.ancestors(ref)];
    const found = new Map<string, Area>();
    for (const r of chain) {
      for (const p of this.memberOf.get(key(r.level, r.code)) ?? []) {
        if (this.valid(p, opts.at)) found.set(key(p.level, p.code), p);
      }
    }
    return [...found.values()];
  }

  /**
   * Where is a point? The anchor is the finest level that covers its parent completely (Köln: Stadtteil).
   * Coarser levels follow from the parent chain, so the answer is consistent even where the files of
   * different levels disagree by a few metres; finer partial levels (Stadtviertel) are searched only
   * among the children of the anchor area. Undefined when the point lies outside the reference.
   */
  locate(lat: number, lon: number, opts: AtOption = {}): Location | undefined {
    if (!Number.isFinite(lat) || !Number.isFinite(lon)) return undefined;
    const levels = this.hierarchyLevels.slice(1);
    let anchorIdx = -1;
    levels.forEach((l, i) => {
      if (this.coverage[l] === 'complete' && anchorIdx === i - 1) anchorIdx = i;
    });
    if (anchorIdx < 0) return undefined;
    const anchorLevel = levels[anchorIdx]!;
    const anchor = this.grid(anchorLevel).find(lat, lon, (a) => this.valid(a, opts.at));
    if (!anchor) return undefined;
    const byLevel: Record<string, Area> = { [anchorLevel]: anchor };
    for (const a of this.ancestors(anchor)) byLevel[a.level] = a;
    let current = anchor;
    for (const level of levels.slice(anchorIdx + 1)) {
      const child = current.children
        .map((c) => this.get(c.level, c.code, opts))
        .find((c) => c !== undefined && c.level === level && this.valid(c, opts.at) && bboxContains(c.bbox, lat, lon) && containsPoint(c.geometry, lat, lon));
      if (!child) break;
      byLevel[level] = child;
      current = child;
    }
    return { byLevel, planning: this.planningAreasOf(current, opts) };
  }

  private valid(a: Area, at: string | undefined): boolean {
    return at === undefined ? a.validTo === null : isValidAt(a, at);
  }

  private grid(level: string): GridIndex {
    let g = this.grids.get(level);
    if (!g) {
      g = new GridIndex(this.byLevel.get(level) ?? []);
      this.grids.set(level, g);
    }
    return g;
  }
}
