import { describe, expect, it } from 'vitest';
import { areaId, placeOffer } from './area.locator.js';
import { gridCityLocator } from './testing/grid-city.fixture.js';

const ids = (xs: { level: string; code: string }[]) => xs.map(areaId).sort();

describe('placeOffer (reach rules)', () => {
  it('a Stadtviertel offer serves its Viertel and counts up the hierarchy, incl. planning areas containing it', () => {
    const p = placeOffer(gridCityLocator, 50.01, 7.05, 'STADTVIERTEL')!;
    expect(ids(p.locatedIn)).toEqual(['SOZIALRAUM:SR1', 'STADT:0', 'STADTBEZIRK:1', 'STADTTEIL:101', 'STADTVIERTEL:10101']);
    expect(p.reachArea).toEqual({ level: 'STADTVIERTEL', code: '10101' });
    expect(ids(p.serves)).toEqual(['STADTVIERTEL:10101']);
    expect(ids(p.countsFor)).toEqual(['SOZIALRAUM:SR1', 'STADT:0', 'STADTBEZIRK:1', 'STADTTEIL:101', 'STADTVIERTEL:10101']);
  });

  it('a Stadtteil offer serves every Viertel of its Stadtteil but counts for no single Viertel', () => {
    const p = placeOffer(gridCityLocator, 50.07, 7.05, 'STADTTEIL')!;
    expect(ids(p.serves)).toEqual(['STADTTEIL:101', 'STADTVIERTEL:10101', 'STADTVIERTEL:10102']);
    expect(ids(p.countsFor)).toEqual(['SOZIALRAUM:SR1', 'STADT:0', 'STADTBEZIRK:1', 'STADTTEIL:101']);
  });

  it('a Bezirk offer does not count for a planning area that covers only part of the Bezirk', () => {
    const p = placeOffer(gridCityLocator, 50.07, 7.05, 'STADTBEZIRK')!;
    expect(ids(p.countsFor)).toEqual(['STADT:0', 'STADTBEZIRK:1']);
    // SR1 reaches into Bezirk 2, so the Bezirk offer does not serve it as a whole
    expect(ids(p.serves)).toEqual(['STADTBEZIRK:1', 'STADTTEIL:101', 'STADTTEIL:102', 'STADTVIERTEL:10101', 'STADTVIERTEL:10102']);
  });

  it('a citywide offer serves everything and counts only for the city', () => {
    const p = placeOffer(gridCityLocator, 50.15, 7.15, 'STADT')!;
    expect(ids(p.countsFor)).toEqual(['STADT:0']);
    expect(p.serves.map(areaId)).toContain('SOZIALRAUM:SR1');
    expect(p.serves).toHaveLength(1 + 2 + 3 + 3 + 1);
  });

  it('a Viertel-reach offer outside every Stadtviertel widens to its Stadtteil', () => {
    const p = placeOffer(gridCityLocator, 50.05, 7.15, 'STADTVIERTEL')!;
    expect(p.reachArea).toEqual({ level: 'STADTTEIL', code: '102' });
    expect(ids(p.countsFor)).toEqual(['STADT:0', 'STADTBEZIRK:1', 'STADTTEIL:102']);
  });

  it('returns null outside the city', () => {
    expect(placeOffer(gridCityLocator, 49.9, 7.05, 'STADTTEIL')).toBeNull();
  });
});
