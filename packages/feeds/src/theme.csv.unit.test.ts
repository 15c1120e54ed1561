// A CSV of Sozialraum topics, as the Sozialraumkoordination keeps them in a spreadsheet: the nested
// area, assessment and decision are columns of their own; an empty assessment or decision group is
// none (the topic is only found, or not decided yet).
import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { parseCsvDelivery } from './csv.parser.js';
import { validateRecords } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

const ctx = { amt: 'planung', catalogue: FeedCatalogue.load(), taxonomy: Taxonomy.load(), spatial: fixtureSpatialChecks(), now: new Date('2025-06-15T00:00:00Z') };

const csv = [
  'key;version;areaLevel;areaCode;origin;title;foundDate;foundBy;assessmentDate;assessedBy;assessmentText;priority;decisionDate;decidedBy;outcome;measureKey;projectTitle;reason;example',
  'thema:kalk:spielplatz;1;SOZIALRAUM;kalk;bottom_up;Spielplatz fehlt;2025-02-03;SRK Kalk;;;;;;;;;;;false',
  'thema:kalk:schulweg;1;SOZIALRAUM;kalk;top_down;Schulweg;2025-02-20;Planung;2025-03-01;Sozialplanung;Verkehrsamt zuständig;low;2025-03-22;Lenkungskreis;closed;;;Verkehrsamt plant;false',
].join('\n');

describe('theme CSV', () => {
  it('reads nested groups from their columns, an empty group as none, and the rows pass the door', () => {
    const parsed = parseCsvDelivery('theme', csv);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const result = validateRecords('theme', parsed.rows, ctx);
    expect(result.ok ? [] : result.errors).toEqual([]);
    if (!result.ok) return;
    const [found, closed] = result.records.map((r) => r.record);
    expect(found).toMatchObject({ area: { level: 'SOZIALRAUM', code: 'kalk' }, origin: 'bottom_up', assessment: null, decision: null });
    expect(closed).toMatchObject({
      assessment: { date: '2025-03-01', assessedBy: 'Sozialplanung', text: 'Verkehrsamt zuständig', priority: 'low' },
      decision: { date: '2025-03-22', outcome: 'closed', measureKey: null, reason: 'Verkehrsamt plant' },
    });
  });
});
