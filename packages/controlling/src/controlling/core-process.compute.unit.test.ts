import { describe, expect, it } from 'vitest';
import type { MeasureRecord, MilestoneRecord, ThemeRecord } from '../records/planning-records.schema.js';
import { coreProcessIndicators, median } from './core-process.compute.js';

const kalk = { level: 'SOZIALRAUM', code: 'kalk' };
const vingst = { level: 'SOZIALRAUM', code: 'hoehenberg-vingst' };
let n = 0;
const theme = (over: Partial<ThemeRecord> = {}): ThemeRecord => ({
  key: `thema:${n++}`,
  version: 1,
  area: kalk,
  origin: 'bottom_up',
  title: 'Thema',
  foundDate: '2025-02-01',
  foundBy: 'SRK',
  example: false,
  ...over,
});
const assessment = (date: string) => ({ date, assessedBy: 'SP', text: 'kurz bewertet', priority: 'medium' as const });
const decision = (date: string, outcome: 'measure' | 'project' | 'closed', extra: object = {}) => ({ date, decidedBy: 'LK', outcome, ...extra });
const measure = (key: string, over: Partial<MeasureRecord> = {}): MeasureRecord => ({
  key,
  version: 1,
  title: key,
  goalKeys: [],
  areas: [kalk],
  targetGroups: [],
  leadAmt: 'jugendamt',
  participants: [],
  budget: [],
  plannedStart: '2025-05-01',
  plannedEnd: '2026-12-31',
  status: 'in_progress',
  actualStart: '2025-05-01',
  example: false,
  ...over,
});
const milestone = (measureKey: string, plannedDate: string, over: Partial<MilestoneRecord> = {}): MilestoneRecord => ({
  key: `ms:${measureKey}:${plannedDate}`,
  version: 1,
  measureKey,
  title: 'Meilenstein',
  plannedDate,
  reached: false,
  example: false,
  ...over,
});

describe('core-process indicators', () => {
  it('median of odd and even counts, none of nothing', () => {
    expect(median([30, 10, 20])).toBe(20);
    expect(median([10, 20, 40, 30])).toBe(25);
    expect(median([])).toBeNull();
  });

  it('counts topics per Sozialraum and year of finding along their path', () => {
    const themes = [
      theme({ origin: 'top_down' }), // found only
      theme({ assessment: assessment('2025-02-10') }), // assessed, open
      theme({ assessment: assessment('2025-02-10'), decision: decision('2025-03-03', 'measure', { measureKey: 'm-on-time' }) }), // 30 days
      theme({ assessment: assessment('2025-02-10'), decision: decision('2025-03-13', 'measure', { measureKey: 'm-late' }) }), // 40 days
      theme({ assessment: assessment('2025-02-10'), decision: decision('2025-02-11', 'closed', { reason: 'erledigt' }) }), // 10 days
      theme({ foundDate: '2024-11-05', assessment: assessment('2024-12-01'), decision: decision('2025-01-10', 'project', { projectTitle: 'P' }) }),
      theme({ area: vingst, foundDate: '2025-06-01' }),
    ];
    const measures = [measure('m-on-time'), measure('m-late')];
    const milestones = [milestone('m-on-time', '2025-09-30', { reached: true, actualDate: '2025-09-20' }), milestone('m-late', '2025-08-31')];
    const rows = coreProcessIndicators({ themes, measures, milestones, statusReports: [], referenceDate: '2025-11-30' });
    expect(rows.map((r) => [r.area.code, r.year])).toEqual([
      ['hoehenberg-vingst', 2025],
      ['kalk', 2024],
      ['kalk', 2025],
    ]);
    expect(rows[2]).toEqual({
      area: kalk,
      year: 2025,
      found: 5,
      foundBottomUp: 4,
      foundTopDown: 1,
      assessed: 4,
      decided: 3,
      turnedIntoMeasures: 2,
      turnedIntoProjects: 0,
      closed: 1,
      medianDaysToDecision: 30,
      linkedMeasures: 2,
      // m-late: its milestone is 91 days overdue (MILESTONE_OVERDUE_LONG)
      linkedMeasuresOnTime: 1,
      shareOnTime: 0.5,
    });
    expect(rows[1]).toMatchObject({ found: 1, turnedIntoProjects: 1, medianDaysToDecision: 66, linkedMeasures: 0, shareOnTime: null });
    expect(rows[0]).toMatchObject({ found: 1, assessed: 0, decided: 0, medianDaysToDecision: null });
  });

  it('judges only measures under way: a proposed, cancelled or missing measure is not in the share', () => {
    const themes = ['m-proposed', 'm-cancelled', 'm-gone', 'm-end-slipped'].map((k) => theme({ assessment: assessment('2025-02-10'), decision: decision('2025-03-01', 'measure', { measureKey: k }) }));
    const measures = [
      measure('m-proposed', { status: 'proposed', actualStart: undefined }),
      measure('m-cancelled', { status: 'cancelled' }),
      // planned to end 2025-06-30, still running at the reference date: end slipped > 30 days
      measure('m-end-slipped', { plannedEnd: '2025-06-30' }),
    ];
    const [row] = coreProcessIndicators({ themes, measures, milestones: [], statusReports: [], referenceDate: '2025-11-30' });
    expect(row).toMatchObject({ turnedIntoMeasures: 4, linkedMeasures: 1, linkedMeasuresOnTime: 0, shareOnTime: 0 });
  });
});
