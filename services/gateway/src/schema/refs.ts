// Object references shared across the per-type files, declared once so those files can point at
// each other without import cycles. Each is implemented in the file named after it.
import type { IndexValue, IndicatorValue } from '@sp/indicator-store';
import type { Comparison, RankedValue } from '../indicators/indicator.service.js';
import type {
  AreaView,
  AuthorityMeta,
  DataSourceMeta,
  EvaluationView,
  GoalView,
  IndexMeta,
  IndicatorMeta,
  MeasureControllingView,
  MeasureView,
  MilestoneView,
  NeedsRowView,
  NormView,
  OfferView,
  StatusReportView,
} from '../sources.js';
import { Kind } from 'graphql';
import { levelNamePattern } from '../area-levels.js';
import { builder } from './builder.js';

export const AreaRef = builder.objectRef<AreaView>('Area');
export const IndicatorRef = builder.objectRef<IndicatorMeta>('Indicator');
export const DataSourceRef = builder.objectRef<DataSourceMeta>('DataSource');
export const AuthorityRef = builder.objectRef<AuthorityMeta>('Authority');
export const IndicatorValueRef = builder.objectRef<IndicatorValue>('IndicatorValue');
export const RankedValueRef = builder.objectRef<RankedValue>('RankedValue');
export const ComparisonRef = builder.objectRef<Comparison>('Comparison');
export const IndexRef = builder.objectRef<IndexMeta>('CompositeIndex');
export const IndexValueRef = builder.objectRef<IndexValue>('IndexValue');
export const OfferRef = builder.objectRef<OfferView>('Offer');
export const NormRef = builder.objectRef<NormView>('PlanningNorm');
export const NeedsRowRef = builder.objectRef<NeedsRowView>('NeedsRow');
export const GoalRef = builder.objectRef<GoalView>('Goal');
export const MeasureRef = builder.objectRef<MeasureView>('Measure');
export const MilestoneRef = builder.objectRef<MilestoneView>('Milestone');
export const StatusReportRef = builder.objectRef<StatusReportView>('StatusReport');
export const MeasureControllingRef = builder.objectRef<MeasureControllingView>('MeasureControlling');
export const EvaluationRef = builder.objectRef<EvaluationView>('Evaluation');

const levelName = (value: unknown): string => {
  if (typeof value !== 'string' || !levelNamePattern.test(value)) {
    throw new TypeError(`AreaLevel must be a level name of the spatial reference in upper case (e.g. STADTTEIL), not ${JSON.stringify(value)}; query { areaLevels { level } } lists them`);
  }
  return value;
};

/**
 * A level of the spatial reference, by name. The levels are the reference's data, not a compiled
 * list: the name is written like an enum value (level: STADTTEIL) or as a string ("STADTTEIL"), and
 * a name the reference does not have is refused with UNKNOWN_AREA_LEVEL (area-levels.ts).
 */
export const AreaLevelRef = builder.scalarType('AreaLevel', {
  description:
    'A level of the spatial reference, e.g. STADTBEZIRK, STADTTEIL or a planning level such as SOZIALRAUM (Köln). Written like an enum value or as a string; `areaLevels` lists the levels of the reference, any other name is refused with UNKNOWN_AREA_LEVEL.',
  serialize: (v) => v,
  parseValue: levelName,
  parseLiteral: (node) => levelName(node.kind === Kind.ENUM || node.kind === Kind.STRING ? node.value : undefined),
});

export const ValueKindEnum = builder.enumType('ValueKind', {
  description: 'OBSERVED: delivered by an Amt. PROGNOSE: projected (docs/projection.md) — always show it as "Prognose – <scenario>".',
  values: ['OBSERVED', 'PROGNOSE'] as const,
});

export const AreaInput = builder.inputType('AreaInput', {
  description: 'One area, by level and code (e.g. { level: STADTBEZIRK, code: "1" }); the level is one of `areaLevels`.',
  fields: (t) => ({
    level: t.field({ type: AreaLevelRef, required: true }),
    code: t.string({ required: true }),
  }),
});
