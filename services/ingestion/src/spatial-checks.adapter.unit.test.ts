import { loadReference } from '@sp/spatial';
import { describe, expect, it } from 'vitest';
import { spatialChecksFrom } from './spatial-checks.adapter.js';

describe('spatialChecksFrom', () => {
  const reference = loadReference('koeln');
  const checks = spatialChecksFrom(reference);

  it("gives each area's validity as the reference has it, for every level, and [] for an unknown code", () => {
    for (const level of checks.levels()) {
      const areas = reference.areas(level, { all: true });
      expect(areas.length).toBeGreaterThan(0);
      for (const code of new Set(areas.map((a) => a.code))) {
        const expected = areas.filter((a) => a.code === code).map((a) => ({ validFrom: a.validFrom, validTo: a.validTo }));
        expect(checks.validity(level, code)).toEqual(expected);
      }
      expect(checks.validity(level, 'no-such-code')).toEqual([]);
    }
    expect(checks.validity('NO_SUCH_LEVEL', '101')).toEqual([]);
  });

  // issue 17: validation asks once per record; a batch of 1,000 took ~5 s when every call sorted the level
  it('answers a thousand look-ups of one level without re-reading the reference', () => {
    const started = performance.now();
    for (let i = 0; i < 1000; i++) checks.validity('STADTTEIL', '101');
    expect(performance.now() - started).toBeLessThan(2000); // re-reading the reference per call: ~5 s
  });
});
