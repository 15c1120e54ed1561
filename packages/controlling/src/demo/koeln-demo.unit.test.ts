import { describe, expect, it } from 'vitest';
import { goalHistory } from '../goal/goal.decider.js';
import { controllingForArea, controllingForGoal } from '../controlling/controlling.compute.js';
import { replayPlanningRecords } from '../records/planning-records.replay.js';
import { readKoelnDemo } from './koeln-demo.loader.js';

const demo = readKoelnDemo();
const replay = replayPlanningRecords(demo.deliveries);
const data = {
  goals: [...replay.goals.values()].map((g) => g.record),
  measures: [...replay.measures.values()].map((m) => m.record),
  milestones: [...replay.milestones.values()].map((m) => m.record),
  statusReports: [...replay.statusReports.values()].map((r) => r.record),
};
const options = { referenceDate: demo.referenceDate };

describe('Köln demo', () => {
  it('is accepted by the deciders in delivery order, and every goal and measure is labelled as example', () => {
    expect(replay.rejected.map((r) => `${r.delivery.deliveryId}: ${r.error.message}`)).toEqual([]);
    // milestones and status reports have no example flag in their record schema; they belong to
    // example measures
    const labelled = demo.deliveries.filter((d) => d.recordType === 'goal' || d.recordType === 'measure');
    expect(labelled.length).toBeGreaterThan(5);
    expect(labelled.every((d) => (d.record as { example?: unknown }).example === true)).toBe(true);
    expect(replay.events.length).toBeGreaterThan(demo.deliveries.length);
  });

  it('contains a measure going proposed → decided → in_progress and a revised goal with all its versions', () => {
    const familienbuero = demo.deliveries.filter((d) => (d.record as { key: string }).key === 'massnahme:blumenberg-chorweiler-seeberg-nord:familienbuero');
    expect(familienbuero.map((d) => (d.record as { status: string }).status)).toEqual(['proposed', 'decided', 'in_progress', 'in_progress']);
    const goal = replay.goals.get('ziel:sr:blumenberg-chorweiler-seeberg-nord:sgb2')?.state;
    expect(goal && goalHistory(goal).map((v) => [v.version, v.status, v.content.targetValue])).toEqual([
      [1, 'draft', 28],
      [2, 'adopted', 28],
      [3, 'revised', 29],
    ]);
  });

  it('gives the expected traffic lights at the reference date', () => {
    const lights = Object.fromEntries(
      data.measures.map((m) => {
        const row = controllingForArea(data, m.areas[0]!, options).measures.find((x) => x.key === m.key)!;
        return [m.key.split(':').at(-1), [row.trafficLight, row.reasons]];
      }),
    );
    expect(lights).toEqual({
      familienbuero: ['red', ['MILESTONE_OVERDUE_LONG', 'START_SLIPPED', 'REPORTED_YELLOW', 'REPORT_MISSING_OR_STALE']],
      'netzwerk-alleinerziehende': ['green', []],
      lernhaus: ['yellow', ['END_SLIPPED']],
      quartiersfonds: ['grey', ['STATUS_CANCELLED']],
    });
  });

  it('links Sozialraum goals under the Perspektiven-2030+ goals', () => {
    const view = controllingForGoal(data, 'ziel:p2030:ls3:kinderarmut', options);
    expect(view?.subGoalKeys).toEqual(['ziel:sr:blumenberg-chorweiler-seeberg-nord:sgb2', 'ziel:sr:hoehenberg-vingst:sgb2', 'ziel:sr:muelheim-nord-keupstrasse-stammheim:teilhabe']);
    expect(view?.measures.map((m) => m.key.split(':').at(-1))).toEqual(['familienbuero', 'lernhaus', 'quartiersfonds']);
  });

  it('rejects a later delivery that spends on the cancelled Quartiersfonds', () => {
    const cancelled = demo.deliveries.findLast((d) => (d.record as { key: string }).key.endsWith(':quartiersfonds'))!;
    const record = cancelled.record as { version: number; budget: { year: number; planned: number; spent: number }[] };
    const bad = { ...cancelled, deliveryId: 'bad', record: { ...record, version: record.version + 1, budget: [{ year: 2025, planned: 25000, spent: 5000 }] } };
    const r = replayPlanningRecords([...demo.deliveries, bad]);
    expect(r.rejected.map((x) => x.error.code)).toEqual(['MEASURE_CANCELLED_NO_SPENDING']);
  });
});
