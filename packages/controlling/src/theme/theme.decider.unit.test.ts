import { describe, expect, it } from 'vitest';
import { deciderSpec, meta } from '../decider.spec-helper.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import type { ThemeAssessment, ThemeDecision } from '../records/planning-records.schema.js';
import { themeDecider, type ThemeCommand, type ThemeContent, type ThemeEvent } from './theme.decider.js';

const spec = deciderSpec(themeDecider);
const themeKey = 'thema:kalk:spielplatz';
const measureKey = 'massnahme:kalk:spielplatz';
const content = (over: Partial<ThemeContent> = {}): ThemeContent => ({
  area: { level: 'SOZIALRAUM', code: 'kalk' },
  origin: 'bottom_up',
  title: 'Spielplatz an der Kalker Hauptstraße fehlt',
  foundDate: '2025-02-03',
  foundBy: 'Sozialraumkoordination Kalk',
  ...over,
});
const assessment = (over: Partial<ThemeAssessment> = {}): ThemeAssessment => ({ date: '2025-03-10', assessedBy: 'Sozialplanung', text: 'Bedarf belegt, Fläche vorhanden.', priority: 'high', ...over });
const toMeasure = (over: Partial<ThemeDecision> = {}): ThemeDecision => ({ date: '2025-04-14', decidedBy: 'Lenkungskreis Kalk', outcome: 'measure', measureKey, ...over });
const facts: MeasureFacts = { measureKey, status: 'proposed' };

const m = meta(9);
const recorded: ThemeEvent = { type: 'ThemeRecorded', data: { themeKey, content: content() }, metadata: meta(1) };
const assessed: ThemeEvent = { type: 'ThemeAssessed', data: { themeKey, assessment: assessment() }, metadata: meta(2) };
const decided: ThemeEvent = { type: 'ThemeDecided', data: { themeKey, decision: toMeasure() }, metadata: meta(3) };
const withdrawn: ThemeEvent = { type: 'ThemeWithdrawn', data: { themeKey }, metadata: meta(4) };

const record = (c = content()): ThemeCommand => ({ type: 'RecordTheme', data: { themeKey, content: c }, metadata: m });
const correct = (c = content({ title: 'Spielplatz fehlt' })): ThemeCommand => ({ type: 'CorrectTheme', data: { themeKey, content: c }, metadata: m });
const assess = (a = assessment()): ThemeCommand => ({ type: 'AssessTheme', data: { themeKey, assessment: a }, metadata: m });
const decideCmd = (d: ThemeDecision = toMeasure(), measure: MeasureFacts | null = facts): ThemeCommand => ({
  type: 'DecideTheme',
  data: { themeKey, decision: d, measure: measure ?? undefined },
  metadata: m,
});

