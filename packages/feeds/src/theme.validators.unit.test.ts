// The door's checks of a Sozialraum topic (record type theme): its area exists and existed when the
// topic was found, its dates are ISO dates not in the future, its fields have the accepted values.
// The path itself (assessed before decided …) is the theme decider's (@sp/controlling).
import { aTheme } from '@sp/events/testing';
import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { validateRecords, type ValidationContext } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

const ctx: ValidationContext = { amt: 'planung', catalogue: FeedCatalogue.load(), taxonomy: Taxonomy.load(), spatial: fixtureSpatialChecks(), now: new Date('2025-06-15T00:00:00Z') };
const errorsOf = (value: unknown) => {
  const r = validateRecords('theme', [{ row: 0, value }], ctx);
  return r.ok ? [] : r.errors;
};
const assessment = { date: '2025-03-10', assessedBy: 'Sozialplanung', text: 'kurz bewertet', priority: 'high' as const };

describe('theme records at the door', () => {
  it('accepts a topic found, assessed and decided; only the planning staff deliver topics', () => {
    expect(errorsOf(aTheme({ assessment, decision: { date: '2025-04-14', decidedBy: 'LK', outcome: 'closed', measureKey: null, projectTitle: null, reason: 'erledigt' } }))).toEqual([]);
    expect(ctx.catalogue.mayDeliver('planung', 'theme')).toBe(true);
    expect(ctx.catalogue.mayDeliver('jugendamt', 'theme')).toBe(false);
  });

  it('refuses an unknown area, one dissolved before the finding, and bad or future dates, each at its field', () => {
    expect(errorsOf(aTheme({ area: { level: 'SOZIALRAUM', code: 'atlantis' } }))).toMatchObject([{ field: 'area.code', code: 'UNKNOWN_AREA' }]);
    // chorweiler (fixture) was a Sozialraum 2006–2019
    expect(errorsOf(aTheme({ area: { level: 'SOZIALRAUM', code: 'chorweiler' } })).map((e) => e.field)).toEqual(['area.code']);
    expect(errorsOf(aTheme({ foundDate: '2025-02-30' }))).toMatchObject([{ field: 'foundDate', code: 'BAD_DATE' }]);
    expect(errorsOf(aTheme({ assessment: { ...assessment, date: '2025-07-01' } }))).toMatchObject([{ field: 'assessment.date', code: 'FUTURE_DATE' }]);
  });

  it('refuses an origin, priority or outcome it does not know, saying what is accepted', () => {
    const errors = errorsOf({ ...aTheme({ assessment: { ...assessment, priority: 'urgent' as never } }), origin: 'sideways' });
    expect(errors.map((e) => [e.field, e.accepted])).toEqual(
      expect.arrayContaining([
        ['origin', 'one of bottom_up | top_down'],
        ['assessment.priority', 'one of high | medium | low'],
      ]),
    );
  });
});
