import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from './partitioner.js';

describe('partitionForKey', () => {
  it('matches Kafka’s murmur2 reference values', () => {
    // reference values from the Java client's Utils.murmur2 test
    expect(murmur2(Buffer.from('21'))).toBe(-973932308);
    expect(murmur2(Buffer.from('foobar'))).toBe(-790332482);
    expect(murmur2(Buffer.from('a-little-bit-long-string'))).toBe(-985981536);
    expect(murmur2(Buffer.from('a-little-bit-longer-string'))).toBe(-1486304829);
    expect(murmur2(Buffer.from('lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8'))).toBe(-58897971);
  });

  it('is stable and within range', () => {
    for (const key of ['a', 'b', 'stadtteil:101', 'ü']) {
      const p = partitionForKey(key, 4);
      expect(p).toBeGreaterThanOrEqual(0);
      expect(p).toBeLessThan(4);
      expect(partitionForKey(key, 4)).toBe(p);
    }
  });
});