describe('Theme decider', () => {
  describe('RecordTheme', () => {
    it('records a topic found in a Sozialraum', () => {
      const state = spec
        .given([])
        .when(record())
        .then({ type: 'ThemeRecorded', data: { themeKey, content: content() }, metadata: m });
      expect(state).toEqual({ status: 'found', key: themeKey, content: content() });
    });
    it('refuses a second topic with the key', () => {
      spec.given([recorded]).when(record()).thenThrows('THEME_ALREADY_EXISTS');
    });
    it('records a withdrawn topic afresh', () => {
      spec
        .given([recorded, withdrawn])
        .when(record())
        .then({ type: 'ThemeRecorded', data: { themeKey, content: content() }, metadata: m });
    });
  });

  describe('AssessTheme', () => {
    it('assesses a found topic, and re-assesses it before the decision', () => {
      expect(
        spec
          .given([recorded])
          .when(assess())
          .then({ type: 'ThemeAssessed', data: { themeKey, assessment: assessment() }, metadata: m }).status,
      ).toBe('assessed');
      spec
        .given([recorded, assessed])
        .when(assess(assessment({ priority: 'low' })))
        .then({ type: 'ThemeAssessed', data: { themeKey, assessment: assessment({ priority: 'low' }) }, metadata: m });
    });
    it('refuses an assessment dated before the topic was found, at assessment.date', () => {
      const e = spec
        .given([recorded])
        .when(assess(assessment({ date: '2025-02-02' })))
        .thenThrows('THEME_DATE_BEFORE_FOUND', /on or after 2025-02-03/);
      expect(e.details).toEqual({ key: themeKey, field: 'assessment.date' });
    });
    it('refuses to assess a decided topic', () => {
      spec.given([recorded, assessed, decided]).when(assess()).thenThrows('THEME_ALREADY_DECIDED');
    });
    it('refuses an unknown or withdrawn topic', () => {
      spec.given([]).when(assess()).thenThrows('THEME_NOT_FOUND');
      spec
        .given([recorded, withdrawn])
        .when(assess())
        .thenThrows('THEME_NOT_FOUND', /withdrawn/);
    });
  });

  describe('DecideTheme', () => {
    it('turns an assessed topic into an existing measure', () => {
      const state = spec
        .given([recorded, assessed])
        .when(decideCmd())
        .then({ type: 'ThemeDecided', data: { themeKey, decision: toMeasure() }, metadata: m });
      expect(state).toMatchObject({ status: 'decided', decision: toMeasure() });
    });
    it('turns it into a project, or closes it with a reason', () => {
      const project: ThemeDecision = { date: '2025-04-14', decidedBy: 'Lenkungskreis', outcome: 'project', projectTitle: 'Spielraumplanung Kalk' };
      spec
        .given([recorded, assessed])
        .when(decideCmd(project))
        .then({ type: 'ThemeDecided', data: { themeKey, decision: project }, metadata: m });
      const closed: ThemeDecision = { date: '2025-03-10', decidedBy: 'Lenkungskreis', outcome: 'closed', reason: 'Spielplatz ist im Bau (Grünflächenamt).' };
      spec
        .given([recorded, assessed])
        .when(decideCmd(closed))
        .then({ type: 'ThemeDecided', data: { themeKey, decision: closed }, metadata: m });
    });
    it('refuses a decision before the assessment, at assessment', () => {
      const e = spec.given([recorded]).when(decideCmd()).thenThrows('THEME_NOT_ASSESSED');
      expect(e.details.field).toBe('assessment');
    });
    it('refuses a decision dated before the finding or the assessment', () => {
      spec
        .given([recorded, assessed])
        .when(decideCmd(toMeasure({ date: '2025-01-31' })))
        .thenThrows('THEME_DATE_BEFORE_FOUND');
      const e = spec
        .given([recorded, assessed])
        .when(decideCmd(toMeasure({ date: '2025-03-09' })))
        .thenThrows('THEME_DECISION_BEFORE_ASSESSMENT', /on or after 2025-03-10/);
      expect(e.details.field).toBe('decision.date');
    });
    it('refuses a measure outcome without key or with a measure that is not known', () => {
      const { measureKey: _k, ...noKey } = toMeasure();
      expect(spec.given([recorded, assessed]).when(decideCmd(noKey)).thenThrows('THEME_MEASURE_KEY_MISSING').details.field).toBe('decision.measureKey');
      expect(
        spec
          .given([recorded, assessed])
          .when(decideCmd(toMeasure(), null))
          .thenThrows('THEME_MEASURE_UNKNOWN', /save the measure first/).details.field,
      ).toBe('decision.measureKey');
    });
    it('refuses a project without title, a closing without reason, and a measure key on another outcome', () => {
      spec
        .given([recorded, assessed])
        .when(decideCmd({ date: '2025-04-14', decidedBy: 'X', outcome: 'project' }))
        .thenThrows('THEME_PROJECT_TITLE_MISSING');
      spec
        .given([recorded, assessed])
        .when(decideCmd({ date: '2025-04-14', decidedBy: 'X', outcome: 'closed' }))
        .thenThrows('THEME_CLOSE_REASON_MISSING');
      spec
        .given([recorded, assessed])
        .when(decideCmd({ date: '2025-04-14', decidedBy: 'X', outcome: 'closed', reason: 'erledigt', measureKey }))
        .thenThrows('THEME_OUTCOME_FIELD_NOT_EXPECTED');
    });
    it('refuses to decide a decided topic again', () => {
      spec
        .given([recorded, assessed, decided])
        .when(decideCmd({ date: '2025-05-01', decidedBy: 'X', outcome: 'closed', reason: 'doch nicht' }))
        .thenThrows('THEME_ALREADY_DECIDED', /record a new topic/);
    });
  });

  describe('CorrectTheme', () => {
    it('corrects a topic before its decision', () => {
      spec
        .given([recorded, assessed])
        .when(correct())
        .then({ type: 'ThemeCorrected', data: { themeKey, content: content({ title: 'Spielplatz fehlt' }) }, metadata: m });
    });
    it('refuses to move the finding after its assessment', () => {
      spec
        .given([recorded, assessed])
        .when(correct(content({ foundDate: '2025-04-01' })))
        .thenThrows('THEME_DATE_BEFORE_FOUND');
    });
    it('refuses to change a decided topic', () => {
      spec.given([recorded, assessed, decided]).when(correct()).thenThrows('THEME_ALREADY_DECIDED');
    });
  });

  describe('WithdrawTheme', () => {
    it('withdraws in any status, once', () => {
      const cmd: ThemeCommand = { type: 'WithdrawTheme', data: { themeKey }, metadata: m };
      expect(spec.given([recorded, assessed, decided]).when(cmd).then({ type: 'ThemeWithdrawn', data: { themeKey }, metadata: m }).status).toBe('withdrawn');
      spec.given([recorded, withdrawn]).when(cmd).thenNothingHappened();
      spec.given([]).when(cmd).thenThrows('THEME_NOT_FOUND');
    });
  });
});
