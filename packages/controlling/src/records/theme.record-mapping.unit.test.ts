import { describe, expect, it } from 'vitest';
import type { MeasureFacts } from '../measure/measure.decider.js';
import { isPlanningDomainError } from '../planning.errors.js';
import type { ThemeRecord } from './planning-records.schema.js';
import { decidePlanningRecord } from './planning-transition.check.js';

const base: ThemeRecord = {
  key: 'thema:kalk:spielplatz',
  version: 1,
  area: { level: 'SOZIALRAUM', code: 'kalk' },
  origin: 'bottom_up',
  title: 'Spielplatz fehlt',
  foundDate: '2025-02-03',
  foundBy: 'Sozialraumkoordination Kalk',
  example: false,
};
const assessment = { date: '2025-03-10', assessedBy: 'Sozialplanung', text: 'Bedarf belegt.', priority: 'high' as const };
const decision = { date: '2025-04-14', decidedBy: 'Lenkungskreis', outcome: 'measure' as const, measureKey: 'massnahme:kalk:spielplatz' };
const measure: MeasureFacts = { measureKey: 'massnahme:kalk:spielplatz', status: 'decided' };
const ctx = { deliveryId: 'd', actor: 'person:p', at: '2025-04-15T08:00:00Z' };
const check = (previous: ThemeRecord | null, next: unknown, known: MeasureFacts | null = measure) =>
  decidePlanningRecord({ recordType: 'theme', previous, next, ...ctx }, (k) => (known?.measureKey === k ? known : undefined));

describe('Theme records → events', () => {
  it('a first version found, assessed and decided at once is three events, in the order of the path', () => {
    const { events, issues } = check(null, { ...base, assessment, decision });
    expect(issues).toEqual([]);
    expect(events.map((e) => e.type)).toEqual(['ThemeRecorded', 'ThemeAssessed', 'ThemeDecided']);
  });
  it('the next versions assess, then decide; the stored version is not decided again', () => {
    const v2 = { ...base, version: 2, assessment };
    expect(check(base, v2).events.map((e) => e.type)).toEqual(['ThemeAssessed']);
    const v3 = { ...v2, version: 3, decision };
    expect(check(v2, v3).events.map((e) => e.type)).toEqual(['ThemeDecided']);
    const v4 = { ...v3, version: 4, decision: { ...decision, outcome: 'closed', measureKey: null, reason: 'doch nicht' } };
    expect(check(v3, v4).issues).toEqual([expect.objectContaining({ code: 'THEME_ALREADY_DECIDED', field: 'decision' })]);
  });
  it('refuses a decision without assessment and an unknown measure, naming the field', () => {
    expect(check(null, { ...base, decision }).issues).toEqual([expect.objectContaining({ code: 'THEME_NOT_ASSESSED', field: 'assessment' })]);
    expect(check(null, { ...base, assessment, decision }, null).issues).toEqual([expect.objectContaining({ code: 'THEME_MEASURE_UNKNOWN', field: 'decision.measureKey' })]);
  });
  it('refuses taking an assessment back', () => {
    const v1 = { ...base, assessment };
    expect(check(v1, { ...base, version: 2 }).issues).toEqual([expect.objectContaining({ code: 'THEME_ASSESSMENT_REMOVED' })]);
  });
  it('reads Avro nulls as absent and refuses a bad origin at the field', () => {
    expect(check(null, { ...base, description: null, assessment: null, decision: null }).events).toHaveLength(1);
    const issue = check(null, { ...base, origin: 'sideways' }).issues[0];
    expect(issue).toMatchObject({ code: 'RECORD_INVALID', field: 'origin' });
    expect(isPlanningDomainError(issue)).toBe(false);
  });
});
