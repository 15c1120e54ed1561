// Object references shared across the per-type files, declared once so those files can point at
// each other without import cycles. Each is implemented in the file named after it.
import type { IndexValue, IndicatorValue } from '@sp/indicator-store';
import type { Comparison, RankedValue } from '../indicators/indicator.service.js';
import type {
  AreaView,
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
import { areaLevels } from '../sources.js';
import { builder } from './builder.js';

export const AreaRef = builder.objectRef<AreaView>('Area');
export const IndicatorRef = builder.objectRef<IndicatorMeta>('Indicator');
export const DataSourceRef = builder.objectRef<DataSourceMeta>('DataSource');
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

export const AreaLevelEnum = builder.enumType('AreaLevel', {
  description: 'Levels of the spatial reference: the city, its Stadtbezirke, Stadtteile and Stadtviertel, and planning areas (Sozialräume) made of Stadtteile or Stadtviertel.',
  values: Object.fromEntries(areaLevels.map((l) => [l, { value: l }])) as Record<(typeof areaLevels)[number], { value: (typeof areaLevels)[number] }>,
});

export const ValueKindEnum = builder.enumType('ValueKind', {
  description: 'OBSERVED: delivered by an Amt. PROGNOSE: projected (docs/projection.md) — always show it as "Prognose – <scenario>".',
  values: ['OBSERVED', 'PROGNOSE'] as const,
});

export const AreaInput = builder.inputType('AreaInput', {
  description: 'One area, by level and code (e.g. { level: STADTBEZIRK, code: "1" }).',
  fields: (t) => ({
    level: t.field({ type: AreaLevelEnum, required: true }),
    code: t.string({ required: true }),
  }),
});
