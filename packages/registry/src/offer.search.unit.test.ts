import { describe, expect, it } from 'vitest';
import { buildOfferWhere, germanSubstringStem } from './offer.search.js';

describe('buildOfferWhere', () => {
  it('ANDs one fragment per filter and passes every value as a parameter', () => {
    const evil = "x'; DROP TABLE registry_offer; --";
    const { where, params, distance } = buildOfferWhere({
      offerTypes: ['kita'],
      targetGroups: ['alleinerziehende'],
      area: { level: 'STADTTEIL', code: '609' },
      provider: evil,
      text: evil,
      amts: ['jugendamt'],
      near: { lat: 51, lon: 6.9, radiusMeters: 500 },
      synthetic: true,
      validOn: '2025-01-01',
    });
    expect(where).not.toContain('DROP');
    expect(where).not.toContain('609');
    expect(params).toContain('609');
    expect(params).toContain(`%x'; DROP TABLE registry\\_offer; --%`);
    expect(where.split(' AND ').length).toBeGreaterThanOrEqual(9);
    expect(distance).toContain('asin');
  });

  it('an empty filter matches everything', () => {
    expect(buildOfferWhere({})).toEqual({ where: 'TRUE', params: [], distance: null });
  });

  it('rejects unknown filter fields instead of ignoring them', () => {
    expect(() => buildOfferWhere({ offerType: 'kita' } as never)).toThrow(/offerType/);
  });
});

describe('germanSubstringStem', () => {
  it('drops one inflection ending of longer words only', () => {
    expect(germanSubstringStem('Treffs')).toBe('Treff');
    expect(germanSubstringStem('Beratungsstellen')).toBe('Beratungsstell');
    expect(germanSubstringStem('Kinder')).toBe('Kind');
    expect(germanSubstringStem('Nord')).toBe('Nord');
    expect(germanSubstringStem('Kalk')).toBe('Kalk');
  });
});
