// The spatial reference as delivered data (docs/spatial-reference.md): area-level and area records
// are checked like every record type — what, where and what would be accepted.
import { anArea, anAreaLevel } from '@sp/events/testing';
import { describe, expect, it } from 'vitest';
import { FeedCatalogue } from './catalogue.js';
import { validateRecords, type ValidationContext } from './record.validators.js';
import { Taxonomy } from './taxonomy.js';
import { fixtureSpatialChecks } from './testing/spatial.fixture.js';

const ctx = (deliveredLevels?: string[]): ValidationContext => ({
  amt: 'statistik',
  catalogue: FeedCatalogue.load(),
  taxonomy: Taxonomy.load(),
  spatial: fixtureSpatialChecks(),
  now: new Date('2025-06-15T00:00:00Z'),
  ...(deliveredLevels ? { deliveredLevels } : {}),
});
const square = {
  type: 'Polygon',
  coordinates: [
    [
      [7, 51],
      [7.01, 51],
      [7.01, 51.01],
      [7, 51.01],
      [7, 51],
    ],
  ],
};

function errorsOf(recordType: 'area' | 'area-level', value: unknown, deliveredLevels?: string[]) {
  const r = validateRecords(recordType, [{ row: 0, value }], ctx(deliveredLevels));
  return r.ok ? [] : r.errors.map((e) => ({ field: e.field, code: e.code }));
}

describe('area-level and area records', () => {
  it('derives the keys and takes a GeoJSON geometry object as its text', () => {
    const { key: _k, ...rest } = anArea({ level: 'GEMEINDE', code: '7', validFrom: '2020-01-01' });
    const r = validateRecords('area', [{ row: 0, value: { ...rest, geometry: square } }], ctx(['GEMEINDE']));
    expect(r.ok && r.records[0]!.record).toMatchObject({ key: 'GEMEINDE|7|2020-01-01', geometry: JSON.stringify(square) });
    const { key: _l, ...level } = anAreaLevel({ level: 'ORTSTEIL', parentLevel: 'GEMEINDE' });
    const l = validateRecords('area-level', [{ row: 0, value: level }], ctx());
    expect(l.ok && l.records[0]!.record.key).toBe('ORTSTEIL');
  });

  it('accepts a level delivered a moment ago and refuses one nobody delivered', () => {
    expect(errorsOf('area', anArea({ level: 'GEMEINDE' }))).toEqual([{ field: 'level', code: 'UNKNOWN_AREA_LEVEL' }]);
    expect(errorsOf('area', anArea({ level: 'GEMEINDE' }), ['GEMEINDE'])).toEqual([]);
    expect(errorsOf('area', anArea({ level: 'STADTTEIL', code: '101', parent: '1' }))).toEqual([]);
  });

  it('refuses level names, spans, keys and boundaries that cannot be right', () => {
    expect(errorsOf('area-level', anAreaLevel({ level: 'Gemeinde', key: 'Gemeinde' }))).toEqual([{ field: 'level', code: 'INVALID_VALUE' }]);
    expect(errorsOf('area-level', anAreaLevel({ level: 'SR', parentLevel: 'SR' }))).toEqual([{ field: 'parentLevel', code: 'INVALID_VALUE' }]);
    expect(errorsOf('area-level', anAreaLevel({ level: 'SR', parentLevel: 'GEMEINDE', kind: 'union' }))).toEqual([{ field: 'parentLevel', code: 'INVALID_VALUE' }]);
    const at = (o: Parameters<typeof anArea>[0]) => errorsOf('area', anArea({ level: 'GEMEINDE', ...o }), ['GEMEINDE']);
    expect(at({ validFrom: '2020-01-01', validTo: '2019-12-31' }).map((e) => e.field)).toEqual(['validTo']);
    expect(at({ key: 'GEMEINDE|1|1999-01-01' })).toEqual([{ field: 'key', code: 'KEY_MISMATCH' }]);
    expect(at({ geometry: JSON.stringify({ type: 'Point', coordinates: [7, 51] }) })).toEqual([{ field: 'geometry', code: 'INVALID_COORDINATES' }]);
    expect(
      at({
        geometry: JSON.stringify({
          type: 'Polygon',
          coordinates: [
            [
              [51, 700],
              [7, 51],
              [7, 52],
              [51, 700],
            ],
          ],
        }),
      }),
    ).toEqual([{ field: 'geometry', code: 'INVALID_COORDINATES' }]);
    expect(at({ geometry: '{not json' })).toEqual([{ field: 'geometry', code: 'INVALID_VALUE' }]);
    expect(at({ parent: '0', members: [{ level: 'GEMEINDE', code: '2' }] })).toEqual([{ field: 'members', code: 'INVALID_VALUE' }]);
  });
});
