// Topic (Thema) of a Sozialraum: found — bottom-up by the Sozialraumkoordination or top-down by the
// city-wide planning —, assessed (kurzfristige integrierte Bewertung), then decided: turned into a
// project, into a measure (which must exist), or closed with a reason. The path is the programme
// controlling's evidence (core-process indicators), so it only runs forward: no decision without an
// assessment, no date before the finding, no decision before the assessment, and a decided topic is
// final — it is neither re-decided nor changed (taking a closed topic up again is a new topic, found
// on the day it comes up again). Before the decision the topic may be corrected and re-assessed.
import { assertNever, eventMetadata, withdrawalOf, type Decider, type PlanningCommand, type PlanningEvent, type Withdrawal } from '../decider.js';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import type { AreaRef, ThemeAssessment, ThemeDecision, ThemeOrigin } from '../records/planning-records.schema.js';

/** What was found, where, by whom: everything but the assessment and the decision. */
export interface ThemeContent {
  readonly area: AreaRef;
  readonly origin: ThemeOrigin;
  readonly title: string;
  readonly description?: string;
  readonly foundDate: string;
  readonly foundBy: string;
}

export type ThemeCommand =
  | PlanningCommand<'RecordTheme', { themeKey: string; content: ThemeContent }>
  | PlanningCommand<'CorrectTheme', { themeKey: string; content: ThemeContent }>
  | PlanningCommand<'AssessTheme', { themeKey: string; assessment: ThemeAssessment }>
  /** `measure`: the facts of decision.measureKey now, looked up by the caller (undefined: not known) */
  | PlanningCommand<'DecideTheme', { themeKey: string; decision: ThemeDecision; measure: MeasureFacts | undefined }>
  | PlanningCommand<'WithdrawTheme', { themeKey: string }>;

export type ThemeEvent =
  | PlanningEvent<'ThemeRecorded', { themeKey: string; content: ThemeContent }>
  | PlanningEvent<'ThemeCorrected', { themeKey: string; content: ThemeContent }>
  | PlanningEvent<'ThemeAssessed', { themeKey: string; assessment: ThemeAssessment }>
  | PlanningEvent<'ThemeDecided', { themeKey: string; decision: ThemeDecision }>
  | PlanningEvent<'ThemeWithdrawn', { themeKey: string }>;

export type ThemeEventType = ThemeEvent['type'];

export interface ExistingTheme {
  readonly status: 'found' | 'assessed' | 'decided';
  readonly key: string;
  readonly content: ThemeContent;
  readonly assessment?: ThemeAssessment;
  readonly decision?: ThemeDecision;
}
export interface WithdrawnTheme {
  readonly status: 'withdrawn';
  readonly key: string;
  readonly withdrawal: Withdrawal;
  readonly last: ExistingTheme;
}
export type ThemeState = { readonly status: 'none' } | ExistingTheme | WithdrawnTheme;

const initialState = (): ThemeState => ({ status: 'none' });

function notBeforeFound(key: string, foundDate: string, date: string, field: string): void {
  if (date < foundDate)
    throw new PlanningDomainError('THEME_DATE_BEFORE_FOUND', `${field} ${date} lies before the day the topic was found (${foundDate}); give a date on or after ${foundDate}`, { key, field });
}

function decidedAlready(key: string, decision: ThemeDecision): PlanningDomainError {
  return new PlanningDomainError('THEME_ALREADY_DECIDED', `the topic was decided on ${decision.date} (${decision.outcome}); a decided topic is final — record a new topic to take it up again`, {
    key,
    field: 'decision',
  });
}

/** The outcome's own field is given, the others' are not. */
function checkOutcome(key: string, decision: ThemeDecision, measure: MeasureFacts | undefined): void {
  const expected = { measure: 'measureKey', project: 'projectTitle', closed: 'reason' } as const;
  for (const field of ['measureKey', 'projectTitle'] as const) {
    if (decision[field] !== undefined && expected[decision.outcome] !== field)
      throw new PlanningDomainError(
        'THEME_OUTCOME_FIELD_NOT_EXPECTED',
        `${field} belongs to the outcome "${field === 'measureKey' ? 'measure' : 'project'}", not "${decision.outcome}"; leave it empty`,
        {
          key,
          field: `decision.${field}`,
        },
      );
  }
  switch (decision.outcome) {
    case 'measure':
      if (decision.measureKey === undefined)
        throw new PlanningDomainError('THEME_MEASURE_KEY_MISSING', 'a topic turned into a measure names the measure; give the key of an existing measure', { key, field: 'decision.measureKey' });
      if (measure === undefined || measure.measureKey !== decision.measureKey)
        throw new PlanningDomainError('THEME_MEASURE_UNKNOWN', `measure ${decision.measureKey} is not known; save the measure first, then decide the topic`, { key, field: 'decision.measureKey' });
      return;
    case 'project':
      if (decision.projectTitle === undefined)
        throw new PlanningDomainError('THEME_PROJECT_TITLE_MISSING', 'a topic turned into a project names the project; give its title', { key, field: 'decision.projectTitle' });
      return;
    case 'closed':
      if (decision.reason === undefined)
        throw new PlanningDomainError('THEME_CLOSE_REASON_MISSING', 'a topic is closed with a reason; say why nothing follows from it', { key, field: 'decision.reason' });
      return;
    default:
      assertNever(decision.outcome, 'theme outcome');
  }
}

