// Builds a Gebietsprofil from one request context: every figure is read through the context's
// IndicatorService (the reader with the viewer's access and suppression rules, as GraphQL and the
// CSV exports use it), offers and needs through the registry source, goals and measures through
// the PlanningService with its visibility rules. Nothing here lifts a protection: a public viewer's
// profile holds exactly the figures the public API shows.
import type { IndicatorValue } from '@sp/indicator-store';
import { meanAndPopulationSd } from '@sp/indicators';
import { perturbationNote } from '../adapters/indicators.catalogue.js';
import type { GatewayContext } from '../context.js';
import { expectedError, isExpected, userCausedSourceError } from '../errors.js';
import { checkPeriod } from '../indicators/periods.js';
import type { AreaRef, AreaView, GeoJsonGeometry, IndexMeta, IndicatorMeta, NeedsRowView } from '../sources.js';
import type { GebietsProfil, ProfileFigure, ProfileIndex, ProfileIndicator, ProfileNeed, ProfilePlanning, ProfileSource } from './profile.model.js';

export interface ProfileRequest {
  level: string;
  code: string;
  /** a year, quarter or month; default: the latest period with data */
  period?: string | null;
  /** indicator codes to show; default: the inputs of the readable indices, then the readable rates */
  indicators?: readonly string[] | null;
}

/** Longest series a profile charts, in periods of the indicator's own periodicity. */
const seriesLength = 8;
/** Key indicators shown when the caller names none. */
const defaultIndicatorCount = 10;
const offerLimit = 40;

const reasonDe: Record<string, string> = { PROTECTED: 'geschützt', PRIMARY: 'Fallzahl unter Schwelle', SECONDARY: 'Sekundärsperrung', DERIVED: 'abgeleitet aus gesperrtem Wert' };

const goalStatusDe: Record<string, string> = {
  draft: 'Entwurf',
  proposed: 'vorgeschlagen',
  adopted: 'beschlossen',
  achieved: 'erreicht',
  missed: 'verfehlt',
  revised: 'überarbeitet',
  retired: 'aufgehoben',
};
const measureStatusDe: Record<string, string> = { proposed: 'vorgeschlagen', decided: 'beschlossen', in_progress: 'in Umsetzung', completed: 'abgeschlossen', cancelled: 'abgebrochen' };

/** "STADTTEIL" → "Stadtteil": the level's code as a reader's word (the reference's labels are not in the AreaSource). */
export function levelLabel(level: string): string {
  return level.charAt(0) + level.slice(1).toLowerCase();
}

/**
 * The period of an indicator to show for a requested one: the requested period itself if it has
 * data, else the latest period with data that starts in it (2012 → 2012-12), else the latest one
 * before it. Periods of every periodicity sort as strings ("2012" < "2012-12" < "2013").
 */
export function pickPeriod(available: readonly string[], requested: string | null): string | null {
  if (available.length === 0) return null;
  if (requested == null) return available[available.length - 1]!;
  if (available.includes(requested)) return requested;
  const inside = available.filter((p) => p.startsWith(requested));
  if (inside.length) return inside[inside.length - 1]!;
  const before = available.filter((p) => p < requested);
  return before.length ? before[before.length - 1]! : null;
}

/** The last `n` periods up to `period` with the same shape (a month's series keeps its month: 2010-12, 2011-12 …). */
export function seriesPeriods(available: readonly string[], period: string, n = seriesLength): string[] {
  const suffix = period.slice(4);
  return available.filter((p) => p.length === period.length && p.slice(4) === suffix && p <= period).slice(-n);
}

function figure(v: IndicatorValue | null | undefined, period: string): ProfileFigure | null {
  if (!v) return null;
  return {
    value: v.suppressed ? null : v.value,
    period: v.period ?? period,
    suppressed: v.suppressed,
    suppressionReason: v.suppressionReason ? (reasonDe[v.suppressionReason] ?? v.suppressionReason) : null,
    perturbed: v.perturbed,
  };
}

const same = (a: AreaRef, b: AreaRef) => a.level === b.level && a.code === b.code;

export class ProfileService {
  /** needs rows per norm, level and year: a Sozialbericht asks for every area of one level */
  private readonly needsCache = new Map<string, Promise<readonly NeedsRowView[]>>();

  constructor(private readonly ctx: GatewayContext) {}

  /** Checks the request before anything is read: BAD_USER_INPUT / NOT_FOUND naming the parameter. */
  validate(req: ProfileRequest): AreaView {
    if (req.period != null) checkPeriod(req.period, 'period', this.ctx.limits);
    for (const code of req.indicators ?? []) this.ctx.indicators.indicator(code);
    return this.ctx.indicators.area({ level: req.level, code: req.code });
  }

