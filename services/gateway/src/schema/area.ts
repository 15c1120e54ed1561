// Areas, their levels and their hierarchy: what a map or a table of areas reads. Geometry only on
// request. The levels are the spatial reference's data (areaLevels), never a list in code.
import { expectedError } from '../errors.js';
import type { AreaLevelView, AreaSource, AreaView } from '../sources.js';
import { builder } from './builder.js';
import { AreaInput, AreaLevelRef, AreaRef, IndexValueRef, IndicatorValueRef } from './refs.js';

AreaRef.implement({
  description: 'An area of the spatial reference, at one of its levels (`areaLevels`: Köln has Stadt, Stadtbezirk, Stadtteil, Stadtviertel and the Sozialraumgebiete as planning areas).',
  fields: (t) => ({
    level: t.field({ type: AreaLevelRef, resolve: (a) => a.level as never }),
    code: t.exposeString('code', { description: 'Official code within its level (Köln: "0" city, "1"…"9" Bezirk, "101"…"909" Stadtteil, 5 digits Stadtviertel).' }),
    name: t.exposeString('name'),
    validFrom: t.string({ nullable: true, resolve: (a) => a.validFrom ?? null }),
    validTo: t.string({ nullable: true, resolve: (a) => a.validTo ?? null }),
    parent: t.field({
      type: AreaRef,
      nullable: true,
      description: 'The area this one lies in, one level up (Köln: Stadtteil → Stadtbezirk → Stadt); for a planning area the root.',
      resolve: (a, _args, ctx) => (a.parent ? (ctx.areas.area(a.parent.level, a.parent.code, a.at) ?? null) : null),
    }),
    children: t.field({
      type: [AreaRef],
      description: 'Areas of the given level below this one (default: the next level down).',
      args: { level: t.arg({ type: AreaLevelRef, required: false }) },
      resolve: (a, args, ctx) => {
        const level = args.level ?? nextLevel(ctx.areas, a.level);
        if (!level) return [];
        return ctx.areas.areas(level, a.at).filter((c) => isBelow(lookupAt(ctx.areas, a.at), c, a));
      },
    }),
    members: t.field({
      type: [AreaRef],
      description: 'For planning areas: the hierarchical areas they are made of (Köln: Stadtteile or Stadtviertel).',
      resolve: (a, _args, ctx) => (ctx.areas.members?.(a.level, a.code, a.at) ?? []).map((m) => ctx.areas.area(m.level, m.code, a.at)).filter((m): m is AreaView => !!m),
    }),
    geometry: t.field({
      type: 'GeoJSON',
      nullable: true,
      complexity: 20,
      description: 'The boundary as GeoJSON geometry (WGS84). Large: ask only when drawing a map.',
      resolve: (a, _args, ctx) => ctx.areas.geometry(a.level, a.code, a.at),
    }),
    value: t.field({
      type: IndicatorValueRef,
      nullable: true,
      description: 'The value of an indicator for this area in a period (batched with all other areas of the query).',
      args: {
        indicator: t.arg.string({ required: true }),
        period: t.arg.string({ required: true }),
        asOf: t.arg.string({ required: false, description: 'ISO date or date-time: the value as it was known then.' }),
      },
      resolve: (a, args, ctx) => ctx.indicators.value(args.indicator, a, args.period, args.asOf),
    }),
    series: t.field({
      type: [IndicatorValueRef],
      description: 'A time series of an indicator for this area, ascending by period.',
      args: {
        indicator: t.arg.string({ required: true }),
        from: t.arg.string({ required: true }),
        to: t.arg.string({ required: true }),
        asOf: t.arg.string({ required: false }),
      },
      resolve: (a, args, ctx) => ctx.indicators.series(args.indicator, a, args.from, args.to, args.asOf),
    }),
    indexValue: t.field({
      type: IndexValueRef,
      nullable: true,
      description: 'The composite index score and class of this area.',
      args: { index: t.arg.string({ required: true }), period: t.arg.string({ required: true }) },
      resolve: async (a, args, ctx) => (await ctx.indicators.indexValues(args.index, a.level, args.period)).find((v) => v.areaCode === a.code) ?? null,
    }),
  }),
});

/** The hierarchical level nested directly in `level`, from the reference; null at the finest level and for planning levels. */
function nextLevel(areas: AreaSource, level: string): string | null {
  return areas.levels().find((l) => !l.planning && l.parentLevel === level)?.level ?? null;
}

