// Composite indices (e.g. a Sozialindex): definitions with their classes, and scores per area.
import type { IndexResult } from '@sp/indicator-store';
import type { InputVersion } from '@sp/indicators';
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

const IndicatorVersionRef = builder.objectRef<InputVersion>('IndicatorVersion').implement({
  description: 'An indicator at one version of its definition: what an index score was made from.',
  fields: (t) => ({
    indicator: t.field({
      type: IndicatorRef,
      nullable: true,
      description: 'null when this caller may not read the indicator.',
      resolve: (v, _a, ctx) => ctx.indicators.indicators().find((m) => m.code === v.indicator) ?? null,
    }),
    indicatorCode: t.exposeString('indicator'),
    version: t.exposeInt('version'),
  }),
});

const IndicatorVersionInput = builder.inputType('IndicatorVersionInput', {
  fields: (t) => ({
    indicator: t.string({ required: true, description: 'Code of an indicator the index reads (directly, through a ratio or change, or as its population).' }),
    version: t.int({ required: true, description: 'One of Indicator.versions.' }),
  }),
});

const IndexResultSetRef = builder.objectRef<IndexResult>('IndexResultSet').implement({
  description:
    'The scores of one version of an index definition made from one set of input versions. A new version of an indicator the index reads makes a new set beside the old one; the old one stays as it was last computed (indexValues(definitionVersion:, inputVersions:)).',
  fields: (t) => ({
    definitionVersion: t.exposeInt('definitionVersion'),
    inputVersions: t.field({
      type: [IndicatorVersionRef],
      description: 'Every indicator the scores were read from, at its version; empty for scores stored before input versions were recorded.',
      resolve: (r) => [...r.inputVersions],
    }),
    current: t.exposeBoolean('current', { description: 'Made from the versions the catalogue has now: what indexValues answers without inputVersions.' }),
    periods: t.exposeStringList('periods', { description: 'The periods with scores, ascending.' }),
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
      description:
        'Every version of the definition, ascending; the scores of each stay queryable (indexValues(definitionVersion:)), and those made from earlier versions of its inputs too (results, indexValues(inputVersions:)).',
      resolve: (m) => [...(m.versions ?? [m.version])],
    }),
    synthetic: t.exposeBoolean('synthetic'),
    results: t.field({
      type: [IndexResultSetRef],
      description: 'The stored scores by definition version and input versions, in the variant this caller reads (the public: computed from protected inputs; docs/disclosure.md).',
      resolve: (m, _a, ctx) => ctx.indicators.indexResults(m.code).then((r) => [...r]),
    }),
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
    inputVersions: t.field({
      type: [IndicatorVersionRef],
      description: 'The version of every indicator the score was made from; empty for a score stored before input versions were recorded.',
      resolve: (v) => [...(v.inputVersions ?? [])],
    }),
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
      inputVersions: t.arg({
        type: [IndicatorVersionInput],
        required: false,
        description:
          'The scores made from these versions of the indicators the index reads (name those that differ; one of CompositeIndex.results of the definition version, which defaults to the latest). Absent: the current versions.',
      }),
    },
    resolve: (_root, args, ctx) => ctx.indicators.indexValues(args.index, args.level, args.period, args.parent, args.definitionVersion, args.inputVersions),
  }),
}));