  async build(req: ProfileRequest): Promise<GebietsProfil> {
    const area = this.validate(req);
    const ref = { level: area.level, code: area.code };
    const parent = area.parent ? this.ctx.indicators.areaOf(area.parent.level, area.parent.code) : null;
    const root = this.root(area);
    // the city column only where it is neither the area itself nor its parent
    const city = root && !same(root, ref) && !(parent && same(parent, root)) ? root : null;
    const metas = this.keyIndicators(req.indicators ?? null);
    const indicators = await Promise.all(metas.map((m) => this.indicator(m, ref, parent, city, req.period ?? null)));
    const period = req.period ?? latest(indicators.map((i) => i.period).filter(Boolean)) ?? '';
    const [indices, offers, needs, planning] = await Promise.all([
      Promise.all(this.ctx.indicators.indices().map((ix) => this.index(ix, ref, req.period ?? (period || null)))),
      this.offers(ref),
      this.needs(ref, period),
      this.planning(ref),
    ]);
    const used = new Set(indicators.filter((i) => !i.forbidden).flatMap((i) => this.meta(i.code)?.sources ?? []));
    for (const ix of indices) for (const input of ix.inputs) for (const s of this.meta(input.indicator)?.sources ?? []) used.add(s);
    const referenced = new Set(this.ctx.catalogue.indicators().flatMap((m) => m.sources));
    // sources of the figures shown, and every source that is not an indicator's (maps, registry)
    const sources: ProfileSource[] = this.ctx.catalogue
      .sources()
      .filter((s) => used.has(s.code) || !referenced.has(s.code))
      .map((s) => ({ name: s.name, attribution: s.attribution, licence: s.licence, synthetic: s.synthetic }));
    for (const attribution of new Set(offers?.items.flatMap((o) => (o.attribution ? [o.attribution] : [])) ?? [])) {
      if (!sources.some((s) => s.attribution === attribution)) sources.push({ name: 'Angebotsregister', attribution, licence: '', synthetic: false });
    }
    const figures = indicators.flatMap((i) => [i.area, i.parent, i.city, ...i.series]);
    const synthetic = indicators.some((i) => i.synthetic) || indices.some((i) => i.synthetic) || (offers?.items.some((o) => o.synthetic) ?? false) || sources.some((s) => s.synthetic);
    return {
      tenant: root?.name ?? area.name,
      area: { ...ref, name: area.name, levelLabel: levelLabel(area.level) },
      parent: parent ? { level: parent.level, code: parent.code, name: parent.name } : null,
      city: city ? { level: city.level, code: city.code, name: city.name } : null,
      period,
      confidential: this.ctx.viewer.role !== 'public',
      createdAt: this.ctx.today,
      map: this.map(area, parent),
      indicators,
      indices,
      offers: offers ? { total: offers.total, items: offers.items.map(({ attribution: _a, ...o }) => o) } : null,
      needs,
      planning,
      sources,
      synthetic,
      perturbationNote: figures.some((f) => f?.perturbed) ? perturbationNote : null,
    };
  }

  private meta(code: string): IndicatorMeta | undefined {
    return this.ctx.catalogue.indicators().find((m) => m.code === code);
  }

  /** The root of the area's nesting: the deployment's city. */
  private root(area: AreaView): AreaView | null {
    let current: AreaView | undefined = area;
    for (let guard = 0; current?.parent && guard < 10; guard++) current = this.ctx.areas.area(current.parent.level, current.parent.code);
    return current ?? null;
  }

  private keyIndicators(codes: readonly string[] | null): IndicatorMeta[] {
    if (codes?.length) return codes.map((c) => this.ctx.indicators.indicator(c));
    const readable = this.ctx.indicators.indicators();
    const byCode = new Map(readable.map((m) => [m.code, m]));
    const picked = new Map<string, IndicatorMeta>();
    for (const ix of this.ctx.indicators.indices()) for (const i of ix.inputs) if (byCode.has(i.indicator)) picked.set(i.indicator, byCode.get(i.indicator)!);
    for (const m of readable) if (m.kind === 'ratio' && !picked.has(m.code)) picked.set(m.code, m);
    return [...picked.values()].slice(0, defaultIndicatorCount);
  }

