// The record types the Ämter deliver (docs/records.md) and where their events live in the log.

export const recordTypes = ['area-statistic', 'offer', 'goal', 'measure', 'milestone', 'status-report'] as const;
export type RecordType = (typeof recordTypes)[number];

export const planningRecordTypes = ['goal', 'measure', 'milestone', 'status-report'] as const satisfies readonly RecordType[];
export type PlanningRecordType = (typeof planningRecordTypes)[number];

export function isRecordType(value: unknown): value is RecordType {
  return typeof value === 'string' && (recordTypes as readonly string[]).includes(value);
}

export function isPlanningRecordType(value: RecordType): value is PlanningRecordType {
  return (planningRecordTypes as readonly string[]).includes(value);
}

/** Topic of a record type's events, e.g. `records.area-statistic`; keyed by record key. */
export function topicFor(recordType: RecordType, prefix = 'records.'): string {
  return `${prefix}${recordType}`;
}
