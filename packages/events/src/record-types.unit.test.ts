import { describe, expect, it } from 'vitest';
import { defaultTopology, recordTypes, topology } from './record-types.js';

describe('topology', () => {
  it('names one topic per record type under its prefix; the default is records. with 4 partitions', () => {
    expect(defaultTopology).toMatchObject({ prefix: 'records.', partitions: 4 });
    expect(recordTypes.map((t) => defaultTopology.topicFor(t))).toEqual([
      'records.area-statistic',
      'records.offer',
      'records.goal',
      'records.measure',
      'records.milestone',
      'records.status-report',
      'records.theme',
      'records.scenario',
      'records.area-level',
      'records.area',
      'records.indicator-definition',
      'records.dataset',
    ]);
    const t = topology({ prefix: 'tenant-a.', partitions: 2 });
    expect(t.partitions).toBe(2);
    expect(t.topicFor('goal')).toBe('tenant-a.goal');
  });

  it('refuses a prefix a topic name cannot carry and a partition count below 1, saying what is accepted', () => {
    expect(() => topology({ prefix: 'a b' })).toThrow(/topic prefix "a b": only letters, digits/);
    expect(() => topology({ partitions: 0 })).toThrow(/positive integer is accepted, got 0/);
    expect(() => topology({ partitions: 1.5 })).toThrow(/positive integer/);
  });
});
