// Status report records → status report commands: submitted once (its measure must be known and
// decided, looked up by the caller), corrected by later versions that change its content.
import { fold, type PlanningMetadata } from '../decider.js';
import { statusReportDecider, type StatusReportCommand, type StatusReportContent, type StatusReportEvent, type StatusReportState } from '../status-report/status-report.decider.js';
import type { StatusReportRecord } from './planning-records.schema.js';
import { omitUndefined, parsePlanningRecord, type RecordLookups, type RecordMapping, sameValue, snapshotMetadata } from './record-mapping.js';

export function statusReportContent(r: StatusReportRecord): StatusReportContent {
  return omitUndefined({
    measureKey: r.measureKey,
    reportedBy: r.reportedBy,
    reportedAt: r.reportedAt,
    progressPercent: r.progressPercent,
    narrative: r.narrative,
    trafficLight: r.trafficLight,
  });
}

function statusReportCommands(previous: StatusReportRecord | undefined, next: StatusReportRecord, metadata: () => PlanningMetadata, lookups: RecordLookups): StatusReportCommand[] {
  const report = statusReportContent(next);
  if (previous === undefined) return [{ type: 'SubmitStatusReport', data: { reportKey: next.key, report, measure: lookups.measure(next.measureKey) }, metadata: metadata() }];
  if (sameValue(statusReportContent(previous), report)) return [];
  return [{ type: 'CorrectStatusReport', data: { reportKey: next.key, report }, metadata: metadata() }];
}

export const statusReportRecords: RecordMapping<StatusReportRecord, StatusReportState, StatusReportCommand, StatusReportEvent> = {
  recordType: 'status-report',
  decider: statusReportDecider,
  parse: (raw) => parsePlanningRecord('status-report', raw),
  commands: statusReportCommands,
  stateOf: (record) => fold(statusReportDecider, [{ type: 'StatusReportSubmitted', data: { reportKey: record.key, report: statusReportContent(record) }, metadata: snapshotMetadata(record) }]),
  withdraw: (reportKey, metadata) => ({ type: 'WithdrawStatusReport', data: { reportKey }, metadata }),
};
