// Status report (Sachstandsbericht) on a measure: progress in percent, a narrative, who reported and
// when, optionally the reporter's own traffic light. Reports exist only for decided measures; a later
// record version corrects a report (never moves it to another measure). A withdrawn report is
// submitted afresh by its next version.
import { assertNever, eventMetadata, withdrawalOf, type Decider, type PlanningCommand, type PlanningEvent, type Withdrawal } from '../decider.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import type { TrafficLight } from '../records/planning-records.schema.js';

export interface StatusReportContent {
  readonly measureKey: string;
  readonly reportedBy: string;
  readonly reportedAt: string;
  readonly progressPercent: number;
  readonly narrative: string;
  readonly trafficLight?: TrafficLight;
}

export type StatusReportCommand =
  | PlanningCommand<'SubmitStatusReport', { reportKey: string; report: StatusReportContent; measure: MeasureFacts | undefined }>
  | PlanningCommand<'CorrectStatusReport', { reportKey: string; report: StatusReportContent }>
  | PlanningCommand<'WithdrawStatusReport', { reportKey: string }>;

export type StatusReportEvent =
  | PlanningEvent<'StatusReportSubmitted', { reportKey: string; report: StatusReportContent }>
  | PlanningEvent<'StatusReportCorrected', { reportKey: string; report: StatusReportContent }>
  | PlanningEvent<'StatusReportWithdrawn', { reportKey: string; measureKey: string }>;

export type StatusReportEventType = StatusReportEvent['type'];

export interface ExistingStatusReport {
  readonly status: 'submitted' | 'corrected';
  readonly key: string;
  readonly report: StatusReportContent;
}
export interface WithdrawnStatusReport {
  readonly status: 'withdrawn';
  readonly key: string;
  readonly withdrawal: Withdrawal;
  readonly last: ExistingStatusReport;
}
export type StatusReportState = { readonly status: 'none' } | ExistingStatusReport | WithdrawnStatusReport;

const initialState = (): StatusReportState => ({ status: 'none' });

function checkProgress(key: string, report: StatusReportContent): void {
  if (!(report.progressPercent >= 0 && report.progressPercent <= 100))
    throw new PlanningDomainError('STATUS_REPORT_PROGRESS_OUT_OF_RANGE', `progressPercent is ${report.progressPercent}; give a value from 0 to 100`, {
      key,
      field: 'progressPercent',
    });
}

function decide(command: StatusReportCommand, state: StatusReportState): StatusReportEvent[] {
  const metadata = eventMetadata(command);
  const key = command.data.reportKey;
  switch (command.type) {
    case 'SubmitStatusReport': {
      const report = command.data.report;
      if (state.status !== 'none' && state.status !== 'withdrawn')
        throw new PlanningDomainError('STATUS_REPORT_ALREADY_EXISTS', 'a status report with this key exists; deliver a new version instead', { key });
      checkProgress(key, report);
      const measure = command.data.measure;
      if (measure === undefined || measure.measureKey !== report.measureKey)
        throw new PlanningDomainError('STATUS_REPORT_MEASURE_UNKNOWN', `measure ${report.measureKey} is not known; deliver the measure before reporting on it`, {
          key,
          field: 'measureKey',
        });
      if (measure.status === 'proposed')
        throw new PlanningDomainError('STATUS_REPORT_MEASURE_NOT_DECIDED', `measure ${report.measureKey} is only proposed; reports are accepted once it is decided`, {
          key,
          field: 'measureKey',
        });
      return [{ type: 'StatusReportSubmitted', data: { reportKey: key, report }, metadata }];
    }
    case 'CorrectStatusReport': {
      const report = command.data.report;
      if (state.status === 'none') throw new PlanningDomainError('STATUS_REPORT_NOT_FOUND', 'no such status report; the first version must create it', { key });
      if (state.status === 'withdrawn')
        throw new PlanningDomainError('STATUS_REPORT_NOT_FOUND', `the status report was withdrawn (version ${state.withdrawal.version}); a new version submits it afresh`, { key });
      if (report.measureKey !== state.report.measureKey)
        throw new PlanningDomainError('STATUS_REPORT_MEASURE_CHANGED', `the report is about measure ${state.report.measureKey}; submit a new report for ${report.measureKey}`, {
          key,
          field: 'measureKey',
        });
      checkProgress(key, report);
      return [{ type: 'StatusReportCorrected', data: { reportKey: key, report }, metadata }];
    }
    case 'WithdrawStatusReport': {
      if (state.status === 'none') throw new PlanningDomainError('STATUS_REPORT_NOT_FOUND', 'no such status report; only a delivered report can be withdrawn', { key });
      // withdrawing a withdrawn report again changes nothing (a repeated tombstone)
      if (state.status === 'withdrawn') return [];
      return [{ type: 'StatusReportWithdrawn', data: { reportKey: key, measureKey: state.report.measureKey }, metadata }];
    }
    default:
      return assertNever(command, 'status report command');
  }
}

function evolve(state: StatusReportState, event: StatusReportEvent): StatusReportState {
  switch (event.type) {
    case 'StatusReportSubmitted':
      return { status: 'submitted', key: event.data.reportKey, report: event.data.report };
    case 'StatusReportCorrected':
      return state.status === 'none' || state.status === 'withdrawn' ? state : { ...state, status: 'corrected', report: event.data.report };
    case 'StatusReportWithdrawn':
      return state.status === 'none' || state.status === 'withdrawn' ? state : { status: 'withdrawn', key: state.key, withdrawal: withdrawalOf(event.metadata), last: state };
    default:
      return assertNever(event, 'status report event');
  }
}

export const statusReportDecider: Decider<StatusReportState, StatusReportCommand, StatusReportEvent> = { decide, evolve, initialState };
