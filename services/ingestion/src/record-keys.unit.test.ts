import { anAreaStatistic } from '@sp/events/testing';
import { describe, expect, it } from 'vitest';
import { withRecordKeys } from './record-keys.js';

describe('record keys at ingestion', () => {
  const secret = 'the-tenant-secret-0123456789';
  it('gives every observation a key in [0, 1), the same for the same observation in every version', () => {
    const v1 = withRecordKeys(anAreaStatistic(), secret);
    const keys = v1.observations.map((o) => o.recordKey!);
    for (const k of keys) expect(k).toBeGreaterThanOrEqual(0);
    expect(new Set(keys).size).toBe(keys.length);
    const v2 = withRecordKeys({ ...anAreaStatistic(), version: 2, observations: anAreaStatistic().observations.map((o) => ({ ...o, value: o.value + 1 })) }, secret);
    expect(v2.observations.map((o) => o.recordKey)).toEqual(keys);
    expect(withRecordKeys(anAreaStatistic({ areaCode: '102' }), secret).observations.map((o) => o.recordKey)).not.toEqual(keys);
  });
});
