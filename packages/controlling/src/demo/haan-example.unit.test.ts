// The example project after the Haan status report (issue 18): its work-package table — planned
// and actual period of each work package, milestones M1–M10 — as planning records the deciders
// accept in delivery order, and the controlling figures that table implies.
import { describe, expect, it } from 'vitest';
import { controllingForArea } from '../controlling/controlling.compute.js';
import { replayPlanningRecords } from '../records/planning-records.replay.js';
import { haanExamplePath, readKoelnDemo } from './koeln-demo.loader.js';

const demo = readKoelnDemo(haanExamplePath);
const replay = replayPlanningRecords(demo.deliveries);
const measures = [...replay.measures.values()].map((m) => m.record);
const milestones = [...replay.milestones.values()].map((m) => m.record);

describe('Haan example project', () => {
  it('is accepted by the deciders in delivery order and labelled as example', () => {
    expect(replay.rejected.map((r) => `${r.delivery.deliveryId}: ${r.error.message}`)).toEqual([]);
    expect(demo.deliveries.filter((d) => d.recordType === 'goal' || d.recordType === 'measure').every((d) => (d.record as { example: boolean }).example)).toBe(true);
  });

  it('reproduces the work-package table: planned and actual period, milestones M1–M10', () => {
    const table = measures.map((m) => [
      m.title,
      m.plannedStart,
      m.plannedEnd,
      m.actualStart,
      m.actualEnd,
      m.status,
      milestones.filter((s) => s.measureKey === m.key).map((s) => s.title.split(' ')[0]),
    ]);
    expect(table).toEqual([
      ['AP 1: Einstellung der Sozialplanerin / des Sozialplaners', '2023-01-01', '2023-03-31', '2023-10-01', '2023-12-31', 'completed', ['M1']],
      ['AP 2: Einarbeitung', '2023-01-01', '2023-03-31', '2024-01-01', '2024-03-31', 'completed', ['M2']],
      ['AP 3: Vorbereitung des Planungsprozesses', '2023-04-01', '2023-06-30', '2024-01-01', '2024-03-31', 'completed', ['M3', 'M4']],
      ['AP 4: Statistische Erhebung', '2023-07-01', '2023-12-31', '2024-04-01', '2024-09-30', 'completed', ['M5', 'M6']],
      ['AP 5: Bedarfsermittlung', '2024-01-01', '2024-03-31', '2024-10-01', '2024-12-31', 'completed', ['M7']],
      ['AP 6: Entwicklungsziele', '2024-04-01', '2024-06-30', '2025-01-01', '2025-03-31', 'completed', ['M8']],
      ['AP 7: Sozialberichterstattung', '2024-07-01', '2024-12-31', '2025-04-01', '2025-09-30', 'completed', ['M9', 'M10']],
    ]);
    expect(milestones.every((s) => s.reached && s.actualDate)).toBe(true);
  });

  it('shows every work package finished late in the controlling', () => {
    const rows = controllingForArea(
      { goals: [...replay.goals.values()].map((g) => g.record), measures, milestones, statusReports: [] },
      { level: 'STADTBEZIRK', code: '1' },
      { referenceDate: demo.referenceDate },
    ).measures;
    expect(rows).toHaveLength(7);
    for (const r of rows)
      expect(
        r.reasons.some((reason) => reason.startsWith('END_SLIPPED')),
        `${r.key}: ${r.reasons.join(', ')}`,
      ).toBe(true);
  });
});
