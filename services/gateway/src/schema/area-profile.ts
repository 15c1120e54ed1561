// Similar areas and the typology of a level (docs/uncertainty-and-typology.md): indicator profiles
// z-standardised across the level's areas at one period. Inputs are read like every other value:
// the public's are the published (protected) values; an area with a withheld value is left out.
import type { TypologyCluster } from '@sp/indicators';
import { areaTypology, findSimilarAreas, type SimilarAreasResult, type TypologyResult } from '../indicators/area-profile.service.js';
import { builder } from './builder.js';
import { AreaInput, AreaLevelRef, AreaRef, IndicatorRef } from './refs.js';

type Similar = SimilarAreasResult['similar'][number];
type Part = Similar['contributions'][number];

const ProfileContributionRef = builder.objectRef<Part>('ProfileContribution').implement({
  description: "One indicator's part of the distance between two areas.",
  fields: (t) => ({
    indicator: t.field({ type: IndicatorRef, resolve: (c, _a, ctx) => ctx.indicators.indicator(c.code) }),
    value: t.exposeFloat('value', { description: "The similar area's value, in the indicator's unit." }),
    zDifference: t.exposeFloat('zDifference', { description: 'z(similar area) − z(area): the difference in standard deviations across the level.' }),
    share: t.exposeFloat('share', { description: 'zDifference² / distance²: the parts add up to 1 (0 when the distance is 0).' }),
  }),
});

const SimilarAreaRef = builder.objectRef<Similar & { level: string }>('SimilarArea').implement({
  description: 'An area and its distance to the asked area.',
  fields: (t) => ({
    area: t.field({ type: AreaRef, resolve: (s, _a, ctx) => ctx.indicators.areaOf(s.level, s.code) }),
    distance: t.exposeFloat('distance', { description: 'Euclidean distance of the z-standardised profiles.' }),
    contributions: t.field({ type: [ProfileContributionRef], resolve: (s) => s.contributions }),
  }),
});

const profileFields = {
  perturbed: 'Some input is computed from perturbed counts (the public view of confidential data): the result is that of the published values.',
  excluded: 'Areas of the level left out because a value is withheld ("geschützt") or missing.',
};

const SimilarAreasRef = builder.objectRef<SimilarAreasResult>('SimilarAreas').implement({
  description: 'The areas most similar to one area by an indicator profile (z-standardised across the areas of its level in one period, Euclidean distance).',
  fields: (t) => ({
    area: t.field({ type: AreaRef, resolve: (r, _a, ctx) => ctx.indicators.area(r.area) }),
    period: t.exposeString('period'),
    indicators: t.field({ type: [IndicatorRef], resolve: (r, _a, ctx) => r.indicators.map((c) => ctx.indicators.indicator(c)) }),
    values: t.floatList({ description: "The area's own values, in indicator order.", resolve: (r) => r.profiles.find((p) => p.code === r.area.code)?.values ?? [] }),
    similar: t.field({ type: [SimilarAreaRef], description: 'Most similar first.', resolve: (r) => r.similar.map((s) => ({ ...s, level: r.level })) }),
    compared: t.int({ description: 'Areas with a complete profile (the asked one included).', resolve: (r) => r.profiles.length }),
    excluded: t.field({ type: [AreaRef], description: profileFields.excluded, resolve: (r, _a, ctx) => r.excluded.map((c) => ctx.indicators.areaOf(r.level, c)) }),
    perturbed: t.exposeBoolean('perturbed', { description: profileFields.perturbed }),
  }),
});

const TypologyClusterRef = builder.objectRef<TypologyCluster & { level: string }>('TypologyCluster').implement({
  description: 'One type of the typology.',
  fields: (t) => ({
    cluster: t.exposeInt('cluster', { description: '1 … k, numbered by their first area in code order.' }),
    size: t.int({ resolve: (c) => c.members.length }),
    areas: t.field({ type: [AreaRef], resolve: (c, _a, ctx) => c.members.map((m) => ctx.indicators.areaOf(c.level, m)) }),
    centre: t.floatList({ description: "The members' mean per indicator, in the indicators' own units (indicator order).", resolve: (c) => c.centre }),
    centreZ: t.floatList({ description: 'The same in standard deviations across the level.', resolve: (c) => c.centreZ }),
    withinSs: t.exposeFloat('withinSs', { description: 'Sum of squared z-distances of the members to the centre.' }),
  }),
});

const TypologyAreaRef = builder.objectRef<{ level: string; code: string; cluster: number }>('TypologyArea').implement({
  fields: (t) => ({
    area: t.field({ type: AreaRef, resolve: (a, _x, ctx) => ctx.indicators.areaOf(a.level, a.code) }),
    cluster: t.exposeInt('cluster'),
  }),
});

const TypologyRef = builder.objectRef<TypologyResult>('Typology').implement({
  description:
    'A typology of the areas of one level: k-means on the z-standardised indicator profiles in one period, seeded deterministically by k-means++ (same inputs, same types), best of 10 seeded starts by within-cluster sum of squares.',
  fields: (t) => ({
    level: t.field({ type: AreaLevelRef, resolve: (r) => r.level as never }),
    period: t.exposeString('period'),
    k: t.exposeInt('k'),
    seed: t.exposeInt('seed'),
    indicators: t.field({ type: [IndicatorRef], resolve: (r, _a, ctx) => r.indicators.map((c) => ctx.indicators.indicator(c)) }),
    areas: t.field({ type: [TypologyAreaRef], description: 'Every typed area with its type, code order.', resolve: (r) => r.assignment.map((a) => ({ ...a, level: r.level })) }),
    clusters: t.field({ type: [TypologyClusterRef], resolve: (r) => r.clusters.map((c) => ({ ...c, level: r.level })) }),
    withinSs: t.exposeFloat('withinSs', { description: 'Total within-cluster sum of squares (z units).' }),
    totalSs: t.exposeFloat('totalSs', { description: 'Total sum of squares around the overall mean (z units); 1 − withinSs / totalSs is the share the types explain.' }),
    excluded: t.field({ type: [AreaRef], description: profileFields.excluded, resolve: (r, _a, ctx) => r.excluded.map((c) => ctx.indicators.areaOf(r.level, c)) }),
    perturbed: t.exposeBoolean('perturbed', { description: profileFields.perturbed }),
  }),
});

builder.queryFields((t) => ({
  similarAreas: t.field({
    type: SimilarAreasRef,
    description: 'The areas of the same level most similar to `area` by the profile of `indicators` (1–10) in `period`, with each indicator’s part of the distance.',
    args: {
      area: t.arg({ type: AreaInput, required: true }),
      indicators: t.arg.stringList({ required: true }),
      period: t.arg.string({ required: true }),
      first: t.arg.int({ required: false, defaultValue: 5, description: '1 to 50 (default 5).' }),
    },
    resolve: (_root, args, ctx) => findSimilarAreas(ctx.indicators, args.area, args.indicators, args.period, args.first ?? 5),
  }),
  typology: t.field({
    type: TypologyRef,
    description: 'A typology of the areas of `level` by the profile of `indicators` (1–10) in `period`: k-means with k from 2 to 10.',
    args: {
      level: t.arg({ type: AreaLevelRef, required: true }),
      indicators: t.arg.stringList({ required: true }),
      period: t.arg.string({ required: true }),
      k: t.arg.int({ required: true, description: 'Number of types, 2 to 10.' }),
    },
    resolve: (_root, args, ctx) => areaTypology(ctx.indicators, args.level, args.indicators, args.period, args.k),
  }),
}));
