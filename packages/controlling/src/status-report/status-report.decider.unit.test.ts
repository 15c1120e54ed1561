import { describe, expect, it } from 'vitest';
import { deciderSpec, meta } from '../decider.spec-helper.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { statusReportDecider, type StatusReportCommand, type StatusReportContent, type StatusReportEvent } from './status-report.decider.js';

const spec = deciderSpec(statusReportDecider);
const reportKey = 'bericht:kalk:familienzentrum:2024-1';
const measureKey = 'massnahme:kalk:familienzentrum';
const report = (over: Partial<StatusReportContent> = {}): StatusReportContent => ({
  measureKey,
  reportedBy: 'Amt 51, Sozialraumkoordination Kalk',
  reportedAt: '2024-06-30T12:00:00+02:00',
  progressPercent: 40,
  narrative: 'Räume angemietet, Personal eingestellt.',
  trafficLight: 'yellow',
  ...over,
});
const facts = (status: MeasureFacts['status']): MeasureFacts => ({ measureKey, status, ...(status === 'proposed' || status === 'decided' ? {} : { actualStart: '2023-03-01' }) });

const submitted: StatusReportEvent = { type: 'StatusReportSubmitted', data: { reportKey, report: report() }, metadata: meta(1) };
const m = meta(9);
const submit = (...a: [r?: StatusReportContent, measure?: MeasureFacts | undefined]): StatusReportCommand => ({
  type: 'SubmitStatusReport',
  data: { reportKey, report: a[0] ?? report(), measure: a.length > 1 ? a[1] : facts('in_progress') },
  metadata: m,
});
const correctCmd = (r = report({ progressPercent: 45 })): StatusReportCommand => ({ type: 'CorrectStatusReport', data: { reportKey, report: r }, metadata: m });

describe('Status report decider', () => {
  describe('SubmitStatusReport', () => {
    it.each(['decided', 'in_progress', 'completed', 'cancelled'] as const)('accepts a report on a %s measure', (status) => {
      const state = spec
        .given([])
        .when(submit(report(), facts(status)))
        .then({ type: 'StatusReportSubmitted', data: { reportKey, report: report() }, metadata: m });
      expect(state).toEqual({ status: 'submitted', key: reportKey, report: report() });
    });
    it.each([-1, 100.5, Number.NaN])('rejects progress %d', (progressPercent) => {
      spec
        .given([])
        .when(submit(report({ progressPercent })))
        .thenThrows('STATUS_REPORT_PROGRESS_OUT_OF_RANGE', /0 to 100/);
    });
    it('rejects a report on a proposed measure', () => {
      spec
        .given([])
        .when(submit(report(), facts('proposed')))
        .thenThrows('STATUS_REPORT_MEASURE_NOT_DECIDED');
    });
    it('rejects a report on an unknown measure', () => {
      spec.given([]).when(submit(report(), undefined)).thenThrows('STATUS_REPORT_MEASURE_UNKNOWN');
    });
    it('rejects submitting the same report twice', () => {
      spec.given([submitted]).when(submit()).thenThrows('STATUS_REPORT_ALREADY_EXISTS');
    });
  });

  describe('CorrectStatusReport', () => {
    it('corrects a submitted report', () => {
      const state = spec
        .given([submitted])
        .when(correctCmd())
        .then({ type: 'StatusReportCorrected', data: { reportKey, report: report({ progressPercent: 45 }) }, metadata: m });
      expect(state).toMatchObject({ status: 'corrected', report: { progressPercent: 45 } });
    });
    it('rejects correcting an unknown report', () => {
      spec.given([]).when(correctCmd()).thenThrows('STATUS_REPORT_NOT_FOUND');
    });
    it('rejects moving the report to another measure', () => {
      spec
        .given([submitted])
        .when(correctCmd(report({ measureKey: 'massnahme:andere' })))
        .thenThrows('STATUS_REPORT_MEASURE_CHANGED');
    });
    it('rejects progress out of range', () => {
      spec
        .given([submitted])
        .when(correctCmd(report({ progressPercent: 101 })))
        .thenThrows('STATUS_REPORT_PROGRESS_OUT_OF_RANGE');
    });
  });
});

describe('Status report decider: withdrawal', () => {
  const withdraw: StatusReportCommand = { type: 'WithdrawStatusReport', data: { reportKey }, metadata: meta(5) };
  const withdrawn: StatusReportEvent = { type: 'StatusReportWithdrawn', data: { reportKey, measureKey }, metadata: meta(5) };
  const corrected: StatusReportEvent = { type: 'StatusReportCorrected', data: { reportKey, report: report({ progressPercent: 45 }) }, metadata: meta(2) };

  it.each([
    ['submitted', [submitted]],
    ['corrected', [submitted, corrected]],
  ] as const)('withdraws a %s report, naming its measure', (status, given) => {
    const state = spec.given(given).when(withdraw).then(withdrawn);
    expect(state).toMatchObject({ status: 'withdrawn', key: reportKey, withdrawal: { version: 5 }, last: { status } });
  });
  it('rejects withdrawing a report never delivered', () => {
    spec.given([]).when(withdraw).thenThrows('STATUS_REPORT_NOT_FOUND');
  });
  it('changes nothing when a withdrawn report is withdrawn again', () => {
    expect(spec.given([submitted, withdrawn]).when(withdraw).thenNothingHappened().status).toBe('withdrawn');
  });
  it('rejects correcting a withdrawn report', () => {
    spec
      .given([submitted, withdrawn])
      .when(correctCmd())
      .thenThrows('STATUS_REPORT_NOT_FOUND', /withdrawn/);
  });
  it('a later version submits a withdrawn report afresh (its measure must still be decided)', () => {
    const state = spec
      .given([submitted, withdrawn])
      .when(submit(report({ progressPercent: 50 })))
      .then({ type: 'StatusReportSubmitted', data: { reportKey, report: report({ progressPercent: 50 }) }, metadata: m });
    expect(state).toEqual({ status: 'submitted', key: reportKey, report: report({ progressPercent: 50 }) });
    spec.given([submitted, withdrawn]).when(submit(report(), undefined)).thenThrows('STATUS_REPORT_MEASURE_UNKNOWN');
  });
});