function existing(key: string, state: ThemeState): ExistingTheme {
  if (state.status === 'none') throw new PlanningDomainError('THEME_NOT_FOUND', 'no such topic; the first version must record it', { key });
  if (state.status === 'withdrawn') throw new PlanningDomainError('THEME_NOT_FOUND', `the topic was withdrawn (version ${state.withdrawal.version}); a new version records it afresh`, { key });
  return state;
}

function decide(command: ThemeCommand, state: ThemeState): ThemeEvent[] {
  const metadata = eventMetadata(command);
  const key = command.data.themeKey;
  switch (command.type) {
    case 'RecordTheme':
      if (state.status !== 'none' && state.status !== 'withdrawn') throw new PlanningDomainError('THEME_ALREADY_EXISTS', 'a topic with this key exists; deliver a new version instead', { key });
      return [{ type: 'ThemeRecorded', data: { themeKey: key, content: command.data.content }, metadata }];
    case 'CorrectTheme': {
      const theme = existing(key, state);
      if (theme.decision) throw decidedAlready(key, theme.decision);
      if (theme.assessment) notBeforeFound(key, command.data.content.foundDate, theme.assessment.date, 'assessment.date');
      return [{ type: 'ThemeCorrected', data: { themeKey: key, content: command.data.content }, metadata }];
    }
    case 'AssessTheme': {
      const theme = existing(key, state);
      if (theme.decision) throw decidedAlready(key, theme.decision);
      notBeforeFound(key, theme.content.foundDate, command.data.assessment.date, 'assessment.date');
      return [{ type: 'ThemeAssessed', data: { themeKey: key, assessment: command.data.assessment }, metadata }];
    }
    case 'DecideTheme': {
      const theme = existing(key, state);
      const decision = command.data.decision;
      if (theme.decision) throw decidedAlready(key, theme.decision);
      if (theme.assessment === undefined)
        throw new PlanningDomainError(
          'THEME_NOT_ASSESSED',
          'a topic is decided after its short integrated assessment; give the assessment (date, by whom, text, priority) first or with the decision',
          {
            key,
            field: 'assessment',
          },
        );
      notBeforeFound(key, theme.content.foundDate, decision.date, 'decision.date');
      if (decision.date < theme.assessment.date)
        throw new PlanningDomainError(
          'THEME_DECISION_BEFORE_ASSESSMENT',
          `decision.date ${decision.date} lies before the assessment (${theme.assessment.date}); give a date on or after ${theme.assessment.date}`,
          { key, field: 'decision.date' },
        );
      checkOutcome(key, decision, command.data.measure);
      return [{ type: 'ThemeDecided', data: { themeKey: key, decision }, metadata }];
    }
    case 'WithdrawTheme':
      if (state.status === 'none') throw new PlanningDomainError('THEME_NOT_FOUND', 'no such topic; only a delivered topic can be withdrawn', { key });
      // withdrawing a withdrawn topic again changes nothing (a repeated tombstone)
      if (state.status === 'withdrawn') return [];
      return [{ type: 'ThemeWithdrawn', data: { themeKey: key }, metadata }];
    default:
      return assertNever(command, 'theme command');
  }
}

function evolve(state: ThemeState, event: ThemeEvent): ThemeState {
  switch (event.type) {
    case 'ThemeRecorded':
      return { status: 'found', key: event.data.themeKey, content: event.data.content };
    case 'ThemeCorrected':
      return state.status === 'none' || state.status === 'withdrawn' ? state : { ...state, content: event.data.content };
    case 'ThemeAssessed':
      return state.status === 'none' || state.status === 'withdrawn' ? state : { ...state, status: 'assessed', assessment: event.data.assessment };
    case 'ThemeDecided':
      return state.status === 'none' || state.status === 'withdrawn' ? state : { ...state, status: 'decided', decision: event.data.decision };
    case 'ThemeWithdrawn':
      return state.status === 'none' || state.status === 'withdrawn' ? state : { status: 'withdrawn', key: state.key, withdrawal: withdrawalOf(event.metadata), last: state };
    default:
      return assertNever(event, 'theme event');
  }
}

export const themeDecider: Decider<ThemeState, ThemeCommand, ThemeEvent> = { decide, evolve, initialState };