  private async indicator(meta: IndicatorMeta, ref: AreaRef, parent: AreaView | null, city: AreaView | null, requested: string | null): Promise<ProfileIndicator> {
    const base = { code: meta.code, name: meta.name, unit: meta.unit, kind: meta.kind, polarity: meta.polarity, synthetic: meta.synthetic };
    const available = await this.ctx.indicators.periods(meta.code);
    const period = pickPeriod(available, requested);
    if (!period) return { ...base, period: '', area: null, parent: null, city: null, series: [], forbidden: false };
    const comparison = await this.ctx.indicators.comparison(meta.code, ref, period);
    const periods = seriesPeriods(available, period);
    const series = await this.ctx.indicators.values({ indicator: meta.code, level: ref.level, periods, areas: [ref.code] });
    return {
      ...base,
      period,
      area: figure(comparison.area, period),
      parent: parent ? figure(comparison.parent, period) : null,
      city: city ? figure(comparison.city, period) : null,
      series: periods.map(
        (p) =>
          figure(
            series.find((s) => s.period === p),
            p,
          ) ?? { value: null, period: p, suppressed: false, suppressionReason: null, perturbed: false },
      ),
      forbidden: false,
    };
  }

  /**
   * The index class of the area and what drives it: each input's z-value among the areas of the
   * level the index scored, computed from the input figures this viewer reads (for the public the
   * protected figures, so the z-values are those of the published table).
   */
  private async index(meta: IndexMeta, ref: AreaRef, requested: string | null): Promise<ProfileIndex> {
    const inputMetas = meta.inputs.map((i) => ({ ...i, meta: this.ctx.catalogue.indicators().find((m) => m.code === i.indicator) }));
    let period: string | null = null;
    for (const i of inputMetas) {
      if (period) break;
      try {
        period = pickPeriod(await this.ctx.indicators.periods(i.indicator), requested);
      } catch (error) {
        if (!isExpected(error)) throw error;
      }
    }
    let rows = period ? await this.ctx.indicators.indexValues(meta.code, ref.level, period) : [];
    // an index of yearly scores over monthly inputs (2012 for inputs of 2012-12)
    if (period && rows.length === 0 && period.length > 4) {
      const year = period.slice(0, 4);
      rows = await this.ctx.indicators.indexValues(meta.code, ref.level, year);
      if (rows.length) period = year;
    }
    const own = rows.find((r) => r.areaCode === ref.code);
    const scoredAreas = new Set(rows.filter((r) => r.scored).map((r) => r.areaCode));
    const inputs = await Promise.all(
      inputMetas.map(async (i) => {
        const base = { indicator: i.indicator, name: i.meta?.name ?? i.indicator, polarity: i.polarity };
        if (!period) return { ...base, value: null, z: null, note: 'keine Daten' };
        let values: IndicatorValue[];
        try {
          // each input in its own periodicity (monthly SGB II beside yearly HzE)
          const inputPeriod = pickPeriod(await this.ctx.indicators.periods(i.indicator), requested ?? period);
          values = inputPeriod ? await this.ctx.indicators.values({ indicator: i.indicator, level: ref.level, period: inputPeriod }) : [];
        } catch (error) {
          if (isExpected(error) && error.extensions.code === 'FORBIDDEN') return { ...base, value: null, z: null, note: 'nicht veröffentlicht' };
          throw error;
        }
        const mine = values.find((v) => v.areaCode === ref.code);
        const visible = values.filter((v) => scoredAreas.has(v.areaCode) && !v.suppressed && v.value != null).map((v) => v.value!);
        if (!mine || mine.suppressed || mine.value == null) return { ...base, value: null, z: null, note: mine?.suppressed ? 'gesperrt' : 'kein Wert' };
        const stats = meanAndPopulationSd(visible);
        // an area the index did not score has no place among the scored ones: its value, no z
        const z = own?.scored && visible.length > 1 && stats.sd > 0 ? (mine.value - stats.mean) / stats.sd : null;
        return { ...base, value: mine.value, z, note: null };
      }),
    );
    return {
      code: meta.code,
      name: meta.name,
      description: meta.description,
      period,
      score: own?.score ?? null,
      classLabel: own?.class ?? null,
      scored: own?.scored ?? false,
      synthetic: meta.synthetic,
      inputs,
    };
  }

  private async offers(ref: AreaRef) {
    if (!this.ctx.registry) return null;
    const page = await this.ctx.registry.searchOffers({ area: ref, offset: 0, limit: offerLimit });
    return {
      total: page.total,
      items: page.items.map((o) => ({
        name: o.name,
        offerType: o.offerType,
        provider: o.provider,
        address: [o.address.street, [o.address.postcode, o.address.city].filter(Boolean).join(' ')].filter(Boolean).join(', '),
        capacity: o.capacity ? `${o.capacity.value} ${o.capacity.unit}` : null,
        synthetic: o.synthetic,
        attribution: o.attribution ?? null,
      })),
    };
  }

