// The example topics of the demo (koeln-themes.demo.json): accepted by the deciders after the Köln
// demo whose measures they name, every one labelled as example, and their core-process figures.
import { describe, expect, it } from 'vitest';
import { coreProcessIndicators } from '../controlling/core-process.compute.js';
import { replayPlanningRecords } from '../records/planning-records.replay.js';
import { koelnThemesPath, readKoelnDemo } from './koeln-demo.loader.js';

const demo = readKoelnDemo();
const themes = readKoelnDemo(koelnThemesPath);
const replay = replayPlanningRecords([...demo.deliveries, ...themes.deliveries]);

describe('Köln demo: topics of the Sozialräume', () => {
  it('is accepted after the Köln demo, one topic step by step, all labelled as example', () => {
    expect(replay.rejected.map((r) => `${r.delivery.deliveryId}: ${r.error.message}`)).toEqual([]);
    expect(themes.deliveries.every((d) => d.recordType === 'theme' && (d.record as { example?: unknown }).example === true)).toBe(true);
    expect(replay.events.filter((e) => e.metadata.recordKey === 'thema:blumenberg-chorweiler-seeberg-nord:beratung').map((e) => e.type)).toEqual(['ThemeRecorded', 'ThemeAssessed', 'ThemeDecided']);
  });

  it('gives core-process figures per Sozialraum and year at the demo’s reference date', () => {
    const rows = coreProcessIndicators({
      themes: [...replay.themes.values()].map((t) => t.record),
      measures: [...replay.measures.values()].map((m) => m.record),
      milestones: [...replay.milestones.values()].map((m) => m.record),
      statusReports: [...replay.statusReports.values()].map((r) => r.record),
      referenceDate: themes.referenceDate,
    });
    expect(
      rows.map((r) => [r.area.code, r.year, r.found, r.assessed, r.decided, r.turnedIntoMeasures, r.turnedIntoProjects, r.closed, r.medianDaysToDecision, r.linkedMeasures, r.linkedMeasuresOnTime]),
    ).toEqual([
      // the Familienbüro started 31 days late: not on time
      ['blumenberg-chorweiler-seeberg-nord', 2022, 1, 1, 1, 1, 0, 0, 98, 1, 0],
      // the Lernhaus ended late
      ['hoehenberg-vingst', 2022, 1, 1, 1, 1, 0, 0, 104, 1, 0],
      ['kalk', 2022, 1, 1, 1, 1, 0, 0, 84, 1, 1],
      ['kalk', 2024, 1, 1, 1, 0, 0, 1, 42, 0, 0],
      ['kalk', 2025, 1, 1, 0, 0, 0, 0, null, 0, 0],
      ['muelheim-nord-keupstrasse-stammheim', 2024, 1, 1, 1, 0, 1, 0, 77, 0, 0],
      ['muelheim-nord-keupstrasse-stammheim', 2025, 1, 0, 0, 0, 0, 0, null, 0, 0],
    ]);
  });
});
