// Topic records → topic commands. A first version describes the topic as it stands (found, maybe
// assessed, maybe decided: Record, then Assess, then Decide); a later version corrects what was
// found, (re-)assesses and decides — each change its own command, so the audit trail has the path.
// Taking an assessment back or changing a decision is refused here or in the decider: the path only
// runs forward (docs/controlling.md, "Themes").
import { fold, type PlanningMetadata } from '../decider.js';
import { PlanningDomainError } from '../planning.errors.js';
import { themeDecider, type ThemeCommand, type ThemeContent, type ThemeEvent, type ThemeState } from '../theme/theme.decider.js';
import type { ThemeRecord } from './planning-records.schema.js';
import { omitUndefined, parsePlanningRecord, type RecordLookups, type RecordMapping, sameValue, snapshotMetadata } from './record-mapping.js';

export function themeContent(r: ThemeRecord): ThemeContent {
  return omitUndefined({ area: r.area, origin: r.origin, title: r.title, description: r.description, foundDate: r.foundDate, foundBy: r.foundBy });
}

function themeCommands(previous: ThemeRecord | undefined, next: ThemeRecord, metadata: () => PlanningMetadata, lookups: RecordLookups): ThemeCommand[] {
  const themeKey = next.key;
  const commands: ThemeCommand[] = [];
  const content = themeContent(next);
  if (previous === undefined) commands.push({ type: 'RecordTheme', data: { themeKey, content }, metadata: metadata() });
  else if (!sameValue(themeContent(previous), content)) commands.push({ type: 'CorrectTheme', data: { themeKey, content }, metadata: metadata() });
  if (previous?.assessment && next.assessment === undefined)
    throw new PlanningDomainError('THEME_ASSESSMENT_REMOVED', `the topic was assessed on ${previous.assessment.date}; an assessment is corrected, not taken back`, {
      key: themeKey,
      field: 'assessment',
    });
  if (next.assessment && !sameValue(previous?.assessment, next.assessment)) commands.push({ type: 'AssessTheme', data: { themeKey, assessment: next.assessment }, metadata: metadata() });
  if (previous?.decision && !sameValue(previous.decision, next.decision))
    throw new PlanningDomainError(
      'THEME_ALREADY_DECIDED',
      `the topic was decided on ${previous.decision.date} (${previous.decision.outcome}); a decided topic is final — record a new topic to take it up again`,
      { key: themeKey, field: 'decision' },
    );
  if (next.decision && !sameValue(previous?.decision, next.decision)) {
    const measure = next.decision.measureKey ? lookups.measure(next.decision.measureKey) : undefined;
    commands.push({ type: 'DecideTheme', data: { themeKey, decision: next.decision, measure }, metadata: metadata() });
  }
  return commands;
}

/** The state a stored topic stands for, folded from its events (the measure it names was checked when it was decided). */
function themeStateOf(record: ThemeRecord): ThemeState {
  const metadata = snapshotMetadata(record);
  const events: ThemeEvent[] = [{ type: 'ThemeRecorded', data: { themeKey: record.key, content: themeContent(record) }, metadata }];
  if (record.assessment) events.push({ type: 'ThemeAssessed', data: { themeKey: record.key, assessment: record.assessment }, metadata });
  if (record.decision) events.push({ type: 'ThemeDecided', data: { themeKey: record.key, decision: record.decision }, metadata });
  return fold(themeDecider, events);
}

export const themeRecords: RecordMapping<ThemeRecord, ThemeState, ThemeCommand, ThemeEvent> = {
  recordType: 'theme',
  decider: themeDecider,
  parse: (raw) => parsePlanningRecord('theme', raw),
  commands: themeCommands,
  stateOf: themeStateOf,
  withdraw: (themeKey, metadata) => ({ type: 'WithdrawTheme', data: { themeKey }, metadata }),
};