  /** The needs analysis of every planning norm for the area, with the API's suppression (demand rests on population figures). */
  private async needs(ref: AreaRef, period: string): Promise<ProfileNeed[] | null> {
    const registry = this.ctx.registry;
    if (!registry || !period) return null;
    const norms = await registry.norms();
    const privileged = this.ctx.viewer.privileged && (this.ctx.viewer.role === 'planner' || this.ctx.viewer.role === 'admin');
    const year = period.slice(0, 4);
    const rows = await Promise.all(
      norms.map(async (n) => {
        try {
          const key = [n.code, ref.level, year].join('|');
          if (!this.needsCache.has(key)) this.needsCache.set(key, registry.needs({ norm: n.code, level: ref.level, period: year, privileged }));
          const all = await this.needsCache.get(key)!;
          return all.filter((r) => same(r.area, ref)).map((r) => ({ ...r, normName: n.name, unit: n.unit }));
        } catch (error) {
          // a norm the registry cannot compute here (e.g. an age band the catalogue lacks) is left out, as GraphQL would refuse it
          if (isExpected(error) || userCausedSourceError(error)) return [];
          throw error;
        }
      }),
    );
    return rows.flat().map((r) => ({
      norm: r.norm,
      normName: r.normName,
      unit: r.unit,
      period: r.period,
      supply: r.supply,
      // the API's rows carry no demand figure when the population is suppressed
      demand: r.suppressed ? null : r.demand,
      coverage: r.suppressed ? null : r.coverage,
      gap: r.suppressed ? null : r.gap,
      suppressed: r.suppressed,
    }));
  }

  private async planning(ref: AreaRef): Promise<ProfilePlanning[] | null> {
    const planning = this.ctx.planning;
    if (!planning) return null;
    const [goals, measures] = await Promise.all([planning.goals({ area: ref }), planning.measures({ area: ref })]);
    return [
      ...goals.map((g) => ({
        kind: 'Ziel' as const,
        title: g.title,
        status: goalStatusDe[g.status] ?? g.status,
        detail: g.targetValue != null ? `Zielwert ${g.targetValue}${g.indicator ? ` (${g.indicator})` : ''}${g.deadline ? ` bis ${g.deadline}` : ''}` : (g.deadline ?? null),
        example: g.example,
      })),
      ...measures.map((m) => ({
        kind: 'Maßnahme' as const,
        title: m.title,
        status: measureStatusDe[m.status] ?? m.status,
        detail: `${m.plannedStart} – ${m.plannedEnd}, federführend ${m.leadAmt}`,
        example: m.example,
      })),
    ];
  }

  /** The area and its neighbours of the same level within the parent's frame (the whole level when it has no parent geometry). */
  private map(area: AreaView, parent: AreaView | null) {
    const own = this.ctx.areas.geometry(area.level, area.code);
    const frame = (parent && this.ctx.areas.geometry(parent.level, parent.code)) ?? null;
    const box = frame ? bboxOf(frame) : own ? grow(bboxOf(own), 2) : null;
    const context: GeoJsonGeometry[] = [];
    if (box) {
      for (const other of this.ctx.areas.areas(area.level)) {
        if (other.code === area.code) continue;
        const g = this.ctx.areas.geometry(other.level, other.code);
        if (g && intersects(bboxOf(g), box)) context.push(g);
      }
    }
    return { context, area: own };
  }
}

function latest(periods: readonly string[]): string | null {
  return periods.length ? [...periods].sort().at(-1)! : null;
}

export type Bbox = [number, number, number, number];

/** [minLon, minLat, maxLon, maxLat] of a Polygon or MultiPolygon. */
export function bboxOf(g: GeoJsonGeometry): Bbox {
  const box: Bbox = [Infinity, Infinity, -Infinity, -Infinity];
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      box[0] = Math.min(box[0], x!);
      box[1] = Math.min(box[1], y!);
      box[2] = Math.max(box[2], x!);
      box[3] = Math.max(box[3], y!);
    } else if (Array.isArray(c)) for (const d of c) visit(d);
  };
  visit(g.coordinates);
  return box;
}

function grow(b: Bbox, factor: number): Bbox {
  const w = ((b[2] - b[0]) * (factor - 1)) / 2;
  const h = ((b[3] - b[1]) * (factor - 1)) / 2;
  return [b[0] - w, b[1] - h, b[2] + w, b[3] + h];
}

function intersects(a: Bbox, b: Bbox): boolean {
  return a[0] <= b[2] && b[0] <= a[2] && a[1] <= b[3] && b[1] <= a[3];
}

/** A clear 4xx for a report path or parameter the gateway cannot answer. */
export function badReport(message: string, argument: string): Error {
  return expectedError('BAD_USER_INPUT', message, { argument });
}
