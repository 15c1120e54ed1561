// Composite indices (e.g. a Sozialindex): definitions with their classes, and scores per area.
import { builder } from './builder.js';
import { PolarityEnum } from './indicator.js';
import { AreaInput, AreaLevelRef, AreaRef, IndexRef, IndexValueRef, IndicatorRef } from './refs.js';

const IndexInputRef = builder.objectRef<{ indicator: string; polarity: 'POSITIVE' | 'NEGATIVE' | 'NEUTRAL' }>('IndexInput').implement({
  fields: (t) => ({
    indicator: t.field({ type: IndicatorRef, nullable: true, resolve: (i, _a, ctx) => ctx.indicators.indicators().find((m) => m.code === i.indicator) ?? null }),
    indicatorCode: t.exposeString('indicator'),
    polarity: t.field({ type: PolarityEnum, resolve: (i) => i.polarity }),
  }),
});

const IndexClassRef = builder.objectRef<{ label: string; from: number | null }>('IndexClass').implement({
  fields: (t) => ({
    label: t.exposeString('label'),
    from: t.float({ nullable: true, description: 'Lower bound in standard deviations; null for the lowest class.', resolve: (c) => c.from }),
  }),
});

IndexRef.implement({
  description: 'A composite index: inputs z-standardised across the areas of a level, polarity applied, summed, standardised again and classified.',
  fields: (t) => ({
    code: t.exposeString('code'),
    name: t.exposeString('name'),
    description: t.exposeString('description'),
    inputs: t.field({ type: [IndexInputRef], resolve: (m) => [...m.inputs] }),
    classes: t.field({ type: [IndexClassRef], resolve: (m) => [...m.classes] }),
    minPopulation: t.exposeInt('minPopulation'),
    version: t.exposeInt('version'),
    versions: t.intList({
      description: 'Every version of the definition, ascending; the scores of each stay queryable (indexValues(definitionVersion:)).',
      resolve: (m) => [...(m.versions ?? [m.version])],
    }),
    synthetic: t.exposeBoolean('synthetic'),
  }),
});

IndexValueRef.implement({
  fields: (t) => ({
    index: t.exposeString('index'),
    area: t.field({ type: AreaRef, resolve: (v, _a, ctx) => ctx.indicators.areaOf(v.areaLevel, v.areaCode) }),
    period: t.exposeString('period'),
    score: t.float({ nullable: true, description: 'null when the area is below the minimum population or inputs are suppressed.', resolve: (v) => v.score }),
    class: t.string({ nullable: true, resolve: (v) => v.class }),
    scored: t.exposeBoolean('scored'),
    definitionVersion: t.exposeInt('definitionVersion'),
  }),
});

builder.queryFields((t) => ({
  indices: t.field({
    type: [IndexRef],
    description: 'Composite indices this caller may read.',
    resolve: (_root, _args, ctx) => ctx.indicators.indices(),
  }),
  indexValues: t.field({
    type: [IndexValueRef],
    description: 'Scores and classes of a composite index for the areas of a level. Also as CSV: GET /export/index-values.csv.',
    args: {
      index: t.arg.string({ required: true }),
      level: t.arg({ type: AreaLevelRef, required: true }),
      period: t.arg.string({ required: true }),
      parent: t.arg({ type: AreaInput, required: false }),
      definitionVersion: t.arg.int({ required: false, description: 'The scores of this version of the definition, one of Index.versions; absent: the latest version.' }),
    },
    resolve: (_root, args, ctx) => ctx.indicators.indexValues(args.index, args.level, args.period, args.parent, args.definitionVersion),
  }),
}));
