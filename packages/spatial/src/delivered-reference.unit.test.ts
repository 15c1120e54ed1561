// A reference made of delivered area-level and area records (docs/spatial-reference.md): the
// hierarchy ordered by nesting whatever the names, a reform's areas by date, a union level like
// Hamburg's joined statistical units (Stadtteil-Profile: "Kleiner Grasbrook und Steinwerder") with
// the union of its members' boundaries, and what cannot be placed named instead of guessed.
import { describe, expect, it } from 'vitest';
import { buildDeliveredReference, type DeliveredArea, type DeliveredLevel } from './delivered-reference.js';

const square = (lon: number, lat: number) =>
  JSON.stringify({
    type: 'Polygon',
    coordinates: [
      [
        [lon, lat],
        [lon + 0.01, lat],
        [lon + 0.01, lat + 0.01],
        [lon, lat + 0.01],
        [lon, lat],
      ],
    ],
  });

const level = (l: Partial<DeliveredLevel> & { level: string }): DeliveredLevel => ({ label: l.level, parentLevel: null, kind: 'hierarchy', coverage: 'complete', ...l });
const area = (a: Partial<DeliveredArea> & { level: string; code: string }): DeliveredArea => ({
  name: a.code,
  parent: null,
  members: [],
  validFrom: '2000-01-01',
  validTo: null,
  geometry: null,
  ...a,
});

// delivered in any order: the finer level first
const levels = [
  level({ level: 'STADTTEIL', label: 'Stadtteil', parentLevel: 'BEZIRK' }),
  level({ level: 'STADT', label: 'Stadt' }),
  level({ level: 'BEZIRK', label: 'Bezirk', parentLevel: 'STADT' }),
  level({ level: 'STADTTEILVERBUND', label: 'Zusammengefasste Stadtteile', kind: 'union' }),
];
const areas = [
  area({ level: 'STADT', code: '0', name: 'Hamburg' }),
  area({ level: 'BEZIRK', code: '1', name: 'Hamburg-Mitte', parent: '0' }),
  area({ level: 'STADTTEIL', code: '0117', name: 'Kleiner Grasbrook', parent: '1', geometry: square(9.99, 53.53) }),
  area({ level: 'STADTTEIL', code: '0118', name: 'Steinwerder', parent: '1', geometry: square(10.0, 53.53) }),
  area({ level: 'STADTTEIL', code: '0119', name: 'Alt-Süd', parent: '1', validTo: '2019-12-31', geometry: square(10.01, 53.53) }),
  area({ level: 'STADTTEIL', code: '0120', name: 'Neu-Süd', parent: '1', validFrom: '2020-01-01', geometry: square(10.01, 53.53) }),
  area({
    level: 'STADTTEILVERBUND',
    code: '0117-0118',
    name: 'Kleiner Grasbrook und Steinwerder',
    members: [
      { level: 'STADTTEIL', code: '0117' },
      { level: 'STADTTEIL', code: '0118' },
    ],
  }),
];

describe('buildDeliveredReference', () => {
  const { reference, skipped } = buildDeliveredReference({ id: 'hamburg', name: 'Hamburg' }, levels, areas);

  it('orders the hierarchy by nesting and keeps union levels as planning levels', () => {
    expect(reference.hierarchyLevels).toEqual(['STADT', 'BEZIRK', 'STADTTEIL']);
    expect(reference.planningLevels).toEqual(['STADTTEILVERBUND']);
    expect(reference.basisLevel).toBe('STADTTEIL');
    expect(reference.levels.map((l) => [l.level, l.label, l.hasGeometry])).toEqual([
      ['STADT', 'Stadt', false],
      ['BEZIRK', 'Bezirk', false],
      ['STADTTEIL', 'Stadtteil', true],
      ['STADTTEILVERBUND', 'Zusammengefasste Stadtteile', true],
    ]);
    expect(skipped).toEqual([]);
  });

  it('answers each date with the areas valid then', () => {
    expect(reference.areas('STADTTEIL', { at: '2019-06-30' }).map((a) => a.code)).toEqual(['0117', '0118', '0119']);
    expect(reference.areas('STADTTEIL', { at: '2020-01-01' }).map((a) => a.code)).toEqual(['0117', '0118', '0120']);
    expect(reference.get('STADTTEIL', '0119', { at: '2020-01-01' })).toBeUndefined();
    expect(reference.get('BEZIRK', '1')?.children.map((c) => c.code)).toEqual(['0117', '0118', '0119', '0120']);
  });

  it('draws a union without a boundary of its own as the union of its members', () => {
    const unit = reference.get('STADTTEILVERBUND', '0117-0118')!;
    expect(unit.members).toEqual([
      { level: 'STADTTEIL', code: '0117' },
      { level: 'STADTTEIL', code: '0118' },
    ]);
    expect(unit.geometry.type).toBe('MultiPolygon');
    expect(unit.bbox.minLon).toBeCloseTo(9.99, 6);
    expect(unit.bbox.maxLon).toBeCloseTo(10.01, 6);
    expect(unit.areaM2).toBeGreaterThan(reference.get('STADTTEIL', '0117')!.areaM2 * 1.9);
  });

  it('leaves out and names what cannot be placed', () => {
    const broken = buildDeliveredReference(
      { id: 'x', name: 'X' },
      [...levels, level({ level: 'ORTSTEIL', parentLevel: 'GEMARKUNG' })],
      [
        ...areas,
        area({ level: 'STADTTEIL', code: '0999', parent: '7' }),
        area({ level: 'STADTTEILVERBUND', code: 'x', members: [{ level: 'STADTTEIL', code: '4711' }] }),
        area({ level: 'ORTSTEIL', code: '1' }),
      ],
    );
    expect(broken.reference.hierarchyLevels).toEqual(['STADT', 'BEZIRK', 'STADTTEIL']);
    expect(broken.skipped.map((s) => `${s.level} ${s.code}: ${s.reason}`)).toEqual([
      'STADTTEIL 0999: parent BEZIRK 7 was not delivered',
      'STADTTEILVERBUND x: members not delivered: STADTTEIL 4711',
      'ORTSTEIL 1: level ORTSTEIL is not a delivered level of the hierarchy or a union level',
    ]);
  });
});