const AreaLevelInfoRef = builder.objectRef<AreaLevelView>('AreaLevelInfo').implement({
  description: 'One level of the spatial reference, as the city names it.',
  fields: (t) => ({
    name: t.field({ type: AreaLevelRef, description: 'The level as arguments name it, e.g. STADTTEIL.', resolve: (l) => l.level }),
    label: t.exposeString('label', { description: 'The readers\' word, e.g. "Stadtteil".' }),
    parentLevel: t.field({ type: AreaLevelRef, nullable: true, description: 'The hierarchical level it nests in; null for the root and planning levels.', resolve: (l) => l.parentLevel }),
    hasGeometry: t.exposeBoolean('hasGeometry', { description: 'Its areas have boundaries: it can be drawn on a map (otherwise only tables).' }),
    basis: t.exposeBoolean('basis', {
      description: 'Figures are delivered at this level (the finest that partitions the root); coarser levels and planning areas are its roll-ups. A map starts here.',
    }),
    planning: t.exposeBoolean('planning', { description: 'A planning level (Sozialräume): its areas are unions of hierarchical areas and lie in the root.' }),
  }),
});

/** Looks areas up as they were at `at` (default: their latest version). */
function lookupAt(areas: AreaSource, at: string | undefined): (level: string, code: string) => AreaView | undefined {
  return (level, code) => areas.area(level, code, at);
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The `at` argument: an ISO date of the calendar, or undefined; anything else is refused naming the argument. */
function atArg(at: string | null | undefined): string | undefined {
  if (at === null || at === undefined) return undefined;
  if (!ISO_DATE.test(at) || Number.isNaN(Date.parse(`${at}T00:00:00Z`)) || new Date(`${at}T00:00:00Z`).toISOString().slice(0, 10) !== at) {
    throw expectedError('BAD_USER_INPUT', `at ${JSON.stringify(at)} is not a date`, { argument: 'at', accepted: 'an ISO date YYYY-MM-DD, e.g. "2019-06-30"' });
  }
  return at;
}

const atDescription =
  'ISO date (YYYY-MM-DD): the areas valid on that day, with their names, parents and boundaries of then — also areas whose validity has ended since (a boundary reform). Default: the areas valid today.';

function isBelow(lookup: (level: string, code: string) => AreaView | undefined, area: AreaView, ancestor: AreaView): boolean {
  let current = area.parent;
  for (let guard = 0; current && guard < 10; guard++) {
    if (current.level === ancestor.level && current.code === ancestor.code) return true;
    current = lookup(current.level, current.code)?.parent ?? null;
  }
  return false;
}

builder.queryFields((t) => ({
  areaLevels: t.field({
    type: [AreaLevelInfoRef],
    description: 'The levels of the spatial reference: the root, the hierarchy coarse to fine, then the planning levels. Every AreaLevel argument accepts exactly these names.',
    resolve: (_root, _args, ctx) => [...ctx.areas.levels()],
  }),
  areas: t.field({
    type: [AreaRef],
    description: 'Areas of a level, optionally only those below a parent area or with the given codes. Ordered by code.',
    args: {
      level: t.arg({ type: AreaLevelRef, required: true }),
      parent: t.arg({ type: AreaInput, required: false }),
      codes: t.arg.stringList({ required: false }),
      at: t.arg.string({ required: false, description: atDescription }),
    },
    resolve: (_root, args, ctx) => {
      const at = atArg(args.at);
      let out = ctx.areas.areas(args.level, at);
      if (args.parent) {
        const parent = ctx.areas.area(args.parent.level, args.parent.code, at);
        if (!parent) throw expectedError('NOT_FOUND', `no ${args.parent.level} with code "${args.parent.code}"${at ? ` valid at ${at}` : ''}`, { argument: 'parent' });
        out = out.filter((a) => isBelow(lookupAt(ctx.areas, at), a, parent));
      }
      if (args.codes) {
        const codes = new Set(args.codes);
        out = out.filter((a) => codes.has(a.code));
      }
      return [...out];
    },
  }),
  area: t.field({
    type: AreaRef,
    nullable: true,
    description: 'One area by level and code (without `at` its latest version); null when there is none.',
    args: { level: t.arg({ type: AreaLevelRef, required: true }), code: t.arg.string({ required: true }), at: t.arg.string({ required: false, description: atDescription }) },
    resolve: (_root, args, ctx) => ctx.areas.area(args.level, args.code, atArg(args.at)) ?? null,
  }),
}));
