// The record types the Ämter deliver (docs/records.md) and where their events live in the log.

export const recordTypes = ['area-statistic', 'offer', 'goal', 'measure', 'milestone', 'status-report', 'theme', 'scenario', 'area-level', 'area', 'indicator-definition', 'dataset'] as const;
export type RecordType = (typeof recordTypes)[number];

export const planningRecordTypes = ['goal', 'measure', 'milestone', 'status-report', 'theme'] as const satisfies readonly RecordType[];
export type PlanningRecordType = (typeof planningRecordTypes)[number];

/** the tenant's spatial reference as delivered data (docs/spatial-reference.md) */
export const referenceRecordTypes = ['area-level', 'area'] as const satisfies readonly RecordType[];
export type ReferenceRecordType = (typeof referenceRecordTypes)[number];

/** the tenant's indicator and composite-index definitions as delivered data (docs/indicators.md §8) */
export const catalogueRecordTypes = ['indicator-definition'] as const satisfies readonly RecordType[];
export type CatalogueRecordType = (typeof catalogueRecordTypes)[number];

/** the tenant's datasets and who may deliver them, as delivered data (docs/indicators.md §9): a consumer of their own, read before the definitions */
export const datasetRecordTypes = ['dataset'] as const satisfies readonly RecordType[];

export function isRecordType(value: unknown): value is RecordType {
  return typeof value === 'string' && (recordTypes as readonly string[]).includes(value);
}

export function isPlanningRecordType(value: RecordType): value is PlanningRecordType {
  return (planningRecordTypes as readonly string[]).includes(value);
}

/**
 * Where record events live in the log: one topic per record type (`<prefix><type>`, keyed by record
 * key) with the partition count a new topic is created with. One object, made once by each
 * composition root and passed to ingestion, the aggregator and the other projections, so writer and
 * readers cannot disagree on a topic name.
 */
export interface Topology {
  readonly prefix: string;
  readonly partitions: number;
  /** topic of a record type's events, e.g. `records.area-statistic` */
  topicFor(recordType: RecordType): string;
}

export const DEFAULT_TOPIC_PREFIX = 'records.';
export const DEFAULT_TOPIC_PARTITIONS = 4;

export function topology(options: { prefix?: string; partitions?: number } = {}): Topology {
  const prefix = options.prefix ?? DEFAULT_TOPIC_PREFIX;
  const partitions = options.partitions ?? DEFAULT_TOPIC_PARTITIONS;
  if (!/^[a-zA-Z0-9._-]*$/.test(prefix)) throw new Error(`topic prefix "${prefix}": only letters, digits, '.', '_' and '-' are accepted`);
  if (!Number.isInteger(partitions) || partitions < 1) throw new Error(`topic partitions: a positive integer is accepted, got ${partitions}`);
  return { prefix, partitions, topicFor: (recordType) => `${prefix}${recordType}` };
}

/** the default topology: prefix `records.`, 4 partitions */
export const defaultTopology: Topology = topology();
