import { describe, expect, it } from 'vitest';
import { createPlanningTransitionCheck, decidePlanningRecord, measureFactsFromRecord } from './planning-transition.check.js';

const measure = {
  key: 'm',
  version: 1,
  title: 'Maßnahme',
  goalKeys: [],
  areas: [],
  targetGroups: [],
  leadAmt: '51',
  participants: [],
  budget: [],
  plannedStart: '2024-01-01',
  plannedEnd: '2024-12-31',
  status: 'decided',
  example: true,
};
const base = { deliveryId: 'd', actor: 'a', at: '2025-01-01T00:00:00Z' };
const facts = { m: measureFactsFromRecord({ key: 'm', status: 'decided' }) };
const check = createPlanningTransitionCheck((k) => facts[k as 'm']);

describe('planning transition check (ingestion)', () => {
  it('accepts a legal version and returns its events', () => {
    const r = decidePlanningRecord({ ...base, recordType: 'measure', previous: measure, next: { ...measure, version: 2, status: 'in_progress', actualStart: '2024-02-01' } }, () => undefined);
    expect(r.issues).toEqual([]);
    expect(r.events.map((e) => e.type)).toEqual(['MeasureStarted']);
  });
  it('reports an illegal transition with the decider code and field', () => {
    expect(check({ ...base, recordType: 'measure', previous: measure, next: { ...measure, version: 2, status: 'completed', actualEnd: '2024-12-01' } })).toEqual([
      { field: 'status', code: 'MEASURE_NOT_STARTED', message: expect.stringMatching(/never started/) },
    ]);
  });
  it('uses the resolved measure facts for milestones', () => {
    const ms = { key: 'ms', version: 1, measureKey: 'm', title: 't', plannedDate: '2024-06-01', reached: true, actualDate: '2024-06-02' };
    expect(check({ ...base, recordType: 'milestone', previous: null, next: ms }).map((i) => i.code)).toEqual(['MILESTONE_BEFORE_MEASURE_START']);
    expect(check({ ...base, recordType: 'milestone', previous: null, next: { ...ms, measureKey: 'x' } }).map((i) => i.code)).toEqual(['MILESTONE_MEASURE_UNKNOWN']);
  });
  it('reports an invalid record as RECORD_INVALID', () => {
    expect(check({ ...base, recordType: 'goal', previous: undefined, next: { key: 'g' } })[0]?.code).toBe('RECORD_INVALID');
  });
});
